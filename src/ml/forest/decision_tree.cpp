#include "ml/forest/decision_tree.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.hpp"

namespace risklab::ml {

std::int32_t DecisionTree::add_node(double value, double cover) {
  left_.push_back(kLeaf);
  right_.push_back(kLeaf);
  feature_.push_back(-1);
  threshold_.push_back(0.0);
  value_.push_back(value);
  cover_.push_back(cover);
  return static_cast<std::int32_t>(left_.size() - 1);
}

void DecisionTree::set_split(std::int32_t node, std::int32_t feature, double threshold,
                             std::int32_t left, std::int32_t right) {
  const auto n = static_cast<std::size_t>(node);
  feature_[n] = feature;
  threshold_[n] = threshold;
  left_[n] = left;
  right_[n] = right;
}

std::size_t DecisionTree::depth() const {
  // Children always come after their parent, so one forward pass assigns depths.
  std::vector<std::size_t> depth_of(size(), 0);
  std::size_t deepest = 0;
  for (std::size_t n = 0; n < size(); ++n) {
    deepest = std::max(deepest, depth_of[n]);
    if (left_[n] == kLeaf) continue;
    depth_of[static_cast<std::size_t>(left_[n])] = depth_of[n] + 1;
    depth_of[static_cast<std::size_t>(right_[n])] = depth_of[n] + 1;
  }
  return deepest;
}

DecisionTree DecisionTree::from_arrays(std::vector<std::int32_t> left,
                                       std::vector<std::int32_t> right,
                                       std::vector<std::int32_t> feature,
                                       std::vector<double> threshold, std::vector<double> value,
                                       std::vector<double> cover, std::size_t n_features) {
  const std::size_t n = left.size();
  const auto corrupt = [](const std::string& why) {
    return core::InvalidInput("model_corrupt", "model file has an invalid tree: " + why);
  };
  if (n == 0) throw corrupt("no nodes");
  if (right.size() != n || feature.size() != n || threshold.size() != n || value.size() != n ||
      cover.size() != n) {
    throw corrupt("node arrays differ in length");
  }
  std::vector<bool> reached(n, false);
  reached[0] = true;
  for (std::size_t i = 0; i < n; ++i) {
    if (!(value[i] >= 0.0 && value[i] <= 1.0)) throw corrupt("a node value is outside [0, 1]");
    if (!(cover[i] >= 0.0) || !std::isfinite(cover[i])) throw corrupt("a node cover is invalid");
    if (left[i] == kLeaf) {
      if (right[i] != kLeaf) throw corrupt("a leaf has a right child");
      continue;
    }
    const auto in_range = [&](std::int32_t child) {
      return child > static_cast<std::int64_t>(i) && static_cast<std::size_t>(child) < n;
    };
    if (!in_range(left[i]) || !in_range(right[i]) || right[i] != left[i] + 1) {
      throw corrupt("a child index is out of range");
    }
    for (const std::int32_t child : {left[i], right[i]}) {
      if (reached[static_cast<std::size_t>(child)]) throw corrupt("a node has two parents");
      reached[static_cast<std::size_t>(child)] = true;
    }
    if (feature[i] < 0 || static_cast<std::size_t>(feature[i]) >= n_features) {
      throw corrupt("a split feature is out of range");
    }
    if (!std::isfinite(threshold[i])) throw corrupt("a threshold is not finite");
  }
  if (!std::all_of(reached.begin(), reached.end(), [](bool r) { return r; })) {
    throw corrupt("a node is unreachable");
  }
  DecisionTree tree;
  tree.left_ = std::move(left);
  tree.right_ = std::move(right);
  tree.feature_ = std::move(feature);
  tree.threshold_ = std::move(threshold);
  tree.value_ = std::move(value);
  tree.cover_ = std::move(cover);
  if (tree.depth() > kMaxDepth) {
    throw corrupt("it is deeper than " + std::to_string(kMaxDepth) + " levels");
  }
  return tree;
}

}  // namespace risklab::ml
