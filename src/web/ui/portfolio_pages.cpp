#include "core/error.hpp"
#include "service/overview_service.hpp"
#include "service/portfolio_service.hpp"
#include "web/ui/figures.hpp"
#include "web/ui/format.hpp"
#include "web/ui/html.hpp"
#include "web/ui/pages.hpp"
#include "web/ui/ui.hpp"
#include "web/ui/upload.hpp"

namespace risklab::web::ui {
namespace {

constexpr long long kPageSize = 25;

bool may_edit(const core::Actor& actor) {
  return actor.has(core::Role::analyst) || actor.has(core::Role::data_steward) ||
         actor.has(core::Role::admin);
}

// An import's problems as the user reads them: "line 7, column 'X12': not a number".
Data problem_rows(const service::ImportReport& report) {
  Data rows = list();
  for (const auto& problem : report.problems) {
    Data row;
    row.set("line", text(std::to_string(problem.line)));
    row.set("column", text(problem.column.value_or("")));
    row.set("message", text(problem.message));
    rows.push_back(row);
  }
  return rows;
}

void portfolio_page(Ui& ui, Page& page, Data data, int status) {
  const auto query = page.field("q");
  const long long offset = page.int_field("offset").value_or(0);
  const auto found = ui.overview().search_statements(page.actor(), query, kPageSize, offset);
  Data rows = list();
  for (const auto& s : found) {
    Data row;
    row.set("id", text(std::to_string(s.id)));
    row.set("company", text(s.company));
    if (s.company_name != s.company) row.set("company_name", text(s.company_name));
    row.set("period", text(s.period));
    row.set("dataset", text(s.dataset));
    rows.push_back(row);
  }
  data.set("statements", rows);
  data.set("q", text(query));
  data.set("has_q", Data(!query.empty()));
  data.set("q_url", text(url_encode(query)));
  data.set("from", text(thousands(found.empty() ? 0 : offset + 1)));
  data.set("to", text(thousands(offset + static_cast<long long>(found.size()))));
  if (offset > 0) data.set("prev_offset", text(std::to_string(std::max(0LL, offset - kPageSize))));
  if (static_cast<long long>(found.size()) == kPageSize) {
    data.set("next_offset", text(std::to_string(offset + kPageSize)));
  }
  data.set("can_score", Data(page.actor().has(core::Role::analyst) ||
                              page.actor().has(core::Role::risk_officer)));
  if (may_edit(page.actor())) {
    Data datasets = list();
    const auto chosen = page.field("dataset");
    for (const auto& name : ui.portfolio().dataset_names(page.actor())) {
      Data item;
      item.set("name", text(name));
      item.set("selected", Data(name == chosen));
      datasets.push_back(item);
    }
    data.set("datasets", datasets);
    data.set("can_edit", Data(true));
    for (const char* name : {"company", "company_name", "period", "figures", "label", "id_column",
                             "name_column", "period_column", "dataset"}) {
      data.set(name, text(page.field(name)));
    }
  }
  ui.render(page, "portfolio", data, "Portfolio", status);
}

}  // namespace

void register_portfolio_pages(Ui& ui) {
  using core::Role;
  const auto editors = PageAccess::any_of({Role::analyst, Role::data_steward, Role::admin});
  ui.get("/portfolio", PageAccess::signed_in(),
         [&ui](Page& page) { portfolio_page(ui, page, Data(), 200); });
  ui.post("/portfolio/import", editors, [&ui](Page& page) {
    Data data;
    try {
      const Upload upload(page.req, "file");
      service::ImportOptions options;
      options.file = upload.path();
      const auto optional_field = [&page](const char* name) -> std::optional<std::string> {
        const auto value = trim(page.field(name));
        if (value.empty()) return std::nullopt;
        return value;
      };
      if (const auto dataset = optional_field("dataset")) options.dataset = *dataset;
      options.label_column = optional_field("label");
      options.id_column = optional_field("id_column");
      options.name_column = optional_field("name_column");
      options.period_column = optional_field("period_column");
      try {
        const auto report = ui.portfolio().import_statements(page.actor(), options);
        return ui.redirect(page, "/portfolio",
                           "Imported " + thousands(static_cast<long long>(report.statements)) +
                               " statements and " + thousands(static_cast<long long>(report.outcomes)) +
                               " outcomes from " + upload.name() + " into dataset " +
                               report.dataset + ".");
      } catch (const service::ImportFailed& failed) {
        data.set("import_file", text(upload.name()));
        data.set("import_problems", problem_rows(failed.report()));
        const auto more = failed.report().problem_count - failed.report().problems.size();
        if (more > 0) data.set("import_more", text(thousands(static_cast<long long>(more))));
      } catch (const core::InvalidInput& error) {
        data.set("import_error", text(upload.display(error.what())));
      }
    } catch (const core::InvalidInput& error) {  // no file
      data.set("import_error", text(error.what()));
    }
    portfolio_page(ui, page, data, 422);
  });
  ui.post("/portfolio/statements", editors, [&ui](Page& page) {
    Data data;
    try {
      service::StatementEntry entry;
      entry.dataset = page.field("dataset");
      entry.company = trim(page.field("company"));
      entry.company_name = trim(page.field("company_name"));
      entry.period = trim(page.field("period"));
      entry.features = parse_figures(page.field("figures"));
      const auto report = ui.portfolio().enter_statement(page.actor(), entry);
      return ui.redirect(page, "/portfolio?q=" + url_encode(entry.company),
                         "Statement of " + entry.company + " added to dataset " + report.dataset + ".");
    } catch (const service::ImportFailed& failed) {
      Data problems = list();
      for (const auto& problem : failed.report().problems) {
        problems.push_back(Data("message", text((problem.column ? "'" + *problem.column + "': " : "") +
                                                problem.message)));
      }
      data.set("entry_problems", problems);
    } catch (const core::InvalidInput& error) {
      data.set("entry_problems", list());
      data.set("entry_error", text(error.what()));
    } catch (const core::NotFound& error) {
      data.set("entry_error", text(error.what()));
    }
    data.set("entry_failed", Data(true));
    portfolio_page(ui, page, data, 422);
  });
}

}  // namespace risklab::web::ui
