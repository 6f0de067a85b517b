#include "core/error.hpp"
#include "service/outcome_service.hpp"
#include "web/api/routes.hpp"
#include "web/detail/request_bodies.hpp"
#include "web/router.hpp"

namespace risklab::web {
void register_outcome_routes(Router& router) {
  App& app = router.app();
  router.add("POST", "/api/v1/outcomes", Access::signed_in,
             [&app](const httplib::Request& req, httplib::Response& res, RequestContext& ctx) {
               const auto inputs = detail::outcome_inputs(json_body(req));
               nlohmann::json out = nlohmann::json::array();
               for (const auto& outcome : app.outcomes.record(*ctx.actor, inputs)) {
                 out.push_back({{"id", outcome.id},
                                {"company", outcome.company},
                                {"defaulted", outcome.defaulted},
                                {"observed_at", outcome.observed_at},
                                {"lake_key", outcome.lake_key}});
               }
               reply(res, 201, {{"outcomes", out}});
             });
  router.add("GET", "/api/v1/outbox", Access::signed_in,
             [&app](const httplib::Request&, httplib::Response& res, RequestContext&) {
               const auto backlog = app.outbox.backlog();
               reply(res, 200,
                     {{"pending", backlog.pending},
                      {"oldest", backlog.oldest_created_at ? nlohmann::json(*backlog.oldest_created_at)
                                                           : nullptr}});
             });
}

}  // namespace risklab::web
