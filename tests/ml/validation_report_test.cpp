#include "ml/validation_report.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "fixtures.hpp"
#include "ml/model.hpp"

namespace risklab::ml {
namespace {

// The holdout of these tests is generated from integers so that Python reproduces it bit for
// bit. The expected values below were computed once with Debian's /usr/bin/python3 (numpy
// 1.24, scipy 1.10, sklearn 1.2) by this script:
//
//   M = (1 << 64) - 1
//   def splitmix(state):
//       state = (state + 0x9E3779B97F4A7C15) & M
//       z = ((state ^ (state >> 30)) * 0xBF58476D1CE4E5B9) & M
//       z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
//       return state, (z ^ (z >> 31)) >> 11
//   def holdout(n, seed):          # labels, candidate PDs, champion PDs (on a 0.1 % grid: ties)
//       s = seed; y = []; cand = []; champ = []
//       for _ in range(n):
//           s, a = splitmix(s); s, b = splitmix(s); s, c = splitmix(s)
//           r, e, v = a * 2.0**-53, b * 2.0**-53, c * 2.0**-53
//           cand.append(0.0004 + 0.3 * (r * r * r))
//           m = 0.6 * r + 0.4 * e
//           champ.append(max(0.0005, np.floor((0.0004 + 0.3 * (m * m * m)) * 1000.0) / 1000.0))
//           y.append(1 if v < 0.0004 + 0.35 * (r * r * r) else 0)
//       return np.array(y), np.array(cand), np.array(champ)
//   y, cand, champ = holdout(400, 7); _, train, _ = holdout(600, 11)
//   roc_auc_score(y, pd); roc_curve(y, pd); np.trapz(tpr, fpr)
//   stats.ks_2samp(pd[y == 1], pd[y == 0]).statistic; brier_score_loss(y, pd); log_loss(y, pd)
//   calibration_curve(y, pd, n_bins=10, strategy="quantile")
//   DeLong by its pairwise definition: k = (pos[:, None] > neg) + 0.5 * (pos[:, None] == neg),
//     var = var(k.mean(1), ddof=1) / m + var(k.mean(0), ddof=1) / n (of the differences for
//     the test), z = (auc_a - auc_b) / sqrt(var), p = 2 * stats.norm.sf(|z|);
//     CI = auc -+ 1.959963984540054 * sqrt(var)
//   grades: np.searchsorted([0.0005, 0.001, ..., 0.256], pd, side="right"); per grade
//     stats.binom.sf(d - 1, n, mean_pd), stats.beta.cdf(mean_pd, d + 0.5, n - d + 0.5);
//     HHI = ((counts / counts.sum()) ** 2).sum()
//   PSI: edges = deciles (np.quantile) without duplicates, shares from
//     np.searchsorted(edges, v, side="left"), sum((a - e) * log(a / e)) with shares >= 1e-4;
//     against training on the edges of `train`, candidate against champion on those of `champ`.
struct SplitMix {
  std::uint64_t state;
  double next() {
    state += 0x9E3779B97F4A7C15ULL;
    std::uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return static_cast<double>((z ^ (z >> 31)) >> 11) * 0x1p-53;
  }
};

struct Holdout {
  std::vector<std::uint8_t> y;
  std::vector<double> candidate;
  std::vector<double> champion;
};

Holdout make_holdout(std::size_t n, std::uint64_t seed) {
  Holdout h;
  SplitMix rng{seed};
  for (std::size_t row = 0; row < n; ++row) {
    const double r = rng.next();
    const double e = rng.next();
    const double v = rng.next();
    h.candidate.push_back(0.0004 + 0.3 * (r * r * r));
    const double m = 0.6 * r + 0.4 * e;
    h.champion.push_back(
        std::max(0.0005, std::floor((0.0004 + 0.3 * (m * m * m)) * 1000.0) / 1000.0));
    h.y.push_back(v < 0.0004 + 0.35 * (r * r * r) ? 1 : 0);
  }
  return h;
}

ReportModelInput model_input(const std::string& version, const std::vector<double>& pd) {
  ReportModelInput m;
  m.model_version = version;
  m.pd = pd;
  for (double p : pd) m.grades.push_back(m.master_scale.grade(p));
  return m;
}

ValidationReportInput report_input(bool with_champion) {
  const Holdout h = make_holdout(400, 7);
  ValidationReportInput in;
  in.metadata = {"snap-0042", 42, "2026-10-02T09:14:00Z"};
  in.y = h.y;
  in.candidate = model_input("rf-0007", h.candidate);
  const std::vector<double> train = make_holdout(600, 11).candidate;
  in.candidate.pd_psi_edges = quantile_edges(train);
  in.candidate.pd_psi_shares = bin_shares(train, in.candidate.pd_psi_edges);
  if (with_champion) in.champion = model_input("rf-0003", h.champion);
  in.candidate_importances = {{"debt_ratio", 0.31}, {"roa", 0.22}, {"current_ratio", 0.12}};
  return in;
}

const GradeRow& grade(const ModelValidation& m, const std::string& name) {
  for (const GradeRow& row : m.grades) {
    if (row.stats.grade == name) return row;
  }
  throw std::out_of_range(name);
}

void collect_nulls(const nlohmann::json& j, const std::string& path,
                   std::vector<std::string>& out) {
  if (j.is_null()) out.push_back(path);
  if (j.is_object()) {
    for (const auto& [key, value] : j.items()) collect_nulls(value, path + "/" + key, out);
  }
  if (j.is_array()) {
    for (std::size_t i = 0; i < j.size(); ++i)
      collect_nulls(j[i], path + "/" + std::to_string(i), out);
  }
}

std::string code_of(const ValidationReportInput& in) {
  try {
    build_validation_report(in);
  } catch (const core::InvalidInput& e) {
    return e.code();
  }
  return "no error";
}

}  // namespace

TEST(ValidationReport, HoldoutStatisticsMatchSklearnAndScipy) {
  const ValidationReport r = build_validation_report(report_input(true));
  ASSERT_TRUE(r.champion && r.comparison);
  EXPECT_EQ(r.holdout_rows, 400U);
  EXPECT_EQ(r.holdout_defaults, 36U);
  const ModelValidation& c = r.candidate;
  const ModelValidation& h = *r.champion;
  // Closed-form statistics to 1e-12, p-values from special functions to 1e-10 relative.
  EXPECT_NEAR(c.auc.auc, 0.87110805860805862, 1e-12);
  EXPECT_NEAR(c.auc.variance, 0.00050585226364308392, 1e-12);
  EXPECT_NEAR(c.auc.ci95_lower, 0.82702619566943258, 1e-12);
  EXPECT_NEAR(c.auc.ci95_upper, 0.91518992154668466, 1e-12);
  EXPECT_NEAR(c.gini, 2 * 0.87110805860805862 - 1, 1e-12);
  EXPECT_NEAR(c.ks, 0.62393162393162394, 1e-12);
  EXPECT_NEAR(c.brier, 0.069204899810938011, 1e-12);
  EXPECT_NEAR(c.log_loss, 0.22426797949835511, 1e-12);
  EXPECT_NEAR(h.auc.auc, 0.81555250305250304, 1e-12);
  EXPECT_NEAR(h.auc.variance, 0.00083125076004220665, 1e-12);
  EXPECT_NEAR(h.auc.ci95_lower, 0.75904395888108744, 1e-12);
  EXPECT_NEAR(h.auc.ci95_upper, 0.87206104722391864, 1e-12);
  EXPECT_NEAR(h.ks, 0.51221001221001217, 1e-12);
  EXPECT_NEAR(h.brier, 0.075672636250000008, 1e-12);
  EXPECT_NEAR(h.log_loss, 0.25769697991444573, 1e-12);

  const ChampionComparison& cmp = *r.comparison;
  EXPECT_NEAR(cmp.delong.z, 2.3491934721912235, 1e-9);
  EXPECT_NEAR(cmp.delong.p_value, 0.018814128030624322, 1e-10);
  EXPECT_NEAR(cmp.auc_difference, 0.87110805860805862 - 0.81555250305250304, 1e-12);
  EXPECT_EQ(cmp.verdict, AucVerdict::better);
  EXPECT_NEAR(cmp.brier_difference, 0.069204899810938011 - 0.075672636250000008, 1e-12);
  EXPECT_NEAR(cmp.psi_candidate_vs_champion.psi, 0.20988411229563575, 1e-12);
  EXPECT_EQ(cmp.psi_candidate_vs_champion.light, TrafficLight::amber);
  ASSERT_TRUE(c.psi_vs_training);
  EXPECT_NEAR(c.psi_vs_training->psi, 0.043849260552055298, 1e-12);
  EXPECT_EQ(c.psi_vs_training->light, TrafficLight::green);
  EXPECT_FALSE(h.psi_vs_training);

  // Per grade: counts, mean PD, binomial and Jeffreys p-values and the lights they give.
  ASSERT_EQ(c.grades.size(), 11U);
  const std::vector<std::size_t> candidate_counts{25, 26, 15, 20, 24, 37, 50, 52, 55, 74, 22};
  for (std::size_t g = 0; g < candidate_counts.size(); ++g)
    EXPECT_EQ(c.grades[g].stats.count, candidate_counts[g]);
  EXPECT_EQ(grade(c, "R10").stats.defaults, 19U);
  EXPECT_NEAR(grade(c, "R10").stats.mean_pd, 0.18511954822511628, 1e-12);
  EXPECT_NEAR(grade(c, "R10").stats.binomial_p, 0.079263724174305189, 1e-10 * 0.079);
  EXPECT_NEAR(grade(c, "R10").stats.jeffreys_p, 0.060793569754373743, 1e-10 * 0.061);
  EXPECT_EQ(grade(c, "R10").light, TrafficLight::green);
  EXPECT_NEAR(grade(c, "R1").stats.jeffreys_p, 0.11731618809137434, 1e-10 * 0.12);
  EXPECT_EQ(grade(h, "R1").stats.count, 0U);
  EXPECT_EQ(grade(h, "R1").light, TrafficLight::none);
  EXPECT_EQ(grade(h, "R9").stats.defaults, 14U);
  EXPECT_NEAR(grade(h, "R9").stats.binomial_p, 0.011889458472355259, 1e-10 * 0.012);
  EXPECT_NEAR(grade(h, "R9").stats.jeffreys_p, 0.007741355938381737, 1e-10 * 0.0077);
  EXPECT_EQ(grade(h, "R9").light, TrafficLight::red);
  EXPECT_EQ(grade(h, "R8").light, TrafficLight::green);
  EXPECT_NEAR(c.portfolio.stats.mean_pd, 0.07311014051057832, 1e-12);
  EXPECT_NEAR(c.portfolio.stats.jeffreys_p, 0.099933329441688562, 1e-10 * 0.1);
  EXPECT_NEAR(c.portfolio.stats.binomial_p, 0.11668354243148751, 1e-10 * 0.12);
  EXPECT_EQ(c.portfolio.light, TrafficLight::green);
  EXPECT_NEAR(h.portfolio.stats.jeffreys_p, 0.0021421344576569648, 1e-10 * 0.0021);
  EXPECT_EQ(h.portfolio.light, TrafficLight::red);

  EXPECT_NEAR(c.concentration.hhi, 0.112875, 1e-12);
  EXPECT_NEAR(h.concentration.hhi, 0.14425000000000002, 1e-12);
  EXPECT_NEAR(c.concentration.hhi_normalised, (0.112875 - 1.0 / 11) / (1 - 1.0 / 11), 1e-12);
  EXPECT_EQ(h.concentration.largest_grade, "R9");
  EXPECT_NEAR(h.concentration.largest_share, 82.0 / 400, 1e-15);

  // sklearn's calibration_curve(strategy="quantile"): prob_true, prob_pred.
  const std::vector<double> cal_true{0,
                                     0,
                                     0,
                                     0.029411764705882353,
                                     0.047619047619047616,
                                     0.052631578947368418,
                                     0.10526315789473684,
                                     0.17499999999999999,
                                     0.20000000000000001,
                                     0.29999999999999999};
  const std::vector<double> cal_pred{
      0.0017058823529411775, 0.0062857142857142877, 0.012000000000000005, 0.019411764705882361,
      0.029333333333333343,  0.041184210526315788,  0.058421052631578943, 0.079750000000000001,
      0.11235000000000002,   0.19555000000000003};
  ASSERT_EQ(h.calibration_curve.size(), cal_true.size());
  for (std::size_t b = 0; b < cal_true.size(); ++b) {
    EXPECT_NEAR(h.calibration_curve[b].observed_rate, cal_true[b], 1e-12) << b;
    EXPECT_NEAR(h.calibration_curve[b].mean_pd, cal_pred[b], 1e-12) << b;
  }
  EXPECT_EQ(c.roc_curve.size(), 54U);
  EXPECT_EQ(h.roc_curve.size(), 107U);
}

TEST(ValidationReport, CalibrationCurveMatchesSklearnQuantileBins) {
  const Holdout h = make_holdout(400, 7);
  const std::vector<CalibrationBin> curve = calibration_curve(h.y, h.candidate, 10);
  const std::vector<double> cal_true{0,
                                     0,
                                     0,
                                     0,
                                     0,
                                     0.050000000000000003,
                                     0.125,
                                     0.050000000000000003,
                                     0.32500000000000001,
                                     0.34999999999999998};
  const std::vector<double> cal_pred{
      0.0005003301496630208, 0.0015725560431576954, 0.0065733314442396468, 0.014118401596609154,
      0.02620257636737864,   0.044057882388845684,  0.07543280008260636,   0.12407739009095045,
      0.17990781430436725,   0.2586583226379654};
  ASSERT_EQ(curve.size(), cal_true.size());
  std::size_t rows = 0;
  for (std::size_t b = 0; b < curve.size(); ++b) {
    EXPECT_NEAR(curve[b].observed_rate, cal_true[b], 1e-12) << b;
    EXPECT_NEAR(curve[b].mean_pd, cal_pred[b], 1e-12) << b;
    EXPECT_LE(curve[b].pd_from, curve[b].mean_pd);
    EXPECT_GE(curve[b].pd_to, curve[b].mean_pd);
    if (b > 0) {
      EXPECT_LT(curve[b - 1].pd_to, curve[b].pd_from);
    }
    rows += curve[b].count;
  }
  EXPECT_EQ(rows, 400U);
}

TEST(ValidationReport, RocCurveMatchesSklearnWithTiesAndItsAreaIsTheAuc) {
  // sklearn 1.2 roc_curve(y, s) with drop_intermediate=True.
  const std::vector<std::uint8_t> y{0, 0, 1, 1, 0, 1, 0, 1, 1, 0, 0, 0};
  const std::vector<double> s{0.1, 0.4, 0.35, 0.8, 0.4, 0.4, 0.2, 0.9, 0.1, 0.05, 0.3, 0.3};
  const std::vector<double> thr{1.9, 0.9, 0.8, 0.4, 0.35, 0.3, 0.2, 0.1, 0.05};
  const std::vector<double> fpr{0.0,
                                0.0,
                                0.0,
                                0.2857142857142857,
                                0.2857142857142857,
                                0.5714285714285714,
                                0.7142857142857143,
                                0.8571428571428571,
                                1.0};
  const std::vector<double> tpr{0.0, 0.2, 0.4, 0.6, 0.8, 0.8, 0.8, 1.0, 1.0};
  const std::vector<RocPoint> curve = roc_curve(y, s);
  ASSERT_EQ(curve.size(), thr.size());
  for (std::size_t i = 0; i < curve.size(); ++i) {
    EXPECT_NEAR(curve[i].threshold, thr[i], 1e-15) << i;
    EXPECT_NEAR(curve[i].fpr, fpr[i], 1e-15) << i;
    EXPECT_NEAR(curve[i].tpr, tpr[i], 1e-15) << i;
  }
  const Holdout h = make_holdout(400, 7);
  for (const auto* pd : {&h.candidate, &h.champion}) {
    const std::vector<RocPoint> roc = roc_curve(h.y, *pd);
    double area = 0.0;
    for (std::size_t i = 1; i < roc.size(); ++i) {
      EXPECT_GE(roc[i].fpr, roc[i - 1].fpr);
      EXPECT_GE(roc[i].tpr, roc[i - 1].tpr);
      area += (roc[i].fpr - roc[i - 1].fpr) * (roc[i].tpr + roc[i - 1].tpr) / 2;
    }
    EXPECT_EQ(roc.back().fpr, 1.0);
    EXPECT_EQ(roc.back().tpr, 1.0);
    EXPECT_NEAR(area, roc_auc(h.y, *pd), 1e-12);
  }
  EXPECT_THROW(roc_curve({0, 0, 0}, {0.1, 0.2, 0.3}), core::InvalidInput);
}

TEST(ValidationReport, HerfindahlIndexIsTheSumOfSquaredShares) {
  EXPECT_DOUBLE_EQ(herfindahl_index({5, 5, 5, 5}), 0.25);
  EXPECT_DOUBLE_EQ(herfindahl_index({0, 7, 0}), 1.0);
  EXPECT_DOUBLE_EQ(herfindahl_index({1, 3}), 0.625);
  EXPECT_THROW(herfindahl_index({0, 0}), core::InvalidInput);
}

TEST(ValidationReport, LightsFollowTheDocumentedThresholds) {
  EXPECT_EQ(jeffreys_light(0.05), TrafficLight::green);
  EXPECT_EQ(jeffreys_light(0.0499), TrafficLight::amber);
  EXPECT_EQ(jeffreys_light(0.01), TrafficLight::amber);
  EXPECT_EQ(jeffreys_light(0.0099), TrafficLight::red);
  EXPECT_EQ(psi_light(0.0999), TrafficLight::green);
  EXPECT_EQ(psi_light(0.10), TrafficLight::amber);
  EXPECT_EQ(psi_light(0.2499), TrafficLight::amber);
  EXPECT_EQ(psi_light(0.25), TrafficLight::red);
}

TEST(ValidationReport, VerdictIsWorseWhenTheModelsSwapAndUndecidedForEqualScores) {
  ValidationReportInput in = report_input(true);
  std::swap(in.candidate, *in.champion);
  in.candidate.pd_psi_edges.clear();
  in.candidate.pd_psi_shares.clear();
  const ValidationReport swapped = build_validation_report(in);
  EXPECT_EQ(swapped.comparison->verdict, AucVerdict::worse);
  EXPECT_NEAR(swapped.comparison->delong.z, -2.3491934721912235, 1e-9);
  EXPECT_EQ(swapped.to_json()["summary"]["auc_verdict"], "worse");

  in.candidate = *in.champion;
  in.candidate.model_version = "rf-0008";
  const ValidationReport same = build_validation_report(in);
  EXPECT_EQ(same.comparison->verdict, AucVerdict::not_significantly_different);
  EXPECT_EQ(same.comparison->delong.p_value, 1.0);
  EXPECT_NEAR(same.comparison->psi_candidate_vs_champion.psi, 0.0, 1e-15);
}

TEST(ValidationReport, WithoutAChampionReportsTheCandidateAlone) {
  const ValidationReport r = build_validation_report(report_input(false));
  EXPECT_FALSE(r.champion);
  EXPECT_FALSE(r.comparison);
  EXPECT_NEAR(r.candidate.auc.auc, 0.87110805860805862, 1e-12);
  const nlohmann::json j = r.to_json();
  EXPECT_TRUE(j["champion"].is_null());
  EXPECT_TRUE(j["comparison"].is_null());
  EXPECT_TRUE(j["metadata"]["champion_version"].is_null());
  EXPECT_EQ(j["summary"]["auc_verdict"], "no_champion");
  EXPECT_EQ(j["summary"]["candidate"]["grade_lights"]["green"], 11);
  std::vector<std::string> nulls;
  collect_nulls(j, "", nulls);
  EXPECT_EQ(nulls, (std::vector<std::string>{"/champion", "/comparison",
                                             "/metadata/champion_version", "/summary/champion"}));
  const std::string html = r.to_html();
  EXPECT_NE(html.find("no champion"), std::string::npos);
  EXPECT_EQ(html.find("Champion rf-"), std::string::npos);
  EXPECT_EQ(html.find("grades-champion"), std::string::npos);
  EXPECT_NE(html.find("grades-candidate"), std::string::npos);
}

TEST(ValidationReport, JsonHoldsEveryPartAndOnlyTheExpectedNulls) {
  const nlohmann::json j = build_validation_report(report_input(true)).to_json();
  EXPECT_EQ(j["report_format"], kValidationReportFormat);
  EXPECT_EQ(j["metadata"]["snapshot_id"], "snap-0042");
  EXPECT_EQ(j["metadata"]["split_seed"], 42);
  EXPECT_EQ(j["holdout"]["rows"], 400);
  EXPECT_EQ(j["comparison"]["auc_verdict"], "better");
  EXPECT_EQ(j["champion"]["grades"][8]["light"], "red");
  EXPECT_EQ(j["summary"]["champion"]["grade_lights"]["red"], 1);
  EXPECT_EQ(j["summary"]["champion"]["portfolio_light"], "red");
  EXPECT_EQ(j["candidate"]["roc_curve"]["fpr"].size(), 54U);
  EXPECT_EQ(j["feature_importances"]["top"][0]["feature"], "debt_ratio");
  EXPECT_TRUE(j["candidate"]["auc"]["auc"].is_number_float());
  std::vector<std::string> nulls;
  collect_nulls(j, "", nulls);
  EXPECT_EQ(nulls, (std::vector<std::string>{"/champion/psi_vs_training"}));
}

TEST(ValidationReport, JsonIsStableAndIdenticalInputsGiveIdenticalBytes) {
  const ValidationReport r = build_validation_report(report_input(true));
  const std::string first = r.to_json().dump();
  EXPECT_EQ(first, r.to_json().dump());
  EXPECT_EQ(r.to_html(), r.to_html());
  const ValidationReport again = build_validation_report(report_input(true));
  EXPECT_EQ(again.to_json().dump(), first);
  EXPECT_EQ(again.to_html(), r.to_html());
  // Keys come out sorted, so the bytes do not depend on the order fields were set in.
  const nlohmann::json j = r.to_json();
  std::vector<std::string> keys;
  for (const auto& item : j.items()) keys.push_back(item.key());
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
  // One label more gives other bytes.
  ValidationReportInput changed = report_input(true);
  changed.y[0] = static_cast<std::uint8_t>(1 - changed.y[0]);
  EXPECT_NE(build_validation_report(changed).to_json().dump(), first);
}

TEST(ValidationReport, HtmlEscapesHostileStrings) {
  ValidationReportInput in = report_input(true);
  const std::string hostile = "<script>alert(\"x\")</script>&'";
  const std::string escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;";
  in.candidate.model_version = hostile;
  in.champion->model_version = "\"><img src=x onerror=alert(1)>";
  in.metadata.snapshot_id = "<b>snap</b>";
  in.metadata.created_at = "2026-10-02T09:14:00Z<br>";
  in.candidate_importances["<i>feature</i>"] = 0.5;
  const std::string html = build_validation_report(in).to_html();
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("<b>snap"), std::string::npos);
  EXPECT_EQ(html.find("<br>"), std::string::npos);
  EXPECT_EQ(html.find("<i>feature"), std::string::npos);
  EXPECT_NE(html.find(escaped), std::string::npos);
  EXPECT_NE(html.find("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"), std::string::npos);
  EXPECT_NE(html.find("&lt;i&gt;feature&lt;/i&gt;"), std::string::npos);
  EXPECT_EQ(html_escape("a&b<c>d\"e'f"), "a&amp;b&lt;c&gt;d&quot;e&#39;f");
}

