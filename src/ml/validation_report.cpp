#include "ml/validation_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <utility>

#include "core/error.hpp"
#include "ml/model.hpp"

namespace risklab::ml {
namespace {

// The 97.5 % standard normal quantile: a two-sided 95 % interval.
constexpr double kZ975 = 1.959963984540054;

[[noreturn]] void invalid(const std::string& message) {
  throw core::InvalidInput("data_invalid", message);
}

void check_labels(const std::vector<std::uint8_t>& y) {
  if (y.size() < kReportMinRows) {
    invalid("a validation report needs at least " + std::to_string(kReportMinRows) +
            " holdout rows, got " + std::to_string(y.size()));
  }
  std::size_t defaults = 0;
  for (std::size_t row = 0; row < y.size(); ++row) {
    if (y[row] > 1) invalid("holdout label " + std::to_string(row) + " is neither 0 nor 1");
    defaults += y[row];
  }
  if (defaults == 0 || defaults == y.size())
    invalid("the holdout needs both defaults and non-defaults");
}

void check_model(const ReportModelInput& model, std::size_t rows, const std::string& role) {
  if (model.model_version.empty()) invalid("the " + role + " has no model version");
  if (model.pd.size() != rows || model.grades.size() != rows) {
    invalid("the " + role + " has " + std::to_string(model.pd.size()) + " PDs and " +
            std::to_string(model.grades.size()) + " grades for " + std::to_string(rows) +
            " holdout rows");
  }
  for (std::size_t row = 0; row < rows; ++row) {
    const double pd = model.pd[row];
    if (!(pd >= 0.0 && pd <= 1.0))
      invalid("the " + role + "'s PD of row " + std::to_string(row) + " is not in [0, 1]");
    const std::string& expected = model.master_scale.grade(pd);
    if (model.grades[row] != expected) {
      invalid("the " + role + "'s grade of row " + std::to_string(row) + " is '" +
              model.grades[row] + "' but its master scale grades that PD '" + expected + "'");
    }
  }
  const bool no_bins = model.pd_psi_edges.empty() && model.pd_psi_shares.empty();
  if (!no_bins && model.pd_psi_shares.size() != model.pd_psi_edges.size() + 1) {
    invalid("the " + role + "'s PSI bins have " + std::to_string(model.pd_psi_edges.size()) +
            " edges but " + std::to_string(model.pd_psi_shares.size()) + " shares");
  }
}

GradeRow lit(GradeStats stats) {
  GradeRow row;
  row.light = stats.count == 0 ? TrafficLight::none : jeffreys_light(stats.jeffreys_p);
  row.stats = std::move(stats);
  return row;
}

ModelValidation validate_model(const std::vector<std::uint8_t>& y, const ReportModelInput& input) {
  const std::vector<double>& pd = input.pd;
  ModelValidation v;
  v.model_version = input.model_version;
  v.mean_pd = std::accumulate(pd.begin(), pd.end(), 0.0) / static_cast<double>(pd.size());
  const AucWithVariance auc = delong_auc(y, pd);
  const double half_width = kZ975 * std::sqrt(auc.variance);
  v.auc = {auc.auc, auc.variance, std::max(0.0, auc.auc - half_width),
           std::min(1.0, auc.auc + half_width)};
  v.gini = 2.0 * auc.auc - 1.0;
  v.ks = ks_statistic(y, pd);
  v.brier = brier_score(y, pd);
  v.log_loss = log_loss(y, pd);
  v.ece = expected_calibration_error(y, pd);
  v.hosmer_lemeshow = hosmer_lemeshow(y, pd);
  v.calibration_curve = calibration_curve(y, pd, kCalibrationCurveBins);
  v.roc_curve = roc_curve(y, pd);

  std::vector<std::size_t> counts;
  for (GradeStats& stats : grade_report(y, pd, input.master_scale)) {
    counts.push_back(stats.count);
    v.grades.push_back(lit(std::move(stats)));
  }

  GradeStats all;
  all.grade = "all";
  all.count = y.size();
  all.defaults = static_cast<std::size_t>(std::count(y.begin(), y.end(), std::uint8_t{1}));
  all.mean_pd = v.mean_pd;
  all.observed_rate = static_cast<double>(all.defaults) / static_cast<double>(all.count);
  all.binomial_p = binomial_p_value(all.count, all.defaults, all.mean_pd);
  all.jeffreys_p = jeffreys_p_value(all.count, all.defaults, all.mean_pd);
  v.portfolio = lit(std::move(all));

  GradeConcentration& c = v.concentration;
  c.hhi = herfindahl_index(counts);
  const double k = static_cast<double>(counts.size());
  c.hhi_normalised = (c.hhi - 1.0 / k) / (1.0 - 1.0 / k);
  const auto largest = std::max_element(counts.begin(), counts.end());
  c.largest_grade = v.grades[static_cast<std::size_t>(largest - counts.begin())].stats.grade;
  c.largest_share = static_cast<double>(*largest) / static_cast<double>(y.size());

  if (!input.pd_psi_shares.empty()) {
    const double value = psi(input.pd_psi_shares, bin_shares(pd, input.pd_psi_edges));
    v.psi_vs_training = PsiValue{value, psi_light(value)};
  }
  return v;
}

ChampionComparison compare(const std::vector<std::uint8_t>& y, const ReportModelInput& candidate,
                           const ModelValidation& cand, const ReportModelInput& champion,
                           const ModelValidation& champ) {
  ChampionComparison c;
  c.delong = delong_test(y, candidate.pd, champion.pd);
  c.auc_difference = c.delong.auc_a - c.delong.auc_b;
  if (c.delong.p_value < kReportSignificance && c.auc_difference != 0.0) {
    c.verdict = c.auc_difference > 0.0 ? AucVerdict::better : AucVerdict::worse;
  }
  c.brier_difference = cand.brier - champ.brier;
  c.log_loss_difference = cand.log_loss - champ.log_loss;
  c.ece_difference = cand.ece - champ.ece;
  const std::vector<double> edges = quantile_edges(champion.pd, 10);
  const double value = psi(bin_shares(champion.pd, edges), bin_shares(candidate.pd, edges));
  c.psi_candidate_vs_champion = {value, psi_light(value)};
  return c;
}

// ---- JSON -------------------------------------------------------------------------------

nlohmann::json grade_json(const GradeRow& row) {
  const GradeStats& g = row.stats;
  return {{"grade", g.grade},
          {"count", g.count},
          {"defaults", g.defaults},
          {"mean_pd", g.mean_pd},
          {"observed_default_rate", g.observed_rate},
          {"binomial_p", g.binomial_p},
          {"jeffreys_p", g.jeffreys_p},
          {"light", to_string(row.light)}};
}

nlohmann::json psi_json(const PsiValue& value) {
  return {{"psi", value.psi}, {"light", to_string(value.light)}};
}

nlohmann::json model_json(const ModelValidation& m) {
  nlohmann::json out;
  out["model_version"] = m.model_version;
  out["mean_pd"] = m.mean_pd;
  out["auc"] = {{"auc", m.auc.auc},
                {"delong_variance", m.auc.variance},
                {"ci95_lower", m.auc.ci95_lower},
                {"ci95_upper", m.auc.ci95_upper}};
  out["gini"] = m.gini;
  out["ks"] = m.ks;
  out["brier"] = m.brier;
  out["log_loss"] = m.log_loss;
  out["ece"] = m.ece;
  out["hosmer_lemeshow"] = {{"statistic", m.hosmer_lemeshow.statistic},
                            {"df", m.hosmer_lemeshow.df},
                            {"p_value", m.hosmer_lemeshow.p_value},
                            {"rejected", m.hosmer_lemeshow.p_value < kReportSignificance}};
  nlohmann::json calibration = nlohmann::json::array();
  for (const CalibrationBin& bin : m.calibration_curve) {
    calibration.push_back({{"pd_from", bin.pd_from},
                           {"pd_to", bin.pd_to},
                           {"count", bin.count},
                           {"defaults", bin.defaults},
                           {"mean_pd", bin.mean_pd},
                           {"observed_default_rate", bin.observed_rate}});
  }
  out["calibration_curve"] = calibration;
  nlohmann::json threshold = nlohmann::json::array();
  nlohmann::json fpr = nlohmann::json::array();
  nlohmann::json tpr = nlohmann::json::array();
  for (const RocPoint& p : m.roc_curve) {
    threshold.push_back(p.threshold);
    fpr.push_back(p.fpr);
    tpr.push_back(p.tpr);
  }
  out["roc_curve"] = {{"threshold", threshold}, {"fpr", fpr}, {"tpr", tpr}};
  nlohmann::json grades = nlohmann::json::array();
  for (const GradeRow& row : m.grades) grades.push_back(grade_json(row));
  out["grades"] = grades;
  out["portfolio"] = grade_json(m.portfolio);
  out["grade_concentration"] = {{"hhi", m.concentration.hhi},
                                {"hhi_normalised", m.concentration.hhi_normalised},
                                {"largest_grade", m.concentration.largest_grade},
                                {"largest_share", m.concentration.largest_share}};
  out["psi_vs_training"] =
      m.psi_vs_training ? psi_json(*m.psi_vs_training) : nlohmann::json(nullptr);
  return out;
}

nlohmann::json light_counts(const ModelValidation& m) {
  std::map<std::string, std::size_t> counts{{"green", 0}, {"amber", 0}, {"red", 0}};
  for (const GradeRow& row : m.grades) {
    if (row.light != TrafficLight::none) ++counts[to_string(row.light)];
  }
  return counts;
}

nlohmann::json model_summary(const ModelValidation& m) {
  return {
      {"grade_lights", light_counts(m)},
      {"portfolio_light", to_string(m.portfolio.light)},
      {"hosmer_lemeshow_rejected", m.hosmer_lemeshow.p_value < kReportSignificance},
      {"psi_vs_training_light", m.psi_vs_training ? to_string(m.psi_vs_training->light) : "none"}};
}

// ---- HTML -------------------------------------------------------------------------------

std::string fixed(double value, int digits) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", digits, value);
  return buffer;
}

// Two decimals, three below 1 % so the best grades (0.03 % to 0.05 %) stay distinct.
std::string percent(double value) {
  return fixed(100.0 * value, 100.0 * value < 1.0 ? 3 : 2) + "&#8202;%";
}

std::string p_value(double p) {
  if (p != 0.0 && p < 1e-4) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.2e", p);
    return buffer;
  }
  return fixed(p, 4);
}

