#include "ml/imputer.hpp"

#include <algorithm>
#include <cmath>

namespace risklab::ml {

void MedianImputer::fit(const std::vector<double>& x, std::size_t n_rows,
                        std::size_t n_features) {
  medians_.assign(n_features, 0.0);
  std::vector<double> values;
  for (std::size_t col = 0; col < n_features; ++col) {
    values.clear();
    for (std::size_t row = 0; row < n_rows; ++row) {
      const double v = x[col * n_rows + row];
      if (!std::isnan(v)) values.push_back(v);
    }
    if (values.empty()) continue;
    const std::size_t mid = values.size() / 2;
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid),
                     values.end());
    double median = values[mid];
    if (values.size() % 2 == 0) {
      const double lower =
          *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid));
      median = lower / 2 + median / 2;
    }
    medians_[col] = median;
  }
}

void MedianImputer::transform(std::vector<double>& x, std::size_t n_rows) const {
  for (std::size_t col = 0; col < medians_.size(); ++col) {
    for (std::size_t row = 0; row < n_rows; ++row) {
      double& v = x[col * n_rows + row];
      if (std::isnan(v)) v = medians_[col];
    }
  }
}

void MedianImputer::transform_row(double* row) const {
  for (std::size_t col = 0; col < medians_.size(); ++col) {
    if (std::isnan(row[col])) row[col] = medians_[col];
  }
}

MedianImputer MedianImputer::from_medians(std::vector<double> medians) {
  MedianImputer imputer;
  imputer.medians_ = std::move(medians);
  return imputer;
}

}  // namespace risklab::ml
