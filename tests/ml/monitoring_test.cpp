#include "ml/monitoring.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace risklab::ml {
namespace {

// Expected values were computed once with Debian's /usr/bin/python3 (numpy 1.24, scipy 1.10,
// sklearn 1.2); the expression is beside each. Quantiles and p-values from special functions
// agree within 1e-10 relative, closed forms within 1e-12, the normal approximation of the
// Poisson-binomial within 1e-4 absolute of the exact convolution.

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void expect_relative(double actual, double expected, double tolerance) {
  EXPECT_NEAR(actual, expected, tolerance * std::fabs(expected)) << "expected " << expected;
}

std::string invalid_input_message(const std::function<void()>& call) {
  try {
    call();
  } catch (const core::InvalidInput& e) {
    EXPECT_EQ(e.code(), "data_invalid");
    return e.what();
  }
  ADD_FAILURE() << "no core::InvalidInput thrown";
  return {};
}

// 4 actual values in bin 0, 8 in bin 1, 12 in bin 2 and 16 in bin 3 of the edges {1, 2, 3}
// (a value on an edge belongs to the bin below it), and two missing values.
std::vector<double> actual_4_8_12_16() {
  std::vector<double> values;
  for (int i = 0; i < 4; ++i) values.push_back(i == 0 ? 1.0 : 0.5);
  for (int i = 0; i < 8; ++i) values.push_back(i == 0 ? 2.0 : 1.5);
  for (int i = 0; i < 12; ++i) values.push_back(i == 0 ? 3.0 : 2.5);
  for (int i = 0; i < 16; ++i)
    values.push_back(i == 0 ? std::numeric_limits<double>::infinity() : 9.0);
  values.push_back(kNaN);
  values.push_back(kNaN);
  return values;
}

const std::vector<double> kEdges = {1.0, 2.0, 3.0};
const std::vector<double> kEvenShares = {0.25, 0.25, 0.25, 0.25};

}  // namespace

TEST(PsiCriticalValue, MatchesScipyChi2Ppf) {
  // stats.chi2.ppf(0.95, 9) * (1/5000 + 1/1000)
  expect_relative(psi_critical_value(10, 5000, 1000), 0.02030277312554454, 1e-10);
  // stats.chi2.ppf(0.99, 4) * (1/200 + 1/300)
  expect_relative(psi_critical_value(5, 200, 300, 0.01), 0.11063920113323018, 1e-10);
  // stats.chi2.ppf(0.95, 1) * (1/100 + 1/100)
  expect_relative(psi_critical_value(2, 100, 100), 0.07682917641388248, 1e-10);
}

TEST(PsiCriticalValue, ShrinksAsBothSamplesGrow) {
  EXPECT_LT(psi_critical_value(10, 100000, 100000), psi_critical_value(10, 1000, 1000));
  EXPECT_LT(psi_critical_value(10, 1000, 100000), psi_critical_value(10, 1000, 1000));
}

TEST(PsiCriticalValue, RejectsFewerThanTwoBinsEmptySamplesAndBadAlpha) {
  EXPECT_THROW(psi_critical_value(1, 100, 100), core::InvalidInput);
  EXPECT_THROW(psi_critical_value(10, 0, 100), core::InvalidInput);
  EXPECT_THROW(psi_critical_value(10, 100, 0), core::InvalidInput);
  EXPECT_THROW(psi_critical_value(10, 100, 100, 0.0), core::InvalidInput);
  EXPECT_THROW(psi_critical_value(10, 100, 100, 1.0), core::InvalidInput);
}