std::string light_cell(TrafficLight light) {
  return std::string("<td class=\"light ") + to_string(light) + "\">" + to_string(light) + "</td>";
}

const char* verdict_text(AucVerdict verdict) {
  switch (verdict) {
    case AucVerdict::better:
      return "significantly higher than";
    case AucVerdict::worse:
      return "significantly lower than";
    case AucVerdict::not_significantly_different:
      return "not significantly different from";
  }
  return "";
}

constexpr const char* kStyle = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;color:#1a1a1a;background:#fff;margin:0}
main{max-width:72rem;margin:0 auto;padding:1.5rem}
h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.8rem 0;font-variant-numeric:tabular-nums}
caption{text-align:left;font-weight:600;padding:.3rem 0}
th,td{border:1px solid #bbb;padding:.25rem .5rem;text-align:right}
th{background:#f0f0f0}th[scope=row],td.text{text-align:left}
td.light{font-weight:600;text-align:center}
td.green{background:#d7f0d7;color:#14521a}td.amber{background:#fde9c4;color:#6b4500}
td.red{background:#f8d0d0;color:#7a0f0f}td.none{color:#666}
figure{margin:1rem 0}figcaption{font-size:.9rem;color:#333}
svg{max-width:100%;height:auto;font-size:11px}
.note{color:#444;font-size:.9rem}
.bar{display:inline-block;height:.7rem;background:#3465a4}
)";

// Plot geometry shared by the charts.
struct Frame {
  double width;
  double height;
  double left = 56.0;
  double right = 16.0;
  double top = 16.0;
  double bottom = 44.0;
  double plot_w() const { return width - left - right; }
  double plot_h() const { return height - top - bottom; }
  double x(double u) const { return left + u * plot_w(); }
  double y(double v) const { return top + (1.0 - v) * plot_h(); }
};

std::string xy(double x, double y) { return fixed(x, 2) + "," + fixed(y, 2); }

std::string svg_open(const Frame& f, const std::string& id, const std::string& title,
                     const std::string& desc) {
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" viewBox=\"0 0 " +
         fixed(f.width, 0) + " " + fixed(f.height, 0) + "\" width=\"" + fixed(f.width, 0) +
         "\" height=\"" + fixed(f.height, 0) + "\" aria-labelledby=\"" + id + "-title " + id +
         "-desc\"><title id=\"" + id + "-title\">" + html_escape(title) + "</title><desc id=\"" +
         id + "-desc\">" + html_escape(desc) + "</desc>" + "<rect x=\"" + fixed(f.left, 2) +
         "\" y=\"" + fixed(f.top, 2) + "\" width=\"" + fixed(f.plot_w(), 2) + "\" height=\"" +
         fixed(f.plot_h(), 2) + "\" fill=\"#fafafa\" stroke=\"#888\"/>";
}

// Ticks at `values` (axis fractions) labelled `labels`, with the axis names.
std::string axes(const Frame& f, const std::vector<std::pair<double, std::string>>& x_ticks,
                 const std::vector<std::pair<double, std::string>>& y_ticks,
                 const std::string& x_name, const std::string& y_name) {
  std::string out;
  for (const auto& [u, label] : x_ticks) {
    out += "<line x1=\"" + fixed(f.x(u), 2) + "\" y1=\"" + fixed(f.y(0), 2) + "\" x2=\"" +
           fixed(f.x(u), 2) + "\" y2=\"" + fixed(f.y(0) + 4, 2) + "\" stroke=\"#888\"/><text x=\"" +
           fixed(f.x(u), 2) + "\" y=\"" + fixed(f.y(0) + 16, 2) + "\" text-anchor=\"middle\">" +
           html_escape(label) + "</text>";
  }
  for (const auto& [v, label] : y_ticks) {
    out += "<line x1=\"" + fixed(f.x(0) - 4, 2) + "\" y1=\"" + fixed(f.y(v), 2) + "\" x2=\"" +
           fixed(f.x(0), 2) + "\" y2=\"" + fixed(f.y(v), 2) + "\" stroke=\"#888\"/><text x=\"" +
           fixed(f.x(0) - 6, 2) + "\" y=\"" + fixed(f.y(v) + 4, 2) + "\" text-anchor=\"end\">" +
           html_escape(label) + "</text>";
  }
  out += "<text x=\"" + fixed(f.x(0.5), 2) + "\" y=\"" + fixed(f.height - 8, 2) +
         "\" text-anchor=\"middle\">" + html_escape(x_name) + "</text>";
  out += "<text transform=\"translate(14," + fixed(f.y(0.5), 2) +
         ") rotate(-90)\" text-anchor=\"middle\">" + html_escape(y_name) + "</text>";
  return out;
}

std::string legend(const Frame& f,
                   const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string out;
  double y = f.top + 14;
  for (const auto& [label, style] : entries) {
    out += "<line x1=\"" + fixed(f.x(0) + 10, 2) + "\" y1=\"" + fixed(y - 4, 2) + "\" x2=\"" +
           fixed(f.x(0) + 34, 2) + "\" y2=\"" + fixed(y - 4, 2) + "\" " + style + "/><text x=\"" +
           fixed(f.x(0) + 40, 2) + "\" y=\"" + fixed(y, 2) + "\">" + html_escape(label) + "</text>";
    y += 16;
  }
  return out;
}

constexpr const char* kCandidateStroke = "stroke=\"#1f5fa8\" stroke-width=\"2\" fill=\"none\"";
constexpr const char* kChampionStroke =
    "stroke=\"#c45a00\" stroke-width=\"2\" stroke-dasharray=\"6 3\" fill=\"none\"";

std::vector<std::pair<double, std::string>> linear_ticks(double axis_max) {
  std::vector<std::pair<double, std::string>> ticks;
  for (int i = 0; i <= 5; ++i) {
    const double value = axis_max * i / 5.0;
    ticks.emplace_back(
        i / 5.0, axis_max <= 0.05 ? fixed(100 * value, 1) + " %" : fixed(100 * value, 0) + " %");
  }
  return ticks;
}

std::string roc_chart(const ValidationReport& r) {
  const Frame f{420, 420};
  std::string desc = "ROC curve of the candidate " + r.candidate.model_version + " (AUC " +
                     fixed(r.candidate.auc.auc, 4) + ")";
  if (r.champion)
    desc += " and of the champion " + r.champion->model_version + " (AUC " +
            fixed(r.champion->auc.auc, 4) + ")";
  desc += "; false positive rate on the horizontal axis, true positive rate on the vertical axis.";
  std::string out = svg_open(f, "roc", "ROC curves", desc);
  std::vector<std::pair<double, std::string>> ticks;
  for (int i = 0; i <= 5; ++i) ticks.emplace_back(i / 5.0, fixed(i / 5.0, 1));
  out += axes(f, ticks, ticks, "false positive rate", "true positive rate");
  out += "<line x1=\"" + fixed(f.x(0), 2) + "\" y1=\"" + fixed(f.y(0), 2) + "\" x2=\"" +
         fixed(f.x(1), 2) + "\" y2=\"" + fixed(f.y(1), 2) +
         "\" stroke=\"#aaa\" stroke-dasharray=\"2 3\"/>";
  auto line = [&](const ModelValidation& m, const char* style) {
    std::string points;
    for (const RocPoint& p : m.roc_curve)
      points += (points.empty() ? "" : " ") + xy(f.x(p.fpr), f.y(p.tpr));
    return "<polyline points=\"" + points + "\" " + style + "/>";
  };
  out += line(r.candidate, kCandidateStroke);
  std::vector<std::pair<std::string, std::string>> entries{
      {"candidate " + r.candidate.model_version, kCandidateStroke}};
  if (r.champion) {
    out += line(*r.champion, kChampionStroke);
    entries.emplace_back("champion " + r.champion->model_version, kChampionStroke);
  }
  // The legend sits bottom right, where ROC curves do not go.
  Frame legend_frame = f;
  legend_frame.top = f.y(0) - 16.0 * static_cast<double>(entries.size()) - 8;
  legend_frame.left = f.x(0.35);
  out += legend(legend_frame, entries);
  return out + "</svg>";
}

// The smallest of 1, 2, 5 × 10^k at or above `value` (at least 0.001).
double nice_ceiling(double value) {
  for (double scale = 0.001; scale < 10; scale *= 10) {
    for (double step : {1.0, 2.0, 5.0}) {
      if (step * scale >= value * (1 - 1e-12)) return std::min(1.0, step * scale);
    }
  }
  return 1.0;
}

std::string calibration_chart(const ValidationReport& r) {
  const Frame f{420, 420};
  double top = 0.0;
  std::vector<const ModelValidation*> models{&r.candidate};
  if (r.champion) models.push_back(&*r.champion);
  for (const ModelValidation* m : models) {
    for (const CalibrationBin& bin : m->calibration_curve)
      top = std::max({top, bin.mean_pd, bin.observed_rate});
  }
  const double axis_max = nice_ceiling(top);
  std::string out =
      svg_open(f, "calibration", "Calibration curves",
               "Observed default rate against mean PD in " + std::to_string(kCalibrationCurveBins) +
                   " quantile bins of each model's PDs; points on the diagonal are calibrated. "
                   "Both axes run from 0 to " +
                   fixed(100 * axis_max, 1) + " %.");
  out += axes(f, linear_ticks(axis_max), linear_ticks(axis_max), "mean PD in bin",
              "observed default rate");
  out += "<line x1=\"" + fixed(f.x(0), 2) + "\" y1=\"" + fixed(f.y(0), 2) + "\" x2=\"" +
         fixed(f.x(1), 2) + "\" y2=\"" + fixed(f.y(1), 2) +
         "\" stroke=\"#aaa\" stroke-dasharray=\"2 3\"/>";
  std::vector<std::pair<std::string, std::string>> entries;
  for (std::size_t i = 0; i < models.size(); ++i) {
    const char* style = i == 0 ? kCandidateStroke : kChampionStroke;
    const char* colour = i == 0 ? "#1f5fa8" : "#c45a00";
    std::string points;
    std::string marks;
    for (const CalibrationBin& bin : models[i]->calibration_curve) {
      const double x = f.x(bin.mean_pd / axis_max);
      const double y = f.y(bin.observed_rate / axis_max);
      points += (points.empty() ? "" : " ") + xy(x, y);
      marks += "<circle cx=\"" + fixed(x, 2) + "\" cy=\"" + fixed(y, 2) + "\" r=\"3\" fill=\"" +
               colour + "\"><title>" + "mean PD " + percent(bin.mean_pd) + ", observed " +
               percent(bin.observed_rate) + ", " + std::to_string(bin.count) +
               " rows</title></circle>";
    }
    out += "<polyline points=\"" + points + "\" " + style + "/>" + marks;
    entries.emplace_back((i == 0 ? "candidate " : "champion ") + models[i]->model_version, style);
  }
  return out + legend(f, entries) + "</svg>";
}

// Per-grade bars on a log axis from 10^-4 to 1: mean PD and observed default rate.
std::string grade_chart(const ModelValidation& m, const std::string& id) {
  const double width = std::max(420.0, 60.0 + 44.0 * static_cast<double>(m.grades.size()));
  const Frame f{width, 320};
  constexpr double kDecades = 4.0;
  auto level = [&](double rate) {
    return rate <= 1e-4 ? 0.0 : std::min(1.0, (std::log10(rate) + kDecades) / kDecades);
  };
  std::string out = svg_open(
      f, id, "Observed default rate and mean PD per grade, " + m.model_version,
      "For each grade of the master scale, a blue bar for the mean PD and an orange bar for the "
      "observed default rate, on a logarithmic axis from 0.01 % to 100 %; "
      "a grade without rows has no bars, a grade without defaults an orange 0.");
  std::vector<std::pair<double, std::string>> y_ticks{
      {0.0, "0.01 %"}, {0.25, "0.1 %"}, {0.5, "1 %"}, {0.75, "10 %"}, {1.0, "100 %"}};
  std::vector<std::pair<double, std::string>> x_ticks;
  const double slot = 1.0 / static_cast<double>(m.grades.size());
  for (std::size_t g = 0; g < m.grades.size(); ++g) {
    const GradeStats& s = m.grades[g].stats;
    const double centre = (static_cast<double>(g) + 0.5) * slot;
    x_ticks.emplace_back(centre, s.grade);
    if (s.count == 0) continue;
    const double bar = f.plot_w() * slot * 0.36;
    auto rect = [&](double x, double rate, const char* fill, const std::string& label) {
      const double top = f.y(level(rate));
      return "<rect x=\"" + fixed(x, 2) + "\" y=\"" + fixed(top, 2) + "\" width=\"" +
             fixed(bar, 2) + "\" height=\"" + fixed(f.y(0) - top, 2) + "\" fill=\"" + fill +
             "\"><title>" + html_escape(s.grade) + ": " + label + "</title></rect>";
    };
    const double x = f.x(centre);
    out += rect(x - bar, s.mean_pd, "#1f5fa8", "mean PD " + percent(s.mean_pd));
    if (s.defaults == 0) {
      out += "<text x=\"" + fixed(x + bar / 2, 2) + "\" y=\"" + fixed(f.y(0) - 4, 2) +
             "\" text-anchor=\"middle\" fill=\"#c45a00\">0</text>";
    } else {
      out +=
          rect(x, s.observed_rate, "#e07b1f", "observed default rate " + percent(s.observed_rate));
    }
  }
  out += axes(f, x_ticks, y_ticks, "grade", "rate (log scale)");
  out += legend(f, {{"mean PD", "stroke=\"#1f5fa8\" stroke-width=\"8\""},
                    {"observed default rate", "stroke=\"#e07b1f\" stroke-width=\"8\""}});
  return out + "</svg>";
}

struct Page {
  std::string html;
  Page& operator<<(const std::string& text) {
    html += text;
    return *this;
  }
};

std::string row_header(const std::string& label) { return "<th scope=\"row\">" + label + "</th>"; }

std::string metrics_table(const ValidationReport& r) {
  std::vector<const ModelValidation*> models{&r.candidate};
  if (r.champion) models.push_back(&*r.champion);
  std::string out =
      "<table><caption>Discrimination and calibration on the holdout</caption><thead><tr>"
      "<th scope=\"col\">statistic</th><th scope=\"col\">candidate " +
      html_escape(r.candidate.model_version) + "</th>";
  if (r.champion)
    out += "<th scope=\"col\">champion " + html_escape(r.champion->model_version) + "</th>";
  out += "</tr></thead><tbody>";
  auto add = [&](const std::string& label, auto&& cell) {
    out += "<tr>" + row_header(label);
    for (const ModelValidation* m : models) out += "<td>" + cell(*m) + "</td>";
    out += "</tr>";
  };
  add("AUC", [](const ModelValidation& m) { return fixed(m.auc.auc, 4); });
  add("AUC 95&#8202;% CI (DeLong)", [](const ModelValidation& m) {
    return "[" + fixed(m.auc.ci95_lower, 4) + ", " + fixed(m.auc.ci95_upper, 4) + "]";
  });
  add("Gini", [](const ModelValidation& m) { return fixed(m.gini, 4); });
  add("KS", [](const ModelValidation& m) { return fixed(m.ks, 4); });
  add("Brier score", [](const ModelValidation& m) { return fixed(m.brier, 5); });
  add("log loss", [](const ModelValidation& m) { return fixed(m.log_loss, 5); });
  add("ECE (10 equal-width bins)", [](const ModelValidation& m) { return fixed(m.ece, 5); });
  add("mean PD", [](const ModelValidation& m) { return percent(m.mean_pd); });
  add("Hosmer&#8211;Lemeshow statistic (df)", [](const ModelValidation& m) {
    return fixed(m.hosmer_lemeshow.statistic, 3) + " (" + std::to_string(m.hosmer_lemeshow.df) +
           ")";
  });
  add("Hosmer&#8211;Lemeshow p",
      [](const ModelValidation& m) { return p_value(m.hosmer_lemeshow.p_value); });
  add("grade concentration HHI",
      [](const ModelValidation& m) { return fixed(m.concentration.hhi, 4); });
  add("HHI normalised",
      [](const ModelValidation& m) { return fixed(m.concentration.hhi_normalised, 4); });
  add("largest grade (share)", [](const ModelValidation& m) {
    return html_escape(m.concentration.largest_grade) + " (" +
           percent(m.concentration.largest_share) + ")";
  });
  add("PSI of the PDs against training", [](const ModelValidation& m) {
    return m.psi_vs_training
               ? fixed(m.psi_vs_training->psi, 4) + " (" + to_string(m.psi_vs_training->light) + ")"
               : std::string("not available");
  });
  return out + "</tbody></table>";
}

std::string grade_table(const ModelValidation& m, const std::string& role) {
  std::string out =
      "<table><caption>Back-test per grade, " + role + " " + html_escape(m.model_version) +
      "</caption><thead><tr><th scope=\"col\">grade</th><th scope=\"col\">rows</th>"
      "<th scope=\"col\">defaults</th><th scope=\"col\">mean PD</th>"
      "<th scope=\"col\">observed default rate</th><th scope=\"col\">binomial p</th>"
      "<th scope=\"col\">Jeffreys p</th><th scope=\"col\">light</th></tr></thead><tbody>";
  auto row = [&](const GradeRow& r) {
    const GradeStats& s = r.stats;
    out += "<tr>" + row_header(html_escape(s.grade)) + "<td>" + std::to_string(s.count) +
           "</td><td>" + std::to_string(s.defaults) + "</td>";
    if (s.count == 0) {
      out += "<td>&#8211;</td><td>&#8211;</td><td>&#8211;</td><td>&#8211;</td>";
    } else {
      out += "<td>" + percent(s.mean_pd) + "</td><td>" + percent(s.observed_rate) + "</td><td>" +
             p_value(s.binomial_p) + "</td><td>" + p_value(s.jeffreys_p) + "</td>";
    }
    out += light_cell(r.light) + "</tr>";
  };
  for (const GradeRow& r : m.grades) row(r);
  out += "</tbody><tfoot>";
  row(m.portfolio);
  return out + "</tfoot></table>";
}

std::string calibration_table(const ModelValidation& m, const std::string& role) {
  std::string out =
      "<table><caption>Calibration curve, " + role + " " + html_escape(m.model_version) +
      "</caption><thead><tr><th scope=\"col\">PD from</th><th scope=\"col\">PD to</th>"
      "<th scope=\"col\">rows</th><th scope=\"col\">defaults</th><th scope=\"col\">mean PD</th>"
      "<th scope=\"col\">observed default rate</th></tr></thead><tbody>";
  for (const CalibrationBin& bin : m.calibration_curve) {
    out += "<tr><td>" + percent(bin.pd_from) + "</td><td>" + percent(bin.pd_to) + "</td><td>" +
           std::to_string(bin.count) + "</td><td>" + std::to_string(bin.defaults) + "</td><td>" +
           percent(bin.mean_pd) + "</td><td>" + percent(bin.observed_rate) + "</td></tr>";
  }
  return out + "</tbody></table>";
}

std::string light_summary(const ModelValidation& m) {
  std::size_t green = 0;
  std::size_t amber = 0;
  std::size_t red = 0;
  for (const GradeRow& row : m.grades) {
    green += row.light == TrafficLight::green;
    amber += row.light == TrafficLight::amber;
    red += row.light == TrafficLight::red;
  }
  std::string out =
      "grades green " + std::to_string(green) + ", amber " + std::to_string(amber) + ", red " +
      std::to_string(red) + "; whole holdout " + to_string(m.portfolio.light) + " (Jeffreys p " +
      p_value(m.portfolio.stats.jeffreys_p) + "); Hosmer&#8211;Lemeshow p " +
      p_value(m.hosmer_lemeshow.p_value) +
      (m.hosmer_lemeshow.p_value < kReportSignificance ? " (rejects calibration at 5&#8202;%)"
                                                       : "");
  if (m.psi_vs_training) {
    out += "; PSI against training " + fixed(m.psi_vs_training->psi, 4) + " (" +
           to_string(m.psi_vs_training->light) + ")";
  }
  return out;
}

}  // namespace

const char* to_string(TrafficLight light) {
  switch (light) {
    case TrafficLight::none:
      return "none";
    case TrafficLight::green:
      return "green";
    case TrafficLight::amber:
      return "amber";
    case TrafficLight::red:
      return "red";
  }
  return "none";
}

const char* to_string(AucVerdict verdict) {
  switch (verdict) {
    case AucVerdict::better:
      return "better";
    case AucVerdict::worse:
      return "worse";
    case AucVerdict::not_significantly_different:
      return "not_significantly_different";
  }
  return "not_significantly_different";
}

TrafficLight jeffreys_light(double jeffreys_p) {
  if (jeffreys_p < kJeffreysRedBelow) return TrafficLight::red;
  if (jeffreys_p < kJeffreysAmberBelow) return TrafficLight::amber;
  return TrafficLight::green;
}

TrafficLight psi_light(double value) {
  if (value >= kPsiRedFrom) return TrafficLight::red;
  if (value >= kPsiAmberFrom) return TrafficLight::amber;
  return TrafficLight::green;
}

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += ch;
    }
  }
  return out;
}

ReportModelInput report_model_input(const Model& model, std::string model_version,
                                    const std::vector<Scoring>& scored) {
  ReportModelInput input;
  input.model_version = std::move(model_version);
  input.pd.reserve(scored.size());
  input.grades.reserve(scored.size());
  for (const Scoring& s : scored) {
    input.pd.push_back(s.pd);
    input.grades.push_back(s.grade);
  }
  input.master_scale = model.master_scale;
  input.pd_psi_edges = model.profile.pd_psi_edges;
  input.pd_psi_shares = model.profile.pd_psi_shares;
  return input;
}

std::map<std::string, double> feature_importances(const Model& model) {
  std::map<std::string, double> out;
  if (model.is_gbdt()) return out;
  const std::vector<double>& importances = model.forest.feature_importances();
  for (std::size_t col = 0; col < importances.size() && col < model.features.size(); ++col) {
    out[model.features[col]] = importances[col];
  }
  return out;
}

ValidationReport build_validation_report(const ValidationReportInput& input) {
  check_labels(input.y);
  check_model(input.candidate, input.y.size(), "candidate");
  if (input.champion) check_model(*input.champion, input.y.size(), "champion");
  for (const auto& [feature, importance] : input.candidate_importances) {
    if (!std::isfinite(importance))
      invalid("the importance of feature '" + feature + "' is not finite");
  }

  ValidationReport report;
  report.metadata = input.metadata;
  report.holdout_rows = input.y.size();
  report.holdout_defaults =
      static_cast<std::size_t>(std::count(input.y.begin(), input.y.end(), std::uint8_t{1}));
  report.candidate = validate_model(input.y, input.candidate);
  if (input.champion) {
    report.champion = validate_model(input.y, *input.champion);
    report.comparison =
        compare(input.y, input.candidate, report.candidate, *input.champion, *report.champion);
  }
  for (const auto& [feature, importance] : input.candidate_importances) {
    report.top_importances.push_back({feature, importance});
  }
  // The map is ordered by name, so a stable sort by value leaves ties by name.
  std::stable_sort(report.top_importances.begin(), report.top_importances.end(),
                   [](const FeatureImportance& a, const FeatureImportance& b) {
                     return a.importance > b.importance;
                   });
  report.importance_count = report.top_importances.size();
  if (report.top_importances.size() > kReportTopImportances)
    report.top_importances.resize(kReportTopImportances);
  return report;
}

nlohmann::json ValidationReport::to_json() const {
  nlohmann::json out;
  out["report_format"] = kValidationReportFormat;
  out["metadata"] = {{"snapshot_id", metadata.snapshot_id},
                     {"split_seed", metadata.split_seed},
                     {"created_at", metadata.created_at},
                     {"candidate_version", candidate.model_version},
                     {"champion_version", champion ? nlohmann::json(champion->model_version)
                                                   : nlohmann::json(nullptr)}};
  out["holdout"] = {
      {"rows", holdout_rows},
      {"defaults", holdout_defaults},
      {"default_rate", static_cast<double>(holdout_defaults) / static_cast<double>(holdout_rows)}};
  out["thresholds"] = {{"jeffreys_amber_below", kJeffreysAmberBelow},
                       {"jeffreys_red_below", kJeffreysRedBelow},
                       {"psi_amber_from", kPsiAmberFrom},
                       {"psi_red_from", kPsiRedFrom},
                       {"significance", kReportSignificance},
                       {"auc_ci_level", 0.95},
                       {"calibration_curve_quantile_bins", kCalibrationCurveBins},
                       {"ece_equal_width_bins", 10},
                       {"hosmer_lemeshow_groups", 10},
                       {"psi_bins", 10}};
  out["candidate"] = model_json(candidate);
  out["champion"] = champion ? model_json(*champion) : nlohmann::json(nullptr);
  nlohmann::json summary;
  summary["candidate"] = model_summary(candidate);
  summary["champion"] = champion ? model_summary(*champion) : nlohmann::json(nullptr);
  if (comparison) {
    const ChampionComparison& c = *comparison;
    out["comparison"] = {{"auc_candidate", c.delong.auc_a},
                         {"auc_champion", c.delong.auc_b},
                         {"auc_difference", c.auc_difference},
                         {"delong_z", c.delong.z},
                         {"delong_p", c.delong.p_value},
                         {"auc_verdict", to_string(c.verdict)},
                         {"brier_difference", c.brier_difference},
                         {"log_loss_difference", c.log_loss_difference},
                         {"ece_difference", c.ece_difference},
                         {"psi_candidate_vs_champion", psi_json(c.psi_candidate_vs_champion)}};
    summary["auc_verdict"] = to_string(c.verdict);
    summary["psi_candidate_vs_champion_light"] = to_string(c.psi_candidate_vs_champion.light);
  } else {
    out["comparison"] = nullptr;
    summary["auc_verdict"] = "no_champion";
    summary["psi_candidate_vs_champion_light"] = "none";
  }
  out["summary"] = summary;
  nlohmann::json top = nlohmann::json::array();
  for (const FeatureImportance& f : top_importances)
    top.push_back({{"feature", f.feature}, {"importance", f.importance}});
  out["feature_importances"] = {{"count", importance_count}, {"top", top}};
  return out;
}

std::string ValidationReport::to_html() const {
  const std::string cand = html_escape(candidate.model_version);
  const std::string champ = champion ? html_escape(champion->model_version) : std::string();
  Page page;
  page << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
       << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
       << "<title>Validation report: " << cand
       << (champion ? " against " + champ : std::string(" (no champion)")) << "</title><style>"
       << kStyle << "</style></head><body><main>\n";
  page << "<h1>Validation report</h1><p>Candidate <strong>" << cand << "</strong> "
       << (champion ? "against champion <strong>" + champ + "</strong>"
                    : std::string("(no champion yet)"))
       << " on one holdout of " << std::to_string(holdout_rows) << " rows with "
       << std::to_string(holdout_defaults) << " defaults ("
       << percent(static_cast<double>(holdout_defaults) / static_cast<double>(holdout_rows))
       << ").</p>\n";

  page
      << "<section aria-labelledby=\"identification\"><h2 id=\"identification\">Identification</h2>"
      << "<table><caption>What was compared</caption><tbody>"
      << "<tr>" << row_header("candidate") << "<td class=\"text\">" << cand << "</td></tr>"
      << "<tr>" << row_header("champion") << "<td class=\"text\">"
      << (champion ? champ : std::string("none")) << "</td></tr>"
      << "<tr>" << row_header("snapshot") << "<td class=\"text\">"
      << html_escape(metadata.snapshot_id) << "</td></tr>"
      << "<tr>" << row_header("split seed") << "<td class=\"text\">"
      << std::to_string(metadata.split_seed) << "</td></tr>"
      << "<tr>" << row_header("holdout rows") << "<td class=\"text\">"
      << std::to_string(holdout_rows) << "</td></tr>"
      << "<tr>" << row_header("created at") << "<td class=\"text\">"
      << html_escape(metadata.created_at) << "</td></tr>"
      << "<tr>" << row_header("report format") << "<td class=\"text\">"
      << std::to_string(kValidationReportFormat) << "</td></tr></tbody></table></section>\n";

  page << "<section aria-labelledby=\"summary\"><h2 id=\"summary\">Summary</h2><ul>";
  if (comparison) {
    const ChampionComparison& c = *comparison;
    page << "<li>The candidate's AUC " << fixed(c.delong.auc_a, 4) << " is "
         << verdict_text(c.verdict) << " the champion's " << fixed(c.delong.auc_b, 4)
         << " (difference " << fixed(c.auc_difference, 4) << ", DeLong z " << fixed(c.delong.z, 3)
         << ", two-sided p " << p_value(c.delong.p_value) << ").</li>"
         << "<li>Candidate minus champion: Brier " << fixed(c.brier_difference, 5) << ", log loss "
         << fixed(c.log_loss_difference, 5) << ", ECE " << fixed(c.ece_difference, 5)
         << " (lower is better).</li>"
         << "<li>PSI of the candidate's PDs against the champion's on the same rows: "
         << fixed(c.psi_candidate_vs_champion.psi, 4) << " ("
         << to_string(c.psi_candidate_vs_champion.light) << ").</li>";
  } else {
    page << "<li>There is no champion: the candidate is reported alone, without a DeLong "
            "comparison.</li>";
  }
  page << "<li>Calibration, candidate: " << light_summary(candidate) << ".</li>";
  if (champion) page << "<li>Calibration, champion: " << light_summary(*champion) << ".</li>";
  page << "</ul><p class=\"note\">The report states facts. It does not approve or reject: that is "
          "a risk "
       << "officer's decision.</p></section>\n";

  page << "<section aria-labelledby=\"metrics\"><h2 id=\"metrics\">Metrics</h2>"
       << metrics_table(*this) << "</section>\n";

  page << "<section aria-labelledby=\"roc\"><h2 id=\"roc\">ROC curves</h2><figure>"
       << roc_chart(*this)
       << "<figcaption>ROC curves on the holdout; the dotted diagonal is a random "
          "ranking.</figcaption></figure>"
       << "</section>\n";

  page << "<section aria-labelledby=\"calibration\"><h2 id=\"calibration\">Calibration "
          "curve</h2><figure>"
       << calibration_chart(*this) << "<figcaption>Observed default rate against mean PD in "
       << std::to_string(kCalibrationCurveBins)
       << " quantile bins of each model's PDs; the dotted diagonal is perfect "
          "calibration.</figcaption></figure>"
       << calibration_table(candidate, "candidate");
  if (champion) page << calibration_table(*champion, "champion");
  page << "</section>\n";

  page << "<section aria-labelledby=\"grades\"><h2 id=\"grades\">Back-test per grade</h2><p "
          "class=\"note\">"
       << "One-sided tests that the PD is too low: binomial p = P(X &#8805; defaults) at the mean "
          "PD, Jeffreys p = "
       << "Beta(defaults + &#189;, rows &#8722; defaults + &#189;) CDF at the mean PD. Light: red "
          "when Jeffreys p &lt; "
       << fixed(kJeffreysRedBelow, 2) << ", amber when &lt; " << fixed(kJeffreysAmberBelow, 2)
       << ", otherwise green; none for a grade without rows. The last row is the whole holdout.</p>"
       << "<figure>" << grade_chart(candidate, "grades-candidate") << "<figcaption>Candidate "
       << cand << ": mean PD and observed default rate per grade.</figcaption></figure>"
       << grade_table(candidate, "candidate");
  if (champion) {
    page << "<figure>" << grade_chart(*champion, "grades-champion") << "<figcaption>Champion "
         << champ << ": mean PD and observed default rate per grade.</figcaption></figure>"
         << grade_table(*champion, "champion");
  }
  page << "</section>\n";

  page
      << "<section aria-labelledby=\"importances\"><h2 id=\"importances\">Feature importances</h2>";
  if (top_importances.empty()) {
    page << "<p>The candidate reports no feature importances.</p>";
  } else {
    const double largest = std::max(top_importances.front().importance, 1e-300);
    page << "<table><caption>The candidate's " << std::to_string(top_importances.size())
         << " most important of " << std::to_string(importance_count)
         << " features</caption><thead><tr><th scope=\"col\">rank</th>"
         << "<th scope=\"col\">feature</th><th scope=\"col\">importance</th><th "
            "scope=\"col\">relative</th></tr>"
         << "</thead><tbody>";
    for (std::size_t i = 0; i < top_importances.size(); ++i) {
      const FeatureImportance& f = top_importances[i];
      const double width = std::clamp(f.importance / largest, 0.0, 1.0) * 10.0;
      page << "<tr><td>" << std::to_string(i + 1) << "</td>" << row_header(html_escape(f.feature))
           << "<td>" << fixed(f.importance, 5)
           << "</td><td class=\"text\"><span class=\"bar\" style=\"width:" << fixed(width, 2)
           << "rem\" aria-hidden=\"true\"></span></td></tr>";
    }
    page << "</tbody></table>";
  }
  page << "</section>\n";

  page << "<footer><p class=\"note\">Thresholds: Jeffreys p &lt; " << fixed(kJeffreysAmberBelow, 2)
       << " amber, &lt; " << fixed(kJeffreysRedBelow, 2) << " red; PSI &#8805; "
       << fixed(kPsiAmberFrom, 2) << " amber, &#8805; " << fixed(kPsiRedFrom, 2)
       << " red; DeLong and Hosmer&#8211;Lemeshow at " << fixed(kReportSignificance, 2)
       << " two-sided. Definitions: docs/METHODOLOGY.md, section "
          "9.</p></footer>\n</main></body></html>\n";
  return page.html;
}

}  // namespace risklab::ml
