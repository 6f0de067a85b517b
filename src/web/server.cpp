#include "web/server.hpp"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>

#include "core/error.hpp"
#include "web/api/routes.hpp"
#include "web/error_mapping.hpp"
#include "web/http_engine.hpp"
#include "web/ui/ui.hpp"

namespace risklab::web {

std::size_t default_request_threads() {
  return std::max<std::size_t>(4, 2 * std::size_t{std::thread::hardware_concurrency()});
}

namespace {

HttpEngineOptions engine_options(const ServerOptions& options) {
  HttpEngineOptions out;
  out.io_threads = options.io_threads ? options.io_threads
                                     : std::min<std::size_t>(2, std::max(1u, std::thread::hardware_concurrency()));
  out.workers = options.threads ? options.threads : default_request_threads();
  out.max_body_bytes = options.max_body_bytes;
  return out;
}

}  // namespace

Server::Server(App& app, ServerOptions options)
    : app_(app),
      options_(std::move(options)),
      server_(std::make_unique<HttpEngine>(engine_options(options_))) {
  router_ = std::make_unique<Router>(*server_, app_, metrics_);
  // Errors httplib raises itself (404, 413 body too large, ...) get the JSON error shape too.
  server_->set_error_handler(httplib::Server::HandlerWithResponse(
      [](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    // A browser that asks for a page that does not exist gets a page, not JSON.
    if (req.path.rfind("/api/", 0) != 0 &&
        req.get_header_value("Accept").find("text/html") != std::string::npos) {
      ui::Ui::security_headers(res);
      res.set_content(ui::Ui::bare_error_page(res.status), "text/html; charset=utf-8");
      return httplib::Server::HandlerResponse::Handled;
    }
    const std::string code = res.status == 404   ? "not_found"
                             : res.status == 413 ? "body_too_large"
                                                 : "http_" + std::to_string(res.status);
    const std::string message = res.status == 404   ? "no such route"
                                : res.status == 413 ? "request body too large"
                                                    : "HTTP error " + std::to_string(res.status);
    res.set_content(error_body(code, message), "application/json");
    return httplib::Server::HandlerResponse::Handled;
  }));
  register_system_routes(*router_);
  register_session_routes(*router_);
  register_score_routes(*router_);
  register_model_routes(*router_);
  register_audit_routes(*router_);
  register_user_routes(*router_);
  register_outcome_routes(*router_);
  register_snapshot_routes(*router_);
  register_training_routes(*router_);
  register_monitoring_routes(*router_);
  ui_ = std::make_unique<ui::Ui>(*server_, app_, metrics_);
}

Server::~Server() { stop(); }

int Server::bind() {
  const int port = server_->listen_on(options_.bind, options_.port);
  if (port < 0) {
    throw core::Unavailable("bind_failed", "cannot listen on " + options_.bind + ":" +
                                               std::to_string(options_.port) +
                                               " (in use or not allowed)");
  }
  spdlog::info("listening on http://{}:{}", options_.bind, port);
  return port;
}

void Server::run() { server_->serve(); }

void Server::stop() {
  if (server_) server_->stop_serving();
}

const std::vector<RouteInfo>& Server::routes() const { return router_->routes(); }

const std::vector<RouteInfo>& Server::page_routes() const { return ui_->routes(); }

}  // namespace risklab::web
