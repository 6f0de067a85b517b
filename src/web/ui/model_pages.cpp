#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "service/champion.hpp"
#include "service/registry_service.hpp"
#include "service/snapshot_service.hpp"
#include "service/training_service.hpp"
#include "web/ui/format.hpp"
#include "web/ui/pages.hpp"
#include "web/ui/ui.hpp"

namespace risklab::web::ui {
namespace {

using nlohmann::json;

service::TrainingService& training_of(Ui& ui) {
  if (!ui.app().training)
    throw core::Unavailable("training_unavailable", "this server has no training queue (no lake)");
  return *ui.app().training;
}

bool is_developer(const core::Actor& actor) {
  return actor.has(core::Role::model_developer) || actor.has(core::Role::admin);
}

Data job_row(const store::TrainingJobRecord& job) {
  const json j = service::training_job_json(job);
  Data row;
  row.set("id", text(std::to_string(job.id)));
  row.set("snapshot", text(job.snapshot_id.substr(0, 12)));
  row.set("snapshot_id", text(job.snapshot_id));
  row.set("family", text(job.family));
  row.set("status", text(job.status));
  row.set("running", Data(job.status == "running" || job.status == "queued"));
  row.set("failed", Data(job.status == "failed" || job.status == "cancelled"));
  row.set("stage", text(job.stage.value_or("")));
  const double progress = j["progress"].get<double>();
  row.set("percent", text(std::to_string(static_cast<int>(std::lround(progress * 100)))));
  row.set("trees", text(std::to_string(job.trees_done) + " / " + std::to_string(job.trees_total)));
  if (j["eta_seconds"].is_number()) {
    row.set("eta",
            text(std::to_string(static_cast<long long>(std::ceil(j["eta_seconds"].get<double>()))) +
                 " s"));
  }
  row.set("by", text(job.created_by));
  row.set("at", text(timestamp(job.created_at)));
  if (job.error) row.set("error", text(*job.error));
  if (job.model_id) row.set("model_id", text(std::to_string(*job.model_id)));
  return row;
}

/// The job table's data into `data`; `active` keeps htmx polling while something runs.
void add_jobs(Ui& ui, Page& page, Data& data) {
  Data rows = list();
  bool active = false;
  for (const auto& job : training_of(ui).list(page.actor())) {
    active |= job.status == "running" || job.status == "queued";
    rows.push_back(job_row(job));
  }
  data.set("jobs", rows);
  data.set("active", Data(active));
  data.set("may_cancel", Data(is_developer(page.actor())));
}

// A mustache view of the report's curves and grade table, for the model page.
void report_data(const json& report, Data& data) {
  auto model_curves = [&report](const char* curve) {
    json series = json::array();
    for (const char* who : {"candidate", "champion"}) {
      if (!report.contains(who) || !report[who].is_object()) continue;
      const json& m = report[who];
      json points = json::array();
      if (std::string(curve) == "roc") {
        const auto& fpr = m["roc_curve"]["fpr"];
        const auto& tpr = m["roc_curve"]["tpr"];
        for (std::size_t i = 0; i < fpr.size(); ++i) points.push_back({fpr[i], tpr[i]});
      } else {
        for (const auto& bin : m["calibration_curve"])
          points.push_back({bin["mean_pd"], bin["observed_default_rate"]});
      }
      series.push_back(
          {{"label", std::string(who) + " " + m.value("model_version", "")}, {"points", points}});
    }
    return series;
  };
  data.set("roc_chart", text(json{{"type", "line"},
                                  {"series", model_curves("roc")},
                                  {"x_title", "false positive rate"},
                                  {"y_title", "true positive rate"},
                                  {"diagonal", true}}
                                 .dump()));
  data.set("calibration_chart", text(json{{"type", "line"},
                                          {"series", model_curves("calibration")},
                                          {"x_title", "mean PD"},
                                          {"y_title", "observed default rate"},
                                          {"diagonal", true}}
                                         .dump()));
  Data side = list();
  for (const char* who : {"candidate", "champion"}) {
    if (!report.contains(who) || !report[who].is_object()) continue;
    const json& m = report[who];
    Data row;
    row.set("who", text(who));
    row.set("version", text(m.value("model_version", "")));
    row.set("auc", text(decimal(m["auc"]["auc"].get<double>(), 4)));
    row.set("ci", text(decimal(m["auc"]["ci95_lower"].get<double>(), 4) + " – " +
                       decimal(m["auc"]["ci95_upper"].get<double>(), 4)));
    row.set("gini", text(decimal(m["gini"].get<double>(), 4)));
    row.set("ks", text(decimal(m["ks"].get<double>(), 4)));
    row.set("brier", text(decimal(m["brier"].get<double>(), 5)));
    row.set("ece", text(decimal(m["ece"].get<double>(), 4)));
    row.set("hhi", text(decimal(m["grade_concentration"]["hhi"].get<double>(), 4)));
    Data grades = list();
    for (const auto& g : m["grades"]) {
      Data line;
      line.set("grade", text(g["grade"].get<std::string>()));
      line.set("count", text(std::to_string(g["count"].get<long long>())));
      line.set("defaults", text(std::to_string(g["defaults"].get<long long>())));
      line.set("mean_pd", text(decimal(100 * g["mean_pd"].get<double>(), 2) + " %"));
      line.set("observed", text(decimal(100 * g["observed_default_rate"].get<double>(), 2) + " %"));
      line.set("jeffreys", text(decimal(g["jeffreys_p"].get<double>(), 3)));
      line.set("light", text(g["light"].get<std::string>()));
      grades.push_back(line);
    }
    row.set("grades", grades);
    side.push_back(row);
  }
  data.set("report_models", side);
  if (report.contains("comparison") && report["comparison"].is_object()) {
    const json& c = report["comparison"];
    data.set("delong_p", text(decimal(c["delong_p"].get<double>(), 4)));
    data.set("auc_difference", text(decimal(c["auc_difference"].get<double>(), 4)));
    data.set("verdict", text(c["auc_verdict"].get<std::string>()));
    data.set("psi_light", text(c["psi_candidate_vs_champion"]["light"].get<std::string>()));
    data.set("psi", text(decimal(c["psi_candidate_vs_champion"]["psi"].get<double>(), 4)));
    data.set("has_comparison", Data(true));
  }
  data.set("has_report", Data(true));
}

Data model_row(const service::ModelView& m) {
  Data row;
  row.set("id", text(std::to_string(m.id)));
  row.set("version", text(m.version));
  row.set("family", text(m.family));
  row.set("status", text(m.status));
  row.set("is_champion", Data(m.status == "champion"));
  row.set("by", text(m.created_by));
  row.set("at", text(timestamp(m.created_at)));
  if (m.review) {
    row.set("review", text(m.review->verdict + " by " + m.review->reviewer));
  }
  if (m.promoted_by)
    row.set("promoted", text(*m.promoted_by + ", " + timestamp(m.promoted_at.value_or(""))));
  return row;
}

void model_page(Ui& ui, Page& page, long long id, const std::string& error, int status) {
  auto& registry = ui.app().registry;
  const auto m = registry.get(page.actor(), id);
  Data data = model_row(m);
  data.set("sha256", text(m.artifact_sha256));
  data.set("artifact", text(m.artifact_uri));
  if (m.snapshot_id) data.set("snapshot_id", text(*m.snapshot_id));
  if (m.snapshot_id) data.set("snapshot", text(m.snapshot_id->substr(0, 12)));
  data.set("features", text(std::to_string(m.features.size())));
  if (m.review) {
    data.set("review_verdict", text(m.review->verdict));
    data.set("reviewer", text(m.review->reviewer));
    data.set("review_note", text(m.review->note));
    data.set("reviewed_at", text(timestamp(m.review->reviewed_at)));
    data.set("has_card", Data(m.review->verdict == "approved"));
  }
  const auto& actor = page.actor();
  const bool officer = actor.has(core::Role::risk_officer);
  const bool trainer = actor.name == m.created_by;
  // Four-eyes, shown plainly: who trained it, who may approve, and why this user may not.
  data.set("trainer", text(m.created_by));
  data.set("is_trainer", Data(trainer));
  data.set("may_approve", Data(officer && !trainer && m.status == "candidate"));
  data.set("blocked_four_eyes", Data(officer && trainer && m.status == "candidate"));
  data.set("may_reject", Data(officer && (m.status == "candidate" || m.status == "approved")));
  const bool promoter = officer || actor.has(core::Role::admin);
  data.set("may_promote", Data(promoter && m.status == "approved"));
  data.set("may_rollback", Data(promoter && m.status == "retired" && m.promoted_at));
  data.set("awaiting_review", Data(m.status == "candidate"));
  if (!error.empty()) data.set("error", text(error));
  if (ui.app().training) {
    try {
      report_data(json::parse(ui.app().training->report(actor, id, false)), data);
    } catch (const core::NotFound&) {
      data.set("no_report", Data(true));  // registered from a file: no validation report
    }
  }
  ui.render(page, "model", data, "Model " + m.version, status);
}

/// Runs a registry action from a model page's form; a refusal re-renders the page with the
/// reason (403 for four-eyes, 409 for a wrong state or a failed re-verification).
void model_action(Ui& ui, Page& page, const std::function<std::string(long long)>& action) {
  const long long id = std::stoll(page.req.matches[1]);
  try {
    const std::string message = action(id);
    ui.app().champion.refresh();  // a promotion or rollback is served here at once
    ui.redirect(page, "/models/" + std::to_string(id), message);
  } catch (const core::Forbidden& error) {
    model_page(ui, page, id, error.what(), 403);
  } catch (const core::Conflict& error) {
    model_page(ui, page, id, error.what(), 409);
  } catch (const core::InvalidInput& error) {
    model_page(ui, page, id, error.what(), 422);
  }
}

}  // namespace

void register_model_pages(Ui& ui) {
  using core::Role;
  const auto developers = PageAccess::any_of({Role::model_developer, Role::admin});
  const auto readers = PageAccess::any_of({Role::model_developer, Role::risk_officer, Role::admin});
  const auto officers = PageAccess::any_of({Role::risk_officer});
  const auto promoters = PageAccess::any_of({Role::risk_officer, Role::admin});

  ui.get("/training", readers, [&ui](Page& page) {
    Data data;
    Data snapshots = list();
    if (ui.app().snapshots) {
      const std::string wanted = page.field("snapshot");
      for (const auto& s : ui.app().snapshots->list(page.actor())) {
        Data option;
        option.set("id", text(s.id));
        option.set("label", text(s.id.substr(0, 12) + " · " + s.dataset + " · " +
                                 thousands(s.row_count) + " rows · " + timestamp(s.created_at)));
        option.set("selected", Data(s.id == wanted));
        snapshots.push_back(option);
      }
    }
    data.set("snapshots", snapshots);
    data.set("may_start", Data(is_developer(page.actor())));
    data.set("trees", text(page.field("trees").empty() ? "300" : page.field("trees")));
    data.set("seed", text(page.field("seed").empty() ? "42" : page.field("seed")));
    data.set("test_fraction",
             text(page.field("test_fraction").empty() ? "0.2" : page.field("test_fraction")));
    add_jobs(ui, page, data);
    ui.render(page, "training", data, "Retraining");
  });
  // The job table alone: htmx polls it every two seconds while a job is queued or running.
  ui.get("/training/jobs", readers, [&ui](Page& page) {
    Data data;
    add_jobs(ui, page, data);
    ui.render(page, "training_jobs", data, "Training jobs", 200, true);
  });
  ui.post("/training", developers, [&ui](Page& page) {
    service::TrainingRequest request;
    request.snapshot_id = page.field("snapshot_id");
    request.family = page.field("family").empty() ? "rf" : page.field("family");
    try {
      for (const char* name : {"trees", "seed"}) {
        if (page.field(name).empty()) continue;
        const auto value = page.int_field(name);
        if (!value)
          throw core::InvalidInput("bad_parameter",
                                   std::string("'") + name + "' must be a whole number");
        request.parameters[name] = *value;
      }
      if (!page.field("test_fraction").empty()) {
        try {
          std::size_t used = 0;
          const double share = std::stod(page.field("test_fraction"), &used);
          if (used != page.field("test_fraction").size())
            throw std::invalid_argument("test_fraction");
          request.parameters["test_fraction"] = share;  // the service checks its range
        } catch (const std::logic_error&) {
          throw core::InvalidInput("bad_parameter", "'holdout share' must be a number such as 0.2");
        }
      }
      const auto job = training_of(ui).submit(page.actor(), request);
      ui.redirect(page, "/training",
                  "Training job " + std::to_string(job.id) + " queued; a worker picks it up.");
    } catch (const core::Error& error) {
      if (!dynamic_cast<const core::InvalidInput*>(&error) &&
          !dynamic_cast<const core::NotFound*>(&error))
        throw;
      ui.redirect(page, "/training?snapshot=" + page.field("snapshot_id"), error.what(), "error");
    }
  });
  ui.post("/training/jobs/{id}/cancel", developers, [&ui](Page& page) {
    const long long id = std::stoll(page.req.matches[1]);
    try {
      training_of(ui).cancel(page.actor(), id);
      ui.redirect(page, "/training", "Job " + std::to_string(id) + " cancelled.");
    } catch (const core::Conflict& error) {
      ui.redirect(page, "/training", error.what(), "error");
    }
  });

  ui.get("/models", PageAccess::signed_in(), [&ui](Page& page) {
    Data rows = list();
    for (const auto& m : ui.app().registry.list(page.actor())) rows.push_back(model_row(m));
    Data data;
    data.set("models", rows);
    ui.render(page, "models", data, "Models");
  });
  ui.get("/models/{id}", PageAccess::signed_in(),
         [&ui](Page& page) { model_page(ui, page, std::stoll(page.req.matches[1]), "", 200); });
  ui.get("/models/{id}/card", PageAccess::signed_in(), [&ui](Page& page) {
    // The frozen card is our own escaped HTML with an inline style sheet: served as a
    // document of its own with a CSP that allows that style and no script at all.
    const auto html =
        ui.app().registry.model_card(page.actor(), std::stoll(page.req.matches[1]), true);
    page.res.set_content(html, "text/html; charset=utf-8");
    page.res.headers.erase("Content-Security-Policy");  // replaces the page default, not added to it
    page.res.set_header("Content-Security-Policy",
                        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
  });
  ui.post("/models/{id}/approve", officers, [&ui](Page& page) {
    model_action(ui, page, [&](long long id) {
      const auto m = ui.app().registry.approve(page.actor(), id, page.field("note"));
      return "Model " + m.version + " approved by " + page.actor().name +
             "; a risk officer or admin may now promote it.";
    });
  });
  ui.post("/models/{id}/reject", officers, [&ui](Page& page) {
    model_action(ui, page, [&](long long id) {
      const auto m = ui.app().registry.reject(page.actor(), id, page.field("reason"));
      return "Model " + m.version + " rejected.";
    });
  });
  ui.post("/models/{id}/promote", promoters, [&ui](Page& page) {
    model_action(ui, page, [&](long long id) {
      const auto m = ui.app().registry.promote(page.actor(), id);
      return "Model " + m.version + " is the champion; every replica serves it within seconds.";
    });
  });
  ui.post("/models/{id}/rollback", promoters, [&ui](Page& page) {
    model_action(ui, page, [&](long long id) {
      const auto m = ui.app().registry.rollback(page.actor(), id);
      return "Rolled back: model " + m.version + " is the champion again.";
    });
  });
}

}  // namespace risklab::web::ui
