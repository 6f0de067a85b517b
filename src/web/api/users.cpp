#include "core/error.hpp"
#include "service/auth_service.hpp"
#include "web/api/routes.hpp"
#include "web/router.hpp"

namespace risklab::web {
namespace {

std::string required(const nlohmann::json& body, const char* name) {
  if (!body.contains(name) || !body[name].is_string()) {
    throw core::InvalidInput("field_missing", std::string("'") + name + "' must be a string");
  }
  return body[name].get<std::string>();
}

}  // namespace

void register_user_routes(Router& router) {
  App& app = router.app();
  router.add("GET", "/api/v1/users", Access::signed_in,
             [&app](const httplib::Request&, httplib::Response& res, RequestContext& ctx) {
               nlohmann::json out = nlohmann::json::array();
               for (const auto& user : app.auth.list_users(*ctx.actor)) {
                 out.push_back({{"id", user.id},
                                {"username", user.username},
                                {"display_name", user.display_name},
                                {"roles", user.roles},
                                {"disabled", user.disabled},
                                {"created_at", user.created_at}});
               }
               reply(res, 200, {{"users", out}});
             });
  router.add("POST", "/api/v1/users", Access::signed_in,
             [&app](const httplib::Request& req, httplib::Response& res, RequestContext& ctx) {
               const auto body = json_body(req);
               const auto id = app.auth.create_user(
                   *ctx.actor, required(body, "username"),
                   body.contains("display_name") ? required(body, "display_name") : "",
                   required(body, "password"), required(body, "roles"));
               reply(res, 201, {{"id", id}, {"username", body["username"]}});
             });
  router.add("POST", "/api/v1/users/{username}/disable", Access::signed_in,
             [&app](const httplib::Request& req, httplib::Response& res, RequestContext& ctx) {
               app.auth.disable_user(*ctx.actor, req.matches[1].str());
               res.status = 204;
             });
  router.add("POST", "/api/v1/tokens", Access::signed_in,
             [&app](const httplib::Request& req, httplib::Response& res, RequestContext& ctx) {
               const auto body = json_body(req);
               const std::string username =
                   body.contains("username") ? required(body, "username") : ctx.actor->name;
               const auto token = app.auth.create_token(*ctx.actor, username, required(body, "name"));
               reply(res, 201, {{"id", token.id}, {"token", token.secret}});
             });
  router.add("DELETE", "/api/v1/tokens/{id}", Access::signed_in,
             [&app](const httplib::Request& req, httplib::Response& res, RequestContext& ctx) {
               app.auth.revoke_token(*ctx.actor, id_param(req));
               res.status = 204;
             });
}

}  // namespace risklab::web