TEST(Drift, SkipsMissingValuesAndMatchesNumpyAndScipy) {
  const DriftResult d = drift(kEdges, kEvenShares, 1000, actual_4_8_12_16());
  EXPECT_EQ(d.n_reference, 1000U);
  EXPECT_EQ(d.n_actual, 40U);
  EXPECT_EQ(d.n_missing, 2U);
  EXPECT_EQ(d.reference_shares, kEvenShares);
  const std::vector<double> expected_shares = {0.1, 0.2, 0.3, 0.4};
  ASSERT_EQ(d.actual_shares.size(), 4U);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_NEAR(d.actual_shares[i], expected_shares[i], 1e-15);
  // a = np.array([4, 8, 12, 16]) / 40; ((a - 0.25) * np.log(a / 0.25)).sum()
  EXPECT_NEAR(d.psi, 0.22821740957339182, 1e-12);
  // stats.chi2.ppf(0.95, 3) * (1/1000 + 1/40)
  expect_relative(d.critical_value, 0.20318292548453068, 1e-10);
  EXPECT_TRUE(d.significant);
  EXPECT_EQ(d.light, TrafficLight::amber);
}

TEST(Drift, RuleOfThumbAndStatisticalVerdictCanDisagree) {
  // The same amber PSI against a reference of 100 rows is within sampling noise:
  // stats.chi2.ppf(0.95, 3) * (1/100 + 1/40).
  const DriftResult small = drift(kEdges, kEvenShares, 100, actual_4_8_12_16());
  expect_relative(small.critical_value, 0.2735154766137913, 1e-10);
  EXPECT_FALSE(small.significant);
  EXPECT_EQ(small.light, TrafficLight::amber);

  // A green PSI on large samples is significant: shares 0.22 / 0.25 / 0.25 / 0.28 of 4000.
  std::vector<double> values;
  for (int i = 0; i < 880; ++i) values.push_back(0.0);
  for (int i = 0; i < 1000; ++i) values.push_back(1.5);
  for (int i = 0; i < 1000; ++i) values.push_back(2.5);
  for (int i = 0; i < 1120; ++i) values.push_back(4.0);
  const DriftResult large = drift(kEdges, kEvenShares, 100000, values);
  EXPECT_EQ(large.light, TrafficLight::green);
  EXPECT_TRUE(large.significant);
  EXPECT_LT(large.critical_value, large.psi);
}

TEST(Drift, ASingleBinIsNeverSignificant) {
  const DriftResult d = drift({}, {1.0}, 500, {3.0, 4.0, kNaN});
  EXPECT_EQ(d.psi, 0.0);
  EXPECT_EQ(d.critical_value, 0.0);
  EXPECT_FALSE(d.significant);
  EXPECT_EQ(d.light, TrafficLight::green);
  EXPECT_EQ(d.n_actual, 2U);
  EXPECT_EQ(d.n_missing, 1U);
}

TEST(Drift, RejectsInconsistentBinsAndAllMissingValues) {
  const std::vector<double> values = {1.0, 2.0};
  EXPECT_THROW(drift(kEdges, {0.5, 0.5}, 100, values), core::InvalidInput);
  EXPECT_THROW(drift({1.0, 3.0, 2.0}, kEvenShares, 100, values), core::InvalidInput);
  EXPECT_THROW(drift(kEdges, {0.25, 0.25, 0.25, 0.2}, 100, values), core::InvalidInput);
  EXPECT_THROW(drift(kEdges, {0.75, 0.25, 0.25, -0.25}, 100, values), core::InvalidInput);
  EXPECT_THROW(drift(kEdges, kEvenShares, 0, values), core::InvalidInput);
  EXPECT_THROW(drift(kEdges, kEvenShares, 100, values, 1.5), core::InvalidInput);
  EXPECT_THROW(drift(kEdges, kEvenShares, 100, {kNaN, kNaN}), core::InvalidInput);
}

