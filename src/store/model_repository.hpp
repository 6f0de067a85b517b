#pragma once

#include <optional>
#include <string>
#include <vector>

namespace risklab::store {

class Transaction;

/// A registered model. status: candidate, approved, champion, retired, rejected.
struct ModelRecord {
  long long id = 0;
  std::string version;
  std::string family;  ///< "rf" or "gbdt"
  std::string status;
  std::string artifact_uri;  ///< where the .rlm file is (a path until the lake holds it)
  std::string artifact_sha256;
  std::string features_json;  ///< JSON array of feature names, in model order
  std::string metrics_json;
  std::optional<std::string> snapshot_id;
  std::string created_at;
  std::string created_by;
  std::optional<std::string> promoted_at;
  std::optional<std::string> promoted_by;
};

/// A risk officer's verdict on a model (table model_reviews; the latest one counts: an approval
/// can later be withdrawn by a rejection).
struct ModelReview {
  long long model_id = 0;
  std::string verdict;  ///< "approved" or "rejected"
  std::string reviewer;
  std::string note;
  std::string reviewed_at;
  std::optional<std::string> card_key;     ///< the model card frozen at approval, in the lake
  std::optional<std::string> card_sha256;
};

/// Models table (the registry).
class ModelRepository {
 public:
  /// Inserts `model`; Conflict if the version exists.
  long long insert(Transaction& tx, const ModelRecord& model);
  std::optional<ModelRecord> find(Transaction& tx, long long id);
  /// The model whose status is "champion", if any.
  std::optional<ModelRecord> find_champion(Transaction& tx);
  /// The champion's id without reading the row (cheap enough to poll every second).
  std::optional<long long> champion_id(Transaction& tx);
  /// Every model, newest first.
  std::vector<ModelRecord> list(Transaction& tx);
  /// Appends a review of `review.model_id`.
  void insert_review(Transaction& tx, const ModelReview& review);
  /// The latest review of model `id`, if any.
  std::optional<ModelReview> find_review(Transaction& tx, long long id);
  /// Every review, oldest first.
  std::vector<ModelReview> list_reviews(Transaction& tx);
  /// The retired model that was champion most recently (by promoted_at), if any.
  std::optional<ModelRecord> find_previous_champion(Transaction& tx);
  /// Sets `status`; with `promoted_by`, also records who promoted it and when.
  void set_status(Transaction& tx, long long id, const std::string& status,
                  const std::optional<std::string>& promoted_at = std::nullopt,
                  const std::optional<std::string>& promoted_by = std::nullopt);
};

}  // namespace risklab::store
