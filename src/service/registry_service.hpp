#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/role.hpp"

namespace risklab::store {
class Database;
}
namespace risklab::lake {
class Lake;
}
namespace risklab::store {
struct ModelRecord;
}

namespace risklab::service {

class LoadedModel;

/// The latest review of a model by a risk officer.
struct ReviewView {
  std::string verdict;  ///< "approved" or "rejected"
  std::string reviewer;
  std::string note;
  std::string reviewed_at;
};

/// A registered model as people see it.
struct ModelView {
  long long id = 0;
  std::string version;
  std::string family;
  std::string status;
  std::string artifact_uri;
  std::string artifact_sha256;
  std::vector<std::string> features;
  nlohmann::json metrics;
  std::string created_at;
  std::string created_by;  ///< who started the training job (or registered the file)
  std::optional<std::string> snapshot_id;
  std::optional<std::string> promoted_at;
  std::optional<std::string> promoted_by;
  std::optional<ReviewView> review;
};

/// The model registry and its governed life cycle (docs/ARCHITECTURE.md#model-registry):
///
///   candidate --approve--> approved --promote--> champion --(next promote)--> retired
///       |                     |                                              |
///       +------reject---------+--> rejected              rollback: retired --> champion
///
/// Approval needs the risk-officer role and a different person from the one who trained (or
/// registered) the model: four-eyes, enforced here, whatever the caller. Promotion and rollback
/// re-verify the artifact against its registered SHA-256 and the training snapshot against the
/// lake before anything changes; the old champion's retirement, the new one's crowning and the
/// audit rows are one transaction. Every replica polls the champion and switches within ~1 s.
class RegistryService {
 public:
  /// `lake` is needed to verify artifacts and snapshots that live in the lake (promotion,
  /// rollback); without one, such models cannot be promoted (Unavailable).
  explicit RegistryService(store::Database& db, lake::Lake* lake = nullptr)
      : db_(db), lake_(lake) {}

  /// Checks the artifact (refuses a corrupt, truncated, foreign or newer file with
  /// InvalidInput), records it as a candidate, and returns it. Admin only. Conflict if the
  /// same artifact (by SHA-256) is already registered. It still needs a risk officer's
  /// approval (by someone else) before it can be promoted.
  ModelView register_artifact(const core::Actor& actor, const std::string& path);

  /// Approves candidate `id`. Risk officer only; Forbidden("four_eyes") if `actor` trained or
  /// registered it; Conflict unless it is a candidate; `note` (optional) at most 2000 chars.
  /// With a lake, freezes the model card (JSON + HTML) there, bound to the review by sha256.
  ModelView approve(const core::Actor& actor, long long id, const std::string& note);
  /// The model card frozen when model `id` was approved (JSON checked against its sha256, or
  /// the HTML page). Any role. NotFound if it was never approved with a lake configured.
  std::string model_card(const core::Actor& actor, long long id, bool html);
  /// Rejects a candidate or withdraws an approval. Risk officer only; `reason` required.
  ModelView reject(const core::Actor& actor, long long id, const std::string& reason);
  /// Makes approved model `id` the champion; the previous champion is retired. Risk officer or
  /// admin. Conflict("not_approved") unless approved; Conflict("artifact_unverified" /
  /// "snapshot_unverified") if its artifact or snapshot no longer verifies (nothing changes).
  ModelView promote(const core::Actor& actor, long long id);
  /// Makes retired former champion `id` the champion again (the current one is retired), with
  /// the same re-verification as promote. Risk officer or admin.
  ModelView rollback(const core::Actor& actor, long long id);

  /// Every model, newest first (any signed-in role).
  std::vector<ModelView> list(const core::Actor& actor);
  /// One model; NotFound if unknown.
  ModelView get(const core::Actor& actor, long long id);
  /// The model a rollback would restore: the retired model most recently champion, if any.
  std::optional<ModelView> previous_champion(const core::Actor& actor);

 private:
  /// The model's artifact, re-read and checked against its sha256; Conflict("artifact_unverified")
  /// saying it cannot be `verb` ("approved", "promoted") if it does not verify, Unavailable if
  /// the lake cannot be reached.
  std::shared_ptr<const LoadedModel> load_verified(const store::ModelRecord& model,
                                                   const char* verb);
  /// Throws Conflict naming what no longer verifies, Unavailable if the lake cannot be read.
  void verify_for_promotion(const core::Actor& actor, long long id);
  ModelView check_then_crown(const core::Actor& actor, long long id, bool rollback);
  /// Retires the champion, crowns `id` and audits both, in one transaction.
  ModelView crown(const core::Actor& actor, long long id, bool rollback);

  store::Database& db_;
  lake::Lake* lake_ = nullptr;
};

}  // namespace risklab::service