// Pluto & Tasche (2005), "Thinking positively", Risk 18(8): grades A, B, C with 100, 400 and
// 300 obligors; Table 1 with no defaults, Table 2 with 0, 2 and 1 defaults. The percentages
// (rounded to 0.01 %, as the paper prints them) were reconstructed with scipy:
// stats.beta.ppf(gamma, D + 1, N - D), N and D pooled over the grade and the worse ones; the
// unrounded values are checked to 1e-10 relative, the rounded ones to half a printed digit.
TEST(PlutoTasche, ReproducesThinkingPositivelyTables) {
  struct Row {
    double confidence;
    double printed[3];  // percent
    double scipy[3];
  };
  const std::vector<std::size_t> counts = {100, 400, 300};
  const Row table1[] = {
      {0.5,
       {0.09, 0.10, 0.23},
       {0.0008660587301657926, 0.0009897201615448191, 0.002307823472976681}},
      {0.75, {0.17, 0.20, 0.46}, {0.001731367402607489, 0.00197846077709147, 0.00461032089677094}},
      {0.9,
       {0.29, 0.33, 0.76},
       {0.0028740932294675074, 0.0032840031027256147, 0.0076459038678994935}},
      {0.95,
       {0.37, 0.43, 0.99},
       {0.003737662826100608, 0.0042704730201890894, 0.009936081944457708}},
      {0.99,
       {0.57, 0.66, 1.52},
       {0.0057399260470433425, 0.006557221529072517, 0.015233347889841823}},
      {0.999,
       {0.86, 0.98, 2.28},
       {0.008597522193921398, 0.009819690695951396, 0.022762779044189312}}};
  const Row table2[] = {
      {0.5, {0.46, 0.52, 0.56}, {0.004588148454640899, 0.005243283640806442, 0.005588169627566774}},
      {0.75,
       {0.64, 0.73, 0.90},
       {0.0063783660637915535, 0.007288187171036255, 0.008950162947421582}},
      {0.9, {0.83, 0.95, 1.29}, {0.008331782190687519, 0.009518905380446965, 0.012903448465366184}},
      {0.95, {0.97, 1.10, 1.57}, {0.009663308956909741, 0.011039092170684108, 0.01571455489158395}},
      {0.99, {1.25, 1.43, 2.19}, {0.012501223771255647, 0.01427812647780827, 0.02192104464942563}},
      {0.999,
       {1.62, 1.85, 3.04},
       {0.016225456889225026, 0.018526733303399188, 0.0303592166249724}}};
  const auto check = [&](const Row(&table)[6], const std::vector<std::size_t>& defaults) {
    for (const Row& row : table) {
      const std::vector<double> bounds =
          pluto_tasche_upper_bounds(counts, defaults, row.confidence);
      ASSERT_EQ(bounds.size(), 3U);
      for (std::size_t g = 0; g < 3; ++g) {
        expect_relative(bounds[g], row.scipy[g], 1e-10);
        EXPECT_NEAR(100.0 * bounds[g], row.printed[g], 0.005 + 1e-12) << row.confidence << " " << g;
      }
      // Most prudent: the bounds respect the order of the grades.
      EXPECT_LE(bounds[0], bounds[1]);
      EXPECT_LE(bounds[1], bounds[2]);
    }
  };
  check(table1, {0, 0, 0});
  check(table2, {0, 2, 1});
}

TEST(PlutoTasche, BoundSolvesTheBinomialEquationAndHasTheClosedFormWithoutDefaults) {
  // Without defaults P(Bin(n, p) <= 0) = (1 - p)^n = 1 - gamma gives 1 - (1 - gamma)^(1/n).
  const double gamma = 0.9;
  const std::vector<double> b = pluto_tasche_upper_bounds({250, 0, 750}, {0, 0, 0}, gamma);
  EXPECT_NEAR(b[0], 1.0 - std::pow(1.0 - gamma, 1.0 / 1000.0), 1e-14);
  EXPECT_NEAR(b[1], 1.0 - std::pow(1.0 - gamma, 1.0 / 750.0), 1e-14);
  EXPECT_NEAR(b[2], 1.0 - std::pow(1.0 - gamma, 1.0 / 750.0), 1e-14);
}

