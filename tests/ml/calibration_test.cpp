#include "ml/calibration.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.hpp"
#include "fixtures.hpp"

namespace risklab::ml {

TEST(PriorCorrection, MapsTheTrainingPriorToTheTargetPriorAndIsMonotone) {
  EXPECT_NEAR(correct_prior(0.5, 0.5, 0.032), 0.032, 1e-15);
  EXPECT_NEAR(correct_prior(0.2, 0.2, 0.05), 0.05, 1e-15);
  EXPECT_EQ(correct_prior(0.0, 0.5, 0.03), 0.0);
  EXPECT_EQ(correct_prior(1.0, 0.5, 0.03), 1.0);
  // Textbook: odds scale by (0.03 / 0.97) / (0.5 / 0.5).
  const double p = correct_prior(0.8, 0.5, 0.03);
  EXPECT_NEAR(p / (1 - p), 4.0 * 0.03 / 0.97, 1e-12);
  EXPECT_LT(correct_prior(0.3, 0.5, 0.03), correct_prior(0.31, 0.5, 0.03));
}

// Tolerance 1e-12 against sklearn 1.2 IsotonicRegression(out_of_bounds="clip").
TEST(IsotonicRegression, MatchesSklearnWithTiesAndClipping) {
  const auto f = test::load_fixture("calibration.json")["isotonic"];
  IsotonicRegression iso;
  iso.fit(f["x"].get<std::vector<double>>(), f["y"].get<std::vector<double>>());
  for (std::size_t i = 0; i < f["query"].size(); ++i) {
    EXPECT_NEAR(iso.predict(f["query"][i]), f["expected"][i].get<double>(), 1e-12) << f["query"][i];
  }
}

TEST(IsotonicRegression, RefusesEmptyOrMismatchedInput) {
  IsotonicRegression iso;
  EXPECT_THROW(iso.fit({}, {}), core::InvalidInput);
  EXPECT_THROW(iso.fit({1.0, 2.0}, {1.0}), core::InvalidInput);
  EXPECT_THROW(IsotonicRegression::from_thresholds({0.2, 0.1}, {0.0, 0.5}), core::InvalidInput);
  EXPECT_THROW(IsotonicRegression::from_thresholds({0.1, 0.2}, {0.5, 0.4}), core::InvalidInput);
}

// sklearn's _sigmoid_calibration minimises the same loss with BFGS; the optimum agrees to
// about 1e-4 in (a, b) and 1e-5 in probability.
TEST(PlattScaling, MatchesSklearnSigmoidCalibrationOnTheLogit) {
  const auto f = test::load_fixture("calibration.json")["platt"];
  PlattScaling platt;
  const auto score = f["score"].get<std::vector<double>>();
  platt.fit(score, f["y"].get<std::vector<double>>());
  EXPECT_NEAR(platt.a, f["a"].get<double>(), 1e-4);
  EXPECT_NEAR(platt.b, f["b"].get<double>(), 1e-4);
  const double a = f["a"], b = f["b"];
  for (double s : score) {
    const double expected = 1.0 / (1.0 + std::exp(a * std::log(s / (1 - s)) + b));
    EXPECT_NEAR(platt.predict(s), expected, 1e-5);
  }
}

TEST(Calibrator, AppliesPriorThenMapThenFloor) {
  std::vector<double> score, y;
  for (int i = 0; i < 200; ++i) {
    score.push_back(i / 200.0);
    y.push_back(i % 10 == 0 && i > 100 ? 1.0 : 0.0);
  }
  Calibrator none;
  none.fit(CalibrationMethod::none, 0.5, 0.05, 0.0003, score, y);
  EXPECT_NEAR(none.pd(0.5), 0.05 + 0.5 * kPdTieBreak, 1e-15);
  EXPECT_EQ(none.pd(0.0), 0.0003);
  Calibrator iso;
  iso.fit(CalibrationMethod::isotonic, 0.5, 0.05, 0.0003, score, y);
  EXPECT_EQ(iso.pd(0.0), 0.0003);
  // Scores on one isotonic step (and under the floor) keep their order, by at most the
  // tie-break.
  EXPECT_LT(iso.pd(0.01), iso.pd(0.02));
  EXPECT_LT(iso.pd(0.02) - iso.pd(0.01), 1e-8);
  EXPECT_LT(iso.pd(0.2), iso.pd(0.9));
  EXPECT_LE(iso.pd(1.0), 1.0);
  EXPECT_THROW(iso.fit(CalibrationMethod::isotonic, 0.5, 0.05, 0.0003, {0.1}, {1.0}), core::InvalidInput);
  EXPECT_THROW(iso.fit(CalibrationMethod::isotonic, 0.0, 0.05, 0.0003, score, y), core::InvalidInput);
}

}  // namespace risklab::ml
