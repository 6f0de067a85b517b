#include "ml/smote.hpp"

#include <algorithm>
#include <utility>

#include "core/error.hpp"
#include "ml/rng.hpp"

namespace risklab::ml {

SmoteSamples smote(const std::vector<double>& x, std::size_t n_rows, std::size_t n_features,
                   const std::vector<std::uint32_t>& minority, std::size_t k,
                   std::size_t n_synthetic, std::uint64_t seed) {
  SmoteSamples out;
  if (n_synthetic == 0) return out;
  const std::size_t n_min = minority.size();
  if (n_min < 2) {
    throw core::InvalidInput("smote_impossible",
                             "SMOTE needs at least 2 minority rows, the training data has " +
                                 std::to_string(n_min));
  }
  k = std::min(k, n_min - 1);

  // Brute-force k nearest neighbours among the minority rows: a few hundred rows in credit
  // data, so O(m^2 * features) is cheaper than building an index.
  std::vector<double> rows(n_min * n_features);
  for (std::size_t i = 0; i < n_min; ++i) {
    for (std::size_t col = 0; col < n_features; ++col) {
      rows[i * n_features + col] = x[col * n_rows + minority[i]];
    }
  }
  std::vector<std::uint32_t> neighbours(n_min * k);
  std::vector<std::pair<double, std::uint32_t>> distances(n_min - 1);
  for (std::size_t i = 0; i < n_min; ++i) {
    std::size_t slot = 0;
    for (std::size_t j = 0; j < n_min; ++j) {
      if (j == i) continue;
      double d2 = 0.0;
      for (std::size_t col = 0; col < n_features; ++col) {
        const double d = rows[i * n_features + col] - rows[j * n_features + col];
        d2 += d * d;
      }
      distances[slot++] = {d2, static_cast<std::uint32_t>(j)};
    }
    std::partial_sort(distances.begin(), distances.begin() + static_cast<std::ptrdiff_t>(k),
                      distances.end());
    for (std::size_t n = 0; n < k; ++n) neighbours[i * k + n] = distances[n].second;
  }

  Rng rng(seed);
  out.n_rows = n_synthetic;
  out.x.resize(n_synthetic * n_features);
  out.base.resize(n_synthetic);
  out.neighbour.resize(n_synthetic);
  for (std::size_t s = 0; s < n_synthetic; ++s) {
    const std::size_t pick = rng.uniform_below(n_min * k);
    const std::size_t i = pick / k;
    const std::size_t j = neighbours[pick];
    const double gap = rng.uniform01();
    for (std::size_t col = 0; col < n_features; ++col) {
      const double a = rows[i * n_features + col];
      out.x[col * n_synthetic + s] = a + gap * (rows[j * n_features + col] - a);
    }
    out.base[s] = minority[i];
    out.neighbour[s] = minority[j];
  }
  return out;
}

}  // namespace risklab::ml
