#include "store/statement_repository.hpp"

#include "store/detail/rows.hpp"
#include "store/detail/session.hpp"

namespace risklab::store {

void StatementRepository::insert_batch(Transaction& tx,
                                       const std::vector<StatementRecord>& statements) {
  std::vector<detail::Row> rows;
  rows.reserve(statements.size());
  for (const auto& statement : statements) {
    rows.push_back({statement.company_id, statement.dataset_id,
                    detail::or_null(statement.import_id), statement.period, statement.features_json,
                    statement.created_at});
  }
  try {
    detail::insert_rows(detail::sql(tx), tx.database().backend(), "statements",
                        {{"company_id"},
                         {"dataset_id"},
                         {"import_id"},
                         {"period"},
                         {"features", /*json=*/true},
                         {"created_at"}},
                        rows);
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "storing statements");
  }
}

std::optional<StatementRecord> StatementRepository::find(Transaction& tx, long long id) {
  try {
    soci::rowset<soci::row> rows =
        (detail::sql(tx).prepare << "SELECT id, company_id, dataset_id, import_id, period, "
                                    "features, created_at FROM statements WHERE id = :id",
         soci::use(id));
    for (const auto& row : rows) {
      StatementRecord statement;
      statement.id = detail::as_int(row, 0);
      statement.company_id = detail::as_int(row, 1);
      statement.dataset_id = detail::as_int(row, 2);
      statement.import_id = detail::optional_int(row, 3);
      statement.period = row.get<std::string>(4);
      statement.features_json = row.get<std::string>(5);
      statement.created_at = row.get<std::string>(6);
      return statement;
    }
    return std::nullopt;
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "reading statement " + std::to_string(id));
  }
}

long long StatementRepository::count(Transaction& tx, long long dataset_id) {
  long long count = 0;
  try {
    detail::sql(tx) << "SELECT COUNT(*) FROM statements WHERE dataset_id = :d",
        soci::use(dataset_id), soci::into(count);
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "counting statements");
  }
  return count;
}

std::unordered_set<std::string> StatementRepository::keys(Transaction& tx, long long dataset_id) {
  std::unordered_set<std::string> keys;
  try {
    std::string external_id;
    std::string period;
    soci::statement st =
        (detail::sql(tx).prepare
             << "SELECT c.external_id, s.period FROM statements s JOIN companies c "
                "ON c.id = s.company_id WHERE s.dataset_id = :d",
         soci::use(dataset_id), soci::into(external_id), soci::into(period));
    st.execute(false);
    while (st.fetch()) keys.insert(external_id + '\x1f' + period);
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "reading statement keys");
  }
  return keys;
}

}  // namespace risklab::store
