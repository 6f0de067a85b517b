#pragma once

#include <memory>
#include <string>
#include <vector>

#include "web/app.hpp"
#include "web/router.hpp"

namespace risklab::web {

class HttpEngine;

namespace ui {
class Ui;
}

struct ServerOptions {
  std::string bind = "127.0.0.1";
  int port = 8080;                             ///< 0 = any free port
  std::size_t threads = 0;                     ///< request worker threads; 0 = default_request_threads()
  std::size_t io_threads = 0;                  ///< socket I/O threads; 0 = one per core, at most 2
  std::size_t max_body_bytes = 8 * 1024 * 1024;
};

/// Request worker threads when not configured: 2 per core, at least 4. Requests do not hold a
/// thread while they wait for their connection or for the group commit (HttpEngine), so more
/// threads than cores only help handlers that wait on the database; beyond that they cost CPU
/// in wake-ups (docs/PERFORMANCE.md, "HTTP scoring").
std::size_t default_request_threads();

/// `risklab serve`: the REST API and the web UI (web/ui/) on one server (web/http_engine.hpp:
/// cpp-httplib's request handling on Boost.Asio sockets).
class Server {
 public:
  Server(App& app, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds the port; throws Unavailable if it cannot. Returns the port bound.
  int bind();
  /// Serves until stop(); blocks.
  void run();
  /// Stops accepting; in-flight requests finish. Safe from another thread or a signal watcher.
  void stop();

  const std::vector<RouteInfo>& routes() const;
  /// The web UI's pages (HTML), apart from the API routes above and the static assets.
  const std::vector<RouteInfo>& page_routes() const;
  Metrics& metrics() { return metrics_; }

 private:
  App& app_;
  ServerOptions options_;
  Metrics metrics_;
  std::unique_ptr<HttpEngine> server_;
  std::unique_ptr<Router> router_;
  std::unique_ptr<ui::Ui> ui_;
};

}  // namespace risklab::web
