#include "core/error.hpp"
#include "service/snapshot_service.hpp"
#include "web/api/routes.hpp"
#include "web/router.hpp"

namespace risklab::web {
namespace {

service::SnapshotService& snapshots_of(App& app) {
  if (!app.snapshots)
    throw core::Unavailable("lake_unavailable", "this server has no lake configured");
  return *app.snapshots;
}

std::optional<std::string> optional_string(const nlohmann::json& body, const char* field) {
  if (!body.contains(field) || body[field].is_null()) return std::nullopt;
  if (!body[field].is_string()) {
    throw core::InvalidInput("bad_field", std::string("'") + field + "' must be a string");
  }
  return body[field].get<std::string>();
}

}  // namespace

void register_snapshot_routes(Router& router) {
  App& app = router.app();
  router.add("GET", "/api/v1/snapshots", Access::signed_in,
             [&app](const httplib::Request& req, httplib::Response& res, RequestContext& ctx) {
               std::optional<std::string> dataset;
               if (req.has_param("dataset")) dataset = req.get_param_value("dataset");
               nlohmann::json out = nlohmann::json::array();
               for (const auto& s : snapshots_of(app).list(*ctx.actor, dataset))
                 out.push_back(service::snapshot_json(s));
               reply(res, 200, {{"snapshots", out}});
             });
  router.add("POST", "/api/v1/snapshots", Access::signed_in,
             [&app](const httplib::Request& req, httplib::Response& res, RequestContext& ctx) {
               const auto body = json_body(req);
               if (!body.is_object())
                 throw core::InvalidInput("bad_json", "the body must be a JSON object");
               service::SnapshotRequest request;
               request.dataset = optional_string(body, "dataset");
               request.note = optional_string(body, "note");
               const auto result = snapshots_of(app).create(*ctx.actor, request);
               nlohmann::json out = service::snapshot_json(result.snapshot);
               out["created"] = result.created;
               reply(res, result.created ? 201 : 200, out);
             });
  router.add("GET", "/api/v1/snapshots/{snapshot_id}", Access::signed_in,
             [&app](const httplib::Request& req, httplib::Response& res, RequestContext& ctx) {
               const auto [record, manifest] =
                   snapshots_of(app).show(*ctx.actor, req.matches[1].str());
               nlohmann::json out = service::snapshot_json(record);
               out["manifest"] = manifest;
               reply(res, 200, out);
             });
  router.add(
      "POST", "/api/v1/snapshots/{snapshot_id}/verify", Access::signed_in,
      [&app](const httplib::Request& req, httplib::Response& res, RequestContext& ctx) {
        const auto check = snapshots_of(app).verify(*ctx.actor, req.matches[1].str());
        reply(res, 200,
              {{"id", check.id},
               {"ok", check.ok},
               {"problem", check.ok ? nlohmann::json(nullptr) : nlohmann::json(check.problem)}});
      });
}

}  // namespace risklab::web
