#pragma once

#include <httplib.h>

#include <exception>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/role.hpp"
#include "web/app.hpp"
#include "web/metrics.hpp"

namespace risklab::web {

/// Finishes a request whose handler returned before its answer was ready
/// (RequestContext::defer()). Exactly one of reply() and fail() is called, once, from any thread.
class Completion {
 public:
  virtual ~Completion() = default;
  /// Answers with `status` and a JSON body.
  virtual void reply(int status, std::string json_body) = 0;
  /// Answers with the error shape for `error`, as if the handler had thrown it.
  virtual void fail(std::exception_ptr error) = 0;
  /// Runs `answer`, which then calls reply() or fail(), on the thread that writes the answer
  /// (the connection's I/O thread: HttpEngine::Deferred::post), instead of the caller's. For a
  /// caller with many requests to finish at once whose time is better spent elsewhere: the
  /// group commit's writer, which hands each scoring's answer over to be built there.
  virtual void hand_off(std::function<void()> answer) = 0;
};

/// What a handler knows about its request besides httplib's view of it.
struct RequestContext {
  std::string request_id;
  std::optional<core::Actor> actor;  ///< set when the route requires sign-in
  bool via_session = false;          ///< signed in by cookie (then CSRF applies), not a token
  std::string session_token;
  /// Lets the handler return before its answer is ready: the request is answered (and counted
  /// in the metrics and the access log) when the returned Completion is. If the handler throws
  /// before handing the Completion on, the error is the answer, as usual.
  std::function<std::shared_ptr<Completion>()> defer;
  /// The route runs on the HTTP engine's I/O thread (Placement::io_thread_unless_blocking) and
  /// this request is there: the handler must not block — no database, no waiting on another
  /// thread —, and calls hand_to_worker() (then returns) when it would.
  bool on_io_thread = false;
  /// Before answering or deferring: the request is run again from the start on a worker (where
  /// on_io_thread is false). Only when on_io_thread is true.
  void hand_to_worker();
  bool handed_to_worker = false;
};

using Handler = std::function<void(const httplib::Request&, httplib::Response&, RequestContext&)>;

/// Whether a route needs a signed-in user (role checks are the services' job).
enum class Access { open, signed_in };

/// Where a route's handler runs. `io_thread_unless_blocking`: on the HTTP engine's I/O thread
/// that read the request (HttpEngine::RunOn::io_thread) when the request is plain and its
/// Bearer token was checked recently (AuthService's cache); the handler hands it to a worker
/// for anything that would block (RequestContext::on_io_thread). For a route as short as a
/// scoring with its features in the body.
enum class Placement { worker, io_thread_unless_blocking };

/// One registered route, as the OpenAPI consistency test sees it.
struct RouteInfo {
  std::string method;  ///< "GET", "POST", "DELETE"
  std::string path;    ///< OpenAPI template, e.g. "/api/v1/assessments/{id}/decision"
};

/// Registers routes on an httplib server and wraps every handler in the same middleware:
/// request id, authentication (Bearer token or session cookie; CSRF header for cookie
/// sessions on state-changing methods), error mapping to the JSON error shape, metrics and a
/// structured access log.
class Router {
 public:
  Router(httplib::Server& server, App& app, Metrics& metrics)
      : server_(server), app_(app), metrics_(metrics) {}

  /// `path` uses OpenAPI templates: {id} matches digits, {name} a user name.
  void add(const std::string& method, const std::string& path, Access access, Handler handler,
           Placement placement = Placement::worker);

  const std::vector<RouteInfo>& routes() const { return routes_; }
  App& app() { return app_; }
  Metrics& metrics() { return metrics_; }

 private:
  httplib::Server& server_;
  App& app_;
  Metrics& metrics_;
  std::vector<RouteInfo> routes_;
};

/// The httplib regex for a route template: "/a/{id}/b" -> "/a/(\d{1,18})/b"; {username} takes a
/// user name (the characters AuthService accepts: letters, digits, . _ - @) instead of digits and
/// {snapshot_id} a sha256 in hex.
std::string route_pattern(const std::string& path);

/// A new X-Request-Id: a per-process random prefix and a counter.
std::string new_request_id();

/// Name of the session cookie.
inline constexpr const char* kSessionCookie = "risklab_session";

/// The session cookie's value in the request, empty if it has none.
std::string session_cookie(const httplib::Request& req);

/// The parsed JSON body; throws InvalidInput("bad_json") naming the parse error, or
/// ("bad_json") if it is not an object.
nlohmann::json json_body(const httplib::Request& req);

/// Sets a JSON response.
void reply(httplib::Response& res, int status, const nlohmann::json& body);

/// Path parameter `index` (1-based) as an id; InvalidInput if it does not fit.
long long id_param(const httplib::Request& req, std::size_t index = 1);

}  // namespace risklab::web
