#pragma once

#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>  // also for Boost 1.74's Asio, which uses std::exchange without it

namespace risklab::web {

struct HttpEngineOptions {
  std::size_t io_threads = 2;  ///< threads reading and writing sockets (epoll)
  std::size_t workers = 8;     ///< threads running handlers
  std::size_t max_header_bytes = 64 * 1024;
  std::size_t max_body_bytes = 8 * 1024 * 1024;
  std::chrono::seconds read_timeout{10};       ///< a request that stalls this long is dropped
  std::chrono::seconds keep_alive_timeout{5};  ///< an idle connection is closed after this
  std::size_t keep_alive_max = 10000;          ///< requests per connection
};

/// The HTTP server of `risklab serve`: cpp-httplib parses each request, routes it (routes are
/// registered on this object as on any httplib::Server) and writes the answer, but sockets are
/// served by Boost.Asio instead of httplib's thread per connection. A few I/O threads read
/// requests from every connection (epoll) and hand each complete one to a pool of worker
/// threads, which run httplib's request processing on the buffered bytes; the answer goes back
/// to the I/O thread to be written (a short route may run on the I/O thread itself:
/// add_direct_route's RunOn::io_thread). A handler may also return before its answer is ready
/// (defer_current()): POST /score queues its scoring for the group commit and the worker goes
/// on to the next request, where a thread per connection would sleep until the commit.
/// Hand-written glue: httplib has no asynchronous server, and Boost.Beast would mean parsing
/// and routing every request a second way; httplib's Server::process_request() is meant to be
/// driven with other streams (it is protected for that).
class HttpEngine : public httplib::Server {
 public:
  /// A response to be sent later, from any thread.
  class Deferred {
   public:
    virtual ~Deferred() = default;
    /// Sends `res` as the answer (once). Headers are written as httplib writes them.
    virtual void send(httplib::Response& res) = 0;
    /// The handler failed after deferring, before it handed the Deferred on: the answer is
    /// then the one the handler left in its Response, sent when it returns.
    virtual void cancel() = 0;
    /// Runs `fn` soon on the I/O thread serving this request's connection, where send() then
    /// writes at once. What other threads post to one I/O thread while it has not yet run
    /// them runs together, after one wake-up: a thread finishing many requests at once (the
    /// group commit's writer) hands their answers over in a burst, and the I/O threads build
    /// and write them in parallel while it goes on (docs/PERFORMANCE.md, "Session 22").
    virtual void post(std::function<void()> fn) = 0;
  };

  /// For a handler running under an HttpEngine: its answer will be the one given to the returned
  /// object's send(), not what it leaves in its Response. nullptr outside an HttpEngine.
  static std::shared_ptr<Deferred> defer_current();

  /// Serves `method` `path` (a literal path, no pattern) with `handler` past httplib's request
  /// parsing, routing and response writing when the request is plain
  /// (detail::parse_simple_request: HTTP/1.1, Content-Length body, no query): the engine builds
  /// the httplib::Request (method, path, target, version, headers, body, remote and local
  /// address; not httplib's REMOTE_ADDR-style pseudo headers) and writes the answer as it writes
  /// deferred ones. Register the same handler with httplib as well (Post(path, handler)):
  /// every other request for the route goes there. Call before serve().
  ///
  /// `RunOn::io_thread`: the handler runs on the I/O thread that read the request, with no
  /// hand-over to a worker (the wake-up of a sleeping worker and its trip back cost more than a
  /// scoring's own work; docs/PERFORMANCE.md "Session 21"). Such a handler must not block — it
  /// must not wait on the database or on another thread: every connection of that I/O thread
  /// waits meanwhile. When a request would need that, the handler calls hand_to_worker() before
  /// it answers, defers or changes anything, and returns; a worker then runs the request anew.
  enum class RunOn { worker, io_thread };
  void add_direct_route(const std::string& method, const std::string& path, Handler handler,
                        RunOn run_on = RunOn::worker);

  /// True in a RunOn::io_thread route's handler running on the I/O thread.
  static bool on_io_thread();
  /// From a handler for which on_io_thread() is true, before it answers or defers: its
  /// request is run again from the start on a worker (what the handler leaves in its Response
  /// is dropped). Throws std::logic_error anywhere else, or after defer_current().
  static void hand_to_worker();

  explicit HttpEngine(HttpEngineOptions options);
  ~HttpEngine() override;
  HttpEngine(const HttpEngine&) = delete;
  HttpEngine& operator=(const HttpEngine&) = delete;

  /// Listens on `host`:`port` (0: a free port). Returns the port, -1 if it cannot.
  int listen_on(const std::string& host, int port);
  /// Serves until stop_serving(), then lets every request in progress finish and be answered.
  void serve();
  /// Stops accepting connections and closes idle ones; safe from any thread, before serve()
  /// too (serve() then returns at once).
  void stop_serving();

 private:
  struct Impl;
  bool process(httplib::Stream& stream, bool close_connection, bool& connection_closed);

  std::unique_ptr<Impl> impl_;
};

}  // namespace risklab::web
