#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/role.hpp"
#include "store/outbox_repository.hpp"
#include "store/overview_repository.hpp"

namespace risklab::store {
class Database;
}

namespace risklab::service {

class Champion;

/// The model being served, as a page shows it.
struct ChampionSummary {
  long long id = 0;
  std::string version;
  std::string family;
  std::string created_at;
  std::optional<std::string> promoted_at;
  /// Numeric training and holdout metrics ("oob_auc", "holdout auc", ...), in the artifact's order.
  std::vector<std::pair<std::string, double>> metrics;
};

/// One band of the champion's master scale; the default grade has lower_pd = upper_pd = 1.
struct GradeBandView {
  std::string grade;
  double lower_pd = 0.0;
  double upper_pd = 0.0;
};

/// Everything the overview page shows, read in one read transaction.
struct Overview {
  long long companies = 0;
  long long statements = 0;
  long long assessments = 0;
  std::optional<ChampionSummary> champion;
  std::string champion_error;  ///< why no champion is served, if none is
  /// Grade counts of the latest assessments, in master-scale order (zero counts included).
  std::vector<store::ValueCount> recent_grades;
  long long recent_window = 0;  ///< how many latest assessments recent_grades covers
  std::vector<store::AssessmentSummary> recent_assessments;
  store::DecisionCounts decisions;
  store::OutboxBacklog outbox;
  std::vector<store::ValueCount> training_jobs;  ///< per status
};

/// Read models for the web UI's overview and pickers: portfolio size, the champion, recent
/// scorings and decisions, outbox and job state. Any signed-in role may read them.
class OverviewService {
 public:
  OverviewService(store::Database& db, const Champion& champion) : db_(db), champion_(champion) {}

  /// The overview; Forbidden for an actor with no role.
  Overview overview(const core::Actor& actor);
  /// The served champion, if any.
  std::optional<ChampionSummary> champion() const;
  /// The champion's master scale, best grade first, then the default grade; empty with no
  /// champion.
  std::vector<GradeBandView> master_scale() const;
  /// The champion's features in model order; empty with no champion.
  std::vector<std::string> champion_features() const;
  /// Statements whose company id or name contains `text`, by id (see
  /// store::OverviewRepository::search_statements); `limit` is clamped to 1..200.
  std::vector<store::StatementSummary> search_statements(const core::Actor& actor,
                                                         const std::string& text, long long limit,
                                                         long long offset);
  /// The latest `limit` outcomes (clamped to 1..200), newest first (any role).
  std::vector<store::OutcomeSummary> recent_outcomes(const core::Actor& actor, long long limit);
  /// The latest `limit` outbox rows (clamped to 1..200) and their delivery state (any role).
  std::vector<store::OutboxSummary> recent_outbox(const core::Actor& actor, long long limit);
  /// Statement `id` with its company, if it exists (any role).
  std::optional<store::StatementSummary> statement(const core::Actor& actor, long long id);

 private:
  store::Database& db_;
  const Champion& champion_;
};

}  // namespace risklab::service
