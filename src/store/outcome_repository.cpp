#include "store/outcome_repository.hpp"

#include "store/detail/rows.hpp"
#include "store/detail/session.hpp"

namespace risklab::store {

long long OutcomeRepository::insert(Transaction& tx, const OutcomeRecord& outcome) {
  try {
    return detail::insert_returning_id(
        detail::sql(tx), tx.database().backend(), "outcomes",
        {{"company_id"},
         {"defaulted"},
         {"observed_at"},
         {"source"},
         {"import_id"},
         {"note"},
         {"recorded_by"},
         {"recorded_at"}},
        {outcome.company_id, static_cast<long long>(outcome.defaulted ? 1 : 0), outcome.observed_at,
         outcome.source, detail::or_null(outcome.import_id), detail::or_null(outcome.note),
         outcome.recorded_by, outcome.recorded_at});
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "storing an outcome");
  }
}

void OutcomeRepository::insert_batch(Transaction& tx, const std::vector<OutcomeRecord>& outcomes) {
  std::vector<detail::Row> rows;
  rows.reserve(outcomes.size());
  for (const auto& outcome : outcomes) {
    rows.push_back({outcome.company_id, static_cast<long long>(outcome.defaulted ? 1 : 0),
                    outcome.observed_at, outcome.source, detail::or_null(outcome.import_id),
                    detail::or_null(outcome.note), outcome.recorded_by, outcome.recorded_at});
  }
  try {
    detail::insert_rows(detail::sql(tx), tx.database().backend(), "outcomes",
                        {{"company_id"},
                         {"defaulted"},
                         {"observed_at"},
                         {"source"},
                         {"import_id"},
                         {"note"},
                         {"recorded_by"},
                         {"recorded_at"}},
                        rows);
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "storing outcomes");
  }
}

std::vector<std::pair<OutcomeRecord, std::string>> OutcomeRepository::list_by_import(
    Transaction& tx, long long import_id) {
  std::vector<std::pair<OutcomeRecord, std::string>> out;
  try {
    soci::rowset<soci::row> rows =
        (detail::sql(tx).prepare
             << "SELECT o.id, o.company_id, o.defaulted, o.observed_at, o.source, o.note, "
                "o.recorded_by, o.recorded_at, c.external_id FROM outcomes o "
                "JOIN companies c ON c.id = o.company_id WHERE o.import_id = :i ORDER BY o.id",
         soci::use(import_id));
    for (const auto& row : rows) {
      OutcomeRecord outcome;
      outcome.id = detail::as_int(row, 0);
      outcome.company_id = detail::as_int(row, 1);
      outcome.defaulted = detail::as_int(row, 2) != 0;
      outcome.observed_at = row.get<std::string>(3);
      outcome.source = row.get<std::string>(4);
      outcome.import_id = import_id;
      outcome.note = detail::optional_text(row, 5);
      outcome.recorded_by = row.get<std::string>(6);
      outcome.recorded_at = row.get<std::string>(7);
      out.emplace_back(std::move(outcome), row.get<std::string>(8));
    }
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "reading an import's outcomes");
  }
  return out;
}

OutcomeRepository::Counts OutcomeRepository::count(Transaction& tx) {
  Counts counts;
  soci::indicator ind = soci::i_ok;
  try {
    detail::sql(tx) << "SELECT COUNT(*), SUM(defaulted) FROM outcomes", soci::into(counts.total),
        soci::into(counts.defaults, ind);
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "counting outcomes");
  }
  if (ind != soci::i_ok) counts.defaults = 0;
  return counts;
}

}  // namespace risklab::store
