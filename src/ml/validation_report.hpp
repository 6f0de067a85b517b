#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "ml/master_scale.hpp"
#include "ml/metrics.hpp"

namespace risklab::ml {

// The candidate-vs-champion validation report (issue 7, docs/METHODOLOGY.md section 9): every
// statistic of both models on one holdout, side by side, as canonical JSON and a
// self-contained HTML page. It states facts and traffic lights; it decides nothing.

/// Version of the report's JSON layout ("report_format").
inline constexpr int kValidationReportFormat = 1;
/// A grade (or the whole holdout) is amber when its one-sided Jeffreys p-value is below this...
inline constexpr double kJeffreysAmberBelow = 0.05;
/// ...and red below this (the PD is very likely too low).
inline constexpr double kJeffreysRedBelow = 0.01;
/// PSI at or above this is amber (a moderate shift)...
inline constexpr double kPsiAmberFrom = 0.10;
/// ...and at or above this red (a major shift).
inline constexpr double kPsiRedFrom = 0.25;
/// Two-sided level of the DeLong test and of the Hosmer-Lemeshow flag.
inline constexpr double kReportSignificance = 0.05;
/// Quantile bins of the calibration curve.
inline constexpr std::size_t kCalibrationCurveBins = 10;
/// Feature importances listed (largest first).
inline constexpr std::size_t kReportTopImportances = 20;
/// Fewest holdout rows a report accepts (Hosmer-Lemeshow's 10 groups).
inline constexpr std::size_t kReportMinRows = 10;

/// A traffic light; `none` for a grade without rows or a statistic that cannot be computed.
enum class TrafficLight { none, green, amber, red };
/// "none", "green", "amber" or "red".
const char* to_string(TrafficLight light);
/// red below kJeffreysRedBelow, amber below kJeffreysAmberBelow, else green.
TrafficLight jeffreys_light(double jeffreys_p);
/// green below kPsiAmberFrom, amber below kPsiRedFrom, else red.
TrafficLight psi_light(double psi);

/// One model's predictions on the holdout rows and what its artifact says about itself.
struct ReportModelInput {
  std::string model_version;
  /// Calibrated PD and grade of each holdout row, in the order of the labels.
  std::vector<double> pd;
  std::vector<std::string> grades;
  MasterScale master_scale = MasterScale::standard();
  /// The frozen PSI bins of the model's training PDs (DataProfile::pd_psi_edges and
  /// pd_psi_shares); both empty when the artifact has none.
  std::vector<double> pd_psi_edges;
  std::vector<double> pd_psi_shares;
};

/// Identifies what was compared; the library has no clock, so `created_at` comes in.
struct ReportMetadata {
  std::string snapshot_id;
  std::uint64_t split_seed = 0;
  /// ISO 8601 UTC, e.g. "2026-10-02T09:14:00Z".
  std::string created_at;
};

/// Everything build_validation_report() needs.
struct ValidationReportInput {
  ReportMetadata metadata;
  /// Holdout labels, 0 or 1.
  std::vector<std::uint8_t> y;
  ReportModelInput candidate;
  /// Absent while no champion exists.
  std::optional<ReportModelInput> champion;
  /// The candidate's feature importances by feature name (may be empty).
  std::map<std::string, double> candidate_importances;
};

/// AUC with its DeLong variance and 95 % normal interval, clipped to [0, 1].
struct AucInterval {
  double auc = 0.0;
  double variance = 0.0;
  double ci95_lower = 0.0;
  double ci95_upper = 0.0;
};

/// A back-test row (one grade, or the whole holdout at its mean PD) with its light.
struct GradeRow {
  GradeStats stats;
  TrafficLight light = TrafficLight::none;
};

/// How the rows spread over the master scale's grades.
struct GradeConcentration {
  double hhi = 0.0;
  /// (HHI - 1/k) / (1 - 1/k) over the k grades of the scale: 0 even, 1 all in one grade.
  double hhi_normalised = 0.0;
  std::string largest_grade;
  double largest_share = 0.0;
};

/// A PSI value with its light.
struct PsiValue {
  double psi = 0.0;
  TrafficLight light = TrafficLight::none;
};

/// Every statistic of one model on the holdout.
struct ModelValidation {
  std::string model_version;
  double mean_pd = 0.0;
  AucInterval auc;
  double gini = 0.0;
  double ks = 0.0;
  double brier = 0.0;
  double log_loss = 0.0;
  double ece = 0.0;
  HosmerLemeshow hosmer_lemeshow;
  std::vector<CalibrationBin> calibration_curve;
  std::vector<RocPoint> roc_curve;
  /// One row per grade of the model's master scale, best first, empty grades included.
  std::vector<GradeRow> grades;
  /// The whole holdout as one grade at the mean PD.
  GradeRow portfolio;
  GradeConcentration concentration;
  /// The holdout PDs against the model's frozen training bins; absent without them.
  std::optional<PsiValue> psi_vs_training;
};

/// What the DeLong test says about the candidate's AUC against the champion's.
enum class AucVerdict { better, worse, not_significantly_different };
/// "better", "worse" or "not_significantly_different".
const char* to_string(AucVerdict verdict);

/// The DeLong comparison and the score shift, candidate against champion.
struct ChampionComparison {
  /// auc_a is the candidate, auc_b the champion; z > 0 when the candidate ranks better.
  DelongTest delong;
  double auc_difference = 0.0;
  /// better / worse when the DeLong p-value is below kReportSignificance.
  AucVerdict verdict = AucVerdict::not_significantly_different;
  /// Candidate minus champion (lower is better for all three).
  double brier_difference = 0.0;
  double log_loss_difference = 0.0;
  double ece_difference = 0.0;
  /// The candidate's holdout PDs against the champion's on the same rows, on deciles of
  /// the champion's PDs: how much the score distribution moves if the candidate is promoted.
  PsiValue psi_candidate_vs_champion;
};

/// A feature and its importance.
struct FeatureImportance {
  std::string feature;
  double importance = 0.0;
};

/// The frozen report. Build it with build_validation_report().
struct ValidationReport {
  ReportMetadata metadata;
  std::size_t holdout_rows = 0;
  std::size_t holdout_defaults = 0;
  ModelValidation candidate;
  std::optional<ModelValidation> champion;
  std::optional<ChampionComparison> comparison;
  /// The kReportTopImportances largest, descending (ties by name), and how many there were.
  std::vector<FeatureImportance> top_importances;
  std::size_t importance_count = 0;

