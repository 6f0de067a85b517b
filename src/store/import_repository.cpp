#include "store/import_repository.hpp"

#include "store/detail/rows.hpp"
#include "store/detail/session.hpp"

namespace risklab::store {

long long ImportRepository::insert(Transaction& tx, const ImportRecord& record) {
  try {
    return detail::insert_returning_id(
        detail::sql(tx), tx.database().backend(), "imports",
        {{"dataset_id"}, {"file_name"}, {"file_sha256"}, {"statement_count"}, {"outcome_count"},
         {"created_at"}, {"created_by"}},
        {record.dataset_id, record.file_name, record.file_sha256, record.statement_count,
         record.outcome_count, record.created_at, record.created_by});
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "recording the import of " + record.file_name);
  }
}

void ImportRepository::finish(Transaction& tx, long long id, long long statement_count,
                              long long outcome_count, const std::string& file_sha256) {
  try {
    detail::sql(tx) << "UPDATE imports SET statement_count = :s, outcome_count = :o, "
                       "file_sha256 = :h WHERE id = :id",
        soci::use(statement_count), soci::use(outcome_count), soci::use(file_sha256),
        soci::use(id);
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "finishing import " + std::to_string(id));
  }
}

}  // namespace risklab::store
