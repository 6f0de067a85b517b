#include "ml/detail/forest_predictor.hpp"

#include <algorithm>
#include <limits>

namespace risklab::ml::detail {
namespace {

// One step of a walk: `value <= threshold` goes left, anything else (NaN too, as in
// DecisionTree and TreeSHAP) to left + 1; a leaf steps onto itself.
inline std::int32_t step(const ForestPredictor::Node* nodes, std::int32_t index,
                         const double* row) {
  const ForestPredictor::Node& n = nodes[index];
  return n.left + (row[n.feature] <= n.threshold ? 0 : 1);
}

// Walks `n` root-to-leaf paths at once: path i starts at node index[i], reads the row
// `rows[i]` (kRowPerPath: one row per path, a block's walk of one tree) or `row` (one row's
// walk of all trees), and leaf[id[i]] receives the leaf it ends at. Each sweep advances every
// path one step; the steps of a sweep are independent, so their loads overlap. A path at a
// leaf steps onto the leaf again, so finished paths are only dropped every kSweeps sweeps:
// the sweeps in between are one node load, one value load, a compare and a store per path,
// with no branch and no bookkeeping (a refill branch per finished walk mispredicted about
// once per three steps; dropping after every sweep cost half the instructions). With
// kPrefetch each step also prefetches the node it reads next sweep: worth it when the nodes
// are many trees (one row's walk, L2 and L3 misses), not when they are one tree already in L1
// (a block's walk). `index`, `id` and `rows` are overwritten.
template <int kSweeps, bool kPrefetch, bool kRowPerPath>
void walk_paths(const ForestPredictor::Node* nodes, std::int32_t* index, std::uint32_t* id,
                const double** rows, const double* row, std::size_t n, std::int32_t* leaf) {
  while (n > 0) {
    for (int sweep = 0; sweep < kSweeps; ++sweep) {
      for (std::size_t i = 0; i < n; ++i) {
        const std::int32_t next = step(nodes, index[i], kRowPerPath ? rows[i] : row);
        if constexpr (kPrefetch) __builtin_prefetch(nodes + next);
        index[i] = next;
      }
    }
    std::size_t kept = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const std::int32_t current = index[i];
      const std::uint32_t path = id[i];
      leaf[path] = current;
      index[kept] = current;
      id[kept] = path;
      if constexpr (kRowPerPath) rows[kept] = rows[i];
      kept += nodes[current].left + 1 != current ? 1 : 0;  // a leaf's left is itself - 1
    }
    n = kept;
  }
}

}  // namespace

void ForestPredictor::build(const std::vector<DecisionTree>& trees, std::size_t n_features) {
  n_features_ = n_features;
  roots_.clear();
  leaf_value_.clear();
  nodes_.clear();
  for (const DecisionTree& tree : trees) {
    const auto base = static_cast<std::int32_t>(nodes_.size());
    roots_.push_back(base);
    for (std::size_t n = 0; n < tree.size(); ++n) {
      const auto self = base + static_cast<std::int32_t>(n);
      if (tree.left()[n] == DecisionTree::kLeaf) {
        nodes_.push_back({std::numeric_limits<double>::quiet_NaN(), 0, self - 1});
        leaf_value_.push_back(tree.value()[n]);
      } else {
        nodes_.push_back({tree.threshold()[n], tree.feature()[n], base + tree.left()[n]});
        leaf_value_.push_back(0.0);
      }
    }
  }
}

double ForestPredictor::predict(const double* row) const {
  const std::size_t n_trees = roots_.size();
  thread_local Scratch scratch;
  scratch.resize(n_trees);
  std::copy(roots_.begin(), roots_.end(), scratch.index.begin());
  for (std::size_t tree = 0; tree < n_trees; ++tree)
    scratch.id[tree] = static_cast<std::uint32_t>(tree);
  walk_paths<3, true, false>(nodes_.data(), scratch.index.data(), scratch.id.data(), nullptr, row,
                             n_trees, scratch.leaf.data());
  // In tree order, as DecisionTree walks would sum them.
  double sum = 0.0;
  for (std::size_t tree = 0; tree < n_trees; ++tree)
    sum += leaf_value_[static_cast<std::size_t>(scratch.leaf[tree])];
  return sum / static_cast<double>(n_trees);
}

void ForestPredictor::predict_batch(const double* rows, std::size_t n_rows, double* out) const {
  std::fill_n(out, n_rows, 0.0);
  const std::size_t stride = n_features_;
  const std::size_t block_rows =
      std::clamp<std::size_t>(kBlockCells / std::max<std::size_t>(stride, 1), 64, 1024);
  Scratch scratch;
  scratch.resize(block_rows);
  for (std::size_t first = 0; first < n_rows; first += block_rows) {
    const std::size_t count = std::min(block_rows, n_rows - first);
    const double* block = rows + first * stride;
    for (const std::int32_t root : roots_) {
      for (std::size_t r = 0; r < count; ++r) {
        scratch.index[r] = root;
        scratch.id[r] = static_cast<std::uint32_t>(r);
        scratch.rows[r] = block + r * stride;
      }
      walk_paths<4, false, true>(nodes_.data(), scratch.index.data(), scratch.id.data(),
                                 scratch.rows.data(), nullptr, count, scratch.leaf.data());
      // Tree by tree, so each row's sum runs in tree order like predict()'s.
      for (std::size_t r = 0; r < count; ++r)
        out[first + r] += leaf_value_[static_cast<std::size_t>(scratch.leaf[r])];
    }
  }
  for (std::size_t row = 0; row < n_rows; ++row) out[row] /= static_cast<double>(roots_.size());
}

}  // namespace risklab::ml::detail
