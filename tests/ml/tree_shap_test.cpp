#include "ml/tree_shap.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "fixtures.hpp"
#include "ml/model.hpp"
#include "ml/split.hpp"

namespace risklab::ml {
namespace {

// The path-dependent value function of one tree for coalition `mask` (Lundberg et al.
// 2018, Algorithm 1): follow the row on features in the coalition, otherwise average the
// children by training cover.
double coalition_value(const DecisionTree& tree, std::size_t node, const double* row, unsigned mask) {
  if (tree.left()[node] == DecisionTree::kLeaf) return tree.value()[node];
  const auto f = static_cast<unsigned>(tree.feature()[node]);
  const auto left = static_cast<std::size_t>(tree.left()[node]);
  const auto right = static_cast<std::size_t>(tree.right()[node]);
  if (mask & (1U << f)) {
    return coalition_value(tree, row[f] <= tree.threshold()[node] ? left : right, row, mask);
  }
  return (tree.cover()[left] * coalition_value(tree, left, row, mask) +
          tree.cover()[right] * coalition_value(tree, right, row, mask)) /
         tree.cover()[node];
}

double forest_value(const RandomForest& forest, const double* row, unsigned mask) {
  double sum = 0.0;
  for (const auto& tree : forest.trees()) sum += coalition_value(tree, 0, row, mask);
  return sum / static_cast<double>(forest.trees().size());
}

// Shapley values by enumerating every coalition: exponential, fine for 3 features.
std::vector<double> brute_force_shap(const RandomForest& forest, const double* row) {
  const std::size_t m = forest.n_features();
  std::vector<double> phi(m, 0.0);
  std::vector<double> factorial(m + 1, 1.0);
  for (std::size_t i = 1; i <= m; ++i) factorial[i] = factorial[i - 1] * static_cast<double>(i);
  for (std::size_t i = 0; i < m; ++i) {
    for (unsigned mask = 0; mask < (1U << m); ++mask) {
      if (mask & (1U << i)) continue;
      const auto s = static_cast<std::size_t>(__builtin_popcount(mask));
      const double weight = factorial[s] * factorial[m - s - 1] / factorial[m];
      phi[i] += weight * (forest_value(forest, row, mask | (1U << i)) - forest_value(forest, row, mask));
    }
  }
  return phi;
}

Model small_model(std::size_t trees, std::size_t max_depth) {
  TrainParams params;
  params.n_trees = trees;
  params.max_depth = max_depth;
  params.max_features = "all";
  return train_model(test::synthetic_dataset(300, 21, 0.1), params, {1, {}, ""});
}

}  // namespace

TEST(TreeShap, EqualsBruteForceShapleyValuesWithRepeatedFeaturesOnPaths) {
  // Deep trees on 3 features split on the same feature many times along a path.
  const Model model = small_model(6, 0);
  TreeExplainer explainer(model.forest);
  const Dataset rows = test::synthetic_dataset(25, 99, 0.1);
  std::vector<double> raw(3), prepared(3);
  for (std::size_t row = 0; row < rows.n_rows; ++row) {
    for (std::size_t col = 0; col < 3; ++col) raw[col] = rows.at(row, col);
    model.prepare(raw.data(), prepared.data());
    const ShapValues shap = explainer.explain(prepared.data());
    const auto expected = brute_force_shap(model.forest, prepared.data());
    for (std::size_t f = 0; f < 3; ++f) EXPECT_NEAR(shap.contributions[f], expected[f], 1e-12) << row << " " << f;
    EXPECT_NEAR(shap.expected_value, forest_value(model.forest, prepared.data(), 0U), 1e-12);
  }
}

TEST(TreeShap, StumpsGiveTheClosedForm) {
  const Model model = small_model(3, 1);
  TreeExplainer explainer(model.forest);
  const double row[3] = {0.3, -0.2, 0.5};
  const ShapValues shap = explainer.explain(row);
  const auto expected = brute_force_shap(model.forest, row);
  for (std::size_t f = 0; f < 3; ++f) EXPECT_NEAR(shap.contributions[f], expected[f], 1e-14);
}

// The acceptance property on every row of the reference test split (25 trees keep
// the sanitizer build fast; additivity does not depend on the tree count).
TEST(TreeShap, ContributionsPlusExpectedValueEqualTheScoreOnEveryReferenceTestRow) {
  const Dataset all = read_csv(risklab::test::shared_data("taiwan_bankruptcy.csv"), {"Bankrupt?", "", {}});
  const SplitIndices split = stratified_split(all.y, 0.2, 42);
  TrainParams params;
  params.n_trees = 25;
  const Model model = train_model(all.select_rows(split.train), params, {2, {}, ""});
  TreeExplainer explainer(model.forest);
  const Dataset test = all.select_rows(split.test);
  std::vector<double> raw(model.features.size()), prepared(model.features.size());
  double worst = 0.0;
  for (std::size_t row = 0; row < test.n_rows; ++row) {
    for (std::size_t col = 0; col < raw.size(); ++col) raw[col] = test.at(row, col);
    model.prepare(raw.data(), prepared.data());
    const ShapValues shap = explainer.explain(prepared.data());
    const double total = std::accumulate(shap.contributions.begin(), shap.contributions.end(), shap.expected_value);
    worst = std::max(worst, std::fabs(total - model.forest.predict(prepared.data())));
  }
  EXPECT_LT(worst, 1e-9);
}

}  // namespace risklab::ml