TEST(PlutoTasche, NoRowsOrOnlyDefaultsGiveOneAndBadInputThrows) {
  EXPECT_EQ(pluto_tasche_upper_bounds({10, 0}, {1, 0}),
            (std::vector<double>{pluto_tasche_upper_bounds({10}, {1})[0], 1.0}));
  EXPECT_EQ(pluto_tasche_upper_bounds({3}, {3})[0], 1.0);
  EXPECT_TRUE(pluto_tasche_upper_bounds({}, {}).empty());
  EXPECT_THROW(pluto_tasche_upper_bounds({10, 5}, {1}), core::InvalidInput);
  EXPECT_THROW(pluto_tasche_upper_bounds({10}, {11}), core::InvalidInput);
  EXPECT_THROW(pluto_tasche_upper_bounds({10}, {1}, 1.0), core::InvalidInput);
}

// 5 defaults and 9 goods with tied scores across and within the classes. By hand, with the
// pairwise DeLong definition: k = (pos[:, None] > neg) + 0.5 * (pos[:, None] == neg);
// auc = k.mean(); se = sqrt(var(k.mean(1), ddof=1) / 5 + var(k.mean(0), ddof=1) / 9);
// z = (auc - dev) / se; p = 2 * stats.norm.sf(|z|); CI = auc -+ stats.norm.ppf(0.5 + level/2) * se
// clipped to [0, 1]. The AUC is also sklearn's roc_auc_score.
TEST(AucVsDevelopment, MatchesThePairwiseDelongComputation) {
  const std::vector<std::uint8_t> y = {1, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0};
  const std::vector<double> s = {0.9, 0.3, 0.7, 0.7, 0.2, 0.6,  0.5,
                                 0.1, 0.4, 0.3, 0.8, 0.2, 0.95, 0.05};
  const AucDriftTest lower_dev = auc_vs_development(y, s, 0.6);
  EXPECT_NEAR(lower_dev.auc, 0.8555555555555555, 1e-12);
  EXPECT_NEAR(lower_dev.se, 0.10304020550550783, 1e-12);
  EXPECT_EQ(lower_dev.auc_development, 0.6);
  EXPECT_NEAR(lower_dev.z, 2.480153783679083, 1e-10);
  expect_relative(lower_dev.p_value, 0.013132572942531682, 1e-10);
  EXPECT_NEAR(lower_dev.ci_low, 0.6536004638051544, 1e-12);
  EXPECT_EQ(lower_dev.ci_high, 1.0);

  const AucDriftTest higher_dev = auc_vs_development(y, s, 0.95, 0.90);
  EXPECT_NEAR(higher_dev.z, -0.9165785722292265, 1e-10);
  expect_relative(higher_dev.p_value, 0.35936351706988645, 1e-10);
  EXPECT_NEAR(higher_dev.ci_low, 0.6860694998079959, 1e-12);
  EXPECT_EQ(higher_dev.ci_high, 1.0);

  const AucDriftTest same = auc_vs_development(y, s, lower_dev.auc);
  EXPECT_EQ(same.z, 0.0);
  EXPECT_EQ(same.p_value, 1.0);
}

TEST(AucVsDevelopment, RejectsOneClassAndOutOfRangeArguments) {
  EXPECT_THROW(auc_vs_development({0, 0, 0}, {0.1, 0.2, 0.3}, 0.7), core::InvalidInput);
  EXPECT_THROW(auc_vs_development({0, 1}, {0.1, 0.2}, 1.2), core::InvalidInput);
  EXPECT_THROW(auc_vs_development({0, 1}, {0.1, 0.2}, 0.7, 1.0), core::InvalidInput);
}

