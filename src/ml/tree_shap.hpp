#pragma once

#include <cstddef>
#include <vector>

#include "ml/forest/decision_tree.hpp"
#include "ml/forest/random_forest.hpp"

namespace risklab::ml {

/// Exact path-dependent TreeSHAP values of one row (Lundberg, Erion and Lee 2018,
/// Algorithm 2). Hand-written: no Debian C++ package offers TreeSHAP for our trees.
/// The explained output is the raw forest score (mean of the trees' leaf class-1
/// fractions, before prior correction and calibration), so
/// expected_value + sum(contributions) == forest.predict(row) up to rounding.
struct ShapValues {
  /// The cover-weighted mean forest output over the training rows.
  double expected_value = 0.0;
  /// One contribution per feature, in model order.
  std::vector<double> contributions;
};

/// Reusable TreeSHAP engine for one forest: holds the per-tree expected values and a path
/// buffer sized for the deepest tree, so explaining a row allocates nothing but the result.
/// Not thread-safe (one explainer per thread).
class TreeExplainer {
 public:
  /// Prepares for `forest`, which must outlive the explainer.
  explicit TreeExplainer(const RandomForest& forest);

  /// SHAP values of one scaled row (the model's features in order).
  ShapValues explain(const double* row);

  double expected_value() const { return expected_value_; }

 private:
  struct PathElement {
    int feature;
    double zero_fraction;
    double one_fraction;
    double weight;
  };
  void recurse(const DecisionTree& tree, const double* row, double* phi, std::size_t node,
               PathElement* parent_path, std::size_t unique_depth, double parent_zero_fraction,
               double parent_one_fraction, int parent_feature);

  const RandomForest& forest_;
  double expected_value_ = 0.0;
  std::vector<PathElement> path_buffer_;
};

}  // namespace risklab::ml
