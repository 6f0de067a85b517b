#pragma once

#include <optional>
#include <string>
#include <vector>

namespace risklab::store {

class Transaction;

/// A training job in the DB-backed queue. status: queued → running → succeeded | failed |
/// cancelled; a running job whose heartbeat stops is re-queued (or failed after its attempts).
struct TrainingJobRecord {
  long long id = 0;
  std::string snapshot_id;
  std::string family;           ///< "rf" or "gbdt"
  std::string parameters_json;  ///< the training parameters as submitted (JSON object)
  std::string status;
  std::optional<std::string> stage;  ///< e.g. "verifying snapshot", "training", "registering"
  long long trees_done = 0;
  long long trees_total = 0;
  std::optional<std::string> worker;
  long long attempts = 0;
  bool cancel_requested = false;
  std::optional<std::string> heartbeat_at;
  std::optional<std::string> started_at;
  std::optional<std::string> finished_at;
  std::optional<std::string> error;
  std::optional<std::string> split_json;  ///< the recorded split: seed, fraction, row ids
  std::optional<long long> model_id;      ///< the candidate it produced
  std::string created_by;
  std::string created_at;
};

/// Training jobs table and the queue operations on it.
class TrainingJobRepository {
 public:
  long long insert(Transaction& tx, const TrainingJobRecord& job);
  std::optional<TrainingJobRecord> find(Transaction& tx, long long id);
  /// Newest first, at most `limit`.
  std::vector<TrainingJobRecord> list(Transaction& tx, int limit = 100);

  /// Claims the oldest queued job for `worker` (status running, attempts + 1, heartbeat now),
  /// safely under concurrency: SELECT … FOR UPDATE SKIP LOCKED on MySQL/PostgreSQL, and on
  /// SQLite the write transaction's database lock (BEGIN IMMEDIATE) plus a conditional update.
  /// Call inside a write transaction. Returns the claimed job, if any.
  std::optional<TrainingJobRecord> claim(Transaction& tx, const std::string& worker,
                                         const std::string& now);

  /// Records progress and the heartbeat of a running job owned by `worker`; returns false if
  /// the job is no longer this worker's running job (re-queued by the reaper, or cancelled and
  /// finished elsewhere), and whether cancellation was requested through `cancel_requested`.
  bool heartbeat(Transaction& tx, long long id, const std::string& worker, const std::string& now,
                 const std::string& stage, long long trees_done, long long trees_total,
                 bool& cancel_requested);

  /// Finishes a running job owned by `worker` with `status` (succeeded, failed, cancelled).
  bool finish(Transaction& tx, long long id, const std::string& worker, const std::string& status,
              const std::string& now, const std::optional<std::string>& error,
              const std::optional<long long>& model_id);
  void set_split(Transaction& tx, long long id, const std::string& split_json);

  /// Asks a job to stop: a queued job is cancelled at once, a running one at its next
  /// heartbeat.
  void request_cancel(Transaction& tx, long long id, const std::string& now);

  /// Running jobs whose heartbeat is older than `stale_before`: re-queued if they have attempts
  /// left (`max_attempts`), failed otherwise. Returns the ids it touched.
  std::vector<long long> reap(Transaction& tx, const std::string& stale_before,
                              const std::string& now, long long max_attempts);
};

}  // namespace risklab::store
