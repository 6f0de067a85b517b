#pragma once

#include <cstddef>
#include <vector>

namespace risklab::ml {

/// sklearn's StandardScaler: z = (x - mean) / scale with the population standard deviation
/// (ddof = 0); a constant column gets scale 1, so it is centred but not divided.
class StandardScaler {
 public:
  /// Learns mean and scale of each column of the column-major `x` (no NaN allowed: impute
  /// first).
  void fit(const std::vector<double>& x, std::size_t n_rows, std::size_t n_features);
  /// Scales the column-major `x` in place.
  void transform(std::vector<double>& x, std::size_t n_rows) const;
  /// Scales one row (`n_features` values, model order) in place.
  void transform_row(double* row) const;

  const std::vector<double>& mean() const { return mean_; }
  const std::vector<double>& scale() const { return scale_; }
  /// Restores a fitted scaler (artifact reader).
  static StandardScaler from_parameters(std::vector<double> mean, std::vector<double> scale);

 private:
  std::vector<double> mean_;
  std::vector<double> scale_;
};

}  // namespace risklab::ml
