#include "web/router.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <stdexcept>

#include "core/error.hpp"
#include "service/auth_service.hpp"
#include "web/access_log.hpp"
#include "web/detail/request_bodies.hpp"
#include "web/error_mapping.hpp"
#include "web/http_engine.hpp"

namespace risklab::web {

std::string route_pattern(const std::string& path) {
  std::string out;
  std::size_t pos = 0;
  while (true) {
    const auto open = path.find('{', pos);
    if (open == std::string::npos) return out + path.substr(pos);
    const auto close = path.find('}', open);
    out += path.substr(pos, open - pos);
    const std::string name = path.substr(open + 1, close - open - 1);
    out += name == "username"      ? R"(([A-Za-z0-9_.@-]{1,100}))"
           : name == "snapshot_id" ? R"(([0-9a-f]{64}))"
                                   : R"((\d{1,18}))";
    pos = close + 1;
  }
}

std::string new_request_id() {
  static std::atomic<unsigned long long> counter{0};
  static const std::string prefix = service::random_hex_secret().substr(0, 8);
  return prefix + "-" + std::to_string(++counter);
}

namespace {

constexpr const char* kApiContentSecurityPolicy =
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

std::string cookie_value(const httplib::Request& req, const std::string& name) {
  const auto header = req.get_header_value("Cookie");
  std::size_t pos = 0;
  while (pos < header.size()) {
    const auto end = header.find(';', pos);
    std::string part = header.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    const auto start = part.find_first_not_of(' ');
    if (start != std::string::npos) part = part.substr(start);
    if (part.rfind(name + "=", 0) == 0) return part.substr(name.size() + 1);
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  return {};
}

bool state_changing(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

void authenticate(const httplib::Request& req, App& app, RequestContext& ctx) {
  const auto authorization = req.get_header_value("Authorization");
  if (!authorization.empty()) {
    if (authorization.rfind("Bearer ", 0) != 0) {
      throw core::Unauthenticated("bad_authorization", "Authorization must be 'Bearer <token>'");
    }
    ctx.actor = app.auth.authenticate_token(authorization.substr(7));
    if (!ctx.actor) throw core::Unauthenticated("bad_token", "the API token is unknown or revoked");
    return;
  }
  const auto cookie = cookie_value(req, kSessionCookie);
  if (cookie.empty()) {
    throw core::Unauthenticated("not_signed_in", "sign in (POST /api/v1/session) or send a token");
  }
  auto session = app.auth.authenticate_session(cookie);
  if (!session)
    throw core::Unauthenticated("session_expired", "the session has expired; sign in again");
  if (state_changing(req.method) && req.get_header_value("X-CSRF-Token") != session->csrf_token) {
    throw core::Forbidden("csrf_failed", "missing or wrong X-CSRF-Token header for this session");
  }
  ctx.actor = std::move(session->actor);
  ctx.via_session = true;
  ctx.session_token = cookie;
}

// authenticate() for a request on an I/O thread, which must not read the database: only a
// Bearer token the AuthService checked recently. False for anything else (a cookie, no or an
// unknown token, an error to answer): a worker authenticates those.
bool authenticate_from_cache(const httplib::Request& req, App& app, RequestContext& ctx) {
  const auto authorization = req.get_header_value("Authorization");
  if (authorization.rfind("Bearer ", 0) != 0) return false;
  ctx.actor = app.auth.recently_checked_token(authorization.substr(7));
  return ctx.actor.has_value();
}

}  // namespace

void RequestContext::hand_to_worker() {
  HttpEngine::hand_to_worker();
  handed_to_worker = true;
}

namespace {

// The error shape for `error`, as every route answers it.
void answer_error(httplib::Response& res, const std::exception& error,
                  const std::string& request_id) {
  const auto mapped = map_error(error, request_id);
  res.status = mapped.status;
  res.set_content(mapped.body, "application/json");
}

// A finished request in the metrics and the access log.
void record(Metrics& metrics, const std::string& method, const std::string& path, int status,
            std::chrono::steady_clock::time_point started, const std::string& request_id,
            const std::string& actor, const std::string& remote) {
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  metrics.observe(path, method, status, seconds);
  access_log().info("request_id={} method={} route={} status={} ms={:.2f} actor={} remote={}",
                    request_id, method, path, status, seconds * 1000, actor, remote);
}

// The Completion of a deferred request: the headers the middleware set, then the handler's
// answer (or its error, mapped), counted and logged as a synchronous answer is.
class RouteCompletion final : public Completion {
 public:
  struct Call {
    std::string method;
    std::string path;
    std::string request_id;
    std::string actor;
    std::string remote;
    std::chrono::steady_clock::time_point started;
    httplib::Headers headers;
  };
  RouteCompletion(std::shared_ptr<HttpEngine::Deferred> deferred, Metrics& metrics, Call call)
      : deferred_(std::move(deferred)), metrics_(metrics), call_(std::move(call)) {}

  void reply(int status, std::string json_body) override {
    httplib::Response res;
    res.status = status;
    res.body = std::move(json_body);
    res.set_header("Content-Type", "application/json");
    finish(res);
  }

  void fail(std::exception_ptr error) override {
    httplib::Response res;
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      answer_error(res, e, call_.request_id);
    }
    finish(res);
  }

  void hand_off(std::function<void()> answer) override { deferred_->post(std::move(answer)); }

  void cancel() { deferred_->cancel(); }

 private:
  void finish(httplib::Response& res) {
    for (const auto& [name, value] : call_.headers) res.headers.emplace(name, value);
    record(metrics_, call_.method, call_.path, res.status, call_.started, call_.request_id,
           call_.actor, call_.remote);
    deferred_->send(res);
  }

  std::shared_ptr<HttpEngine::Deferred> deferred_;
  Metrics& metrics_;
  Call call_;
};

}  // namespace

void Router::add(const std::string& method, const std::string& path, Access access, Handler handler,
                 Placement placement) {
  routes_.push_back({method, path});
  auto wrapped = [this, method, path, access, handler = std::move(handler)](
                     const httplib::Request& req, httplib::Response& res) {
    const auto started = std::chrono::steady_clock::now();
    RequestContext ctx;
    ctx.on_io_thread = HttpEngine::on_io_thread();
    if (ctx.on_io_thread && access == Access::signed_in && !authenticate_from_cache(req, app_, ctx))
      return HttpEngine::hand_to_worker();
    ctx.request_id = new_request_id();
    res.set_header("X-Request-Id", ctx.request_id);
    // API answers are data, never pages to run: not sniffed into HTML, not framed, and the
    // HTML documents some routes return (?format=html, escaped, with an inline style sheet)
    // may load nothing and run no script.
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Content-Security-Policy", kApiContentSecurityPolicy);
    std::shared_ptr<RouteCompletion> deferred;
    const auto defer = [&]() -> std::shared_ptr<Completion> {
      auto engine_side = HttpEngine::defer_current();
      if (!engine_side) throw std::logic_error("a deferred answer needs the HttpEngine");
      deferred = std::make_shared<RouteCompletion>(
          std::move(engine_side), metrics_,
          RouteCompletion::Call{method, path, ctx.request_id, ctx.actor ? ctx.actor->name : "-",
                                req.remote_addr, started, res.headers});
      return deferred;
    };
    // One reference fits in std::function's own storage: no allocation on every request.
    ctx.defer = [&defer] { return defer(); };
    try {
      if (access == Access::signed_in && !ctx.actor) authenticate(req, app_, ctx);
      handler(req, res, ctx);
      if (ctx.handed_to_worker) return;  // counted and logged when a worker has run it
    } catch (const std::exception& error) {
      if (deferred) {  // the Completion was never handed on: answer now
        deferred->cancel();
        deferred.reset();
      }
      answer_error(res, error, ctx.request_id);
    }
    if (deferred) return;  // answered, counted and logged by the Completion
    record(metrics_, method, path, res.status, started, ctx.request_id,
           ctx.actor ? ctx.actor->name : "-", req.remote_addr);
  };
  // A literal POST route (/api/v1/score above all) is also served past httplib's parser when
  // the request is plain (HttpEngine::add_direct_route); httplib serves the others.
  if (method == "POST" && path.find('{') == std::string::npos) {
    if (auto* engine = dynamic_cast<HttpEngine*>(&server_))
      engine->add_direct_route(method, path, wrapped,
                               placement == Placement::io_thread_unless_blocking
                                   ? HttpEngine::RunOn::io_thread
                                   : HttpEngine::RunOn::worker);
  }
  const std::string pattern = route_pattern(path);
  if (method == "GET") server_.Get(pattern, wrapped);
  if (method == "POST") server_.Post(pattern, wrapped);
  if (method == "DELETE") server_.Delete(pattern, wrapped);
  if (method == "PUT") server_.Put(pattern, wrapped);
}

std::string session_cookie(const httplib::Request& req) {
  return cookie_value(req, kSessionCookie);
}

nlohmann::json json_body(const httplib::Request& req) { return detail::parse_json_body(req.body); }

void reply(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

long long id_param(const httplib::Request& req, std::size_t index) {
  try {
    return std::stoll(req.matches[static_cast<int>(index)].str());
  } catch (const std::exception&) {
    throw core::InvalidInput("bad_id", "the id in the path is not a valid number");
  }
}

}  // namespace risklab::web