TEST(ValidationReport, HtmlIsOneSelfContainedAccessiblePage) {
  const std::string html = build_validation_report(report_input(true)).to_html();
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0U);
  EXPECT_NE(html.find("<html lang=\"en\">"), std::string::npos);
  for (const char* external : {"<script", "<link", "src=\"", "href=", "url(", "@import"}) {
    EXPECT_EQ(html.find(external), std::string::npos) << external;
  }
  // Three kinds of chart (ROC, calibration, one per model's grades), each titled for
  // assistive technology; every table has a caption and header cells.
  std::size_t svgs = 0;
  for (std::size_t at = html.find("<svg"); at != std::string::npos;
       at = html.find("<svg", at + 1)) {
    ++svgs;
    const std::size_t end = html.find('>', at);
    EXPECT_NE(html.substr(at, end - at).find("role=\"img\""), std::string::npos);
    EXPECT_NE(html.substr(at, end - at).find("aria-labelledby="), std::string::npos);
    EXPECT_EQ(html.compare(end + 1, 7, "<title "), 0);
  }
  EXPECT_EQ(svgs, 4U);
  std::size_t tables = 0;
  for (std::size_t at = html.find("<table>"); at != std::string::npos;
       at = html.find("<table>", at + 1)) {
    ++tables;
    EXPECT_EQ(html.compare(at + 7, 9, "<caption>"), 0);
  }
  EXPECT_EQ(tables, 7U);
  EXPECT_NE(html.find("<th scope=\"col\">Jeffreys p</th>"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"light red\">red</td>"), std::string::npos);
  EXPECT_NE(html.find("significantly higher than"), std::string::npos);
  for (const char* bad : {"nan", ">inf", " inf", "-inf"})
    EXPECT_EQ(html.find(bad), std::string::npos) << bad;
}

