#pragma once

#include <cstddef>
#include <vector>

namespace risklab::ml {

/// Median imputation, learnt on the training part and stored in the model (the model's
/// missing-value policy): a missing value (NaN) becomes its column's training median.
class MedianImputer {
 public:
  /// Learns one median per column of the column-major `x` (n_rows x n_features), ignoring
  /// NaN; the median of an even count is the mean of the two middle values (numpy's). A
  /// column with no value at all gets 0.
  void fit(const std::vector<double>& x, std::size_t n_rows, std::size_t n_features);
  /// Replaces every NaN of the column-major `x` by its column's median, in place.
  void transform(std::vector<double>& x, std::size_t n_rows) const;
  /// Replaces NaN in one row (`n_features` values, model order), in place.
  void transform_row(double* row) const;

  const std::vector<double>& medians() const { return medians_; }
  /// Restores a fitted imputer (artifact reader).
  static MedianImputer from_medians(std::vector<double> medians);

 private:
  std::vector<double> medians_;
};

}  // namespace risklab::ml
