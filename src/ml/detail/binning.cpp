#include "ml/detail/binning.hpp"

#include <algorithm>
#include <numeric>
#include <thread>

namespace risklab::ml::detail {
namespace {

// sklearn's rule: the midpoint, unless rounding lands it on the upper value.
double midpoint(double lower, double upper) {
  const double mid = lower / 2 + upper / 2;
  return mid >= upper ? lower : mid;
}

void bin_columns(const std::vector<double>& x, std::size_t n_rows, std::size_t max_bins, std::size_t first,
                 std::size_t last, BinnedMatrix& out);

}  // namespace

BinnedMatrix bin_matrix(const std::vector<double>& x, std::size_t n_rows,
                        std::size_t n_features, std::size_t max_bins, std::size_t threads) {
  BinnedMatrix out;
  out.values = &x;
  out.n_rows = n_rows;
  out.n_features = n_features;
  out.bins.resize(n_rows * n_features);
  out.thresholds.resize(n_features);
  // Each column is binned alone, so columns split over threads in fixed ranges.
  const std::size_t n_threads = std::max<std::size_t>(1, std::min(threads, n_features));
  std::vector<std::thread> pool;
  for (std::size_t t = 0; t < n_threads; ++t) {
    pool.emplace_back([&, t] {
      bin_columns(x, n_rows, max_bins, t * n_features / n_threads, (t + 1) * n_features / n_threads, out);
    });
  }
  for (auto& thread : pool) thread.join();
  return out;
}

namespace {

void bin_columns(const std::vector<double>& x, std::size_t n_rows, std::size_t max_bins, std::size_t first,
                 std::size_t last, BinnedMatrix& out) {
  std::vector<std::uint32_t> order(n_rows);
  for (std::size_t col = first; col < last; ++col) {
    const double* values = x.data() + col * n_rows;
    std::iota(order.begin(), order.end(), 0U);
    std::sort(order.begin(), order.end(), [values](std::uint32_t a, std::uint32_t b) {
      return values[a] < values[b] || (values[a] == values[b] && a < b);
    });
    std::size_t n_distinct = 0;
    for (std::size_t i = 0; i < n_rows; ++i) {
      if (i == 0 || values[order[i]] != values[order[i - 1]]) ++n_distinct;
    }
    // Few distinct values: one bin each (exact splits). Otherwise close a bin once it holds
    // its share of the rows, only between two different values.
    const double target =
        n_distinct <= max_bins ? 0.0 : static_cast<double>(n_rows) / static_cast<double>(max_bins);
    std::vector<double>& thresholds = out.thresholds[col];
    std::uint8_t* bins = out.bins.data() + col * n_rows;
    std::size_t bin = 0;
    std::size_t in_bin = 0;
    for (std::size_t i = 0; i < n_rows; ++i) {
      if (i > 0 && values[order[i]] != values[order[i - 1]] &&
          static_cast<double>(in_bin) >= target && bin + 1 < max_bins) {
        thresholds.push_back(midpoint(values[order[i - 1]], values[order[i]]));
        ++bin;
        in_bin = 0;
      }
      bins[order[i]] = static_cast<std::uint8_t>(bin);
      ++in_bin;
    }
  }
}

}  // namespace

}  // namespace risklab::ml::detail
