#pragma once

#include <httplib.h>
#include <kainjow/mustache.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/role.hpp"
#include "web/app.hpp"
#include "web/metrics.hpp"
#include "web/router.hpp"
#include "web/ui/assets.hpp"

namespace risklab::service {
class OverviewService;
class PortfolioService;
}  // namespace risklab::service

namespace risklab::web::ui {

/// Template data (kainjow mustache): `{{name}}` is HTML-escaped, `{{{name}}}` is not and is
/// used only for HTML we rendered ourselves.
using Data = kainjow::mustache::data;

/// A string value. Use it for every text: a bare `const char*` would become a mustache bool.
inline Data text(const std::string& value) { return Data(value); }
/// A list value.
inline Data list() { return Data(Data::type::list); }

/// Who may open a page.
struct PageAccess {
  bool sign_in = true;            ///< false: anyone (the log-in page)
  std::vector<core::Role> roles;  ///< any of these; empty = any signed-in user

  static PageAccess anyone() { return {false, {}}; }
  static PageAccess signed_in() { return {true, {}}; }
  static PageAccess any_of(std::vector<core::Role> roles) { return {true, std::move(roles)}; }
};

/// One HTML request as a page handler sees it.
struct Page {
  const httplib::Request& req;
  httplib::Response& res;
  RequestContext ctx;       ///< request id; `actor` is set on pages that need sign-in
  std::string csrf_token;   ///< the session's CSRF token, for forms (empty when signed out)
  std::map<std::string, std::string> fields;  ///< query (GET) or form (POST) fields
  std::vector<std::pair<std::string, std::string>> flashes;  ///< (kind, text) to show once

  /// Field `name`, or "" if absent.
  std::string field(const std::string& name) const;
  /// Field `name` as an integer, or nullopt if absent, empty or not a number.
  std::optional<long long> int_field(const std::string& name) const;
  /// Whether htmx sent the request (HX-Request), which then wants a fragment, not a page.
  bool htmx() const { return req.get_header_value("HX-Request") == "true"; }
  const core::Actor& actor() const { return *ctx.actor; }
};

using PageHandler = std::function<void(Page&)>;

/// The server-rendered web UI on the API's httplib server: HTML routes with their own
/// middleware (session cookie sign-in with a redirect to /login, role gate with a 403 page,
/// CSRF token check on every POST form, security headers with a strict CSP, HTML error pages,
/// metrics and the access log), the layout and navigation, flash messages and static assets.
/// Pages call the services directly (never the API over HTTP). See docs/UI.md.
class Ui {
 public:
  Ui(httplib::Server& server, App& app, Metrics& metrics);
  ~Ui();
  Ui(const Ui&) = delete;
  Ui& operator=(const Ui&) = delete;

  /// Registers a page. `path` is a route template like Router's ("/assessments/{id}"; {id} =
  /// digits, available as req.matches[1]). POST handlers run only after the form's
  /// `csrf_token` field matched the session's (else 403 and nothing runs).
  void get(const std::string& path, PageAccess access, PageHandler handler);
  void post(const std::string& path, PageAccess access, PageHandler handler);

  /// Renders web/templates/<name>.mustache inside the layout (or alone for an htmx request
  /// or `fragment`), adding `csrf_token`, `user` and the asset URLs to `data`.
  void render(Page& page, const std::string& name, Data data, const std::string& title,
              int status = 200, bool fragment = false);
  /// 303 to a local path (anything else becomes "/"), with an optional one-time message.
  void redirect(Page& page, const std::string& path, const std::string& flash = "",
                const std::string& kind = "success");
  /// The HTML error page for `status` with a plain message (and no data of the request).
  void error_page(Page& page, int status, const std::string& message);

  App& app() { return app_; }
  const Assets& assets() const { return assets_; }
  /// Every page registered, as the authorization matrix and CSRF tests enumerate them.
  const std::vector<RouteInfo>& routes() const { return routes_; }
  service::OverviewService& overview() { return *overview_; }
  service::PortfolioService& portfolio() { return *portfolio_; }

  /// Sets the headers every UI response carries (CSP, nosniff, referrer policy, frames).
  static void security_headers(httplib::Response& res);
  /// A minimal page for errors raised outside a page handler (no such route, body too large).
  static std::string bare_error_page(int status);
  /// The Content-Security-Policy every page is sent with.
  static const char* content_security_policy();

 private:
  void add(const std::string& method, const std::string& path, PageAccess access,
           PageHandler handler);
  std::string render_template(const std::string& name, const Data& data) const;

  httplib::Server& server_;
  App& app_;
  Metrics& metrics_;
  Assets assets_;
  std::map<std::string, std::string, std::less<>> templates_;
  std::unique_ptr<service::OverviewService> overview_;
  std::unique_ptr<service::PortfolioService> portfolio_;
  std::vector<RouteInfo> routes_;
};

/// Name of the cookie that carries a one-time message across a redirect.
inline constexpr const char* kFlashCookie = "risklab_flash";

}  // namespace risklab::web::ui
