#include "ml/metrics.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "fixtures.hpp"

namespace risklab::ml {
namespace {

class MetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    f_ = test::load_fixture("metrics.json");
    y_ = test::labels(f_["y"]);
    a_ = f_["score_a"].get<std::vector<double>>();
    b_ = f_["score_b"].get<std::vector<double>>();
    pd_ = f_["pd"].get<std::vector<double>>();
  }
  nlohmann::json f_;
  std::vector<std::uint8_t> y_;
  std::vector<double> a_, b_, pd_;
};

}  // namespace

// Expectations from sklearn 1.2 / scipy 1.10 (tests/fixtures/ml/make_fixtures.py). Closed-form
// metrics agree to 1e-12; p-values from special functions to 1e-10 relative.
TEST_F(MetricsTest, RocAucMatchesSklearnWithTies) {
  EXPECT_NEAR(roc_auc(y_, a_), f_["roc_auc_a"].get<double>(), 1e-12);
  EXPECT_NEAR(roc_auc(y_, b_), f_["roc_auc_b"].get<double>(), 1e-12);
}

TEST_F(MetricsTest, DelongVarianceAndTestMatchTheDefinition) {
  const auto d = f_["delong"];
  const auto a = delong_auc(y_, a_);
  EXPECT_NEAR(a.auc, d["auc_a"].get<double>(), 1e-12);
  EXPECT_NEAR(a.variance, d["var_a"].get<double>(), 1e-12);
  EXPECT_NEAR(delong_auc(y_, b_).variance, d["var_b"].get<double>(), 1e-12);
  const auto test = delong_test(y_, a_, b_);
  EXPECT_NEAR(test.z, d["z"].get<double>(), 1e-9);
  EXPECT_NEAR(test.p_value, d["p_value"].get<double>(), 1e-10);
  EXPECT_NEAR(delong_test(y_, a_, a_).p_value, 1.0, 1e-12);
}

TEST_F(MetricsTest, KsBrierLogLossEceMatchReferences) {
  EXPECT_NEAR(ks_statistic(y_, a_), f_["ks_a"].get<double>(), 1e-12);
  EXPECT_NEAR(brier_score(y_, pd_), f_["brier"].get<double>(), 1e-12);
  EXPECT_NEAR(log_loss(y_, pd_), f_["log_loss"].get<double>(), 1e-12);
  EXPECT_NEAR(expected_calibration_error(y_, pd_), f_["ece"].get<double>(), 1e-12);
}

TEST_F(MetricsTest, HosmerLemeshowMatchesScipyChiSquare) {
  const auto hl = hosmer_lemeshow(y_, pd_);
  EXPECT_NEAR(hl.statistic, f_["hosmer_lemeshow"]["statistic"].get<double>(), 1e-9);
  EXPECT_EQ(hl.df, 8U);
  EXPECT_NEAR(hl.p_value, f_["hosmer_lemeshow"]["p_value"].get<double>(), 1e-12);
}

TEST_F(MetricsTest, BinomialAndJeffreysPValuesMatchScipy) {
  for (const auto& g : f_["grades"]) {
    const std::size_t n = g["count"], d = g["defaults"];
    const double pd = g["pd"];
    const double binomial = g["binomial_p"], jeffreys = g["jeffreys_p"];
    EXPECT_NEAR(binomial_p_value(n, d, pd), binomial, 1e-10 * std::max(binomial, 1e-3)) << n << " " << d;
    EXPECT_NEAR(jeffreys_p_value(n, d, pd), jeffreys, 1e-10 * std::max(jeffreys, 1e-3)) << n << " " << d;
  }
}

TEST_F(MetricsTest, PsiOnFrozenEdgesMatchesNumpy) {
  const auto p = f_["psi"];
  const auto edges = quantile_edges(p["train"].get<std::vector<double>>());
  const auto expected_edges = p["edges"].get<std::vector<double>>();
  ASSERT_EQ(edges.size(), expected_edges.size());
  for (std::size_t i = 0; i < edges.size(); ++i) EXPECT_NEAR(edges[i], expected_edges[i], 1e-12);
  const auto e = bin_shares(p["train"].get<std::vector<double>>(), edges);
  const auto a = bin_shares(p["recent"].get<std::vector<double>>(), edges);
  for (std::size_t i = 0; i < e.size(); ++i) {
    EXPECT_NEAR(e[i], p["expected"][i].get<double>(), 1e-12);
    EXPECT_NEAR(a[i], p["actual"][i].get<double>(), 1e-12);
  }
  EXPECT_NEAR(psi(e, a), p["psi"].get<double>(), 1e-12);
  EXPECT_EQ(psi(e, e), 0.0);
  EXPECT_THROW(psi({0.5, 0.5}, {1.0}), core::InvalidInput);
}

TEST(Metrics, TextbookValuesAndRefusals) {
  // Perfect separation, perfect inversion, and a coin.
  EXPECT_EQ(roc_auc({0, 0, 1, 1}, {0.1, 0.2, 0.8, 0.9}), 1.0);
  EXPECT_EQ(roc_auc({0, 0, 1, 1}, {0.9, 0.8, 0.2, 0.1}), 0.0);
  EXPECT_EQ(roc_auc({0, 1}, {0.5, 0.5}), 0.5);
  EXPECT_EQ(ks_statistic({0, 0, 1, 1}, {0.1, 0.2, 0.8, 0.9}), 1.0);
  EXPECT_EQ(brier_score({0, 1}, {0.0, 1.0}), 0.0);
  EXPECT_EQ(expected_calibration_error({0, 1}, {0.0, 1.0}), 0.0);
  EXPECT_THROW(roc_auc({1, 1}, {0.2, 0.3}), core::InvalidInput);
  EXPECT_THROW(roc_auc({0, 1}, {0.2}), core::InvalidInput);
  EXPECT_THROW(brier_score({}, {}), core::InvalidInput);
}

TEST(Metrics, GradeReportCountsPerGradeAndTestsEach) {
  const MasterScale scale = MasterScale::standard();
  const std::vector<std::uint8_t> y = {0, 0, 1, 0, 1};
  const std::vector<double> pd = {0.0004, 0.0004, 0.05, 0.05, 0.5};
  const auto report = grade_report(y, pd, scale);
  ASSERT_EQ(report.size(), scale.bands().size());
  EXPECT_EQ(report[0].grade, "R1");
  EXPECT_EQ(report[0].count, 2U);
  EXPECT_EQ(report[0].defaults, 0U);
  EXPECT_DOUBLE_EQ(report[0].mean_pd, 0.0004);
  EXPECT_EQ(report[0].binomial_p, 1.0);
  const auto& r8 = report[scale.grade_index(0.05)];
  EXPECT_EQ(r8.count, 2U);
  EXPECT_EQ(r8.defaults, 1U);
  EXPECT_DOUBLE_EQ(r8.observed_rate, 0.5);
  EXPECT_NEAR(r8.binomial_p, 1 - 0.95 * 0.95, 1e-12);  // P(X >= 1), n = 2
}

}  // namespace risklab::ml
