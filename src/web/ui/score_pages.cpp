#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <sstream>

#include "core/error.hpp"
#include "service/decision_service.hpp"
#include "service/overview_service.hpp"
#include "service/registry_service.hpp"
#include "service/scoring_service.hpp"
#include "web/ui/figures.hpp"
#include "web/ui/format.hpp"
#include "web/ui/html.hpp"
#include "web/ui/pages.hpp"
#include "web/ui/ui.hpp"

namespace risklab::web::ui {
namespace {

constexpr long long kSearchPage = 20;
constexpr std::size_t kDrivers = 10;

Data statement_rows(Ui& ui, Page& page, const std::string& query, long long offset,
                    bool& full_page) {
  Data rows = list();
  const auto found = ui.overview().search_statements(page.actor(), query, kSearchPage, offset);
  full_page = static_cast<long long>(found.size()) == kSearchPage;
  for (const auto& s : found) {
    Data row;
    row.set("id", text(std::to_string(s.id)));
    row.set("company", text(s.company));
    if (s.company_name != s.company) row.set("company_name", text(s.company_name));
    row.set("period", text(s.period));
    row.set("dataset", text(s.dataset));
    rows.push_back(row);
  }
  return rows;
}

void score_form(Ui& ui, Page& page, const std::string& error, int status) {
  const auto query = page.field("q");
  const long long offset = page.int_field("offset").value_or(0);
  Data data;
  data.set("q", text(query));
  data.set("q_url", text(url_encode(query)));
  bool full_page = false;
  data.set("statements", statement_rows(ui, page, query, offset, full_page));
  if (offset > 0) data.set("prev_offset", text(std::to_string(std::max(0LL, offset - kSearchPage))));
  if (full_page) data.set("next_offset", text(std::to_string(offset + kSearchPage)));
  data.set("statement_id", text(page.field("statement_id")));
  data.set("company", text(page.field("company")));
  data.set("figures", text(page.field("figures")));
  if (!error.empty()) data.set("error", text(error));
  const auto champion = ui.overview().champion();
  if (champion) {
    data.set("model_version", text(champion->version));
  } else {
    data.set("no_champion", Data(true));
  }
  Data features = list();
  for (const auto& name : ui.overview().champion_features()) features.push_back(Data("name", text(name)));
  data.set("features", features);
  if (page.htmx() && page.field("fragment") == "statements") {
    return ui.render(page, "score_statements", data, "Statements", status, true);
  }
  ui.render(page, "score", data, "Credit risk scoring", status);
}

void assessment_page(Ui& ui, Page& page, long long id, const std::string& error, int status) {
  const auto a = ui.app().scoring.get(page.actor(), id);
  const auto decision = ui.app().decisions.find(id);
  Data data;
  data.set("id", text(std::to_string(a.id)));
  data.set("pd", text(format_pd(a.pd)));
  data.set("grade", text(a.grade));
  data.set("recommendation", text(a.recommendation));
  data.set("created_at", text(timestamp(a.created_at)));
  data.set("created_by", text(a.created_by));
  std::string company = a.company.value_or("—");
  if (a.statement_id) {
    data.set("statement_id", text(std::to_string(*a.statement_id)));
    if (const auto statement = ui.overview().statement(page.actor(), *a.statement_id)) {
      company = statement->company + (statement->company_name != statement->company
                                          ? " (" + statement->company_name + ")"
                                          : "");
      data.set("period", text(statement->period));
    }
  }
  data.set("company", text(company));
  std::string version = "model " + std::to_string(a.model_id);
  try {
    version = ui.app().registry.get(page.actor(), a.model_id).version;
  } catch (const core::Error&) {
    // The number is enough to find it; the registry page says the rest.
  }
  data.set("model_version", text(version));

  Data scale = list();
  for (const auto& band : ui.overview().master_scale()) {
    Data row;
    row.set("grade", text(band.grade));
    row.set("range", text(band.lower_pd >= 1.0 ? "default"
                                               : format_pd(band.lower_pd) + " – " +
                                                     format_pd(band.upper_pd)));
    row.set("current", Data(band.grade == a.grade));
    scale.push_back(row);
  }
  data.set("scale", scale);

  nlohmann::json labels = nlohmann::json::array();
  nlohmann::json values = nlohmann::json::array();
  Data drivers = list();
  for (const auto& driver : a.drivers) {
    const std::string feature = driver.value("feature", "");
    const double contribution = driver.value("contribution", 0.0);
    labels.push_back(feature);
    values.push_back(contribution);
    Data row;
    row.set("feature", text(feature));
    row.set("value", text(driver.contains("value") && driver["value"].is_number()
                              ? decimal(driver["value"].get<double>())
                              : "missing (imputed)"));
    row.set("contribution", text((contribution >= 0 ? "+" : "") + decimal(contribution)));
    row.set("increases", Data(contribution >= 0));
    drivers.push_back(row);
  }
  data.set("drivers", drivers);
  data.set("has_drivers", Data(!a.drivers.empty()));
  const nlohmann::json chart = {{"type", "drivers"}, {"labels", labels}, {"values", values}};
  data.set("driver_chart", text(script_safe_json(chart.dump())));

  Data warnings = list();
  for (const auto& item : a.out_of_range) {
    Data row;
    row.set("feature", text(item.value("feature", "")));
    row.set("value", text(decimal(item.value("value", 0.0))));
    row.set("min", text(decimal(item.value("min", 0.0))));
    row.set("max", text(decimal(item.value("max", 0.0))));
    warnings.push_back(row);
  }
  data.set("warnings", warnings);
  data.set("has_warnings", Data(!a.out_of_range.empty()));

  if (decision) {
    Data d;
    d.set("decision", text(decision->decision));
    d.set("override", Data(decision->is_override));
    d.set("rationale", text(decision->rationale.value_or("")));
    d.set("reason_code", text(decision->reason_code.value_or("")));
    d.set("by", text(decision->decided_by));
    d.set("at", text(timestamp(decision->decided_at)));
    data.set("decision", d);
  } else if (page.actor().has(core::Role::analyst) || page.actor().has(core::Role::risk_officer)) {
    const auto chosen = page.field("decision").empty() ? a.recommendation : page.field("decision");
    Data form;
    Data options = list();
    for (const std::string choice : {"approve", "refer", "decline"}) {
      Data option;
      option.set("value", text(choice));
      option.set("checked", Data(choice == chosen));
      option.set("recommended", Data(choice == a.recommendation));
      options.push_back(option);
    }
    form.set("options", options);
    Data reasons = list();
    for (const auto& code : service::override_reason_codes()) {
      Data reason;
      reason.set("code", text(code));
      reason.set("selected", Data(code == page.field("reason_code")));
      reasons.push_back(reason);
    }
    form.set("reasons", reasons);
    form.set("rationale", text(page.field("rationale")));
    if (!error.empty()) form.set("error", text(error));
    data.set("decision_form", form);
  }
  ui.render(page, "assessment", data, "Assessment " + std::to_string(a.id), status);
}

}  // namespace

void register_score_pages(Ui& ui) {
  using core::Role;
  const auto scorers = PageAccess::any_of({Role::analyst, Role::risk_officer});
  ui.get("/score", scorers, [&ui](Page& page) { score_form(ui, page, "", 200); });
  ui.post("/score", scorers, [&ui](Page& page) {
    service::ScoreInput input;
    input.top_k = kDrivers;
    try {
      if (const auto statement = page.int_field("statement_id")) {
        input.statement_id = *statement;
      } else {
        input.features = parse_figures(page.field("figures"));
        if (!trim(page.field("company")).empty()) input.company = trim(page.field("company"));
      }
      const auto result = ui.app().scoring.score(page.actor(), input);
      ui.redirect(page, "/assessments/" + std::to_string(result.assessment_id),
                  "Scored with model " + result.model_version + ": assessment " +
                      std::to_string(result.assessment_id) + " is stored.");
    } catch (const core::InvalidInput& error) {
      score_form(ui, page, error.what(), 422);
    } catch (const core::NotFound& error) {
      score_form(ui, page, error.what(), 404);
    }
  });
  ui.get("/assessments/{id}", PageAccess::signed_in(), [&ui](Page& page) {
    assessment_page(ui, page, std::stoll(page.req.matches[1].str()), "", 200);
  });
  ui.post("/assessments/{id}/decision", scorers, [&ui](Page& page) {
    const long long id = std::stoll(page.req.matches[1].str());
    service::DecisionInput input;
    input.assessment_id = id;
    input.decision = page.field("decision");
    if (!trim(page.field("rationale")).empty()) input.rationale = page.field("rationale");
    if (!page.field("reason_code").empty()) input.reason_code = page.field("reason_code");
    try {
      const auto decision = ui.app().decisions.decide(page.actor(), input);
      ui.redirect(page, "/assessments/" + std::to_string(id),
                  decision.is_override ? "Override recorded: " + decision.decision +
                                             " against the model's " + decision.recommendation + "."
                                       : "Decision recorded: " + decision.decision + ".");
    } catch (const core::InvalidInput& error) {
      assessment_page(ui, page, id, error.what(), 422);
    } catch (const core::Conflict& error) {
      ui.redirect(page, "/assessments/" + std::to_string(id), error.what(), "error");
    }
  });
}

}  // namespace risklab::web::ui
