#include "service/audit_service.hpp"
#include "web/ui/format.hpp"
#include "web/ui/html.hpp"
#include "web/ui/pages.hpp"
#include "web/ui/ui.hpp"

namespace risklab::web::ui {
namespace {

constexpr int kPageSize = 50;

std::optional<std::string> filter(const Page& page, const std::string& name) {
  const auto value = page.field(name);
  if (value.empty()) return std::nullopt;
  return value;
}

// A before/after document shortened for a table cell; the full row is one click away in the API.
std::string excerpt(const std::optional<std::string>& json) {
  if (!json) return "";
  return json->size() > 160 ? json->substr(0, 157) + "…" : *json;
}

void audit_page(Ui& ui, Page& page, std::optional<store::AuditVerification> verification) {
  store::AuditQuery query;
  query.entity_type = filter(page, "entity_type");
  query.entity_id = filter(page, "entity_id");
  query.actor = filter(page, "actor");
  query.action = filter(page, "action");
  // Newest first, as a reader expects of a log; "Older entries" pages back by id.
  query.newest_first = true;
  query.before_id = page.int_field("before_id");
  query.limit = kPageSize;
  const auto entries = ui.app().audit.list(page.actor(), query);  // the role check
  Data data;
  for (const char* name : {"entity_type", "entity_id", "actor", "action"}) {
    data.set(name, text(page.field(name)));
  }
  Data rows = list();
  for (const auto& entry : entries) {
    Data row;
    row.set("id", text(std::to_string(entry.id)));
    row.set("at", text(timestamp(entry.at)));
    row.set("actor", text(entry.actor));
    row.set("action", text(entry.action));
    row.set("entity", text(entry.entity_type + " " + entry.entity_id));
    row.set("before", text(excerpt(entry.before_json)));
    row.set("after", text(excerpt(entry.after_json)));
    row.set("hash", text(entry.hash.substr(0, 12)));
    rows.push_back(row);
  }
  data.set("entries", rows);
  data.set("has_entries", Data(!entries.empty()));
  std::string filters;
  for (const char* name : {"entity_type", "entity_id", "actor", "action"}) {
    if (!page.field(name).empty()) filters += std::string("&") + name + "=" + url_encode(page.field(name));
  }
  if (static_cast<int>(entries.size()) == kPageSize) {
    data.set("next_href", text("/audit?before_id=" + std::to_string(entries.back().id) + filters));
  }
  if (query.before_id) {
    data.set("first_href", text("/audit" + (filters.empty() ? "" : "?" + filters.substr(1))));
  }
  if (verification) {
    Data result;
    result.set("ok", Data(verification->ok));
    result.set("rows", text(thousands(verification->rows_checked)));
    if (verification->first_bad_id) {
      result.set("first_bad_id", text(std::to_string(*verification->first_bad_id)));
    }
    result.set("problem", text(verification->problem));
    data.set("verification", result);
    if (page.htmx()) return ui.render(page, "audit_verify", data, "Audit", 200, true);
  }
  ui.render(page, "audit", data, "Audit trail");
}

}  // namespace

void register_audit_page(Ui& ui) {
  using core::Role;
  const auto auditors = PageAccess::any_of({Role::admin, Role::risk_officer});
  ui.get("/audit", auditors, [&ui](Page& page) { audit_page(ui, page, std::nullopt); });
  ui.get("/audit/verify", auditors, [&ui](Page& page) {
    store::AuditQuery probe;
    probe.limit = 1;
    ui.app().audit.list(page.actor(), probe);  // the service's role check before the work
    audit_page(ui, page, ui.app().audit.verify());
  });
}

}  // namespace risklab::web::ui
