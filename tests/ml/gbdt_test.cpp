#include "ml/gbdt.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <numeric>
#include <sstream>
#include <utility>

#include "core/error.hpp"
#include "fixtures.hpp"
#include "ml/artifact.hpp"
#include "ml/detail/gbdt_trees.hpp"
#include "ml/detail/tree_shap_walk.hpp"
#include "ml/metrics.hpp"
#include "ml/model.hpp"

namespace risklab::ml {
namespace {

using test::synthetic_dataset;

std::filesystem::path fixture_path(const std::string& name) {
  return risklab::test::source_dir() / "tests" / "fixtures" / "ml" / name;
}

// Small and fast: 30 rounds, 3 calibration folds.
GbdtParams small_params() {
  GbdtParams p;
  p.n_trees = 30;
  p.learning_rate = 0.2;
  p.calibration_folds = 3;
  return p;
}

TrainOptions one_thread() {
  TrainOptions options;
  options.threads = 1;
  return options;
}

std::vector<double> row_of(const Dataset& data, std::size_t row) {
  std::vector<double> raw(data.n_features());
  for (std::size_t col = 0; col < raw.size(); ++col) raw[col] = data.at(row, col);
  return raw;
}

TEST(GbdtParams, DefaultsAreValidAndBadValuesAreNamed) {
  EXPECT_NO_THROW(GbdtParams{}.validate());
  GbdtParams p;
  p.learning_rate = 0.0;
  try {
    p.validate();
    FAIL() << "expected param_invalid";
  } catch (const core::InvalidInput& e) {
    EXPECT_EQ(e.code(), "param_invalid");
    EXPECT_NE(std::string(e.what()).find("learning_rate"), std::string::npos);
  }
  p = GbdtParams{};
  p.monotone = {{"nope", 1}};
  EXPECT_THROW(p.validate_for({"x0", "x1"}), core::InvalidInput);
}

TEST(GbdtParams, MonotoneParsesNamesAndSigns) {
  const auto parsed = parse_monotone("x0:+1,x1:-1,x2:1");
  ASSERT_EQ(parsed.size(), 3u);
  EXPECT_EQ(parsed[0], (std::pair<std::string, int>{"x0", 1}));
  EXPECT_EQ(parsed[1], (std::pair<std::string, int>{"x1", -1}));
  EXPECT_THROW(parse_monotone("x0:2"), core::InvalidInput);
  EXPECT_THROW(parse_monotone("x0"), core::InvalidInput);
  GbdtParams p;
  p.monotone = parsed;
  EXPECT_EQ(p.monotone_string({"x2", "x3", "x1", "x0"}), "(1,0,-1,1)");
}

TEST(GbdtModel, TrainsAndCalibratesOnHeldOutPredictions) {
  const Dataset train = synthetic_dataset(800, 1, 0.1);
  const Dataset test = synthetic_dataset(400, 2, 0.1);
  const Model model = train_gbdt_model(train, small_params(), one_thread());
  EXPECT_TRUE(model.is_gbdt());
  EXPECT_EQ(model.booster.n_trees(), 30u);
  EXPECT_EQ(model.metrics["calibration_folds"], 3);
  EXPECT_GT(model.metrics["oob_auc"].get<double>(), 0.8);
  const auto scored = model.score_all(test, 2);
  std::vector<double> pd;
  for (const auto& s : scored) pd.push_back(s.pd);
  EXPECT_GT(roc_auc(test.y, pd), 0.8);
  const double mean_pd =
      std::accumulate(pd.begin(), pd.end(), 0.0) / static_cast<double>(pd.size());
  const double rate =
      std::accumulate(test.y.begin(), test.y.end(), 0.0) / static_cast<double>(test.n_rows);
  EXPECT_NEAR(mean_pd, rate, 0.05);
  // score() and score_all() agree, and the PD is the calibrated booster probability.
  for (std::size_t row = 0; row < 20; ++row) {
    const auto raw = row_of(test, row);
    const Scoring one = model.score(raw.data());
    EXPECT_DOUBLE_EQ(one.score, scored[row].score);
    EXPECT_DOUBLE_EQ(one.pd, model.calibrator.pd(one.score));
    EXPECT_EQ(one.grade, scored[row].grade);
  }
}

TEST(GbdtModel, XgboostShapContributionsPlusBiasEqualTheMarginForEveryRow) {
  const Dataset train = synthetic_dataset(600, 3, 0.2);
  const Dataset test = synthetic_dataset(200, 4, 0.2);
  const Model model = train_gbdt_model(train, small_params(), one_thread());
  for (std::size_t row = 0; row < test.n_rows; ++row) {
    const auto raw = row_of(test, row);
    const GbdtContributions c = model.booster.library_contributions(raw.data());
    ASSERT_EQ(c.contributions.size(), 3u);
    const double sum = std::accumulate(c.contributions.begin(), c.contributions.end(), c.bias);
    // xgboost computes and returns the contributions in float32: the sum may be off by a few
    // float32 units in the last place of the magnitudes summed (8 allowed), no more.
    double magnitude = std::fabs(c.bias);
    for (const double v : c.contributions) magnitude += std::fabs(v);
    const double tolerance = 8.0 * std::numeric_limits<float>::epsilon() * magnitude;
    ASSERT_NEAR(sum, model.booster.margin(raw.data()), tolerance) << "row " << row;
  }
}

// Our TreeSHAP of one raw row against xgboost's pred_contribs (float32): equal within 16
// float32 units in the last place of |bias| + sum |contributions|. Returns the largest
// difference relative to that magnitude.
double expect_same_shap_as_xgboost(TreeExplainer& explainer, const GbdtBooster& booster,
                                   const std::vector<double>& raw, std::size_t row) {
  const ShapValues ours = explainer.explain(raw.data());
  const GbdtContributions reference = booster.library_contributions(raw.data());
  EXPECT_EQ(ours.contributions.size(), reference.contributions.size());
  double magnitude = std::fabs(reference.bias);
  for (const double v : reference.contributions) magnitude += std::fabs(v);
  const double tolerance = 16.0 * std::numeric_limits<float>::epsilon() * magnitude;
  EXPECT_NEAR(ours.expected_value, reference.bias, tolerance) << "row " << row;
  double worst = 0.0;
  for (std::size_t f = 0; f < std::min(ours.contributions.size(), reference.contributions.size());
       ++f) {
    EXPECT_NEAR(ours.contributions[f], reference.contributions[f], tolerance)
        << "row " << row << " feature " << f;
    worst =
        std::max(worst, std::fabs(ours.contributions[f] - reference.contributions[f]) / magnitude);
  }
  return worst;
}

// Our TreeSHAP of the boosted trees (what /score's drivers use) against xgboost's
// pred_contribs, on rows with missing values: the same values up to xgboost's float32
// arithmetic (it accumulates each tree's path weights and the per-tree values in float), and
// exactly additive in double against the margin up to the margin's own float32 summation.
TEST(GbdtTreeShap, MatchesXgboostPredContribsAndAddsUpToTheMarginOnRowsWithMissingValues) {
  const Dataset train = synthetic_dataset(600, 5, 0.2);
  const Dataset test = synthetic_dataset(200, 7, 0.2);
  const Model model = train_gbdt_model(train, small_params(), one_thread());
  TreeExplainer explainer(model.booster);
  double worst = 0.0;
  for (std::size_t row = 0; row < test.n_rows; ++row) {
    const auto raw = row_of(test, row);
    worst = std::max(worst, expect_same_shap_as_xgboost(explainer, model.booster, raw, row));
    const ShapValues ours = explainer.explain(raw.data());
    const double sum =
        std::accumulate(ours.contributions.begin(), ours.contributions.end(), ours.expected_value);
    const double margin = model.booster.margin(raw.data());
    // The float margin adds one leaf per tree: at most half an ulp of the running sum each.
    const double margin_error = static_cast<double>(model.booster.n_trees()) *
                                std::numeric_limits<float>::epsilon() *
                                std::max(1.0, std::fabs(margin));
    ASSERT_NEAR(sum, margin, margin_error) << "row " << row;
  }
  RecordProperty("worst_relative_difference_to_xgboost", std::to_string(worst));
}

// Rows explained together (one walk of each tree for the batch) get the values they get alone
// (to the batched walk's single precision), missing values included.
TEST(GbdtTreeShap, ABatchWithMissingValuesGivesEveryRowTheValuesItGetsAlone) {
  const Dataset train = synthetic_dataset(600, 5, 0.2);
  const Dataset test = synthetic_dataset(40, 7, 0.2);
  const Model model = train_gbdt_model(train, small_params(), one_thread());
  TreeExplainer explainer(model.booster);
  const std::size_t width = model.features.size();
  std::vector<double> rows;
  for (std::size_t row = 0; row < test.n_rows; ++row) {
    const auto raw = row_of(test, row);
    rows.insert(rows.end(), raw.begin(), raw.end());
  }
  const std::vector<ShapValues> batch = explainer.explain_batch(rows.data(), test.n_rows);
  ASSERT_EQ(batch.size(), test.n_rows);
  for (std::size_t row = 0; row < test.n_rows; ++row) {
    const ShapValues alone = explainer.explain(rows.data() + row * width);
    EXPECT_DOUBLE_EQ(batch[row].expected_value, alone.expected_value);
    for (std::size_t f = 0; f < width; ++f) {
      EXPECT_NEAR(batch[row].contributions[f], alone.contributions[f], test::kBatchShapTolerance)
          << "row " << row << ", feature " << f;
    }
  }
}

// The AVX2 and AVX-512 walks (eight and sixteen rows a vector) and the portable one
// (RISKLAB_TREESHAP=sse2) route missing values and float thresholds alike and give the same
// values, to rounding.
TEST(GbdtTreeShap, TheVectorWalksAndThePortableOneGiveTheSameValuesWithMissingValues) {
  if (test::vector_shap_walks().empty()) GTEST_SKIP() << "this CPU runs only the portable walk";
  const Dataset train = synthetic_dataset(600, 5, 0.2);
  const Dataset test = synthetic_dataset(40, 7, 0.2);
  const Model model = train_gbdt_model(train, small_params(), one_thread());
  std::vector<double> rows;
  std::size_t missing = 0;
  for (std::size_t row = 0; row < test.n_rows; ++row) {
    const auto raw = row_of(test, row);
    missing += static_cast<std::size_t>(
        std::count_if(raw.begin(), raw.end(), [](double v) { return std::isnan(v); }));
    rows.insert(rows.end(), raw.begin(), raw.end());
  }
  ASSERT_GT(missing, 0U);
  ASSERT_TRUE(test::use_shap_walk("sse2", detail::ShapWalkKind::sse2));
  TreeExplainer portable(model.booster);
  const auto two = portable.explain_batch(rows.data(), test.n_rows);
  for (const auto& [walk, kind] : test::vector_shap_walks()) {
    ASSERT_TRUE(test::use_shap_walk(walk, kind)) << walk;
    TreeExplainer vectors(model.booster);
    const auto wide = vectors.explain_batch(rows.data(), test.n_rows);
    for (std::size_t row = 0; row < test.n_rows; ++row) {
      for (std::size_t f = 0; f < model.features.size(); ++f) {
        EXPECT_NEAR(wide[row].contributions[f], two[row].contributions[f],
                    test::kBatchShapTolerance)
            << walk << ", row " << row << ", feature " << f;
      }
    }
  }
  ::unsetenv("RISKLAB_TREESHAP");
}

TEST(GbdtModel, TopDriversRankTheBoostedTreeShapContributionsByMagnitude) {
  const Dataset train = synthetic_dataset(600, 3, 0.2);
  const Dataset test = synthetic_dataset(20, 4, 0.2);
  const Model model = train_gbdt_model(train, small_params(), one_thread());
  const auto explainer = make_tree_explainer(model);
  const auto raw = row_of(test, 0);
  const auto drivers = top_drivers(model, *explainer, raw.data(), 2);
  ASSERT_EQ(drivers.size(), 2u);
  EXPECT_GE(std::fabs(drivers[0].contribution), std::fabs(drivers[1].contribution));
  const auto all = explainer->explain(raw.data()).contributions;
  EXPECT_DOUBLE_EQ(std::fabs(drivers[0].contribution),
                   std::fabs(*std::max_element(all.begin(), all.end(), [](double a, double b) {
                     return std::fabs(a) < std::fabs(b);
                   })));
  Explainer same_model(model);
  const auto same = same_model.top_drivers(raw.data(), 2);
  EXPECT_EQ(same[0].feature, drivers[0].feature);
  EXPECT_DOUBLE_EQ(same[0].contribution, drivers[0].contribution);
}

TEST(GbdtModel, MissingValuesAreRoutedNativelyWithoutImputation) {
  const Dataset train = synthetic_dataset(600, 5, 0.3);
  const Model model = train_gbdt_model(train, small_params(), one_thread());
  EXPECT_TRUE(model.imputer.medians().empty());
  const double nan = std::nan("");
  const double all_missing[] = {nan, nan, nan};
  const Scoring s = model.score(all_missing);
  EXPECT_TRUE(std::isfinite(s.pd));
  EXPECT_GT(s.pd, 0.0);
  EXPECT_NEAR(model.profile.features[1].missing_share, 0.3, 0.06);
  // A missing value takes the learned default branch, not the value 0 and not the median.
  const double with_missing[] = {1.5, nan, 0.5};
  TreeExplainer explainer(model.booster);
  const auto c = explainer.explain(with_missing);
  EXPECT_TRUE(std::isfinite(c.contributions[1]));
}

TEST(GbdtModel, SameSeedGivesByteIdenticalArtifactsForOneAndTwoThreads) {
  const Dataset train = synthetic_dataset(700, 6, 0.1);
  TrainOptions two;
  two.threads = 2;
  const std::string a = serialize_model(train_gbdt_model(train, small_params(), one_thread()));
  const std::string b = serialize_model(train_gbdt_model(train, small_params(), two));
  EXPECT_EQ(a, b);
  GbdtParams other = small_params();
  other.seed = 7;
  EXPECT_NE(a, serialize_model(train_gbdt_model(train, other, one_thread())));
}

TEST(GbdtModel, MonotoneConstraintByNameIsHonoured) {
  // The data says risk falls with x1; a +1 constraint on x1 must still never let the PD fall
  // as x1 rises, others fixed.
  const Dataset train = synthetic_dataset(800, 7, 0.0);
  GbdtParams p = small_params();
  p.monotone = {{"x1", 1}, {"x0", 1}};
  const Model model = train_gbdt_model(train, p, one_thread());
  for (double x0 : {-1.5, 0.0, 1.0, 1.8}) {
    for (double x2 : {0.1, 0.9}) {
      double previous = -1.0;
      for (int step = 0; step <= 80; ++step) {
        const double row[] = {x0, -2.0 + 0.05 * step, x2};
        const double pd = model.score(row).pd;
        ASSERT_GE(pd, previous) << "x0=" << x0 << " x1=" << row[1];
        previous = pd;
      }
    }
  }
}

TEST(GbdtModel, TreeWalkEqualsXgboostsOwnPredictionBitForBit) {
  // Training rows sit exactly on xgboost's cut values, missing values take default branches.
  const Dataset train = synthetic_dataset(700, 11, 0.3);
  const Dataset test = synthetic_dataset(300, 12, 0.3);
  GbdtParams p = small_params();
  p.max_depth = 6;
  const Model model = train_gbdt_model(train, p, one_thread());
  std::vector<std::vector<double>> rows;
  for (std::size_t row = 0; row < train.n_rows; ++row) rows.push_back(row_of(train, row));
  for (std::size_t row = 0; row < test.n_rows; ++row) rows.push_back(row_of(test, row));
  const double nan = std::nan("");
  rows.push_back({nan, nan, nan});
  rows.push_back({1e300, -1e300, 0.5});
  std::vector<double> flat;
  for (const auto& row : rows) flat.insert(flat.end(), row.begin(), row.end());
  std::vector<double> batch(rows.size());
  model.booster.probability_batch(flat.data(), rows.size(), batch.data(), 2);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const double ours = model.booster.probability(rows[i].data());
    ASSERT_EQ(ours, model.booster.library_probability(rows[i].data())) << "row " << i;
    ASSERT_EQ(batch[i], ours) << "row " << i;
  }
}

TEST(GbdtModel, TreeReaderRefusesModelsItCannotWalk) {
  const Dataset train = synthetic_dataset(300, 13);
  const Model model = train_gbdt_model(train, small_params(), one_thread());
  const std::vector<std::uint8_t> raw(model.booster.bytes().begin(), model.booster.bytes().end());
  const nlohmann::json good = nlohmann::json::from_ubjson(raw);
  const auto refused = [](const nlohmann::json& j, std::size_t n_features) {
    const auto bytes = nlohmann::json::to_ubjson(j);
    try {
      detail::GbdtTrees::from_ubjson(std::string(bytes.begin(), bytes.end()), n_features);
    } catch (const core::InvalidInput& e) {
      return e.code() == "model_corrupt";
    }
    return false;
  };
  EXPECT_FALSE(refused(good, 3));
  EXPECT_TRUE(refused(good, 4));
  nlohmann::json other = good;
  other["learner"]["objective"]["name"] = "reg:squarederror";
  EXPECT_TRUE(refused(other, 3));
  nlohmann::json loop = good;
  loop["learner"]["gradient_booster"]["model"]["trees"][0]["left_children"][0] = 0;
  EXPECT_TRUE(refused(loop, 3));
  nlohmann::json feature = good;
  feature["learner"]["gradient_booster"]["model"]["trees"][0]["split_indices"][0] = 7;
  EXPECT_TRUE(refused(feature, 3));
  EXPECT_THROW(detail::GbdtTrees::from_ubjson("{", 3), core::InvalidInput);
  // A spine of `splits` splits in tree 0: up to DecisionTree::kMaxDepth levels are read, a
  // deeper tree is refused (our TreeSHAP recurses once per level).
  const auto with_spine = [&good](std::size_t splits) {
    nlohmann::json deep = good;
    nlohmann::json& tree = deep["learner"]["gradient_booster"]["model"]["trees"][0];
    const std::size_t n = 2 * splits + 1;
    nlohmann::json left = nlohmann::json::array(), right = nlohmann::json::array(),
                   split_feature = nlohmann::json::array(), condition = nlohmann::json::array(),
                   default_left = nlohmann::json::array(), hessian = nlohmann::json::array();
    for (std::size_t i = 0; i < n; ++i) {
      const bool split = i % 2 == 0 && i + 1 < n;
      left.push_back(split ? static_cast<std::int64_t>(i + 1) : -1);
      right.push_back(split ? static_cast<std::int64_t>(i + 2) : -1);
      split_feature.push_back(split ? static_cast<std::int64_t>(i % 3) : 0);
      condition.push_back(split ? 0.5 : 0.01);
      default_left.push_back(0);
      hessian.push_back(static_cast<double>(n - i));
    }
    tree["left_children"] = left;
    tree["right_children"] = right;
    tree["split_indices"] = split_feature;
    tree["split_conditions"] = condition;
    tree["default_left"] = default_left;
    tree["sum_hessian"] = hessian;
    tree["split_type"] = std::vector<int>(n, 0);
    return deep;
  };
  EXPECT_FALSE(refused(with_spine(DecisionTree::kMaxDepth), 3));
  EXPECT_TRUE(refused(with_spine(DecisionTree::kMaxDepth + 1), 3));
}

TEST(GbdtModel, SmoteOptionAddsSyntheticDefaultsAndCorrectsThePrior) {
  const Dataset train = synthetic_dataset(900, 14, 0.1);
  const Dataset test = synthetic_dataset(600, 15, 0.1);
  GbdtParams p = small_params();
  p.smote_ratio = 0.5;
  const Model model = train_gbdt_model(train, p, one_thread());
  const double base_rate = model.metrics["base_rate"].get<double>();
  EXPECT_GT(model.metrics["smote_rows"].get<std::size_t>(), 0u);
  // The booster learnt on about one default per two non-defaults, not the real base rate.
  EXPECT_NEAR(model.metrics["gbdt_prior"].get<double>(), 1.0 / 3.0, 0.02);
  EXPECT_LT(base_rate, 0.25);
  const auto scored = model.score_all(test, 2);
  double mean_score = 0.0;
  double mean_pd = 0.0;
  std::vector<double> pd;
  for (const auto& s : scored) {
    mean_score += s.score / static_cast<double>(scored.size());
    mean_pd += s.pd / static_cast<double>(scored.size());
    pd.push_back(s.pd);
  }
  const double rate =
      std::accumulate(test.y.begin(), test.y.end(), 0.0) / static_cast<double>(test.n_rows);
  EXPECT_GT(mean_score, rate + 0.05);  // raw scores carry the SMOTE prior
  EXPECT_NEAR(mean_pd, rate, 0.04);    // calibrated PDs the real one
  EXPECT_GT(roc_auc(test.y, pd), 0.8);
  TrainOptions two;
  two.threads = 2;
  EXPECT_EQ(serialize_model(model), serialize_model(train_gbdt_model(train, p, two)));
}

TEST(GbdtModel, EarlyStoppingPicksTheRoundCountOnTheValidationShare) {
  const Dataset train = synthetic_dataset(900, 16, 0.1);
  GbdtParams p = small_params();
  p.n_trees = 300;
  p.learning_rate = 0.5;
  p.early_stopping_rounds = 10;
  const Model model = train_gbdt_model(train, p, one_thread());
  const auto rounds = model.metrics["gbdt_rounds"].get<std::size_t>();
  // A fast learning rate on 900 rows overfits long before 300 rounds.
  EXPECT_LT(rounds, 300u);
  EXPECT_GE(rounds, 1u);
  EXPECT_EQ(model.booster.n_trees(), rounds);
  TrainOptions two;
  two.threads = 2;
  EXPECT_EQ(serialize_model(model), serialize_model(train_gbdt_model(train, p, two)));
  GbdtParams bad = p;
  bad.early_stopping_rounds = 301;
  EXPECT_THROW(train_gbdt_model(train, bad, one_thread()), core::InvalidInput);
}

TEST(GbdtArtifact, RoundTripsAndRefusesCorruptBytes) {
  const Dataset train = synthetic_dataset(500, 8, 0.1);
  GbdtParams p = small_params();
  p.monotone = {{"x0", 1}};
  const Model model = train_gbdt_model(train, p, one_thread());
  const std::string bytes = serialize_model(model);
  const Model back = deserialize_model(bytes);
  EXPECT_TRUE(back.is_gbdt());
  EXPECT_EQ(back.features, model.features);
  EXPECT_EQ(back.gbdt_params.monotone, p.monotone);
  EXPECT_EQ(serialize_model(back), bytes);
  const Dataset test = synthetic_dataset(50, 9, 0.1);
  for (std::size_t row = 0; row < test.n_rows; ++row) {
    const auto raw = row_of(test, row);
    EXPECT_DOUBLE_EQ(back.score(raw.data()).pd, model.score(raw.data()).pd);
  }
  std::string corrupt = bytes;
  corrupt[corrupt.size() - 10] ^= 0x5A;
  try {
    deserialize_model(corrupt);
    FAIL() << "expected model_corrupt";
  } catch (const core::InvalidInput& e) {
    EXPECT_EQ(e.code(), "model_corrupt");
  }
  try {
    GbdtBooster::from_bytes("not an xgboost model", 3);
    FAIL() << "expected model_corrupt";
  } catch (const core::InvalidInput& e) {
    EXPECT_EQ(e.code(), "model_corrupt");
  }
  EXPECT_THROW(GbdtBooster::from_bytes(model.booster.bytes(), 4), core::InvalidInput);
}

TEST(GbdtArtifact, RandomForestArtifactWrittenBeforeGbdtStillLoads) {
  // Written by the build before the gbdt family existed (format 1), from
  // rf_format1_train.csv: `risklab ml train --trees 5 --max-depth 3 --threads 1`.
  std::ifstream in(fixture_path("rf_format1.rlm"), std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const Model model = deserialize_model(buffer.str());
  EXPECT_FALSE(model.is_gbdt());
  EXPECT_EQ(model.forest.trees().size(), 5u);
  EXPECT_EQ(serialize_model(model), buffer.str());
  const Dataset data =
      read_csv(fixture_path("rf_format1_train.csv").string(), {"default", "", model.features});
  const auto raw = row_of(data, 0);
  EXPECT_TRUE(std::isfinite(model.score(raw.data()).pd));
}

TEST(GbdtParity, MatchesPythonXgboostOnTheCommittedSplit) {
  // tests/fixtures/ml/make_gbdt_fixtures.py: xgboost.train with the same parameters through
  // python3-xgboost 1.7.4 (the same libxgboost). Tolerance: 1e-6 per probability, 1e-9 AUC.
  const auto expected = test::load_fixture("gbdt_parity.json");
  const Dataset train =
      read_csv(fixture_path("gbdt_parity_train.csv").string(), {"default", "", {}});
  const Dataset test =
      read_csv(fixture_path("gbdt_parity_test.csv").string(), {"default", "", train.feature_names});
  GbdtParams p;
  p.max_depth = 4;
  p.learning_rate = 0.1;
  p.subsample = 0.8;
  p.colsample_bytree = 0.8;
  p.seed = 42;
  std::vector<float> rows;
  std::vector<float> y;
  for (std::size_t row = 0; row < train.n_rows; ++row) {
    for (std::size_t col = 0; col < train.n_features(); ++col)
      rows.push_back(static_cast<float>(train.at(row, col)));
    y.push_back(train.y[row]);
  }
  const GbdtBooster booster =
      fit_gbdt_booster(rows, y, train.feature_names, p, expected["rounds"].get<std::size_t>(), 1)
          .booster;
  std::vector<double> prob;
  for (std::size_t row = 0; row < test.n_rows; ++row) {
    const auto raw = row_of(test, row);
    prob.push_back(booster.probability(raw.data()));
    ASSERT_NEAR(prob.back(), expected["test_probability"][row].get<double>(), 1e-6)
        << "row " << row;
  }
  EXPECT_NEAR(roc_auc(test.y, prob), expected["test_auc"].get<double>(), 1e-9);
  // The same booster's drivers: our TreeSHAP against xgboost's pred_contribs on every test
  // row (missing values included), within xgboost's float32 arithmetic.
  TreeExplainer explainer(booster);
  for (std::size_t row = 0; row < test.n_rows; ++row) {
    const auto raw = row_of(test, row);
    expect_same_shap_as_xgboost(explainer, booster, raw, row);
  }
}

}  // namespace
}  // namespace risklab::ml
