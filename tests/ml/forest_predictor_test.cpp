#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "fixtures.hpp"
#include "ml/forest/random_forest.hpp"

namespace risklab::ml {
namespace {

// The reference semantics: walk every DecisionTree and sum the leaves in tree order.
double tree_walk_mean(const std::vector<DecisionTree>& trees, const double* row) {
  double sum = 0.0;
  for (const DecisionTree& tree : trees) sum += tree.predict(row);
  return sum / static_cast<double>(trees.size());
}

RandomForest small_forest() {
  const Dataset data = test::synthetic_dataset(600, 21);
  std::vector<double> x = data.x;
  for (double& v : x) {
    if (std::isnan(v)) v = 0.0;
  }
  const std::vector<std::uint32_t> none;
  ForestTrainingData d;
  d.x = &x;
  d.n_rows = data.n_rows;
  d.n_features = data.n_features();
  d.y = &data.y;
  d.n_real = data.n_rows;
  d.base = &none;
  d.neighbour = &none;
  TrainParams params;
  params.n_trees = 40;
  RandomForest forest;
  forest.fit(d, params, 2);
  return forest;
}

TEST(ForestPredictor, WalksEqualTreeWalksBitForBitAlsoOnThresholdsAndNaN) {
  const RandomForest forest = small_forest();
  const std::size_t n_features = forest.n_features();
  std::vector<std::vector<double>> rows;
  Rng rng(5);
  for (int i = 0; i < 300; ++i) {
    rows.push_back({rng.uniform01() * 5 - 2.5, rng.uniform01() * 5 - 2.5, rng.uniform01() * 1.2 - 0.1});
  }
  // Values exactly on a split threshold (they go left), just above it, and missing.
  for (const DecisionTree& tree : forest.trees()) {
    for (std::size_t n = 0; n < tree.size(); ++n) {
      if (tree.left()[n] == DecisionTree::kLeaf) continue;
      std::vector<double> row = rows[n % rows.size()];
      const auto f = static_cast<std::size_t>(tree.feature()[n]);
      row[f] = tree.threshold()[n];
      rows.push_back(row);
      row[f] = std::nextafter(tree.threshold()[n], INFINITY);
      rows.push_back(row);
    }
  }
  rows.push_back({std::nan(""), 0.5, 0.5});
  rows.push_back({-1e300, 1e300, 0.0});

  std::vector<double> flat;
  for (const auto& row : rows) flat.insert(flat.end(), row.begin(), row.end());
  std::vector<double> batch(rows.size());
  forest.predict_batch(flat.data(), rows.size(), batch.data());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    ASSERT_EQ(rows[i].size(), n_features);
    const double expected = tree_walk_mean(forest.trees(), rows[i].data());
    ASSERT_EQ(forest.predict(rows[i].data()), expected) << "row " << i;
    ASSERT_EQ(batch[i], expected) << "row " << i;
  }
}

TEST(ForestPredictor, PathsOf70000SplitsEndAtTheirLeaves) {
  // One tree, a chain of 70,000 splits on feature 0 (thresholds 0, 1, 2, ...): internal node
  // k sits at 2k with its leaf at 2k + 1 and the next split at 2k + 2. Built node by node, as
  // training builds trees: DecisionTree::from_arrays (the artifact reader) refuses trees
  // deeper than kMaxDepth, but the compiled predictor does not rely on that limit.
  constexpr std::int32_t kSplits = 70000;
  DecisionTree tree;
  for (std::int32_t k = 0; k < kSplits; ++k) {
    tree.add_node(0.5, 1.0);
    tree.add_node(static_cast<double>(k % 997) / 997.0, 1.0);
  }
  tree.add_node(1.0, 1.0);
  for (std::int32_t k = 0; k < kSplits; ++k) tree.set_split(2 * k, 0, k, 2 * k + 1, 2 * k + 2);
  std::vector<DecisionTree> trees;
  trees.push_back(std::move(tree));
  const RandomForest forest = RandomForest::from_parts(trees, 2, {0.5, 0.5}, 0.0, 0.5);
  std::vector<double> flat;
  for (double x : {-0.5, 0.0, 3.0, 3.5, 12345.0, 69999.0, std::nan(""), 70000.5}) {
    const double row[] = {x, 0.0};
    flat.insert(flat.end(), row, row + 2);
    EXPECT_EQ(forest.predict(row), tree_walk_mean(forest.trees(), row)) << x;
  }
  std::vector<double> batch(flat.size() / 2);
  forest.predict_batch(flat.data(), batch.size(), batch.data());
  for (std::size_t i = 0; i < batch.size(); ++i) EXPECT_EQ(batch[i], tree_walk_mean(forest.trees(), &flat[2 * i]));
  EXPECT_EQ(batch.back(), 1.0);
}

}  // namespace
}  // namespace risklab::ml