TEST(MigrationMatrix, CountsRatesAndSharesByHand) {
  const std::vector<std::pair<std::string, std::string>> moves = {
      {"A", "A"}, {"A", "A"}, {"A", "A"}, {"A", "B"}, {"B", "A"},
      {"B", "B"}, {"B", "B"}, {"B", "C"}, {"C", "C"}, {"C", "B"}};
  const MigrationMatrix m = migration_matrix({"A", "B", "C"}, moves);
  EXPECT_EQ(m.grades, (std::vector<std::string>{"A", "B", "C"}));
  const std::vector<std::vector<std::size_t>> counts = {{3, 1, 0}, {1, 2, 1}, {0, 1, 1}};
  EXPECT_EQ(m.counts, counts);
  EXPECT_EQ(m.total, 10U);
  EXPECT_DOUBLE_EQ(m.stable_share, 0.6);     // 3 + 2 + 1 on the diagonal
  EXPECT_DOUBLE_EQ(m.upgrade_share, 0.2);    // B -> A, C -> B
  EXPECT_DOUBLE_EQ(m.downgrade_share, 0.2);  // A -> B, B -> C
  EXPECT_DOUBLE_EQ(m.rates[0][0], 0.75);
  EXPECT_DOUBLE_EQ(m.rates[0][1], 0.25);
  EXPECT_DOUBLE_EQ(m.rates[1][2], 0.25);
  EXPECT_DOUBLE_EQ(m.rates[2][1], 0.5);
}

TEST(MigrationMatrix, EmptyGradesHaveZeroRatesAndNoMovesZeroShares) {
  const MigrationMatrix m = migration_matrix({"A", "B"}, {{"B", "B"}});
  EXPECT_EQ(m.rates[0], (std::vector<double>{0.0, 0.0}));
  EXPECT_EQ(m.stable_share, 1.0);
  const MigrationMatrix none = migration_matrix({"A", "B"}, {});
  EXPECT_EQ(none.total, 0U);
  EXPECT_EQ(none.stable_share + none.upgrade_share + none.downgrade_share, 0.0);
}

TEST(MigrationMatrix, NamesAnUnknownGradeAndRejectsDuplicates) {
  const std::string message = invalid_input_message([] {
    migration_matrix({"A", "B"}, {{"A", "B"}, {"A", "R7"}});
  });
  EXPECT_NE(message.find("'R7'"), std::string::npos) << message;
  EXPECT_THROW(migration_matrix({"A", "A"}, {}), core::InvalidInput);
}

// Exact Poisson-binomial: dist = [1]; for p in pd: dist = np.convolve(dist, [1 - p, p]);
// more = dist[k:].sum(), fewer = dist[:k + 1].sum().
TEST(ExpectedDefaults, ExactTailsMatchNumpyConvolution) {
  std::vector<double> pd;
  for (int i = 0; i < 50; ++i) pd.push_back(0.01 + 0.002 * i);
  struct Case {
    std::size_t observed;
    double more, fewer;
  };
  for (const Case& c :
       {Case{0, 1.0, 0.046693739125772675}, Case{3, 0.5737264394403199, 0.659030707454821},
        Case{6, 0.07133113182664784, 0.9743271437554686},
        Case{12, 2.0988417558878285e-05, 0.9999964295381683}}) {
    const ExpectedDefaults e = expected_defaults(pd, c.observed);
    EXPECT_TRUE(e.exact);
    EXPECT_EQ(e.n, 50U);
    EXPECT_EQ(e.observed, c.observed);
    EXPECT_NEAR(e.expected, 2.95, 1e-12);
    EXPECT_NEAR(e.sd, 1.6535718913914812, 1e-12);  // sqrt((pd * (1 - pd)).sum())
    expect_relative(e.p_value_more, c.more, 1e-10);
    expect_relative(e.p_value_fewer, c.fewer, 1e-10);
  }
}

