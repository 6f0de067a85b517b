#include "store/company_repository.hpp"

#include "store/database.hpp"
#include "store/detail/rows.hpp"
#include "store/detail/session.hpp"

namespace risklab::store {
namespace {

constexpr std::size_t kChunk = 500;

void select_ids(soci::session& sql, Backend backend, const std::vector<std::string>& external_ids,
                std::unordered_map<std::string, long long>& out) {
  if (external_ids.empty()) return;
  detail::Row values(external_ids.begin(), external_ids.end());
  detail::Binder binder(values);
  long long id = 0;
  std::string external_id;
  soci::statement st(sql);
  st.exchange(soci::into(id));
  st.exchange(soci::into(external_id));
  binder.bind(st);
  st.alloc();
  st.prepare("SELECT id, external_id FROM companies WHERE external_id IN (" +
             detail::placeholders(backend, values.size()) + ")");
  st.define_and_bind();
  st.execute(false);
  while (st.fetch()) out[external_id] = id;
}

}  // namespace

std::unordered_map<std::string, long long> CompanyRepository::ensure(
    Transaction& tx, const std::vector<CompanyRecord>& companies, const std::string& created_at) {
  std::unordered_map<std::string, long long> ids;
  auto& sql = detail::sql(tx);
  try {
    for (std::size_t start = 0; start < companies.size(); start += kChunk) {
      const std::size_t end = std::min(companies.size(), start + kChunk);
      std::vector<std::string> wanted;
      for (std::size_t i = start; i < end; ++i) wanted.push_back(companies[i].external_id);
      select_ids(sql, tx.database().backend(), wanted, ids);

      std::vector<detail::Row> missing;
      std::vector<std::string> missing_ids;
      for (std::size_t i = start; i < end; ++i) {
        const auto& company = companies[i];
        if (ids.contains(company.external_id)) continue;
        ids[company.external_id] = 0;  // guards against a repeated id within the chunk
        missing.push_back({company.external_id, company.name, created_at});
        missing_ids.push_back(company.external_id);
      }
      detail::insert_rows(sql, tx.database().backend(), "companies",
                          {{"external_id"}, {"name"}, {"created_at"}}, missing);
      select_ids(sql, tx.database().backend(), missing_ids, ids);
    }
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "storing companies");
  }
  return ids;
}

std::optional<CompanyRecord> CompanyRepository::find_by_external_id(Transaction& tx,
                                                                   const std::string& external_id) {
  try {
    soci::rowset<soci::row> rows =
        (detail::sql(tx).prepare << "SELECT id, external_id, name FROM companies WHERE external_id = :e",
         soci::use(external_id));
    for (const auto& row : rows) {
      return CompanyRecord{detail::as_int(row, 0), row.get<std::string>(1), row.get<std::string>(2)};
    }
    return std::nullopt;
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "reading company '" + external_id + "'");
  }
}

long long CompanyRepository::count(Transaction& tx) {
  long long count = 0;
  try {
    detail::sql(tx) << "SELECT COUNT(*) FROM companies", soci::into(count);
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "counting companies");
  }
  return count;
}

}  // namespace risklab::store
