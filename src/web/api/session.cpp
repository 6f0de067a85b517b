#include "core/error.hpp"
#include "service/auth_service.hpp"
#include "web/api/routes.hpp"
#include "web/router.hpp"

namespace risklab::web {
namespace {

nlohmann::json actor_json(const core::Actor& actor) {
  nlohmann::json roles = nlohmann::json::array();
  for (const auto role : actor.roles) roles.push_back(core::role_name(role));
  return {{"username", actor.name}, {"roles", roles}};
}

std::string string_field(const nlohmann::json& body, const char* name) {
  if (!body.contains(name) || !body[name].is_string()) {
    throw core::InvalidInput("field_missing", std::string("'") + name + "' must be a string");
  }
  return body[name].get<std::string>();
}

}  // namespace

void register_session_routes(Router& router) {
  App& app = router.app();
  router.add("POST", "/api/v1/session", Access::open,
             [&app](const httplib::Request& req, httplib::Response& res, RequestContext&) {
               const auto body = json_body(req);
               const auto login =
                   app.auth.login(string_field(body, "username"), string_field(body, "password"));
               // A new log-in never keeps the session this client had: that cookie value may
               // have been seen or planted, and it must not outlive the sign-in.
               if (const auto previous = session_cookie(req); !previous.empty()) {
                 app.auth.logout(previous);
               }
               res.set_header("Set-Cookie", std::string(kSessionCookie) + "=" +
                                                login.session_token +
                                                "; Path=/; HttpOnly; SameSite=Strict; Max-Age=28800" +
                                                (app.secure_cookies ? "; Secure" : ""));
               auto out = actor_json(login.actor);
               out["csrf_token"] = login.csrf_token;
               out["expires_at"] = login.expires_at;
               reply(res, 200, out);
             });
  router.add("GET", "/api/v1/session", Access::signed_in,
             [](const httplib::Request&, httplib::Response& res, RequestContext& ctx) {
               auto out = actor_json(*ctx.actor);
               out["via"] = ctx.via_session ? "session" : "token";
               reply(res, 200, out);
             });
  router.add("DELETE", "/api/v1/session", Access::signed_in,
             [&app](const httplib::Request&, httplib::Response& res, RequestContext& ctx) {
               if (ctx.via_session) app.auth.logout(ctx.session_token);
               res.set_header("Set-Cookie", std::string(kSessionCookie) +
                                                "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
               res.status = 204;
             });
}

}  // namespace risklab::web
