#include "ml/standard_scaler.hpp"

#include <algorithm>
#include <cmath>

namespace risklab::ml {

void StandardScaler::fit(const std::vector<double>& x, std::size_t n_rows,
                         std::size_t n_features) {
  mean_.assign(n_features, 0.0);
  scale_.assign(n_features, 1.0);
  for (std::size_t col = 0; col < n_features; ++col) {
    const double* values = x.data() + col * n_rows;
    double sum = 0.0;
    for (std::size_t row = 0; row < n_rows; ++row) sum += values[row];
    const double mean = sum / static_cast<double>(n_rows);
    // Two passes (mean, then squared deviations) keep the variance accurate for columns
    // around 1e10 in the reference data.
    double squares = 0.0;
    for (std::size_t row = 0; row < n_rows; ++row) {
      const double d = values[row] - mean;
      squares += d * d;
    }
    const double std_dev = std::sqrt(squares / static_cast<double>(n_rows));
    mean_[col] = mean;
    // sklearn treats a variance below ~10 ulp of the mean as zero; a constant column keeps
    // scale 1 so it maps to 0 instead of NaN.
    scale_[col] = std_dev > 1e-12 * std::max(1.0, std::fabs(mean)) ? std_dev : 1.0;
  }
}

void StandardScaler::transform(std::vector<double>& x, std::size_t n_rows) const {
  for (std::size_t col = 0; col < mean_.size(); ++col) {
    double* values = x.data() + col * n_rows;
    for (std::size_t row = 0; row < n_rows; ++row) {
      values[row] = (values[row] - mean_[col]) / scale_[col];
    }
  }
}

void StandardScaler::transform_row(double* row) const {
  for (std::size_t col = 0; col < mean_.size(); ++col) {
    row[col] = (row[col] - mean_[col]) / scale_[col];
  }
}

StandardScaler StandardScaler::from_parameters(std::vector<double> mean,
                                               std::vector<double> scale) {
  StandardScaler scaler;
  scaler.mean_ = std::move(mean);
  scaler.scale_ = std::move(scale);
  return scaler;
}

}  // namespace risklab::ml
