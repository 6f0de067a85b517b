#include "core/error.hpp"
#include "service/training_service.hpp"
#include "web/api/routes.hpp"
#include "web/router.hpp"

namespace risklab::web {
namespace {

service::TrainingService& training_of(App& app) {
  if (!app.training)
    throw core::Unavailable("training_unavailable", "this server runs no training queue");
  return *app.training;
}

}  // namespace

void register_training_routes(Router& router) {
  App& app = router.app();
  router.add("POST", "/api/v1/training-jobs", Access::signed_in,
             [&app](const httplib::Request& req, httplib::Response& res, RequestContext& ctx) {
               const auto body = json_body(req);
               if (!body.is_object())
                 throw core::InvalidInput("bad_json", "the body must be a JSON object");
               service::TrainingRequest request;
               if (!body.contains("snapshot_id") || !body["snapshot_id"].is_string()) {
                 throw core::InvalidInput("field_missing", "'snapshot_id' must be a string");
               }
               request.snapshot_id = body["snapshot_id"].get<std::string>();
               if (body.contains("family")) {
                 if (!body["family"].is_string())
                   throw core::InvalidInput("bad_family", "'family' must be a string");
                 request.family = body["family"].get<std::string>();
               }
               if (body.contains("parameters")) request.parameters = body["parameters"];
               reply(res, 201,
                     service::training_job_json(training_of(app).submit(*ctx.actor, request)));
             });
  router.add("GET", "/api/v1/training-jobs", Access::signed_in,
             [&app](const httplib::Request&, httplib::Response& res, RequestContext& ctx) {
               nlohmann::json out = nlohmann::json::array();
               for (const auto& job : training_of(app).list(*ctx.actor))
                 out.push_back(service::training_job_json(job));
               reply(res, 200, {{"training_jobs", out}});
             });
  router.add("GET", "/api/v1/training-jobs/{id}", Access::signed_in,
             [&app](const httplib::Request& req, httplib::Response& res, RequestContext& ctx) {
               reply(res, 200,
                     service::training_job_json(training_of(app).get(*ctx.actor, id_param(req))));
             });
  router.add("GET", "/api/v1/models/{id}/report", Access::signed_in,
             [&app](const httplib::Request& req, httplib::Response& res, RequestContext& ctx) {
               const bool html = req.get_param_value("format") == "html";
               res.status = 200;
               res.set_content(training_of(app).report(*ctx.actor, id_param(req), html),
                               html ? "text/html; charset=utf-8" : "application/json");
             });
  router.add("POST", "/api/v1/training-jobs/{id}/cancel", Access::signed_in,
             [&app](const httplib::Request& req, httplib::Response& res, RequestContext& ctx) {
               reply(
                   res, 200,
                   service::training_job_json(training_of(app).cancel(*ctx.actor, id_param(req))));
             });
}

}  // namespace risklab::web
