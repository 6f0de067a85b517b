#include "core/error.hpp"
#include "service/outcome_service.hpp"
#include "service/overview_service.hpp"
#include "web/ui/format.hpp"
#include "web/ui/pages.hpp"
#include "web/ui/ui.hpp"
#include "web/ui/upload.hpp"

namespace risklab::web::ui {
namespace {

constexpr long long kRecent = 20;

// Messages of a refused file, one problem a line.
Data problem_lines(const std::string& message) {
  Data lines = list();
  std::size_t pos = 0;
  while (pos < message.size()) {
    const auto end = std::min(message.find('\n', pos), message.size());
    if (end > pos) lines.push_back(Data("line", text(message.substr(pos, end - pos))));
    pos = end + 1;
  }
  return lines;
}

void ground_truth_page(Ui& ui, Page& page, Data data, int status) {
  const auto backlog = ui.app().outbox.backlog();
  data.set("pending", text(thousands(backlog.pending)));
  if (backlog.oldest_created_at) data.set("oldest", text(timestamp(*backlog.oldest_created_at)));
  Data outcomes = list();
  for (const auto& o : ui.overview().recent_outcomes(page.actor(), kRecent)) {
    Data row;
    row.set("id", text(std::to_string(o.id)));
    row.set("company", text(o.company));
    row.set("defaulted", Data(o.defaulted));
    row.set("observed_at", text(o.observed_at));
    row.set("source", text(o.source));
    row.set("note", text(o.note.value_or("")));
    row.set("by", text(o.recorded_by));
    row.set("at", text(timestamp(o.recorded_at)));
    outcomes.push_back(row);
  }
  data.set("outcomes", outcomes);
  Data events = list();
  for (const auto& e : ui.overview().recent_outbox(page.actor(), kRecent)) {
    Data row;
    row.set("event", text(e.event_type + " " + e.entity_id));
    row.set("key", text(e.lake_key));
    row.set("created", text(timestamp(e.created_at)));
    if (e.shipped_at) row.set("shipped", text(timestamp(*e.shipped_at)));
    row.set("attempts", text(std::to_string(e.attempts)));
    if (e.last_error) row.set("error", text(*e.last_error));
    events.push_back(row);
  }
  data.set("events", events);
  for (const char* name : {"company", "observed_at", "note"}) data.set(name, text(page.field(name)));
  data.set("defaulted_yes", Data(page.field("defaulted") == "1"));
  ui.render(page, "ground_truth", data, "Ground truth", status);
}

}  // namespace

void register_ground_truth_pages(Ui& ui) {
  using core::Role;
  const auto stewards = PageAccess::any_of({Role::data_steward, Role::admin});
  ui.get("/ground-truth", stewards, [&ui](Page& page) { ground_truth_page(ui, page, Data(), 200); });
  ui.post("/ground-truth", stewards, [&ui](Page& page) {
    service::OutcomeInput input;
    input.company = page.field("company");
    input.observed_at = page.field("observed_at");
    if (!page.field("note").empty()) input.note = page.field("note");
    try {
      if (page.field("defaulted") != "0" && page.field("defaulted") != "1") {
        throw core::InvalidInput("field_missing", "say whether the company defaulted");
      }
      input.defaulted = page.field("defaulted") == "1";
      const auto recorded = ui.app().outcomes.record(page.actor(), {input});
      ui.redirect(page, "/ground-truth",
                  "Outcome " + std::to_string(recorded.front().id) + " recorded for " +
                      recorded.front().company + "; it ships to the lake as " +
                      recorded.front().lake_key + ".");
    } catch (const core::Error& error) {
      if (!dynamic_cast<const core::InvalidInput*>(&error) &&
          !dynamic_cast<const core::NotFound*>(&error)) {
        throw;
      }
      Data data;
      data.set("error", text(error.what()));
      ground_truth_page(ui, page, data, dynamic_cast<const core::NotFound*>(&error) ? 404 : 422);
    }
  });
  ui.post("/ground-truth/import", stewards, [&ui](Page& page) {
    try {
      const Upload upload(page.req, "file");
      try {
        const auto recorded = ui.app().outcomes.record_csv(page.actor(), upload.path());
        ui.redirect(page, "/ground-truth",
                    std::to_string(recorded.size()) + " outcomes recorded from " + upload.name() + ".");
      } catch (const core::InvalidInput& error) {
        Data data;
        data.set("import_problems", problem_lines(upload.display(error.what())));
        data.set("has_problems", Data(true));
        data.set("import_file", text(upload.name()));
        ground_truth_page(ui, page, data, 422);
      } catch (const core::NotFound& error) {
        Data data;
        data.set("import_problems", problem_lines(upload.display(error.what())));
        data.set("has_problems", Data(true));
        data.set("import_file", text(upload.name()));
        ground_truth_page(ui, page, data, 422);
      }
    } catch (const core::InvalidInput& error) {  // no file
      Data data;
      data.set("import_problems", problem_lines(error.what()));
      data.set("has_problems", Data(true));
      ground_truth_page(ui, page, data, 422);
    }
  });
}

}  // namespace risklab::web::ui
