#include "ml/forest/random_forest.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "core/error.hpp"
#include "fixtures.hpp"

namespace risklab::ml {
namespace {

struct Training {
  std::vector<double> x;
  std::vector<std::uint8_t> y;
  std::size_t n_rows = 0;
  std::size_t n_features = 0;
  std::vector<std::uint32_t> base;
  std::vector<std::uint32_t> neighbour;
  ForestTrainingData data() const {
    ForestTrainingData d;
    d.x = &x;
    d.n_rows = n_rows;
    d.n_features = n_features;
    d.y = &y;
    d.n_real = n_rows;
    d.base = &base;
    d.neighbour = &neighbour;
    return d;
  }
};

Training from_dataset(const Dataset& data) {
  Training t;
  t.x = data.x;
  for (double& v : t.x) {
    if (std::isnan(v)) v = 0.0;
  }
  t.y = data.y;
  t.n_rows = data.n_rows;
  t.n_features = data.n_features();
  return t;
}

std::vector<double> row_of(const Training& t, std::size_t row) {
  std::vector<double> out(t.n_features);
  for (std::size_t col = 0; col < t.n_features; ++col) out[col] = t.x[col * t.n_rows + row];
  return out;
}

bool same_trees(const RandomForest& a, const RandomForest& b) {
  if (a.trees().size() != b.trees().size()) return false;
  for (std::size_t i = 0; i < a.trees().size(); ++i) {
    const auto& ta = a.trees()[i];
    const auto& tb = b.trees()[i];
    if (ta.left() != tb.left() || ta.right() != tb.right() || ta.feature() != tb.feature() ||
        ta.threshold() != tb.threshold() || ta.value() != tb.value() || ta.cover() != tb.cover()) {
      return false;
    }
  }
  return a.feature_importances() == b.feature_importances();
}

}  // namespace

// An unbagged tree over all features on data with < 256 distinct values per feature searches
// the same candidate splits as sklearn and must grow a tree of the same size that gives every
// training row the same probability (tolerance 1e-12). Unseen points are not compared: when
// two features split a node into the same rows, sklearn and we break the tie in a different
// random feature order.
TEST(RandomForest, SingleUnbaggedTreeMatchesSklearn) {
  const auto fixture = test::load_fixture("tree.json");
  Training t;
  for (const auto& col : fixture["x"]) {
    t.n_rows = col.size();
    for (double v : col) t.x.push_back(v);
    ++t.n_features;
  }
  t.y = test::labels(fixture["y"]);
  TrainParams params;
  params.n_trees = 1;
  params.bootstrap = false;
  params.max_features = "all";
  params.min_samples_leaf = fixture["min_samples_leaf"];
  RandomForest forest;
  forest.fit(t.data(), params, 1);
  EXPECT_EQ(forest.trees()[0].size(), fixture["node_count"].get<std::size_t>());
  for (std::size_t row = 0; row < t.n_rows; ++row) {
    const auto r = row_of(t, row);
    EXPECT_NEAR(forest.predict(r.data()), fixture["train_expected"][row].get<double>(), 1e-12) << row;
  }
}

TEST(RandomForest, ThresholdsAreNodeLocalMidpointsLikeSklearn) {
  Training t;
  t.x = {0.0, 1.0, 10.0, 11.0, 20.0};
  t.y = {0, 0, 1, 1, 1};
  t.n_rows = 5;
  t.n_features = 1;
  TrainParams params;
  params.n_trees = 1;
  params.bootstrap = false;
  RandomForest forest;
  forest.fit(t.data(), params, 1);
  ASSERT_EQ(forest.trees()[0].size(), 3U);
  EXPECT_EQ(forest.trees()[0].threshold()[0], 5.5);
}

TEST(RandomForest, SameSeedGivesSameModelForAnyThreadCount) {
  const Training t = from_dataset(test::synthetic_dataset(300, 11));
  TrainParams params;
  params.n_trees = 24;
  RandomForest one, two, three;
  one.fit(t.data(), params, 1);
  two.fit(t.data(), params, 2);
  three.fit(t.data(), params, 3);
  EXPECT_TRUE(same_trees(one, two));
  EXPECT_TRUE(same_trees(one, three));
  EXPECT_EQ(one.oob_prediction().size(), two.oob_prediction().size());
  for (std::size_t i = 0; i < one.oob_prediction().size(); ++i) {
    if (!std::isnan(one.oob_prediction()[i])) {
      EXPECT_EQ(one.oob_prediction()[i], two.oob_prediction()[i]);
    }
  }
  params.seed = 43;
  RandomForest other;
  other.fit(t.data(), params, 2);
  EXPECT_FALSE(same_trees(one, other));
}

TEST(RandomForest, LearnsTheSignalAndReportsSaneOobAndImportances) {
  const Training t = from_dataset(test::synthetic_dataset(600, 3));
  TrainParams params;
  params.n_trees = 40;
  RandomForest forest;
  forest.fit(t.data(), params, 2);
  EXPECT_GT(forest.oob_score(), 0.75);
  const auto& imp = forest.feature_importances();
  EXPECT_NEAR(std::accumulate(imp.begin(), imp.end(), 0.0), 1.0, 1e-12);
  EXPECT_GT(imp[0], imp[2]);  // x0 drives defaults, x2 is noise
  EXPECT_GT(imp[1], imp[2]);
  for (std::size_t row = 0; row < t.n_rows; ++row) {
    const auto r = row_of(t, row);
    const double p = forest.predict(r.data());
    ASSERT_GE(p, 0.0);
    ASSERT_LE(p, 1.0);
  }
  EXPECT_GT(forest.training_prior(), 0.0);
  EXPECT_LT(forest.training_prior(), 1.0);
}

TEST(RandomForest, RespectsMaxDepthAndMinSamplesLeaf) {
  const Training t = from_dataset(test::synthetic_dataset(400, 5));
  TrainParams params;
  params.n_trees = 8;
  params.max_depth = 3;
  RandomForest shallow;
  shallow.fit(t.data(), params, 1);
  for (const auto& tree : shallow.trees()) EXPECT_LE(tree.depth(), 3U);

  params.max_depth = 0;
  params.min_samples_leaf = 40;
  params.bootstrap = false;  // covers are then row counts
  RandomForest coarse;
  coarse.fit(t.data(), params, 1);
  for (const auto& tree : coarse.trees()) {
    for (std::size_t n = 0; n < tree.size(); ++n) {
      if (tree.left()[n] == DecisionTree::kLeaf) {
        EXPECT_GE(tree.cover()[n], 40.0);
      }
    }
  }
}

TEST(RandomForest, ClassWeightsShiftTheTrainingPrior) {
  const Training t = from_dataset(test::synthetic_dataset(400, 8));
  TrainParams params;
  params.n_trees = 10;
  RandomForest plain, balanced, subsample;
  plain.fit(t.data(), params, 1);
  params.class_weight = ClassWeight::balanced;
  balanced.fit(t.data(), params, 1);
  params.class_weight = ClassWeight::balanced_subsample;
  subsample.fit(t.data(), params, 1);
  EXPECT_LT(plain.training_prior(), 0.4);
  EXPECT_NEAR(balanced.training_prior(), 0.5, 0.05);
  EXPECT_NEAR(subsample.training_prior(), 0.5, 1e-9);
}

TEST(RandomForest, SyntheticRowsNeverLeakIntoTheirParentsOobPredictions) {
  // A synthetic positive made from real rows 0 and 1 sits far from everything. It may only
  // join trees holding both parents, so the trees behind row 0's and row 1's OOB
  // predictions never saw it: those predictions are bit-identical with and without it.
  const Training plain = from_dataset(test::synthetic_dataset(200, 9));
  const std::size_t n_real = plain.n_rows;
  Training t = plain;
  t.x.assign(t.n_features * (n_real + 1), 0.0);
  for (std::size_t col = 0; col < t.n_features; ++col) {
    std::copy_n(plain.x.data() + col * n_real, n_real, t.x.data() + col * (n_real + 1));
    t.x[col * (n_real + 1) + n_real] = 1000.0;
  }
  t.y.push_back(1);
  t.n_rows = n_real + 1;
  t.base = {0};
  t.neighbour = {1};
  ForestTrainingData data = t.data();
  data.n_real = n_real;
  TrainParams params;
  params.n_trees = 40;
  RandomForest with_synthetic, without;
  with_synthetic.fit(data, params, 2);
  without.fit(plain.data(), params, 2);
  ASSERT_EQ(with_synthetic.oob_prediction().size(), n_real);
  for (std::size_t row : {0, 1}) {
    const double a = with_synthetic.oob_prediction()[row];
    const double b = without.oob_prediction()[row];
    EXPECT_TRUE((std::isnan(a) && std::isnan(b)) || a == b) << row;
  }
  EXPECT_FALSE(same_trees(with_synthetic, without));  // it did enter some trees
}

TEST(RandomForest, RefusesSingleClassDataAndBadParameters) {
  Training t = from_dataset(test::synthetic_dataset(50, 1));
  std::fill(t.y.begin(), t.y.end(), 0);
  RandomForest forest;
  try {
    forest.fit(t.data(), TrainParams{}, 1);
    FAIL();
  } catch (const core::InvalidInput& e) {
    EXPECT_EQ(e.code(), "data_invalid");
  }
  TrainParams bad;
  bad.n_trees = 0;
  EXPECT_THROW(forest.fit(t.data(), bad, 1), core::InvalidInput);
}

}  // namespace risklab::ml