TEST(ValidationReport, TopImportancesAreTheTwentyLargestWithTiesByName) {
  ValidationReportInput in = report_input(false);
  in.candidate_importances.clear();
  for (int i = 0; i < 25; ++i)
    in.candidate_importances["f" + std::to_string(100 + i)] = (i % 5) * 0.1;
  const ValidationReport r = build_validation_report(in);
  EXPECT_EQ(r.importance_count, 25U);
  ASSERT_EQ(r.top_importances.size(), kReportTopImportances);
  EXPECT_EQ(r.top_importances[0].feature, "f104");
  EXPECT_EQ(r.top_importances[1].feature, "f109");
  EXPECT_EQ(r.top_importances[4].feature, "f124");
  EXPECT_EQ(r.top_importances[5].feature, "f103");
  for (std::size_t i = 1; i < r.top_importances.size(); ++i) {
    EXPECT_GE(r.top_importances[i - 1].importance, r.top_importances[i].importance);
  }
  EXPECT_EQ(r.top_importances.back().importance, 0.1);
}

TEST(ValidationReport, BuildsFromTrainedModelsTheirScoringsAndProfiles) {
  const Dataset train = test::synthetic_dataset(400, 1);
  const Dataset holdout = test::synthetic_dataset(200, 2);
  TrainParams params;
  params.n_trees = 12;
  const Model candidate = train_model(train, params, {1, {}, "snap-1"});
  params.n_trees = 3;
  params.seed = 7;
  const Model champion = train_model(train, params, {1, {}, "snap-0"});
  ValidationReportInput in;
  in.metadata = {"snap-1", 42, "2026-10-02T09:14:00Z"};
  in.y = holdout.y;
  in.candidate = report_model_input(candidate, "rf-0002", candidate.score_all(holdout));
  in.champion = report_model_input(champion, "rf-0001", champion.score_all(holdout));
  in.candidate_importances = feature_importances(candidate);
  EXPECT_EQ(in.candidate.pd_psi_edges, candidate.profile.pd_psi_edges);
  EXPECT_EQ(in.candidate.pd_psi_shares, candidate.profile.pd_psi_shares);
  ASSERT_EQ(in.candidate.pd.size(), 200U);
  EXPECT_EQ(in.candidate.grades[17], candidate.master_scale.grade(in.candidate.pd[17]));

  const ValidationReport r = build_validation_report(in);
  ASSERT_TRUE(r.candidate.psi_vs_training && r.champion->psi_vs_training);
  EXPECT_GE(r.candidate.psi_vs_training->psi, 0.0);
  EXPECT_NEAR(r.candidate.auc.auc, roc_auc(holdout.y, in.candidate.pd), 1e-15);
  EXPECT_GT(r.candidate.auc.auc, 0.8);  // risk rises with x0 and falls with x1
  EXPECT_LE(r.candidate.auc.ci95_lower, r.candidate.auc.auc);
  EXPECT_GE(r.candidate.auc.ci95_upper, r.candidate.auc.auc);
  // Impurity importances sum to 1 and the noise feature x2 ranks last.
  ASSERT_EQ(r.importance_count, 3U);
  EXPECT_NEAR(r.top_importances[0].importance + r.top_importances[1].importance +
                  r.top_importances[2].importance,
              1.0, 1e-9);
  EXPECT_EQ(r.top_importances[2].feature, "x2");
}

