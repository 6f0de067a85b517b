#include "core/error.hpp"
#include "service/auth_service.hpp"
#include "web/ui/html.hpp"
#include "web/ui/pages.hpp"
#include "web/ui/ui.hpp"

namespace risklab::web::ui {
namespace {

// A pre-session CSRF token for the log-in form (double submit: a cookie only this site can
// set, echoed in the form), so another site cannot sign a browser in to an account it chose.
constexpr const char* kLoginCookie = "risklab_login";

void login_form(Ui& ui, Page& page, const std::string& next, const std::string& username,
                const std::string& error, int status) {
  const auto token = service::random_hex_secret();
  page.res.set_header("Set-Cookie", std::string(kLoginCookie) + "=" + token +
                                        "; Path=/login; HttpOnly; SameSite=Strict; Max-Age=3600");
  Data data;
  data.set("login_token", text(token));
  data.set("next", text(next));
  data.set("username", text(username));
  if (!error.empty()) data.set("error", text(error));
  ui.render(page, "login", data, "Sign in", status);
}

}  // namespace

void register_session_pages(Ui& ui) {
  ui.get("/login", PageAccess::anyone(), [&ui](Page& page) {
    const auto next = safe_local_path(page.field("next"));
    if (page.ctx.actor) return ui.redirect(page, next);
    login_form(ui, page, next, "", "", 200);
  });
  ui.post("/login", PageAccess::anyone(), [&ui](Page& page) {
    const auto next = safe_local_path(page.field("next"));
    const auto username = page.field("username");
    const auto expected = cookie_value(page.req, kLoginCookie);
    if (expected.empty() || page.field("login_token") != expected) {
      return login_form(ui, page, next, username,
                        "The sign-in form had expired. Please sign in again.", 403);
    }
    try {
      const auto login = ui.app().auth.login(username, page.field("password"));
      // The browser's previous session (another user's on a shared machine, or a planted
      // value) ends here rather than living on beside the new one.
      if (const auto previous = cookie_value(page.req, kSessionCookie); !previous.empty()) {
        ui.app().auth.logout(previous);
      }
      page.res.set_header("Set-Cookie", std::string(kSessionCookie) + "=" + login.session_token +
                                            "; Path=/; HttpOnly; SameSite=Strict; Max-Age=28800" +
                                            (ui.app().secure_cookies ? "; Secure" : ""));
      ui.redirect(page, next);
    } catch (const core::Unauthenticated&) {
      login_form(ui, page, next, username, "Wrong user name or password.", 401);
    } catch (const core::TooManyRequests&) {
      login_form(ui, page, next, username,
                 "Too many failed attempts for this user name. Wait five minutes and try again.",
                 429);
    }
  });
  ui.post("/logout", PageAccess::signed_in(), [&ui](Page& page) {
    ui.app().auth.logout(page.ctx.session_token);
    page.res.set_header("Set-Cookie", std::string(kSessionCookie) +
                                          "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    ui.redirect(page, "/login", "You are signed out.");
  });
}

}  // namespace risklab::web::ui
