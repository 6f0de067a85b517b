#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace risklab::ml::detail {

/// The trees of a binary:logistic xgboost model as one flat node array, walked by us instead
/// of calling the C API per row (docs/adr/0005). Semantics are xgboost 1.7's CPU predictor,
/// reproduced to the bit: the row is converted to float, NaN takes the node's default
/// child, otherwise `value < split` goes left; leaf values are added in float in tree order
/// onto the base margin; the probability is 1 / (1 + expf(-margin)) in float. Immutable
/// after from_ubjson(), so safe to share between threads.
class GbdtTrees {
 public:
  /// Reads the trees of xgboost's UBJSON model bytes (the booster's own save format). Throws
  /// core::InvalidInput("model_corrupt") for anything but a gbtree binary:logistic model with
  /// numerical splits over `n_features` features.
  static GbdtTrees from_ubjson(const std::string& bytes, std::size_t n_features);

  /// The margin (log-odds) of one raw row of n_features doubles, NaN = missing.
  float margin(const double* raw) const;
  /// The probability of one raw row: xgboost's sigmoid of margin().
  float probability(const double* raw) const;
  /// probability() of `n_rows` row-major rows into `out`.
  void probability_batch(const double* rows, std::size_t n_rows, double* out) const;

  std::size_t n_trees() const { return roots_.size(); }
  std::size_t n_features() const { return n_features_; }

  /// A split: missing goes to left + default_right, else left + !(value < threshold). A leaf
  /// has left = itself - 1, default_right = 1 and a NaN threshold, so every step from it
  /// lands on it again: a walk takes a fixed number of steps without branching.
  struct Node {
    float threshold;
    std::uint32_t feature;
    std::int32_t left;
    std::uint32_t default_right;
  };

  // For TreeSHAP (tree_shap.cpp): tree t holds nodes [tree_begin(t), tree_begin(t + 1)), its
  // root first; a node is a leaf when its threshold is NaN.
  std::size_t tree_begin(std::size_t t) const {
    return t < roots_.size() ? static_cast<std::size_t>(roots_[t]) : nodes_.size();
  }
  const std::vector<Node>& nodes() const { return nodes_; }
  /// xgboost's sum_hessian of each node: the training cover TreeSHAP weighs branches by.
  const std::vector<float>& cover() const { return cover_; }
  const std::vector<float>& leaf_value() const { return leaf_value_; }
  float base_margin() const { return base_margin_; }

 private:
  float margin_of(const float* row) const;

  std::size_t n_features_ = 0;
  /// The longest root-to-leaf path over all trees: the steps of every walk.
  std::size_t depth_ = 0;
  float base_margin_ = 0.0f;
  std::vector<Node> nodes_;
  std::vector<float> leaf_value_;
  std::vector<float> cover_;
  std::vector<std::int32_t> roots_;
};

}  // namespace risklab::ml::detail
