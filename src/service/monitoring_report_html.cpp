// The monitoring pack as one self-contained HTML page (no script, no external resource), written
// from the report's JSON so that the page and the JSON can never disagree.
#include <cstdio>
#include <string>

#include "ml/validation_report.hpp"
#include "service/monitoring_service.hpp"

namespace risklab::service {
namespace {

using nlohmann::json;

std::string esc(const json& value) {
  if (value.is_null()) return "&mdash;";
  if (value.is_string()) return ml::html_escape(value.get<std::string>());
  if (value.is_boolean()) return value.get<bool>() ? "yes" : "no";
  if (value.is_number_integer() || value.is_number_unsigned())
    return std::to_string(value.get<long long>());
  if (value.is_number()) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.4g", value.get<double>());
    return buffer;
  }
  return ml::html_escape(value.dump());
}

std::string percent(const json& value) {
  if (!value.is_number()) return "&mdash;";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f %%", 100.0 * value.get<double>());
  return buffer;
}

std::string light(const json& value) {
  const std::string name = value.is_string() ? value.get<std::string>() : "none";
  return "<span class=\"light " + ml::html_escape(name) + "\">" + ml::html_escape(name) + "</span>";
}

std::string row(std::initializer_list<std::string> cells) {
  std::string out = "<tr>";
  for (const auto& cell : cells) out += "<td>" + cell + "</td>";
  return out + "</tr>\n";
}

std::string header(std::initializer_list<const char*> cells) {
  std::string out = "<thead><tr>";
  for (const char* cell : cells) out += std::string("<th scope=\"col\">") + cell + "</th>";
  return out + "</tr></thead>\n";
}

}  // namespace

