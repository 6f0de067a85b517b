#include "ml/detail/forest_predictor.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace risklab::ml::detail {
namespace {

constexpr std::uint16_t kLeafBin = 0xFFFF;

// One step of a walk: right = left + 1, and a leaf steps onto itself. `!(value <= threshold)`
// sends NaN right, as DecisionTree and TreeSHAP do.
template <class Node, class Cell>
inline std::int32_t step(const Node* nodes, std::int32_t index, const Cell* row) {
  const Node& n = nodes[index];
  return n.left + (row[n.feature] <= n.threshold ? 0 : 1);
}

// Walks `n` root-to-leaf paths at once: path i starts at node index[i] and reads the cells
// row_of(id[i]); leaf[id[i]] receives the leaf it ends at. Each sweep advances every
// unfinished path one step; the steps of a sweep are independent, so their loads overlap, and
// finished paths drop out of the arrays without a branch. `index` and `id` are overwritten.
template <class Node, class RowOf>
void walk_paths(const Node* nodes, std::int32_t* index, std::uint32_t* id, std::size_t n, RowOf row_of,
                std::int32_t* leaf) {
  while (n > 0) {
    std::size_t kept = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const std::int32_t current = index[i];
      const std::uint32_t path = id[i];
      const std::int32_t next = step(nodes, current, row_of(path));
      // This path's next load comes a whole sweep later: start fetching it now.
      __builtin_prefetch(nodes + next);
      leaf[path] = next;
      index[kept] = next;
      id[kept] = path;
      kept += next != current ? 1 : 0;
    }
    n = kept;
  }
}

// The number of cuts below x (a branch-free lower bound: which way it goes is unpredictable).
// NaN is above every cut, so it goes right at every split, as in DecisionTree.
inline std::uint16_t count_below(const double* cuts, std::size_t n, double x) {
  if (n == 0) return 0;
  if (std::isnan(x)) return static_cast<std::uint16_t>(n);
  const double* base = cuts;
  while (n > 1) {
    const std::size_t half = n / 2;
    base += static_cast<std::size_t>(base[half - 1] < x) * half;
    n -= half;
  }
  return static_cast<std::uint16_t>(base - cuts + (*base < x ? 1 : 0));
}

}  // namespace

void ForestPredictor::build(const std::vector<DecisionTree>& trees, std::size_t n_features) {
  n_features_ = n_features;
  roots_.clear();
  leaf_value_.clear();
  nodes_.clear();
  bin_nodes_.clear();

  std::vector<std::vector<double>> per_feature(n_features);
  for (const DecisionTree& tree : trees) {
    for (std::size_t n = 0; n < tree.size(); ++n) {
      if (tree.left()[n] != DecisionTree::kLeaf) {
        per_feature[static_cast<std::size_t>(tree.feature()[n])].push_back(tree.threshold()[n]);
      }
    }
  }
  binned_ = n_features <= std::numeric_limits<std::uint16_t>::max() + std::size_t{1};
  cuts_.clear();
  cut_begin_.assign(1, 0);
  for (auto& values : per_feature) {
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    // Bins run 0..cuts; the largest must stay below the leaf marker.
    if (values.size() >= kLeafBin) binned_ = false;
    cuts_.insert(cuts_.end(), values.begin(), values.end());
    cut_begin_.push_back(static_cast<std::uint32_t>(cuts_.size()));
  }

  for (const DecisionTree& tree : trees) {
    const auto base = static_cast<std::int32_t>(leaf_value_.size());
    roots_.push_back(base);
    for (std::size_t n = 0; n < tree.size(); ++n) {
      const auto self = base + static_cast<std::int32_t>(n);
      const bool leaf = tree.left()[n] == DecisionTree::kLeaf;
      leaf_value_.push_back(leaf ? tree.value()[n] : 0.0);
      if (!binned_) {
        nodes_.push_back(leaf ? Node{std::numeric_limits<double>::quiet_NaN(), 0, self - 1}
                              : Node{tree.threshold()[n], tree.feature()[n], base + tree.left()[n]});
        continue;
      }
      if (leaf) {
        bin_nodes_.push_back({self, 0, kLeafBin});
        continue;
      }
      const auto f = static_cast<std::size_t>(tree.feature()[n]);
      const auto first = cuts_.begin() + cut_begin_[f];
      const auto last = cuts_.begin() + cut_begin_[f + 1];
      const auto j = std::lower_bound(first, last, tree.threshold()[n]) - first;
      bin_nodes_.push_back({base + tree.left()[n], static_cast<std::uint16_t>(f), static_cast<std::uint16_t>(j)});
    }
  }
  if (!binned_) {
    cuts_.clear();
    cut_begin_.clear();
  }
}

