#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace risklab::ml {

/// Synthetic minority rows made by SMOTE, column-major like the input, each with the two
/// real rows it was interpolated between (so bagging can keep a real row's out-of-bag
/// predictions free of its own synthetic offspring).
struct SmoteSamples {
  std::size_t n_rows = 0;
  /// Column-major, n_rows x n_features.
  std::vector<double> x;
  /// Row indices (into the input) of the base row and of the chosen neighbour.
  std::vector<std::uint32_t> base;
  std::vector<std::uint32_t> neighbour;
};

/// SMOTE (Chawla et al. 2002) as imbalanced-learn 0.10 does it: each synthetic row picks a
/// minority row and one of its `k` nearest minority neighbours (Euclidean, ties by row index)
/// uniformly at random, then a point uniformly on the segment between them. Hand-written:
/// no Debian C++ package offers SMOTE. `x` is column-major (n_rows x n_features), scaled
/// and without NaN; `minority` lists the minority rows. k is reduced to (minority size - 1)
/// when there are fewer rows. Throws core::InvalidInput("smote_impossible") with fewer than
/// two minority rows.
SmoteSamples smote(const std::vector<double>& x, std::size_t n_rows, std::size_t n_features,
                   const std::vector<std::uint32_t>& minority, std::size_t k,
                   std::size_t n_synthetic, std::uint64_t seed);

}  // namespace risklab::ml
