#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/role.hpp"
#include "ml/monitoring.hpp"

namespace risklab::store {
class Database;
}
namespace risklab::lake {
class Lake;
}

namespace risklab::service {

class LoadedModel;

/// Which scorings and outcomes a monitoring question is about.
struct MonitoringQuery {
  std::optional<std::string> from;    ///< YYYY-MM-DD, first day of the window (inclusive)
  std::optional<std::string> to;      ///< YYYY-MM-DD, last day of the window (inclusive)
  std::optional<long long> model_id;  ///< default: the champion
  std::optional<std::string> as_of;   ///< YYYY-MM-DD the outcomes are judged at; default today
  int performance_months = 12;        ///< an assessment's performance window
  double alpha = 0.05;                ///< significance of the PSI critical value
};

/// PSI of one feature (CSI) or of the score.
struct FeatureDrift {
  std::string feature;
  ml::DriftResult drift;
  std::size_t missing = 0;  ///< scorings without a value for it
};

/// Recent scorings against the model's training profile, on the bins frozen in the artifact.
struct DriftReport {
  long long model_id = 0;
  std::string model_version;
  std::size_t scorings = 0;
  std::optional<FeatureDrift> score;   ///< PD distribution; nullopt without scorings or frozen bins
  std::vector<FeatureDrift> features;  ///< largest PSI first
  /// Features (and "score") whose PSI is both at least amber (0.10) and significant.
  std::vector<std::string> alarms;
  std::vector<std::string> missing_everywhere;  ///< features no scoring in the window had
};

/// Outcome maturity of the assessments in the window (one per company: its latest).
struct Maturity {
  std::size_t assessments = 0;  ///< in the window, any company
  std::size_t unlinked = 0;     ///< scorings that name no known company (cannot be back-tested)
  std::size_t matured = 0;      ///< performance window over, or a default observed in it
  std::size_t immature = 0;
  ml::ExpectedDefaults immature_defaults;  ///< defaults so far against the PDs' expectation
};

/// Back-testing of the matured assessments.
struct BacktestReport {
  long long model_id = 0;
  std::string model_version;
  std::string as_of;
  int performance_months = 12;
  Maturity maturity;
  std::vector<ml::BacktestGrade> grades;  ///< master-scale order, grades with assessments only
  ml::BacktestGrade portfolio;            ///< all matured assessments as one line
  std::optional<ml::AucDriftTest>
      auc;  ///< needs defaults and non-defaults; against development AUC
  std::optional<double> auc_development;
  double hhi = 0.0;  ///< grade concentration of all assessments in the window
};

/// How people use the model's recommendation.
struct OverrideGroup {
  std::string key;  ///< user or reason code
  std::size_t decisions = 0;
  std::size_t overrides = 0;
};
struct OverrideReport {
  std::size_t assessments = 0;
  std::size_t decisions = 0;
  std::size_t overrides = 0;
  std::size_t upgrades = 0;    ///< more lenient than recommended (e.g. approve against decline)
  std::size_t downgrades = 0;  ///< stricter than recommended
  std::vector<OverrideGroup> by_user;
  std::vector<OverrideGroup> by_reason;
  /// Realised default rates (matured decisions only) of overridden and followed decisions.
  std::size_t overridden_matured = 0, overridden_defaults = 0;
  std::size_t followed_matured = 0, followed_defaults = 0;
};

/// Monitoring and the validation pack (SPEC section 3 step 8, issue 9): drift of recent
/// scorings, back-testing per grade once outcomes are in, outcome maturity, overrides, grade
/// migration. Read-only; needs the risk officer, model developer or admin role.
class MonitoringService {
 public:
  /// `lake` is needed for models whose artifact is in the lake (their frozen profile).
  explicit MonitoringService(store::Database& db, lake::Lake* lake = nullptr)
      : db_(db), lake_(lake) {}

  DriftReport drift(const core::Actor& actor, const MonitoringQuery& query);
  BacktestReport backtest(const core::Actor& actor, const MonitoringQuery& query);
  OverrideReport overrides(const core::Actor& actor, const MonitoringQuery& query);
  /// Each company's latest grade (by `query.model_id` or any model) on `first` and on `second`
  /// (YYYY-MM-DD, end of day): companies graded on both dates.
  ml::MigrationMatrix migration(const core::Actor& actor, const std::string& first,
                                const std::string& second, const MonitoringQuery& query);

  /// The whole pack as one JSON document (drift, back-test, overrides, migration between the
  /// window's ends) and as a self-contained HTML page.
  nlohmann::json report_json(const core::Actor& actor, const MonitoringQuery& query);
  static std::string report_html(const nlohmann::json& report);

  /// Prometheus gauges (text exposition) of the champion's drift over the last month and its
  /// back-test status, recomputed at most every `max_age` (a scrape never waits for more than
  /// one computation); empty without a champion or if the database cannot be read.
  std::string prometheus_gauges(std::chrono::seconds max_age = std::chrono::seconds(60));

 private:
  /// Model `wanted`, or the champion; NotFound if there is none.
  std::shared_ptr<const LoadedModel> resolve_model(const std::optional<long long>& wanted);

  store::Database& db_;
  lake::Lake* lake_ = nullptr;
  std::mutex models_mutex_;
  std::map<long long, std::shared_ptr<const LoadedModel>> models_;
  std::mutex gauges_mutex_;
  std::chrono::steady_clock::time_point gauges_at_{};
  std::string gauges_;
};

nlohmann::json to_json(const DriftReport& report);
nlohmann::json to_json(const BacktestReport& report);
nlohmann::json to_json(const OverrideReport& report);
nlohmann::json to_json(const ml::MigrationMatrix& matrix);

/// Checks a query's dates (YYYY-MM-DD, from ≤ to), window and alpha; InvalidInput naming the
/// field otherwise.
void validate(const MonitoringQuery& query);

}  // namespace risklab::service
