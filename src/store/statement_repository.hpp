#pragma once

#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

namespace risklab::store {

class Transaction;

/// A financial statement: a company's feature values for one period, as a JSON object
/// (schema-on-read: the feature names live in the data, never in the DB schema).
struct StatementRecord {
  long long id = 0;
  long long company_id = 0;
  long long dataset_id = 0;
  std::optional<long long> import_id;
  std::string period;         ///< "YYYY-MM-DD"
  std::string features_json;  ///< {"feature": number or null, ...}
  std::string created_at;
};

/// Statements table.
class StatementRepository {
 public:
  /// Inserts `statements` in multi-row batches.
  void insert_batch(Transaction& tx, const std::vector<StatementRecord>& statements);
  /// The statement with `id`, if any.
  std::optional<StatementRecord> find(Transaction& tx, long long id);
  /// Number of statements in `dataset_id`.
  long long count(Transaction& tx, long long dataset_id);
  /// "external_id\x1fperiod" of every statement in `dataset_id` (to refuse duplicates).
  std::unordered_set<std::string> keys(Transaction& tx, long long dataset_id);
};

}  // namespace risklab::store
