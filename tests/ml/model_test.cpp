#include "ml/model.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "core/error.hpp"
#include "fixtures.hpp"
#include "ml/artifact.hpp"
#include "ml/metrics.hpp"

namespace risklab::ml {

TEST(Model, SameSeedGivesByteIdenticalArtifactsForOneAndTwoThreads) {
  const Dataset train = test::synthetic_dataset(400, 2, 0.05);
  TrainParams params;
  params.n_trees = 16;
  const std::string one = serialize_model(train_model(train, params, {1, {}, ""}));
  const std::string two = serialize_model(train_model(train, params, {2, {}, ""}));
  EXPECT_EQ(one, two);
  params.seed = 7;
  EXPECT_NE(serialize_model(train_model(train, params, {2, {}, ""})), one);
}

TEST(Model, CalibratedPdsMatchTheBaseRateWhileSmoteShiftedScoresDoNot) {
  const Dataset train = test::synthetic_dataset(1500, 12, 0.05);
  const Dataset holdout = test::synthetic_dataset(1500, 13, 0.05);
  TrainParams params;
  params.n_trees = 30;
  const Model model = train_model(train, params, {2, {}, ""});
  EXPECT_NEAR(model.forest.training_prior(), 0.5, 0.05);  // SMOTE balanced the trees
  const auto scored = model.score_all(holdout, 2);
  double mean_pd = 0.0, mean_score = 0.0;
  std::vector<double> pd;
  for (const auto& s : scored) {
    mean_pd += s.pd / static_cast<double>(scored.size());
    mean_score += s.score / static_cast<double>(scored.size());
    pd.push_back(s.pd);
    EXPECT_GE(s.pd, model.master_scale.pd_floor());
    EXPECT_EQ(s.grade, model.master_scale.grade(s.pd));
  }
  const double base_rate = std::accumulate(holdout.y.begin(), holdout.y.end(), 0.0) / 1500.0;
  EXPECT_NEAR(mean_pd, base_rate, 0.25 * base_rate);
  EXPECT_GT(mean_score, 1.2 * mean_pd);  // raw scores carry SMOTE's prior
  EXPECT_LT(expected_calibration_error(holdout.y, pd), 0.05);
  EXPECT_GT(roc_auc(holdout.y, pd), 0.8);
}

TEST(Model, EveryCalibrationMethodTrains) {
  const Dataset train = test::synthetic_dataset(400, 14);
  for (auto method : {CalibrationMethod::isotonic, CalibrationMethod::platt, CalibrationMethod::none}) {
    TrainParams params;
    params.n_trees = 10;
    params.calibration = method;
    const Model model = train_model(train, params, {1, {}, ""});
    EXPECT_EQ(model.calibrator.method(), method);
    const double row[3] = {1.0, -1.0, 0.5};
    const auto s = model.score(row);
    EXPECT_GT(s.pd, 0.0);
    EXPECT_LE(s.pd, 1.0);
  }
}

TEST(Model, DriversAreTheLargestContributionsByMagnitudeWithTiesInFeatureOrder) {
  Model model;
  model.features = {"a", "b", "c", "d", "e", "f"};
  const std::vector<double> contributions = {0.1, -0.5, 0.5, 0.0, -0.2, 0.5};
  const auto drivers = rank_drivers(model, contributions, 4);
  ASSERT_EQ(drivers.size(), 4u);
  const std::vector<std::string> expected = {"b", "c", "f", "e"};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(drivers[i].feature, expected[i]) << i;
    EXPECT_EQ(drivers[i].contribution, contributions[std::string("abcdef").find(expected[i])]);
  }
  EXPECT_EQ(rank_drivers(model, contributions, 10).size(), 6u) << "k beyond the features";
  EXPECT_TRUE(rank_drivers(model, contributions, 0).empty());
}

TEST(Model, MissingValuesAreImputedWithTrainingMedians) {
  const Dataset train = test::synthetic_dataset(300, 15, 0.3);
  TrainParams params;
  params.n_trees = 5;
  const Model model = train_model(train, params, {1, {}, ""});
  const double median = model.imputer.medians()[1];
  const double missing[3] = {0.5, std::nan(""), 0.1};
  const double filled[3] = {0.5, median, 0.1};
  EXPECT_EQ(model.score(missing).pd, model.score(filled).pd);
  EXPECT_GT(model.profile.features[1].missing_share, 0.2);
  EXPECT_EQ(model.profile.features[1].quantiles.size(), std::size(kProfileQuantiles));
  EXPECT_FALSE(model.profile.pd_psi_edges.empty());
}

TEST(Model, ScoringDataWithoutAModelFeatureNamesIt) {
  const Dataset train = test::synthetic_dataset(200, 16);
  TrainParams params;
  params.n_trees = 3;
  const Model model = train_model(train, params, {1, {}, ""});
  Dataset other = train;
  other.feature_names = {"x0", "renamed", "x2"};
  try {
    model.score_all(other);
    FAIL();
  } catch (const core::InvalidInput& e) {
    EXPECT_EQ(e.code(), "feature_missing");
    EXPECT_NE(std::string(e.what()).find("'x1'"), std::string::npos);
  }
}

TEST(Model, RefusesUnusableTrainingData) {
  Dataset train = test::synthetic_dataset(100, 17);
  train.y.assign(100, 0);
  train.y[0] = 1;
  TrainParams params;
  params.n_trees = 3;
  try {
    train_model(train, params);
    FAIL();
  } catch (const core::InvalidInput& e) {
    EXPECT_EQ(e.code(), "data_invalid");
  }
  train.y.clear();
  EXPECT_THROW(train_model(train, params), core::InvalidInput);
  TrainParams bad;
  bad.smote_ratio = 2.0;
  EXPECT_THROW(train_model(test::synthetic_dataset(100, 17), bad), core::InvalidInput);
}

TEST(TrainParams, ValidateNamesTheBadParameter) {
  const auto message = [](TrainParams p) {
    try {
      p.validate();
    } catch (const core::InvalidInput& e) {
      EXPECT_EQ(e.code(), "param_invalid");
      return std::string(e.what());
    }
    return std::string("valid");
  };
  TrainParams p;
  EXPECT_EQ(message(p), "valid");
  p.max_features = "half";
  EXPECT_NE(message(p).find("max_features"), std::string::npos);
  p.max_features = "1.5";
  EXPECT_NE(message(p).find("max_features"), std::string::npos);
  p = {};
  p.min_samples_leaf = 0;
  EXPECT_NE(message(p).find("min_samples_leaf"), std::string::npos);
  p = {};
  p.smote_k = 0;
  EXPECT_NE(message(p).find("smote_k"), std::string::npos);
  EXPECT_EQ(TrainParams{}.resolve_max_features(95), 9U);
  p = {};
  p.max_features = "0.5";
  EXPECT_EQ(p.resolve_max_features(10), 5U);
  p.max_features = "3";
  EXPECT_EQ(p.resolve_max_features(10), 3U);
  p.max_features = "log2";
  EXPECT_EQ(p.resolve_max_features(64), 6U);
  EXPECT_THROW(parse_calibration_method("beta"), core::InvalidInput);
  EXPECT_THROW(parse_class_weight("heavy"), core::InvalidInput);
}

}  // namespace risklab::ml
