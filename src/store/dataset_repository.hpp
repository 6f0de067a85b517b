#pragma once

#include <optional>
#include <string>
#include <vector>

namespace risklab::store {

class Transaction;

/// One declared feature: `name` is trimmed and used as the JSON key; `source_name` is the
/// column header exactly as it appeared in the first imported file.
struct FeatureColumn {
  std::string name;
  std::string source_name;
};

/// A dataset declares a feature set (data, not code) and optionally its label and id columns.
struct DatasetRecord {
  long long id = 0;
  std::string name;
  std::vector<FeatureColumn> features;
  std::optional<std::string> label_column;
  std::optional<std::string> id_column;
  std::string created_at;
  std::string created_by;
};

/// Datasets table.
class DatasetRepository {
 public:
  /// The dataset called `name`, if any.
  std::optional<DatasetRecord> find_by_name(Transaction& tx, const std::string& name);
  /// Every dataset, by name.
  std::vector<DatasetRecord> list(Transaction& tx);
  /// Inserts `dataset` and returns its id; Conflict if the name is taken.
  long long insert(Transaction& tx, const DatasetRecord& dataset);
};

}  // namespace risklab::store