// 3000 rows, PDs 0.001 + 0.03 * ((i * 7919) % 1000) / 1000; the far tail keeps its precision.
TEST(ExpectedDefaults, ExactTailsKeepTinyPValuesPrecise) {
  std::vector<double> pd;
  for (std::size_t i = 0; i < 3000; ++i) {
    pd.push_back(0.001 + 0.03 * (static_cast<double>((i * 7919) % 1000) / 1000.0));
  }
  struct Case {
    std::size_t observed;
    double more, fewer;
  };
  for (const Case& c : {Case{30, 0.997959110423224, 0.0034431764530134697},
                        Case{47, 0.5752978051829117, 0.4828177845111752},
                        Case{60, 0.04979303653132406, 0.9626538907627757},
                        Case{110, 5.48073829675402e-15, 0.999999999999998}}) {
    const ExpectedDefaults e = expected_defaults(pd, c.observed);
    EXPECT_TRUE(e.exact);
    EXPECT_NEAR(e.expected, 47.955, 1e-9);
    EXPECT_NEAR(e.sd, 6.852987636790249, 1e-11);
    expect_relative(e.p_value_more, c.more, 1e-9);
    expect_relative(e.p_value_fewer, c.fewer, 1e-9);
  }
}

// 40,000 rows: rows * (observed + 2) exceeds kExactPoissonBinomialMaxWork, so the refined
// normal approximation is used; the reference is the exact distribution by the same recursion
// in numpy (truncated at 1,200 defaults, where the remaining mass is below 1e-100).
TEST(ExpectedDefaults, LargePortfolioNormalApproximationIsWithin1e4OfExact) {
  std::vector<double> pd;
  for (std::size_t i = 0; i < 40000; ++i) {
    pd.push_back(0.001 + 0.03 * (static_cast<double>((i * 7919) % 1000) / 1000.0));
  }
  struct Case {
    std::size_t observed;
    double more, fewer;
  };
  for (const Case& c : {Case{520, 0.9999996179868784, 4.7526781632968456e-07},
                        Case{600, 0.9457214875168585, 0.05891863177594837},
                        Case{640, 0.4958579230384752, 0.5200707649743123},
                        Case{700, 0.00883251996082346, 0.9920533979552806},
                        Case{760, 1.5128731608582413e-06, 0.9999987419544772}}) {
    const ExpectedDefaults e = expected_defaults(pd, c.observed);
    EXPECT_FALSE(e.exact);
    EXPECT_NEAR(e.expected, 639.4, 1e-8);
    EXPECT_NEAR(e.sd, 25.023572766493597, 1e-9);
    EXPECT_NEAR(e.p_value_more, c.more, 1e-4) << c.observed;
    EXPECT_NEAR(e.p_value_fewer, c.fewer, 1e-4) << c.observed;
  }
}

TEST(ExpectedDefaults, DegenerateAndInvalidInputs) {
  const ExpectedDefaults none = expected_defaults({}, 0);
  EXPECT_EQ(none.n, 0U);
  EXPECT_EQ(none.p_value_more, 1.0);
  EXPECT_EQ(none.p_value_fewer, 1.0);
  const ExpectedDefaults certain = expected_defaults({0.0, 1.0, 1.0}, 2);
  EXPECT_EQ(certain.expected, 2.0);
  EXPECT_EQ(certain.sd, 0.0);
  EXPECT_EQ(certain.p_value_more, 1.0);
  EXPECT_EQ(certain.p_value_fewer, 1.0);
  EXPECT_EQ(expected_defaults({0.0, 1.0, 1.0}, 3).p_value_more, 0.0);
  EXPECT_THROW(expected_defaults({0.1, 0.2}, 3), core::InvalidInput);
  EXPECT_THROW(expected_defaults({0.1, 1.2}, 0), core::InvalidInput);
  EXPECT_THROW(expected_defaults({0.1, kNaN}, 0), core::InvalidInput);
}

