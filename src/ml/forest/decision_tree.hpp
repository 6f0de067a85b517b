#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace risklab::ml {

/// One binary classification tree as flat node arrays (node 0 is the root). An internal
/// node sends a row left when `row[feature_[n]] <= threshold_[n]`; a leaf has
/// `left_[n] == kLeaf`. `value_` is the weighted fraction of class 1 among the training rows
/// reaching the node (sklearn's leaf probability); `cover_` their total weight, which
/// TreeSHAP needs.
class DecisionTree {
 public:
  static constexpr std::int32_t kLeaf = -1;
  /// The deepest tree (root-to-leaf edges) we grow, read from an artifact or explain: TreeSHAP
  /// descends recursively, one stack frame per level, so a deeper tree in a corrupt or hostile
  /// artifact is refused at load time (model_corrupt) instead of exhausting a request
  /// thread's stack. Unlimited depth (max_depth 0) grows to at most this.
  static constexpr std::size_t kMaxDepth = 1000;

  /// Appends a node and returns its index; children are set later with set_children().
  std::int32_t add_node(double value, double cover);
  void set_split(std::int32_t node, std::int32_t feature, double threshold, std::int32_t left,
                 std::int32_t right);
  void set_cover(std::int32_t node, double cover) { cover_[static_cast<std::size_t>(node)] = cover; }

  /// The leaf reached by `row` (the model's features in order, scaled).
  std::int32_t leaf_of(const double* row) const {
    return leaf_of_with([row](std::int32_t feature) { return row[feature]; });
  }
  /// The leaf reached by a row whose feature f is `get(f)` (e.g. a column-major matrix).
  template <class Get>
  std::int32_t leaf_of_with(Get get) const {
    std::int32_t node = 0;
    while (left_[static_cast<std::size_t>(node)] != kLeaf) {
      const auto n = static_cast<std::size_t>(node);
      node = get(feature_[n]) <= threshold_[n] ? left_[n] : right_[n];
    }
    return node;
  }
  /// P(class 1) for `row`: the value of its leaf.
  double predict(const double* row) const { return value_[static_cast<std::size_t>(leaf_of(row))]; }

  std::size_t size() const { return left_.size(); }
  /// The longest root-to-leaf path, in edges.
  std::size_t depth() const;

  const std::vector<std::int32_t>& left() const { return left_; }
  const std::vector<std::int32_t>& right() const { return right_; }
  const std::vector<std::int32_t>& feature() const { return feature_; }
  const std::vector<double>& threshold() const { return threshold_; }
  const std::vector<double>& value() const { return value_; }
  const std::vector<double>& cover() const { return cover_; }

  /// Rebuilds a tree from stored arrays (artifact reader). Throws core::InvalidInput
  /// ("model_corrupt") unless the arrays describe a valid tree over `n_features` features:
  /// equal lengths, children after their parent and in range with right = left + 1, each
  /// node reached once, finite thresholds, values in [0, 1], non-negative covers.
  static DecisionTree from_arrays(std::vector<std::int32_t> left, std::vector<std::int32_t> right,
                                  std::vector<std::int32_t> feature,
                                  std::vector<double> threshold, std::vector<double> value,
                                  std::vector<double> cover, std::size_t n_features);

 private:
  std::vector<std::int32_t> left_;
  std::vector<std::int32_t> right_;
  std::vector<std::int32_t> feature_;
  std::vector<double> threshold_;
  std::vector<double> value_;
  std::vector<double> cover_;
};

}  // namespace risklab::ml
