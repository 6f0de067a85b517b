#include "core/error.hpp"
#include "service/snapshot_service.hpp"
#include "web/ui/format.hpp"
#include "web/ui/pages.hpp"
#include "web/ui/ui.hpp"

namespace risklab::web::ui {
namespace {

service::SnapshotService& snapshots_of(Ui& ui) {
  if (!ui.app().snapshots)
    throw core::Unavailable("lake_unavailable", "this server has no lake configured");
  return *ui.app().snapshots;
}

Data snapshot_row(const store::SnapshotRecord& s) {
  Data row;
  row.set("id", text(s.id));
  row.set("short_id", text(s.id.substr(0, 12)));
  row.set("seq", text(std::to_string(s.seq)));
  row.set("dataset", text(s.dataset));
  row.set("rows", text(thousands(s.row_count)));
  row.set("defaults", text(thousands(s.default_count)));
  row.set("rate", text(s.row_count ? decimal(100.0 * static_cast<double>(s.default_count) /
                                                 static_cast<double>(s.row_count),
                                             2) +
                                         " %"
                                   : "—"));
  if (s.previous_id) row.set("previous", text(s.previous_id->substr(0, 12)));
  if (s.previous_id) row.set("previous_id", text(*s.previous_id));
  row.set("note", text(s.note.value_or("")));
  row.set("by", text(s.created_by));
  row.set("at", text(timestamp(s.created_at)));
  return row;
}

bool may_create(const core::Actor& actor) {
  return actor.has(core::Role::data_steward) || actor.has(core::Role::model_developer) ||
         actor.has(core::Role::admin);
}

void list_page(Ui& ui, Page& page, Data data, int status) {
  Data rows = list();
  for (const auto& s : snapshots_of(ui).list(page.actor())) rows.push_back(snapshot_row(s));
  data.set("snapshots", rows);
  data.set("may_create", Data(may_create(page.actor())));
  data.set("may_train", Data(page.actor().has(core::Role::model_developer) ||
                             page.actor().has(core::Role::admin)));
  data.set("note", text(page.field("note")));
  data.set("dataset", text(page.field("dataset")));
  ui.render(page, "snapshots", data, "Snapshots", status);
}

}  // namespace

void register_snapshot_pages(Ui& ui) {
  using core::Role;
  const auto readers = PageAccess::signed_in();
  const auto creators =
      PageAccess::any_of({Role::data_steward, Role::model_developer, Role::admin});
  const auto verifiers = PageAccess::any_of(
      {Role::data_steward, Role::model_developer, Role::risk_officer, Role::admin});
  ui.get("/snapshots", readers, [&ui](Page& page) { list_page(ui, page, Data(), 200); });
  ui.post("/snapshots", creators, [&ui](Page& page) {
    service::SnapshotRequest request;
    if (!page.field("dataset").empty()) request.dataset = page.field("dataset");
    if (!page.field("note").empty()) request.note = page.field("note");
    try {
      const auto created = snapshots_of(ui).create(page.actor(), request);
      ui.redirect(page, "/snapshots/" + created.snapshot.id,
                  created.created ? "Snapshot " + created.snapshot.id.substr(0, 12) +
                                        " frozen: " + std::to_string(created.snapshot.row_count) +
                                        " labelled statements."
                                  : "Nothing changed since snapshot " +
                                        created.snapshot.id.substr(0, 12) + ": it is reused.");
    } catch (const core::InvalidInput& error) {
      Data data;
      data.set("error", text(error.what()));
      list_page(ui, page, data, 422);
    } catch (const core::NotFound& error) {
      Data data;
      data.set("error", text(error.what()));
      list_page(ui, page, data, 404);
    }
  });
  ui.get("/snapshots/{snapshot_id}", readers, [&ui](Page& page) {
    const auto [record, manifest] = snapshots_of(ui).show(page.actor(), page.req.matches[1]);
    Data data = snapshot_row(record);
    data.set("data_key", text(record.data_key));
    data.set("manifest_key", text(record.manifest_key));
    data.set("manifest", text(manifest.dump(2)));
    data.set("may_verify",
             Data(page.actor().has(Role::data_steward) || page.actor().has(Role::model_developer) ||
                  page.actor().has(Role::risk_officer) || page.actor().has(Role::admin)));
    data.set("may_train",
             Data(page.actor().has(Role::model_developer) || page.actor().has(Role::admin)));
    ui.render(page, "snapshot", data, "Snapshot " + record.id.substr(0, 12));
  });
  ui.post("/snapshots/{snapshot_id}/verify", verifiers, [&ui](Page& page) {
    const std::string id = page.req.matches[1];
    const auto check = snapshots_of(ui).verify(page.actor(), id);
    if (check.ok) {
      ui.redirect(page, "/snapshots/" + id, "Verified: data and manifest match their sha256.");
    } else {
      ui.redirect(page, "/snapshots/" + id, "DAMAGED: " + check.problem, "error");
    }
  });
}

}  // namespace risklab::web::ui
