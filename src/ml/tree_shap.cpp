#include "ml/tree_shap.hpp"

#include <algorithm>

namespace risklab::ml {
namespace {

template <class Path>
void extend_path(Path* path, std::size_t unique_depth, double zero_fraction, double one_fraction,
                 int feature) {
  path[unique_depth].feature = feature;
  path[unique_depth].zero_fraction = zero_fraction;
  path[unique_depth].one_fraction = one_fraction;
  path[unique_depth].weight = unique_depth == 0 ? 1.0 : 0.0;
  const auto d1 = static_cast<double>(unique_depth + 1);
  for (std::size_t i = unique_depth; i-- > 0;) {
    path[i + 1].weight += one_fraction * path[i].weight * static_cast<double>(i + 1) / d1;
    path[i].weight = zero_fraction * path[i].weight * static_cast<double>(unique_depth - i) / d1;
  }
}

template <class Path>
void unwind_path(Path* path, std::size_t unique_depth, std::size_t path_index) {
  const double one_fraction = path[path_index].one_fraction;
  const double zero_fraction = path[path_index].zero_fraction;
  const auto d1 = static_cast<double>(unique_depth + 1);
  double next_one_portion = path[unique_depth].weight;
  for (std::size_t i = unique_depth; i-- > 0;) {
    if (one_fraction != 0.0) {
      const double tmp = path[i].weight;
      path[i].weight = next_one_portion * d1 / (static_cast<double>(i + 1) * one_fraction);
      next_one_portion = tmp - path[i].weight * zero_fraction * static_cast<double>(unique_depth - i) / d1;
    } else {
      path[i].weight = path[i].weight * d1 / (zero_fraction * static_cast<double>(unique_depth - i));
    }
  }
  for (std::size_t i = path_index; i < unique_depth; ++i) {
    path[i].feature = path[i + 1].feature;
    path[i].zero_fraction = path[i + 1].zero_fraction;
    path[i].one_fraction = path[i + 1].one_fraction;
  }
}

// The total weight of the path with element `path_index` unwound, without modifying it.
template <class Path>
double unwound_path_sum(const Path* path, std::size_t unique_depth, std::size_t path_index) {
  const double one_fraction = path[path_index].one_fraction;
  const double zero_fraction = path[path_index].zero_fraction;
  const auto d1 = static_cast<double>(unique_depth + 1);
  double next_one_portion = path[unique_depth].weight;
  double total = 0.0;
  if (one_fraction != 0.0) {
    for (std::size_t i = unique_depth; i-- > 0;) {
      const double tmp = next_one_portion * d1 / (static_cast<double>(i + 1) * one_fraction);
      total += tmp;
      next_one_portion = path[i].weight - tmp * zero_fraction * static_cast<double>(unique_depth - i) / d1;
    }
  } else {
    for (std::size_t i = unique_depth; i-- > 0;) {
      total += path[i].weight * d1 / (zero_fraction * static_cast<double>(unique_depth - i));
    }
  }
  return total;
}

// Cover-weighted mean leaf value: the tree's output averaged over its training rows.
double tree_expected_value(const DecisionTree& tree) {
  double sum = 0.0;
  for (std::size_t n = 0; n < tree.size(); ++n) {
    if (tree.left()[n] == DecisionTree::kLeaf) sum += tree.cover()[n] * tree.value()[n];
  }
  return tree.cover()[0] > 0.0 ? sum / tree.cover()[0] : tree.value()[0];
}

}  // namespace

TreeExplainer::TreeExplainer(const RandomForest& forest) : forest_(forest) {
  std::size_t max_depth = 0;
  double sum = 0.0;
  for (const DecisionTree& tree : forest.trees()) {
    max_depth = std::max(max_depth, tree.depth());
    sum += tree_expected_value(tree);
  }
  expected_value_ = forest.trees().empty() ? 0.0 : sum / static_cast<double>(forest.trees().size());
  // Each recursion level copies the path (at most depth + 2 elements) into a fresh slot.
  path_buffer_.resize((max_depth + 2) * (max_depth + 3) / 2 + 1);
}

ShapValues TreeExplainer::explain(const double* row) {
  ShapValues out;
  out.expected_value = expected_value_;
  out.contributions.assign(forest_.n_features(), 0.0);
  if (forest_.trees().empty()) return out;
  for (const DecisionTree& tree : forest_.trees()) {
    if (tree.size() == 1) continue;
    recurse(tree, row, out.contributions.data(), 0, path_buffer_.data(), 0, 1.0, 1.0, -1);
  }
  const double scale = 1.0 / static_cast<double>(forest_.trees().size());
  for (double& c : out.contributions) c *= scale;
  return out;
}

void TreeExplainer::recurse(const DecisionTree& tree, const double* row, double* phi,
                            std::size_t node, PathElement* parent_path, std::size_t unique_depth,
                            double parent_zero_fraction, double parent_one_fraction,
                            int parent_feature) {
  // This node's path lives right after the parent's, which stays intact for the sibling.
  PathElement* path = parent_path + unique_depth;
  if (unique_depth > 0) std::copy(parent_path, parent_path + unique_depth, path);
  extend_path(path, unique_depth, parent_zero_fraction, parent_one_fraction, parent_feature);

  const std::int32_t left = tree.left()[node];
  if (left == DecisionTree::kLeaf) {
    const double value = tree.value()[node];
    for (std::size_t i = 1; i <= unique_depth; ++i) {
      const double w = unwound_path_sum(path, unique_depth, i);
      const PathElement& element = path[i];
      phi[element.feature] += w * (element.one_fraction - element.zero_fraction) * value;
    }
    return;
  }
  const int feature = tree.feature()[node];
  const std::int32_t right = tree.right()[node];
  const bool goes_left = row[feature] <= tree.threshold()[node];
  const auto hot = static_cast<std::size_t>(goes_left ? left : right);
  const auto cold = static_cast<std::size_t>(goes_left ? right : left);
  const double cover = tree.cover()[node];
  const double hot_zero_fraction = tree.cover()[hot] / cover;
  const double cold_zero_fraction = tree.cover()[cold] / cover;
  double incoming_zero_fraction = 1.0;
  double incoming_one_fraction = 1.0;

  // A feature already on the path is unwound and re-extended with the combined fractions.
  std::size_t path_index = 0;
  for (; path_index <= unique_depth; ++path_index) {
    if (path[path_index].feature == feature) break;
  }
  if (path_index != unique_depth + 1) {
    incoming_zero_fraction = path[path_index].zero_fraction;
    incoming_one_fraction = path[path_index].one_fraction;
    unwind_path(path, unique_depth, path_index);
    --unique_depth;
  }
  recurse(tree, row, phi, hot, path, unique_depth + 1, hot_zero_fraction * incoming_zero_fraction,
          incoming_one_fraction, feature);
  recurse(tree, row, phi, cold, path, unique_depth + 1, cold_zero_fraction * incoming_zero_fraction,
          0.0, feature);
}

}  // namespace risklab::ml
