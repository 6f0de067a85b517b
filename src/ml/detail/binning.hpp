#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace risklab::ml::detail {

/// The training matrix as quantile-bin indices (column-major, one byte per cell) and, per
/// feature, the real threshold between bin b and b + 1: the midpoint of the largest training
/// value in b and the smallest in b + 1, as sklearn places thresholds. So `bin <= b` on
/// training rows is exactly `value <= thresholds[f][b]` on any row.
struct BinnedMatrix {
  /// The binned values themselves (column-major), for sklearn's node-local thresholds.
  const std::vector<double>* values = nullptr;
  std::size_t n_rows = 0;
  std::size_t n_features = 0;
  std::vector<std::uint8_t> bins;
  std::vector<std::vector<double>> thresholds;

  const std::uint8_t* column(std::size_t col) const { return bins.data() + col * n_rows; }
  std::size_t n_bins(std::size_t col) const { return thresholds[col].size() + 1; }
};

/// Bins each column of the column-major `x` (no NaN) into at most `max_bins` (<= 256) bins:
/// every distinct value gets its own bin when there are few enough, otherwise bins hold
/// about n_rows / max_bins rows each and never split a run of equal values.
/// Columns are binned on `threads` threads (the result does not depend on the count).
BinnedMatrix bin_matrix(const std::vector<double>& x, std::size_t n_rows,
                        std::size_t n_features, std::size_t max_bins, std::size_t threads = 1);

}  // namespace risklab::ml::detail
