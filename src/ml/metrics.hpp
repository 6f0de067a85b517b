#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ml/master_scale.hpp"

namespace risklab::ml {

// Every function takes labels y (0/1) and scores or PDs of the same length, and throws
// core::InvalidInput("data_invalid") when the lengths differ, the input is empty, or (for
// rank metrics) one class is absent.

/// ROC AUC with midranks for ties (sklearn's roc_auc_score).
double roc_auc(const std::vector<std::uint8_t>& y, const std::vector<double>& score);

/// AUC and its DeLong variance (DeLong et al. 1988, fast form of Sun and Xu 2014).
struct AucWithVariance {
  double auc = 0.0;
  double variance = 0.0;
};
AucWithVariance delong_auc(const std::vector<std::uint8_t>& y, const std::vector<double>& score);

/// The DeLong test of two correlated AUCs on the same rows: z = (auc_a - auc_b) / sd and a
/// two-sided normal p-value.
struct DelongTest {
  double auc_a = 0.0;
  double auc_b = 0.0;
  double z = 0.0;
  double p_value = 1.0;
};
DelongTest delong_test(const std::vector<std::uint8_t>& y, const std::vector<double>& score_a,
                       const std::vector<double>& score_b);

/// Kolmogorov-Smirnov statistic: max |F_default(s) - F_good(s)| (scipy's ks_2samp statistic).
double ks_statistic(const std::vector<std::uint8_t>& y, const std::vector<double>& score);
/// Mean squared error of PDs (sklearn's brier_score_loss).
double brier_score(const std::vector<std::uint8_t>& y, const std::vector<double>& pd);
/// Mean negative log-likelihood, PDs clipped to [1e-15, 1 - 1e-15] (sklearn's log_loss).
double log_loss(const std::vector<std::uint8_t>& y, const std::vector<double>& pd);
/// Expected calibration error: `bins` equal-width PD bins (bin = min(floor(pd * bins),
/// bins - 1)), the row-weighted mean of |mean PD - observed rate|.
double expected_calibration_error(const std::vector<std::uint8_t>& y, const std::vector<double>& pd,
                                  std::size_t bins = 10);

/// Hosmer-Lemeshow: rows sorted by PD in `groups` near-equal groups (numpy's array_split),
/// statistic sum (O - E)^2 / (E (1 - E / n)), df = groups - 2, chi-square p-value.
struct HosmerLemeshow {
  double statistic = 0.0;
  std::size_t df = 0;
  double p_value = 1.0;
};
HosmerLemeshow hosmer_lemeshow(const std::vector<std::uint8_t>& y, const std::vector<double>& pd,
                               std::size_t groups = 10);

/// One-sided binomial test of a grade: P(X >= defaults) for X ~ Binomial(count, pd); a small
/// value says the PD is too low.
double binomial_p_value(std::size_t count, std::size_t defaults, double pd);
/// One-sided Jeffreys test (ECB TRIM): the Beta(defaults + 1/2, count - defaults + 1/2) CDF at
/// pd; a small value says the PD is too low.
double jeffreys_p_value(std::size_t count, std::size_t defaults, double pd);

/// Per-grade back-test row.
struct GradeStats {
  std::string grade;
  std::size_t count = 0;
  std::size_t defaults = 0;
  double mean_pd = 0.0;
  double observed_rate = 0.0;
  double binomial_p = 1.0;
  double jeffreys_p = 1.0;
};
/// One row per grade of `scale` (empty grades included with count 0), graded by PD.
std::vector<GradeStats> grade_report(const std::vector<std::uint8_t>& y, const std::vector<double>& pd,
                                     const MasterScale& scale);

/// Interior bin edges at the quantiles 1/bins ... (bins-1)/bins of `values` (numpy's linear
/// interpolation), duplicates removed. Frozen at training time for PSI.
std::vector<double> quantile_edges(std::vector<double> values, std::size_t bins = 10);
/// The share of `values` in each bin (bin i holds edges[i-1] < v <= edges[i]).
std::vector<double> bin_shares(const std::vector<double>& values, const std::vector<double>& edges);
/// Population stability index sum (a - e) ln(a / e); shares below 1e-4 count as 1e-4 so an
/// empty bin stays finite. Throws core::InvalidInput("data_invalid") on different lengths.
double psi(const std::vector<double>& expected_shares, const std::vector<double>& actual_shares);

/// numpy.quantile with linear interpolation of sorted `sorted_values` at q in [0, 1].
double quantile_sorted(const std::vector<double>& sorted_values, double q);

/// One ROC point: the false and true positive rates when rows with score >= threshold are
/// called defaults.
struct RocPoint {
  double threshold = 0.0;
  double fpr = 0.0;
  double tpr = 0.0;
};
/// The ROC curve as sklearn 1.2's roc_curve(drop_intermediate=True): one point per distinct
/// score, highest first, without the points in the middle of a straight run, after a first
/// point (0, 0) at threshold max score + 1. Its trapezoid area is roc_auc(). Throws like
/// roc_auc().
std::vector<RocPoint> roc_curve(const std::vector<std::uint8_t>& y,
                                const std::vector<double>& score);

/// One bin of a calibration curve.
struct CalibrationBin {
  double pd_from = 0.0;  ///< lowest PD in the bin
  double pd_to = 0.0;    ///< highest PD in the bin
  std::size_t count = 0;
  std::size_t defaults = 0;
  double mean_pd = 0.0;
  double observed_rate = 0.0;
};
/// The reliability curve on `bins` quantile bins of the PDs (the bins of quantile_edges(pd,
/// bins); bin i holds edges[i-1] < pd <= edges[i]), empty bins dropped: sklearn's
/// calibration_curve(strategy="quantile"), with the bins' sizes and PD ranges.
std::vector<CalibrationBin> calibration_curve(const std::vector<std::uint8_t>& y,
                                              const std::vector<double>& pd, std::size_t bins = 10);

/// Herfindahl-Hirschman index of `counts`: the sum of squared shares, 1/k (even) to 1 (all
/// in one). Throws core::InvalidInput("data_invalid") when the counts sum to 0.
double herfindahl_index(const std::vector<std::size_t>& counts);

}  // namespace risklab::ml