void ForestPredictor::bin_row(const double* row, std::uint16_t* bins) const {
  for (std::size_t f = 0; f < n_features_; ++f) {
    bins[f] = count_below(cuts_.data() + cut_begin_[f], cut_begin_[f + 1] - cut_begin_[f], row[f]);
  }
}

double ForestPredictor::predict(const double* row) const {
  const std::size_t n_trees = roots_.size();
  thread_local Scratch scratch;
  scratch.resize(n_trees, n_features_);
  std::copy(roots_.begin(), roots_.end(), scratch.index.begin());
  for (std::size_t tree = 0; tree < n_trees; ++tree) scratch.id[tree] = static_cast<std::uint32_t>(tree);
  if (binned_) {
    bin_row(row, scratch.bins.data());
    const std::uint16_t* bins = scratch.bins.data();
    walk_paths(bin_nodes_.data(), scratch.index.data(), scratch.id.data(), n_trees,
               [bins](std::uint32_t) { return bins; }, scratch.leaf.data());
  } else {
    walk_paths(nodes_.data(), scratch.index.data(), scratch.id.data(), n_trees, [row](std::uint32_t) { return row; },
               scratch.leaf.data());
  }
  // In tree order, as DecisionTree walks would sum them.
  double sum = 0.0;
  for (std::size_t tree = 0; tree < n_trees; ++tree) sum += leaf_value_[static_cast<std::size_t>(scratch.leaf[tree])];
  return sum / static_cast<double>(n_trees);
}

void ForestPredictor::predict_batch(const double* rows, std::size_t n_rows, double* out) const {
  std::fill_n(out, n_rows, 0.0);
  // A block's bins fill about half of a 32 KiB L1 data cache.
  const std::size_t block_rows = std::clamp<std::size_t>(kBlockCells / std::max<std::size_t>(n_features_, 1), 64, 1024);
  Scratch scratch;
  scratch.resize(block_rows, binned_ ? block_rows * n_features_ : 0);
  const std::size_t stride = n_features_;
  for (std::size_t first = 0; first < n_rows; first += block_rows) {
    const std::size_t count = std::min(block_rows, n_rows - first);
    const double* block = rows + first * stride;
    std::uint16_t* bins = scratch.bins.data();
    if (binned_) {
      for (std::size_t r = 0; r < count; ++r) bin_row(block + r * stride, bins + r * stride);
    }
    for (const std::int32_t root : roots_) {
      std::fill_n(scratch.index.begin(), count, root);
      for (std::size_t r = 0; r < count; ++r) scratch.id[r] = static_cast<std::uint32_t>(r);
      if (binned_) {
        walk_paths(bin_nodes_.data(), scratch.index.data(), scratch.id.data(), count,
                   [bins, stride](std::uint32_t r) { return bins + r * stride; }, scratch.leaf.data());
      } else {
        walk_paths(nodes_.data(), scratch.index.data(), scratch.id.data(), count,
                   [block, stride](std::uint32_t r) { return block + r * stride; }, scratch.leaf.data());
      }
      // Tree by tree, so each row's sum runs in tree order like predict()'s.
      for (std::size_t r = 0; r < count; ++r) out[first + r] += leaf_value_[static_cast<std::size_t>(scratch.leaf[r])];
    }
  }
  for (std::size_t row = 0; row < n_rows; ++row) out[row] /= static_cast<double>(roots_.size());
}

}  // namespace risklab::ml::detail
