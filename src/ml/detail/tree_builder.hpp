#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "ml/detail/binning.hpp"
#include "ml/forest/decision_tree.hpp"
#include "ml/rng.hpp"

namespace risklab::ml::detail {

/// What grow_tree() needs besides the data.
struct TreeGrowParams {
  std::size_t max_depth = 0;  ///< 0 = until pure, at most DecisionTree::kMaxDepth
  std::size_t min_samples_leaf = 1;
  std::size_t max_features = 1;
};

/// Grows one gini tree depth-first, as sklearn's BestSplitter does but over quantile bins:
/// at each node features are drawn without replacement until `max_features` non-constant
/// ones were tried; the split maximising the weighted gini decrease wins (first found on
/// ties). `rows` are the rows with weight > 0 (reordered in place); `weight` is indexed by
/// row. Adds each split's weighted impurity decrease to `importance[feature]`.
DecisionTree grow_tree(const BinnedMatrix& bins, const std::uint8_t* y, const double* weight,
                       std::vector<std::uint32_t>& rows, const TreeGrowParams& params, Rng& rng,
                       std::vector<double>& importance);

}  // namespace risklab::ml::detail
