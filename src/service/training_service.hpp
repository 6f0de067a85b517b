#pragma once

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/role.hpp"
#include "store/training_job_repository.hpp"

namespace risklab::lake {
class Lake;
}
namespace risklab::store {
class Database;
}

namespace risklab::service {

/// What a model developer asks for: a snapshot, a model family and its parameters.
/// `parameters` keys (all optional): trees, max_depth, min_leaf, max_features, class_weight,
/// smote_ratio, smote_k, calibration, seed, test_fraction, threads; gbdt also learning_rate,
/// subsample, colsample, min_child_weight, lambda, alpha, early_stopping.
struct TrainingRequest {
  std::string snapshot_id;
  std::string family = "rf";
  nlohmann::json parameters = nlohmann::json::object();
};

/// How a worker runs jobs.
struct WorkerSettings {
  std::string name;  ///< e.g. "host:pid"; recorded on the job
  std::chrono::seconds heartbeat_every{1};
  /// A running job whose heartbeat is older than this is re-queued (its worker died).
  std::chrono::seconds stale_after{60};
  long long max_attempts = 2;
  std::size_t threads = 0;  ///< training threads; 0 = all cores
};

/// The DB-backed training queue and the worker that runs it (SPEC section 3 step 6). A job
/// verifies its snapshot, splits it (stratified, seeded; the split is recorded on the job),
/// trains the requested family on the training part, scores the holdout, and registers the
/// result as a *candidate*: the artifact in the lake under models/<version>/model.rlm, bound
/// to the snapshot and the parameters, with its sha256 in the registry.
class TrainingService {
 public:
  TrainingService(store::Database& db, lake::Lake& lake) : db_(db), lake_(lake) {}

  /// Queues a job. Needs the model developer or admin role. Throws NotFound (snapshot),
  /// InvalidInput naming a bad family or parameter.
  store::TrainingJobRecord submit(const core::Actor& actor, const TrainingRequest& request);
  store::TrainingJobRecord get(const core::Actor& actor, long long id);
  std::vector<store::TrainingJobRecord> list(const core::Actor& actor);
  /// Cancels a queued job at once, a running one at its next stage. Model developer or admin.
  store::TrainingJobRecord cancel(const core::Actor& actor, long long id);

  /// Re-queues (or fails) jobs whose worker died, claims the oldest queued job and runs it to
  /// the end. Returns the job as it finished, or nullopt if nothing was queued.
  using ProgressFn = std::function<void(const store::TrainingJobRecord&)>;
  std::optional<store::TrainingJobRecord> run_next(const WorkerSettings& settings,
                                                   const ProgressFn& progress = {});

  /// The validation report frozen when a training job registered model `model_id`: its JSON
  /// (checked against the sha256 in the registry) or its HTML page. Any role. NotFound for an
  /// unknown model or one that no training job produced (no report).
  std::string report(const core::Actor& actor, long long model_id, bool html);

  /// Estimated seconds left for a running job (from its trees per second so far), if known.
  static std::optional<double> eta_seconds(const store::TrainingJobRecord& job);

 private:
  store::Database& db_;
  lake::Lake& lake_;
};

/// Checks a request's family and parameters as submit() does, before anything is stored;
/// throws InvalidInput ("bad_family", "bad_parameters", "bad_parameter") naming the first bad one.
void check_training_parameters(const TrainingRequest& request);

/// The parameters of a job as JSON for the API.
nlohmann::json training_job_json(const store::TrainingJobRecord& job);

}  // namespace risklab::service