// Grade A: 200 rows at PD 0.008 / 0.012 (mean 0.01), 2 defaults; B: 100 at 0.015 / 0.025,
// 5 defaults; C: 50 at 0.04 / 0.06, 9 defaults; D: no rows. Per grade stats.binom.sf(d - 1, n,
// mean_pd), stats.beta.cdf(mean_pd, d + 0.5, n - d + 0.5), and the Pluto-Tasche bound at 90 %
// stats.beta.ppf(0.9, D + 1, N - D) over the grade and the worse ones.
TEST(BacktestByGrade, LightsFollowTheJeffreysThresholdsAndValuesMatchScipy) {
  std::vector<std::string> grades;
  std::vector<double> pd;
  std::vector<std::uint8_t> defaulted;
  const auto add = [&](const std::string& grade, std::size_t n, double lo, double hi,
                       std::size_t defaults) {
    for (std::size_t i = 0; i < n; ++i) {
      grades.push_back(grade);
      pd.push_back(i % 2 == 0 ? lo : hi);
      defaulted.push_back(i < defaults ? 1 : 0);
    }
  };
  add("C", 50, 0.04, 0.06, 9);  // rows in any order
  add("A", 200, 0.008, 0.012, 2);
  add("B", 100, 0.015, 0.025, 5);
  const std::vector<BacktestGrade> lines =
      backtest_by_grade({"A", "B", "C", "D"}, grades, pd, defaulted);
  ASSERT_EQ(lines.size(), 4U);
  struct Expected {
    const char* grade;
    std::size_t count, defaults;
    double mean_pd, binomial_p, jeffreys_p, pluto_tasche;
    TrafficLight light;
  };
  const Expected expected[] = {{"A", 200, 2, 0.01, 0.5953543153279742, 0.4513071769124478,
                                0.06355363750532604, TrafficLight::green},
                               {"B", 100, 5, 0.02, 0.05083044536950028, 0.028614033509956758,
                                0.13142439635566042, TrafficLight::amber},
                               {"C", 50, 9, 0.05, 0.0007559846912214758, 0.0003513930616641959,
                                0.2692297254998827, TrafficLight::red}};
  for (std::size_t g = 0; g < 3; ++g) {
    const BacktestGrade& line = lines[g];
    const Expected& e = expected[g];
    EXPECT_EQ(line.grade, e.grade);
    EXPECT_EQ(line.count, e.count);
    EXPECT_EQ(line.defaults, e.defaults);
    EXPECT_NEAR(line.mean_pd, e.mean_pd, 1e-12);
    EXPECT_NEAR(line.observed_rate, static_cast<double>(e.defaults) / static_cast<double>(e.count),
                1e-15);
    expect_relative(line.binomial_p, e.binomial_p, 1e-9);
    expect_relative(line.jeffreys_p, e.jeffreys_p, 1e-9);
    expect_relative(line.pluto_tasche_upper, e.pluto_tasche, 1e-10);
    EXPECT_EQ(line.light, e.light) << e.grade;
  }
  EXPECT_EQ(lines[3].grade, "D");
  EXPECT_EQ(lines[3].count, 0U);
  EXPECT_EQ(lines[3].light, TrafficLight::none);
  EXPECT_EQ(lines[3].pluto_tasche_upper, 1.0);
}

TEST(BacktestByGrade, NamesAnUnknownGradeAndRejectsBadRows) {
  const std::string message = invalid_input_message([] {
    backtest_by_grade({"A", "B"}, {"A", "Z9"}, {0.1, 0.2}, {0, 1});
  });
  EXPECT_NE(message.find("'Z9'"), std::string::npos) << message;
  EXPECT_THROW(backtest_by_grade({"A"}, {"A"}, {0.1, 0.2}, {0, 1}), core::InvalidInput);
  EXPECT_THROW(backtest_by_grade({"A"}, {"A"}, {1.5}, {0}), core::InvalidInput);
  EXPECT_THROW(backtest_by_grade({"A"}, {"A"}, {0.1}, {2}), core::InvalidInput);
  EXPECT_THROW(backtest_by_grade({"A", "A"}, {"A"}, {0.1}, {0}), core::InvalidInput);
}

}  // namespace risklab::ml
