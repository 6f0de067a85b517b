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
          {"promoted_by", model.promoted_by ? nlohmann::json(*model.promoted_by) : nullptr}};
}

}  // namespace

void register_model_routes(Router& router) {
  App& app = router.app();
  router.add("GET", "/api/v1/models", Access::signed_in,
             [&app](const httplib::Request&, httplib::Response& res, RequestContext& ctx) {
               nlohmann::json out = nlohmann::json::array();
               for (const auto& model : app.registry.list(*ctx.actor)) out.push_back(model_json(model));
               reply(res, 200, {{"models", out}});
             });
  router.add("GET", "/api/v1/models/{id}", Access::signed_in,
             [&app](const httplib::Request& req, httplib::Response& res, RequestContext& ctx) {
               reply(res, 200, model_json(app.registry.get(*ctx.actor, id_param(req))));
             });
  router.add("POST", "/api/v1/models/{id}/promote", Access::signed_in,
             [&app](const httplib::Request& req, httplib::Response& res, RequestContext& ctx) {
               const auto model = app.registry.promote(*ctx.actor, id_param(req));
               app.champion.refresh();  // this replica serves it at once; others within a second
               reply(res, 200, model_json(model));
             });
}

}  // namespace risklab::web