std::string MonitoringService::report_html(const json& report) {
  const json& q = report.at("query");
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>RiskLab monitoring "
      "pack</title>"
      "<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#1b1b1b}table{border-"
      "collapse:collapse;"
      "margin:.5rem 0 1.5rem}td,th{border:1px solid #bbb;padding:.25rem .5rem;text-align:right}"
      "td:first-child,th:first-child{text-align:left}.light{padding:0 "
      ".4rem;border-radius:.3rem;color:#fff}"
      ".green{background:#1e7b34}.amber{background:#a35c00}.red{background:#b00020}.none{"
      "background:#666}"
      "</style></head><body>\n<h1>Monitoring and validation pack</h1>\n<p>Window " +
      esc(q.at("from")) + " to " + esc(q.at("to")) + ", outcomes as of " + esc(q.at("as_of")) +
      ", performance window " + esc(q.at("performance_months")) + " months. Generated " +
      esc(report.at("generated_at")) + " by " + esc(report.at("generated_by")) + ".</p>\n";

  const json& drift = report.at("drift");
  html += "<h2>Drift of recent scorings</h2>\n<p>Model " + esc(drift.at("model_version")) + ", " +
          esc(drift.at("scorings")) +
          " scorings. PSI on the bins frozen at training; lights 0.10 / 0.25; the critical value "
          "is the "
          "statistical bound for the two sample sizes.</p>\n";
  if (!drift.at("alarms").empty()) {
    std::string names;
    for (const auto& name : drift.at("alarms")) names += (names.empty() ? "" : ", ") + esc(name);
    html += "<p><strong>Alarms:</strong> " + names + "</p>\n";
  }
  html +=
      "<table>" + header({"variable", "PSI", "light", "critical value", "significant", "missing"});
  if (drift.at("score").is_object()) {
    const json& s = drift.at("score");
    html += row({"score (PD)", esc(s.at("psi")), light(s.at("light")), esc(s.at("critical_value")),
                 esc(s.at("significant")), "0"});
  }
  for (const auto& f : drift.at("features")) {
    html += row({esc(f.at("feature")), esc(f.at("psi")), light(f.at("light")),
                 esc(f.at("critical_value")), esc(f.at("significant")), esc(f.at("missing"))});
  }
  html += "</table>\n";

  const json& bt = report.at("backtest");
  const json& m = bt.at("maturity");
  html += "<h2>Back-testing per grade</h2>\n<p>" + esc(m.at("matured")) + " matured and " +
          esc(m.at("immature")) + " immature assessments (latest per company; " +
          esc(m.at("unlinked")) +
          " name no known company). Immature: " + esc(m.at("immature_defaults_so_far")) +
          " defaults so far against " + esc(m.at("immature_expected_defaults")) +
          " expected (p more = " + esc(m.at("immature_p_more")) + ").</p>\n<table>" +
          header({"grade", "count", "defaults", "mean PD", "observed rate", "binomial p",
                  "Jeffreys p", "Pluto&ndash;Tasche upper", "light"});
  auto grade_row = [](const json& g) {
    return row({esc(g.at("grade")), esc(g.at("count")), esc(g.at("defaults")),
                percent(g.at("mean_pd")), percent(g.at("observed_rate")), esc(g.at("binomial_p")),
                esc(g.at("jeffreys_p")), percent(g.at("pluto_tasche_upper")),
                light(g.at("light"))});
  };
  for (const auto& g : bt.at("grades")) html += grade_row(g);
  html += grade_row(bt.at("portfolio")) + "</table>\n";
  if (bt.at("auc").is_object()) {
    const json& a = bt.at("auc");
    html += "<p>AUC " + esc(a.at("auc")) + " (95 % CI " + esc(a.at("ci_low")) + "&ndash;" +
            esc(a.at("ci_high")) + ") against " + esc(bt.at("auc_development")) +
            " at development: z = " + esc(a.at("z")) + ", p = " + esc(a.at("p_value")) + ".</p>\n";
  }
  html += "<p>Grade concentration (HHI): " + esc(bt.at("hhi")) + ".</p>\n";

  const json& o = report.at("overrides");
  html += "<h2>Overrides</h2>\n<p>" + esc(o.at("overrides")) + " overrides in " +
          esc(o.at("decisions")) + " decisions (" + percent(o.at("override_rate")) +
          "): " + esc(o.at("upgrades")) + " more lenient, " + esc(o.at("downgrades")) +
          " stricter than recommended. Realised default rate: overridden " +
          percent(o.at("overridden").at("default_rate")) + " of " +
          esc(o.at("overridden").at("matured")) + ", followed " +
          percent(o.at("followed").at("default_rate")) + " of " +
          esc(o.at("followed").at("matured")) + " matured decisions.</p>\n<table>" +
          header({"decided by", "decisions", "overrides", "rate"});
  for (const auto& g : o.at("by_user")) {
    html += row({esc(g.at("key")), esc(g.at("decisions")), esc(g.at("overrides")),
                 percent(g.at("override_rate"))});
  }
  html += "</table>\n<table>" + header({"reason code", "overrides"});
  for (const auto& g : o.at("by_reason")) html += row({esc(g.at("key")), esc(g.at("overrides"))});
  html += "</table>\n";

  if (report.at("migration").is_object()) {
    const json& mm = report.at("migration");
    html += "<h2>Grade migration</h2>\n<p>" + esc(mm.at("total")) +
            " companies graded on both dates; stable " + percent(mm.at("stable_share")) +
            ", upgraded " + percent(mm.at("upgrade_share")) + ", downgraded " +
            percent(mm.at("downgrade_share")) +
            ".</p>\n<table><thead><tr><th scope=\"col\">from \\ to</th>";
    for (const auto& g : mm.at("grades")) html += "<th scope=\"col\">" + esc(g) + "</th>";
    html += "</tr></thead>\n";
    for (std::size_t i = 0; i < mm.at("grades").size(); ++i) {
      html += "<tr><th scope=\"row\">" + esc(mm.at("grades")[i]) + "</th>";
      for (const auto& count : mm.at("counts")[i]) html += "<td>" + esc(count) + "</td>";
      html += "</tr>\n";
    }
    html += "</table>\n";
  }
  return html + "</body></html>\n";
}

}  // namespace risklab::service
