#pragma once

#include <string>

namespace risklab::store {

class Transaction;

/// One CSV import batch: the lineage of the statements and outcomes it brought in.
struct ImportRecord {
  long long id = 0;
  long long dataset_id = 0;
  std::string file_name;
  std::string file_sha256;
  long long statement_count = 0;
  long long outcome_count = 0;
  std::string created_at;
  std::string created_by;
};

/// Imports table.
class ImportRepository {
 public:
  /// Inserts `record` and returns its id.
  long long insert(Transaction& tx, const ImportRecord& record);
  /// Records the final counts and file hash of import `id` once the file is fully read.
  void finish(Transaction& tx, long long id, long long statement_count, long long outcome_count,
              const std::string& file_sha256);
};

}  // namespace risklab::store
