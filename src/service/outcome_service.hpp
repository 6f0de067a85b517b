#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/role.hpp"
#include "store/outbox_repository.hpp"
#include "store/outcome_repository.hpp"

namespace risklab::lake {
class Lake;
}
namespace risklab::store {
class Database;
}

namespace risklab::service {

/// A verified outcome for a company: did it default within the horizon, as observed on a date.
struct OutcomeInput {
  std::string company;  ///< the company's external id
  bool defaulted = false;
  std::string observed_at;          ///< YYYY-MM-DD; default today
  std::optional<std::string> note;  ///< the evidence
};

struct RecordedOutcome {
  long long id = 0;
  std::string company;
  bool defaulted = false;
  std::string observed_at;
  std::string lake_key;  ///< where the outbox ships it
};

/// One outcome as the lake's ground-truth records hold it (docs/LAKE.md): `company` is the
/// external id.
nlohmann::json ground_truth_json(const store::OutcomeRecord& outcome, const std::string& company);

/// Ground-truth injection: outcomes are stored with an outbox row in the same transaction;
/// the lake copy follows from the outbox, so a lake outage loses nothing.
class OutcomeService {
 public:
  explicit OutcomeService(store::Database& db) : db_(db) {}

  /// Records `outcomes` all-or-nothing. Needs the data steward or admin role. Throws
  /// InvalidInput (bad date, empty batch; the position is named), NotFound (unknown company).
  std::vector<RecordedOutcome> record(const core::Actor& actor,
                                      const std::vector<OutcomeInput>& outcomes);

  /// Records every outcome of a CSV file, all-or-nothing: columns `company` and `defaulted`
  /// (0/1), optional `observed_at` (YYYY-MM-DD, default today) and `note`; other columns are
  /// refused. Errors name FILE:LINE and the column. Needs the data steward or admin role.
  std::vector<RecordedOutcome> record_csv(const core::Actor& actor, const std::string& path);

 private:
  std::vector<RecordedOutcome> record_all(const core::Actor& actor,
                                          const std::vector<OutcomeInput>& outcomes,
                                          const std::vector<std::string>& where);

  store::Database& db_;
};

/// Ships outbox rows to the lake. Idempotent: the lake is create-only and an identical object
/// counts as shipped, so a crash between upload and marking never duplicates or loses a row.
class OutboxService {
 public:
  OutboxService(store::Database& db, lake::Lake& lake) : db_(db), lake_(lake) {}

  struct DrainResult {
    long long shipped = 0;
    long long already_there = 0;  ///< shipped earlier by a crashed or concurrent drainer
    long long failed = 0;
    std::string last_error;
  };
  /// Ships up to `max_events` due rows, oldest first, kDrainThreads uploads at a time, then
  /// records every row's result in one transaction. A lake outage stops the pass (those rows
  /// are retried at the next pass); other failures back off exponentially up to 5 minutes.
  DrainResult drain(int max_events = 1000);

  /// Uploads in flight at once during a pass.
  static constexpr std::size_t kDrainThreads = 8;
  store::OutboxBacklog backlog();

 private:
  store::Database& db_;
  lake::Lake& lake_;
};

}  // namespace risklab::service
