#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ml/validation_report.hpp"

namespace risklab::ml {

// The statistics of model monitoring (issue 9, docs/METHODOLOGY.md section 10): population
// drift against the frozen training bins, back-testing per grade with Pluto-Tasche bounds,
// the AUC against its development value, grade migration and the expected defaults of
// immature outcomes. Pure functions; the monitoring service feeds them. Bad input throws
// core::InvalidInput("data_invalid") naming the problem, as the rest of ml/ does.

/// Statistical critical value of PSI for `bins` bins and sample sizes n_reference (training)
/// and n_actual (recent), at significance alpha: chi2_{bins-1}(1-alpha) * (1/n_reference +
/// 1/n_actual) (Yurdakul & Naranjo 2020). Throws core::InvalidInput on bins < 2, a zero size
/// or alpha outside (0, 1).
double psi_critical_value(std::size_t bins, std::size_t n_reference, std::size_t n_actual,
                          double alpha = 0.05);

/// PSI of recent values against frozen training bins, with the rule-of-thumb light and the
/// statistical verdict.
struct DriftResult {
  double psi = 0.0;
  std::vector<double> reference_shares, actual_shares;
  /// n_actual counts the non-missing actual values; the NaN ones are n_missing.
  std::size_t n_reference = 0, n_actual = 0, n_missing = 0;
  /// psi_critical_value at alpha; 0 for a single bin (a feature constant in training),
  /// where PSI is identically 0.
  double critical_value = 0.0;
  bool significant = false;                 ///< psi > critical_value
  TrafficLight light = TrafficLight::none;  ///< psi_light(psi)
};

/// PSI of `actual_values` against the frozen `edges` / `reference_shares` (as in
/// FeatureProfile::psi_edges / psi_shares and DataProfile::pd_psi_edges / pd_psi_shares;
/// bin i holds edges[i-1] < v <= edges[i]). NaN values are missing: skipped and counted in
/// n_missing. Throws core::InvalidInput when reference_shares.size() != edges.size() + 1,
/// the edges are not strictly increasing, a share is negative or the shares do not sum to 1
/// (within 1e-6), n_reference is 0, alpha is outside (0, 1), or no actual value is present.
DriftResult drift(const std::vector<double>& edges, const std::vector<double>& reference_shares,
                  std::size_t n_reference, const std::vector<double>& actual_values,
                  double alpha = 0.05);

/// Pluto & Tasche (2005) most prudent estimation, independent case: for grade i (grades
/// ordered best -> worst), the upper confidence bound of the PD when grades i..K are pooled:
/// the p solving P(Binomial(n, p) <= d) = 1 - confidence, n and d summed over grades i..K
/// (the Clopper-Pearson bound, the Beta(d + 1, n - d) quantile at `confidence`). One bound
/// per grade; 1 where the pooled grades have no rows or only defaults. Throws
/// core::InvalidInput on different lengths, defaults > count or confidence outside (0, 1).
std::vector<double> pluto_tasche_upper_bounds(const std::vector<std::size_t>& counts,
                                              const std::vector<std::size_t>& defaults,
                                              double confidence = 0.9);

/// AUC now (DeLong standard error and interval) against the AUC at development.
struct AucDriftTest {
  double auc = 0, se = 0, ci_low = 0, ci_high = 0, auc_development = 0, z = 0, p_value = 1;
};
/// AUC now (DeLong standard error, normal interval at ci_level clipped to [0, 1]) tested
/// against the AUC at development (a fixed number): z = (auc - auc_development) / se,
/// two-sided normal p (z = 0 and p = 1, or p = 0 if the AUCs differ, when se is 0). Throws
/// core::InvalidInput like delong_auc(), or when auc_development is outside [0, 1] or ci_level
/// outside (0, 1).
AucDriftTest auc_vs_development(const std::vector<std::uint8_t>& y,
                                const std::vector<double>& score, double auc_development,
                                double ci_level = 0.95);

/// Grade migration between two dates.
struct MigrationMatrix {
  std::vector<std::string> grades;  ///< order given (best -> worst)
  /// counts[i][j]: entities in grades[i] at the first date and grades[j] at the second.
  std::vector<std::vector<std::size_t>> counts;
  /// counts[i][j] / (row i's total): the transition rates; a row without entities is all 0.
  std::vector<std::vector<double>> rates;
  std::size_t total = 0;
  /// Diagonal / to a better grade (j < i) / to a worse grade (j > i), over total; 0 when
  /// total is 0.
  double stable_share = 0, upgrade_share = 0, downgrade_share = 0;
};
/// Counts each (from, to) pair. Throws core::InvalidInput naming an unknown grade, or on a
/// duplicate in `grades`.
MigrationMatrix migration_matrix(const std::vector<std::string>& grades,
                                 const std::vector<std::pair<std::string, std::string>>& from_to);

/// Rows times (observed + 2) up to which expected_defaults() computes the Poisson-binomial
/// tails exactly; beyond, it uses the refined normal approximation.
inline constexpr double kExactPoissonBinomialMaxWork = 2e7;

/// Defaults so far against those the PDs expect.
struct ExpectedDefaults {
  std::size_t n = 0;
  double expected = 0, sd = 0;  ///< sum of PDs; sqrt(sum pd (1 - pd))
  std::size_t observed = 0;
  /// P(X >= observed) (more defaults than the PDs expect) and P(X <= observed), X the
  /// Poisson-binomial number of defaults.
  double p_value_more = 1, p_value_fewer = 1;
  bool exact = true;  ///< false when the normal approximation was used
};
/// Immature outcomes: `observed` defaults so far against the Poisson-binomial distribution of
/// the defaults the PDs `pd` expect, assuming independence. Exact by dynamic programming while
/// rows * (observed + 2) <= kExactPoissonBinomialMaxWork, else the refined normal
/// approximation (continuity and skewness corrected, Volkova 1996). Throws
/// core::InvalidInput when a PD is not in [0, 1] or observed exceeds the rows.
ExpectedDefaults expected_defaults(const std::vector<double>& pd, std::size_t observed);

/// One grade's back-test line.
struct BacktestGrade {
  std::string grade;
  std::size_t count = 0, defaults = 0;
  double mean_pd = 0, observed_rate = 0, binomial_p = 1, jeffreys_p = 1, pluto_tasche_upper = 0;
  /// jeffreys_light(jeffreys_p): the validation report's thresholds; none without rows.
  TrafficLight light = TrafficLight::none;
};
/// One line per grade of `grade_order` (best first, empty grades included): count, defaults,
/// mean PD, observed rate, binomial_p_value and jeffreys_p_value at the mean PD, the light,
/// and the Pluto-Tasche bound of the grade pooled with the worse ones. Throws
/// core::InvalidInput on different lengths, a grade not in grade_order (named), a duplicate
/// in grade_order, a PD outside [0, 1], a label other than 0/1 or confidence outside (0, 1).
std::vector<BacktestGrade> backtest_by_grade(const std::vector<std::string>& grade_order,
                                             const std::vector<std::string>& grades,
                                             const std::vector<double>& pd,
                                             const std::vector<std::uint8_t>& defaulted,
                                             double pluto_tasche_confidence = 0.9);

}  // namespace risklab::ml
