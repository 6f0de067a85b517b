#include <nlohmann/json.hpp>

#include "service/overview_service.hpp"
#include "web/ui/format.hpp"
#include "web/ui/html.hpp"
#include "web/ui/pages.hpp"
#include "web/ui/ui.hpp"

namespace risklab::web::ui {

void register_overview_page(Ui& ui) {
  ui.get("/", PageAccess::signed_in(), [&ui](Page& page) {
    const auto overview = ui.overview().overview(page.actor());
    Data data;
    data.set("companies", text(thousands(overview.companies)));
    data.set("statements", text(thousands(overview.statements)));
    data.set("assessments", text(thousands(overview.assessments)));
    if (overview.champion) {
      Data champion;
      champion.set("id", text(std::to_string(overview.champion->id)));
      champion.set("version", text(overview.champion->version));
      champion.set("family", text(overview.champion->family));
      champion.set("since", text(timestamp(overview.champion->promoted_at.value_or(
                                overview.champion->created_at))));
      Data metrics = list();
      for (const auto& [name, value] : overview.champion->metrics) {
        Data row;
        row.set("name", text(name));
        row.set("value", text(metric(value)));
        metrics.push_back(row);
      }
      champion.set("metrics", metrics);
      data.set("champion", champion);
    } else {
      data.set("champion_error", text(overview.champion_error.empty()
                                          ? "No model is champion yet."
                                          : overview.champion_error));
    }
    nlohmann::json labels = nlohmann::json::array();
    nlohmann::json counts = nlohmann::json::array();
    Data grades = list();
    long long graded = 0;
    for (const auto& grade : overview.recent_grades) {
      labels.push_back(grade.value);
      counts.push_back(grade.count);
      graded += grade.count;
      Data row;
      row.set("grade", text(grade.value));
      row.set("count", text(thousands(grade.count)));
      grades.push_back(row);
    }
    data.set("grades", grades);
    data.set("graded", text(thousands(graded)));
    data.set("window", text(thousands(overview.recent_window)));
    data.set("has_grades", Data(graded > 0));
    const nlohmann::json chart = {{"type", "bar"},
                                  {"labels", labels},
                                  {"series", {{{"label", "Assessments"}, {"data", counts}}}},
                                  {"x_title", "Grade"},
                                  {"y_title", "Assessments"}};
    data.set("grade_chart", text(script_safe_json(chart.dump())));
    Data recent = list();
    for (const auto& a : overview.recent_assessments) recent.push_back(assessment_row(a));
    data.set("recent", recent);
    data.set("has_recent", Data(!overview.recent_assessments.empty()));
    data.set("decisions", text(thousands(overview.decisions.decisions)));
    data.set("overrides", text(thousands(overview.decisions.overrides)));
    data.set("override_rate",
             text(overview.decisions.decisions == 0
                      ? "—"
                      : decimal(100.0 * static_cast<double>(overview.decisions.overrides) /
                                    static_cast<double>(overview.decisions.decisions),
                                1) + " %"));
    data.set("outbox_pending", text(thousands(overview.outbox.pending)));
    if (overview.outbox.oldest_created_at) {
      data.set("outbox_oldest", text(timestamp(*overview.outbox.oldest_created_at)));
    }
    Data jobs = list();
    for (const auto& job : overview.training_jobs) {
      Data row;
      row.set("status", text(job.value));
      row.set("count", text(thousands(job.count)));
      jobs.push_back(row);
    }
    data.set("jobs", jobs);
    data.set("has_jobs", Data(!overview.training_jobs.empty()));
    ui.render(page, "overview", data, "Overview");
  });
}

}  // namespace risklab::web::ui
