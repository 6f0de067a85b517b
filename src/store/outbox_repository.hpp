#pragma once

#include <optional>
#include <string>
#include <vector>

namespace risklab::store {

class Transaction;

/// A pending write to the data lake, stored in the same transaction as the change it carries,
/// so a lake outage loses nothing: the drainer ships it later.
struct OutboxEvent {
  long long id = 0;
  std::string event_type;  ///< e.g. "outcome.recorded"
  std::string entity_id;
  std::string lake_key;    ///< where the payload goes, e.g. "ground_truth/date=…/17.json"
  std::string payload;     ///< the exact bytes to store (fixed at enqueue time)
  std::string created_at;
  int attempts = 0;
  std::string next_attempt_at;
  std::optional<std::string> last_error;
  std::optional<std::string> shipped_at;
};

/// Backlog figures for /metrics and /healthz.
struct OutboxBacklog {
  long long pending = 0;
  std::optional<std::string> oldest_created_at;
};

/// Outbox table.
class OutboxRepository {
 public:
  /// Adds `event` (pending, due now).
  void enqueue(Transaction& tx, const OutboxEvent& event);
  /// Up to `limit` pending events due at `now`, oldest first.
  std::vector<OutboxEvent> due(Transaction& tx, const std::string& now, int limit);
  void mark_shipped(Transaction& tx, long long id, const std::string& at);
  /// Records a failed attempt and when to try again.
  void mark_failed(Transaction& tx, long long id, const std::string& error,
                   const std::string& next_attempt_at);
  OutboxBacklog backlog(Transaction& tx);
};

}  // namespace risklab::store
