#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "ml/validation_report.hpp"
#include "service/monitoring_service.hpp"
#include "web/ui/format.hpp"
#include "web/ui/html.hpp"
#include "web/ui/pages.hpp"
#include "web/ui/ui.hpp"

namespace risklab::web::ui {
namespace {

using nlohmann::json;

constexpr std::size_t kFeaturesShown = 15;

std::string percent(double value) { return decimal(100.0 * value, 2) + " %"; }

Data drift_row(const std::string& name, const ml::DriftResult& d, std::size_t missing) {
  Data row;
  row.set("name", text(name));
  row.set("psi", text(decimal(d.psi, 4)));
  row.set("critical", text(decimal(d.critical_value, 4)));
  row.set("significant", Data(d.significant));
  row.set("light", text(ml::to_string(d.light)));
  row.set("missing", text(thousands(static_cast<long long>(missing))));
  return row;
}

Data grade_row(const ml::BacktestGrade& g) {
  Data row;
  row.set("grade", text(g.grade));
  row.set("count", text(thousands(static_cast<long long>(g.count))));
  row.set("defaults", text(thousands(static_cast<long long>(g.defaults))));
  row.set("mean_pd", text(percent(g.mean_pd)));
  row.set("observed", text(percent(g.observed_rate)));
  row.set("binomial", text(decimal(g.binomial_p, 3)));
  row.set("jeffreys", text(decimal(g.jeffreys_p, 3)));
  row.set("pluto_tasche", text(percent(g.pluto_tasche_upper)));
  row.set("light", text(ml::to_string(g.light)));
  return row;
}

}  // namespace

void register_monitoring_page(Ui& ui) {
  using core::Role;
  ui.get(
      "/monitoring", PageAccess::any_of({Role::risk_officer, Role::model_developer, Role::admin}),
      [&ui](Page& page) {
        if (!ui.app().monitoring)
          throw core::Unavailable("monitoring_unavailable", "monitoring is not configured");
        auto& monitoring = *ui.app().monitoring;
        service::MonitoringQuery query;
        for (auto [field, target] :
             {std::pair{"from", &query.from}, {"to", &query.to}, {"as_of", &query.as_of}}) {
          if (!page.field(field).empty()) *target = page.field(field);
        }
        if (const auto months = page.int_field("performance_months"))
          query.performance_months = static_cast<int>(*months);
        Data data;
        for (const char* field : {"from", "to", "as_of"}) data.set(field, text(page.field(field)));
        data.set("performance_months", text(std::to_string(query.performance_months)));
        std::string query_string;
        for (const char* field : {"from", "to", "as_of", "performance_months"}) {
          if (!page.field(field).empty())
            query_string += std::string("&") + field + "=" + url_encode(page.field(field));
        }
        data.set("query", text(query_string));
        try {
          service::validate(query);
        } catch (const core::InvalidInput& error) {
          data.set("error", text(error.what()));
          ui.render(page, "monitoring", data, "Monitoring", 422);
          return;
        }

        const auto drift = monitoring.drift(page.actor(), query);
        data.set("model_version", text(drift.model_version));
        data.set("scorings", text(thousands(static_cast<long long>(drift.scorings))));
        Data alarms = list();
        for (const auto& name : drift.alarms) alarms.push_back(Data("name", text(name)));
        data.set("alarms", alarms);
        data.set("has_alarms", Data(!drift.alarms.empty()));
        if (drift.score) data.set("score_drift", drift_row("score (PD)", drift.score->drift, 0));
        Data features = list();
        json chart_labels = json::array(), chart_values = json::array();
        for (std::size_t i = 0; i < drift.features.size() && i < kFeaturesShown; ++i) {
          const auto& f = drift.features[i];
          features.push_back(drift_row(f.feature, f.drift, f.missing));
          chart_labels.push_back(f.feature);
          chart_values.push_back(f.drift.psi);
        }
        data.set("features", features);
        data.set("more_features", text(drift.features.size() > kFeaturesShown
                                           ? std::to_string(drift.features.size() - kFeaturesShown)
                                           : ""));
        data.set("psi_chart", text(json{{"type", "bar"},
                                        {"labels", chart_labels},
                                        {"series", {{{"label", "PSI"}, {"data", chart_values}}}},
                                        {"y_title", "PSI"}}
                                       .dump()));

        const auto backtest = monitoring.backtest(page.actor(), query);
        data.set("as_of_used", text(backtest.as_of));
        const auto& m = backtest.maturity;
        data.set("matured", text(thousands(static_cast<long long>(m.matured))));
        data.set("immature", text(thousands(static_cast<long long>(m.immature))));
        data.set("unlinked", text(thousands(static_cast<long long>(m.unlinked))));
        data.set("so_far", text(thousands(static_cast<long long>(m.immature_defaults.observed))));
        data.set("expected", text(decimal(m.immature_defaults.expected, 1)));
        data.set("p_more", text(decimal(m.immature_defaults.p_value_more, 3)));
        Data grades = list();
        for (const auto& g : backtest.grades) grades.push_back(grade_row(g));
        data.set("grades", grades);
        data.set("portfolio", grade_row(backtest.portfolio));
        if (backtest.auc) {
          data.set("auc", text(decimal(backtest.auc->auc, 4)));
          data.set("auc_ci", text(decimal(backtest.auc->ci_low, 4) + " – " +
                                  decimal(backtest.auc->ci_high, 4)));
          data.set("auc_dev", text(decimal(backtest.auc->auc_development, 4)));
          data.set("auc_p", text(decimal(backtest.auc->p_value, 4)));
        }
        data.set("hhi", text(decimal(backtest.hhi, 4)));

        const auto overrides = monitoring.overrides(page.actor(), query);
        data.set("decisions", text(thousands(static_cast<long long>(overrides.decisions))));
        data.set("overrides", text(thousands(static_cast<long long>(overrides.overrides))));
        data.set("override_rate",
                 text(overrides.decisions ? percent(static_cast<double>(overrides.overrides) /
                                                    static_cast<double>(overrides.decisions))
                                          : "—"));
        data.set("upgrades", text(std::to_string(overrides.upgrades)));
        data.set("downgrades", text(std::to_string(overrides.downgrades)));
        Data users = list();
        for (const auto& u : overrides.by_user) {
          Data row;
          row.set("key", text(u.key));
          row.set("decisions", text(std::to_string(u.decisions)));
          row.set("overrides", text(std::to_string(u.overrides)));
          users.push_back(row);
        }
        data.set("by_user", users);
        Data reasons = list();
        for (const auto& r : overrides.by_reason) {
          Data row;
          row.set("key", text(r.key));
          row.set("overrides", text(std::to_string(r.overrides)));
          reasons.push_back(row);
        }
        data.set("by_reason", reasons);
        ui.render(page, "monitoring", data, "Monitoring");
      });
}

}  // namespace risklab::web::ui
