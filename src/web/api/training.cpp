#include "core/error.hpp"
#include "service/training_service.hpp"
#include "web/api/routes.hpp"
#include "web/detail/request_bodies.hpp"
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
               const auto request = detail::training_request(json_body(req));
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