  /// The report as JSON: objects with sorted keys, measured values as doubles, counts as
  /// integers, absent parts as null. dump() of it is canonical: the same report gives the
  /// same bytes, so a frozen report can be hashed.
  nlohmann::json to_json() const;
  /// One self-contained HTML page (inline CSS and SVG, no script, no external asset) with
  /// every interpolated string escaped.
  std::string to_html() const;
};

/// Computes the report. Throws core::InvalidInput("data_invalid") naming the problem when
/// the labels are not 0/1, hold fewer than kReportMinRows rows or one class only, a model's
/// PDs or grades differ in length from the labels, a PD is not in [0, 1], a grade is not the
/// one its master scale gives its PD, the PSI bins do not fit together, a model version is
/// empty or an importance is not finite.
ValidationReport build_validation_report(const ValidationReportInput& input);

struct Model;
struct Scoring;

/// The report input of `model` from its scorings of the holdout rows (Model::score_all, in
/// label order): their PDs and grades, the model's master scale and its frozen PSI bins of
/// the training PDs.
ReportModelInput report_model_input(const Model& model, std::string model_version,
                                    const std::vector<Scoring>& scored);

/// The importances `model` stores, by feature name: the forest's normalised impurity
/// importances for rf; empty for gbdt, whose artifact keeps none.
std::map<std::string, double> feature_importances(const Model& model);

/// `text` with &, <, >, " and ' replaced by character references.
std::string html_escape(const std::string& text);

}  // namespace risklab::ml