TEST(ValidationReport, RefusesInconsistentInputs) {
  EXPECT_EQ(code_of(report_input(true)), "no error");
  auto refused = [](auto&& change) {
    ValidationReportInput in = report_input(true);
    change(in);
    return code_of(in);
  };
  EXPECT_EQ(refused([](auto& in) { in.y.resize(9); }), "data_invalid");
  EXPECT_EQ(refused([](auto& in) { std::fill(in.y.begin(), in.y.end(), std::uint8_t{0}); }),
            "data_invalid");
  EXPECT_EQ(refused([](auto& in) { in.y[3] = 2; }), "data_invalid");
  EXPECT_EQ(refused([](auto& in) { in.champion->pd.pop_back(); }), "data_invalid");
  EXPECT_EQ(refused([](auto& in) { in.candidate.grades.pop_back(); }), "data_invalid");
  EXPECT_EQ(refused([](auto& in) { in.candidate.pd[5] = 1.5; }), "data_invalid");
  EXPECT_EQ(refused([](auto& in) { in.candidate.pd[5] = std::nan(""); }), "data_invalid");
  EXPECT_EQ(refused([](auto& in) {
              in.champion->grades[0] = in.champion->grades[0] == "R11" ? "R1" : "R11";
            }),
            "data_invalid");
  EXPECT_EQ(refused([](auto& in) { in.candidate.pd_psi_shares.pop_back(); }), "data_invalid");
  EXPECT_EQ(refused([](auto& in) { in.champion->model_version.clear(); }), "data_invalid");
  EXPECT_EQ(refused([](auto& in) { in.candidate_importances["x"] = std::nan(""); }),
            "data_invalid");
}

}  // namespace risklab::ml
