#pragma once

#include <cstddef>
#include <vector>

#include "ml/hyperparameters.hpp"

namespace risklab::ml {

/// Bayes prior correction (Elkan 2001; Saerens et al. 2002): a score estimated where the
/// positive share was `from_prior` becomes the probability under `to_prior`. Both priors
/// must be in (0, 1); scores 0 and 1 stay 0 and 1.
double correct_prior(double score, double from_prior, double to_prior);

/// sklearn's IsotonicRegression(increasing=True, out_of_bounds="clip", y_min=0, y_max=1):
/// pool-adjacent-violators on (x, y, weight) with equal x merged first, then linear
/// interpolation between the kept block end points and flat beyond them.
class IsotonicRegression {
 public:
  /// Fits on paired values; `weight` may be empty (all 1). Throws core::InvalidInput
  /// ("data_invalid") when the inputs are empty or differ in length.
  void fit(const std::vector<double>& x, const std::vector<double>& y,
           const std::vector<double>& weight = {});
  double predict(double x) const;

  const std::vector<double>& x_thresholds() const { return x_; }
  const std::vector<double>& y_thresholds() const { return y_; }
  /// Restores a fitted map (artifact reader); throws core::InvalidInput("model_corrupt")
  /// unless both are non-empty, of equal size, x non-decreasing and y non-decreasing in [0, 1].
  static IsotonicRegression from_thresholds(std::vector<double> x, std::vector<double> y);

 private:
  std::vector<double> x_;
  std::vector<double> y_;
};

/// Platt scaling on the logit: P = 1 / (1 + exp(a * logit(s) + b)), fitted by Newton's method
/// on the log loss with Platt's smoothed targets (Platt 1999; Lin, Lin and Weng 2007), the
/// sign convention of sklearn's _sigmoid_calibration.
struct PlattScaling {
  double a = -1.0;
  double b = 0.0;
  /// Fits a and b; throws core::InvalidInput("data_invalid") on empty or mismatched input.
  void fit(const std::vector<double>& score, const std::vector<double>& y);
  double predict(double score) const;
};

/// Added to PDs in score order (at most this much at score 1) so that equal calibrated PDs
/// still rank rows like the forest does.
inline constexpr double kPdTieBreak = 1e-7;

/// Forest score -> PD: prior correction from the forest's training prior to the real base
/// rate, then the isotonic or Platt map (or nothing), then the PD floor, plus a tie-break of
/// kPdTieBreak * score.
class Calibrator {
 public:
  /// Fits the map on `score` (forest predictions not used to grow the trees) and `y`.
  /// Throws core::InvalidInput("data_invalid") when fewer than 2 rows or one class only.
  void fit(CalibrationMethod method, double forest_prior, double base_rate, double pd_floor,
           const std::vector<double>& score, const std::vector<double>& y);
  /// The PD of a raw forest score, in [pd_floor, 1], strictly increasing in the score below 1.
  double pd(double score) const;

  CalibrationMethod method() const { return method_; }
  double forest_prior() const { return forest_prior_; }
  double base_rate() const { return base_rate_; }
  double pd_floor() const { return pd_floor_; }
  const IsotonicRegression& isotonic() const { return isotonic_; }
  const PlattScaling& platt() const { return platt_; }

  /// Restores a fitted calibrator (artifact reader).
  static Calibrator from_parts(CalibrationMethod method, double forest_prior, double base_rate,
                               double pd_floor, IsotonicRegression isotonic, PlattScaling platt);

 private:
  CalibrationMethod method_ = CalibrationMethod::none;
  double forest_prior_ = 0.5;
  double base_rate_ = 0.5;
  double pd_floor_ = 0.0;
  IsotonicRegression isotonic_;
  PlattScaling platt_;
};

}  // namespace risklab::ml
