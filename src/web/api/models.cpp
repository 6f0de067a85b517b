#include "core/error.hpp"
#include "service/champion.hpp"
#include "service/registry_service.hpp"
#include "web/api/routes.hpp"
#include "web/router.hpp"

namespace risklab::web {
namespace {

nlohmann::json model_json(const service::ModelView& model) {
  return {{"id", model.id},
          {"version", model.version},
          {"family", model.family},
          {"status", model.status},
          {"artifact_sha256", model.artifact_sha256},
          {"features", model.features},
          {"metrics", model.metrics},
          {"created_at", model.created_at},
          {"created_by", model.created_by},
          {"promoted_at", model.promoted_at ? nlohmann::json(*model.promoted_at) : nullptr},
          {"promoted_by", model.promoted_by ? nlohmann::json(*model.promoted_by) : nullptr},
          {"snapshot_id", model.snapshot_id ? nlohmann::json(*model.snapshot_id) : nullptr},
          {"review", model.review ? nlohmann::json{{"verdict", model.review->verdict},
                                                   {"reviewer", model.review->reviewer},
                                                   {"note", model.review->note},
                                                   {"reviewed_at", model.review->reviewed_at}}
                                  : nlohmann::json(nullptr)}};
}

/// The optional text field `name` of a JSON body; InvalidInput if present and not a string.
std::string text_field(const nlohmann::json& body, const char* name) {
  const auto it = body.find(name);
  if (it == body.end() || it->is_null()) return {};
  if (!it->is_string())
    throw core::InvalidInput("bad_field", std::string("'") + name + "' must be a string");
  return it->get<std::string>();
}

}  // namespace

void register_model_routes(Router& router) {
  App& app = router.app();
  router.add("GET", "/api/v1/models", Access::signed_in,
             [&app](const httplib::Request&, httplib::Response& res, RequestContext& ctx) {
               nlohmann::json out = nlohmann::json::array();
               for (const auto& model : app.registry.list(*ctx.actor))
                 out.push_back(model_json(model));
               reply(res, 200, {{"models", out}});
             });
  router.add("GET", "/api/v1/models/{id}", Access::signed_in,
             [&app](const httplib::Request& req, httplib::Response& res, RequestContext& ctx) {
               reply(res, 200, model_json(app.registry.get(*ctx.actor, id_param(req))));
             });
  router.add("GET", "/api/v1/models/{id}/card", Access::signed_in,
             [&app](const httplib::Request& req, httplib::Response& res, RequestContext& ctx) {
               const bool html = req.has_param("format") && req.get_param_value("format") == "html";
               const auto text = app.registry.model_card(*ctx.actor, id_param(req), html);
               res.status = 200;
               res.set_content(text, html ? "text/html; charset=utf-8" : "application/json");
             });
  router.add("POST", "/api/v1/models/{id}/approve", Access::signed_in,
             [&app](const httplib::Request& req, httplib::Response& res, RequestContext& ctx) {
               const auto body = req.body.empty() ? nlohmann::json::object() : json_body(req);
               reply(res, 200,
                     model_json(app.registry.approve(*ctx.actor, id_param(req),
                                                     text_field(body, "note"))));
             });
  router.add("POST", "/api/v1/models/{id}/reject", Access::signed_in,
             [&app](const httplib::Request& req, httplib::Response& res, RequestContext& ctx) {
               const auto body = json_body(req);
               reply(res, 200,
                     model_json(app.registry.reject(*ctx.actor, id_param(req),
                                                    text_field(body, "reason"))));
             });
  router.add("POST", "/api/v1/models/{id}/promote", Access::signed_in,
             [&app](const httplib::Request& req, httplib::Response& res, RequestContext& ctx) {
               const auto model = app.registry.promote(*ctx.actor, id_param(req));
               app.champion.refresh();  // this replica serves it at once; others within a second
               reply(res, 200, model_json(model));
             });
  router.add("POST", "/api/v1/models/{id}/rollback", Access::signed_in,
             [&app](const httplib::Request& req, httplib::Response& res, RequestContext& ctx) {
               const auto model = app.registry.rollback(*ctx.actor, id_param(req));
               app.champion.refresh();
               reply(res, 200, model_json(model));
             });
}

}  // namespace risklab::web
