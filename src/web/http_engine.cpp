#include "web/http_engine.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <functional>
#include <latch>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "core/scheduling.hpp"
#include "web/detail/exchange_stream.hpp"
#include "web/detail/http_framing.hpp"
#include "web/error_mapping.hpp"

namespace risklab::web {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

const char* reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    case 422:
      return "Unprocessable Entity";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    default:
      return "Unknown";
  }
}

// A response as httplib's Server::write_response writes one (for the answers httplib does not
// write itself: deferred ones and refusals before parsing): its headers, then Content-Type
// (text/plain) if it has a body and none, Content-Length if it has none, and Keep-Alive or
// Connection: close. Written in one pass rather than by adding those to the Response's
// case-insensitive multimap first (~3 % of the server's time under the scoring benchmark).
std::string serialize(const httplib::Response& res, bool close, std::size_t keep_alive_seconds,
                      std::size_t keep_alive_max) {
  std::string out;
  out.reserve(320 + res.body.size());
  out += "HTTP/1.1 ";
  out += std::to_string(res.status);
  out += ' ';
  out += reason_phrase(res.status);
  out += "\r\n";
  bool has_type = false;
  bool has_length = false;
  for (const auto& [name, value] : res.headers) {
    has_type = has_type || detail::iequals(name, "Content-Type");
    has_length = has_length || detail::iequals(name, "Content-Length");
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  if (!has_type && !res.body.empty()) out += "Content-Type: text/plain\r\n";
  if (!has_length) {
    out += "Content-Length: ";
    out += std::to_string(res.body.size());
    out += "\r\n";
  }
  if (close) {
    out += "Connection: close\r\n";
  } else {
    out += "Keep-Alive: timeout=";
    out += std::to_string(keep_alive_seconds);
    out += ", max=";
    out += std::to_string(keep_alive_max);
    out += "\r\n";
  }
  out += "\r\n";
  out += res.body;
  return out;
}

}  // namespace

struct HttpEngine::Impl {
  struct Connection;

  // One request, from the I/O thread that read it to the worker that runs it and back.
  struct Exchange final : Deferred, std::enable_shared_from_this<Exchange> {
    Exchange(std::shared_ptr<Connection> c, bool close, asio::io_context& io)
        : connection(std::move(c)), close_after(close), guard(asio::make_work_guard(io)) {}

    // A deferred answer that was never sent (a handler bug) must not leave the client, and
    // the I/O loop's shutdown, waiting forever.
    ~Exchange() override {
      if (deferred && !sent) {
        httplib::Response res;
        res.status = 500;
        res.set_content(error_body("internal", "the request was dropped without an answer"),
                        "application/json");
        connection->answer(serialize(res, true, 0, 0), true);
      }
    }
    Exchange(const Exchange&) = delete;
    Exchange& operator=(const Exchange&) = delete;

    void run(const std::string& request, bool continued);
    // Runs `request` on this (I/O) thread if it is for a RunOn::io_thread route; false if it is
    // not, or its handler handed it to a worker: then run() it there.
    bool run_here(const std::string& request);
    void run_direct(const detail::SimpleRequest& simple, const httplib::Server::Handler& handler);
    void answer_now(httplib::Response& res, bool close);
    void send(httplib::Response& res) override;
    void cancel() override {
      std::lock_guard lock(mutex);
      deferred = false;
    }
    void post(std::function<void()> fn) override;

    std::shared_ptr<Connection> connection;
    bool close_after;  // the last request this connection serves
    asio::executor_work_guard<asio::io_context::executor_type>
        guard;  // the I/O loop waits for the answer
    std::mutex mutex;
    bool deferred = false;
    bool deferred_close = false;
    bool sent = false;
    bool on_io_thread = false;  // run_here() is running the handler (only that thread reads)
    bool handed_over = false;   // ... and the handler called hand_to_worker()
  };

  struct Connection : std::enable_shared_from_this<Connection> {
    Connection(Impl& i, std::size_t l, tcp::socket s) : impl(i), loop(l), socket(std::move(s)) {}

    void start() {
      error_code ec;
      const auto remote = socket.remote_endpoint(ec);
      if (!ec) {
        remote_ip = remote.address().to_string();
        remote_port = remote.port();
      }
      const auto local = socket.local_endpoint(ec);
      if (!ec) {
        local_ip = local.address().to_string();
        local_port = local.port();
      }
      advance();
    }

    void read() {
      socket.async_read_some(asio::buffer(chunk),
                             [self = shared_from_this()](error_code ec, std::size_t n) {
                               if (ec) return self->close();
                               self->in.append(self->chunk.data(), n);
                               self->last_activity = Clock::now();
                               self->advance();
                             });
    }

    // Hands the next complete request to a worker, or reads more.
    void advance() {
      if (busy || closed) return;
      const auto frame =
          detail::frame_request(in, impl.options.max_header_bytes, impl.options.max_body_bytes);
      using State = detail::RequestFrame::State;
      switch (frame.state) {
        case State::incomplete:
          if (frame.expects_continue && !continued) {
            continued = true;
            busy = true;
            return write(std::string(kContinue), false);
          }
          return read();
        case State::headers_too_large: {
          busy = true;
          httplib::Response res;
          res.status = 431;
          res.set_content(error_body("headers_too_large",
                                     "the request headers exceed " +
                                         std::to_string(impl.options.max_header_bytes) + " bytes"),
                          "application/json");
          return write(serialize(res, true, 0, 0), true);
        }
        case State::complete:
        case State::without_body: {
          busy = true;
          std::string request = in.substr(0, frame.length);
          in.erase(0, frame.length);
          const bool close_after = frame.state == State::without_body ||
                                   ++served >= impl.options.keep_alive_max || impl.stopping;
          auto exchange =
              std::make_shared<Exchange>(shared_from_this(), close_after, impl.loops[loop]->io);
          const bool was_continued = std::exchange(continued, false);  // reset for the next one
          if (impl.io_thread_routes && !was_continued && exchange->run_here(request)) return;
          asio::post(*impl.workers, [exchange, request = std::move(request), was_continued] {
            exchange->run(request, was_continued);
          });
          return;
        }
      }
    }

    // Called from any thread with the answer to the request in progress; on this
    // connection's I/O thread it is written at once.
    void answer(std::string bytes, bool close) {
      asio::dispatch(socket.get_executor(),
                     [self = shared_from_this(), bytes = std::move(bytes), close]() mutable {
                       if (bytes.empty()) return self->close();
                       self->write(std::move(bytes), close);
                     });
    }

    void write(std::string bytes, bool close) {
      if (closed) return;
      out = std::move(bytes);
      asio::async_write(socket, asio::buffer(out),
                        [self = shared_from_this(), close](error_code ec, std::size_t) {
                          if (ec || close || self->impl.stopping) return self->close();
                          self->busy = false;
                          self->last_activity = Clock::now();
                          self->advance();
                        });
    }

    void close() {
      if (closed) return;
      closed = true;
      error_code ec;
      socket.shutdown(tcp::socket::shutdown_both, ec);
      socket.close(ec);
    }

    Impl& impl;
    std::size_t loop;
    tcp::socket socket;
    std::array<char, 16 * 1024> chunk{};
    std::string in;   // bytes read and not yet handed on
    std::string out;  // the answer being written
    std::string remote_ip;
    std::string local_ip;
    int remote_port = 0;
    int local_port = 0;
    std::size_t served = 0;
    bool busy = false;       // a request is being answered: do not read the next one yet
    bool continued = false;  // "100 Continue" was sent for the request being read
    bool closed = false;
    Clock::time_point last_activity = Clock::now();
  };

  // One I/O thread: its event loop, its connections (touched only on that thread), the
  // timer that closes idle and stalled ones, and what other threads posted to it
  // (Exchange::post).
  struct Loop {
    asio::io_context io{1};
    std::vector<std::weak_ptr<Connection>> connections;
    std::unique_ptr<asio::steady_timer> sweep;
    std::mutex inbox_mutex;
    std::vector<std::function<void()>> inbox;
    bool inbox_posted = false;                    // a drain of `inbox` is queued on `io`
    std::vector<std::function<void()>> draining;  // on the I/O thread; kept for its capacity

    // Queues `fn`; the first function since the last drain queues the next one (and wakes the
    // thread if it sleeps), the others join it. Asio alone would wake the thread again for
    // every function posted after it went back to sleep: with a writer handing over 64 answers
    // one by one, the I/O thread slept and was woken (an epoll_ctl by the writer, a context
    // switch) for most of them.
    void post(std::function<void()> fn) {
      bool first = false;
      {
        std::lock_guard lock(inbox_mutex);
        inbox.push_back(std::move(fn));
        first = !std::exchange(inbox_posted, true);
      }
      if (first) asio::post(io, [this] { drain(); });
    }

    void drain() {
      {
        std::lock_guard lock(inbox_mutex);
        draining.swap(inbox);
        inbox_posted = false;
      }
      for (auto& fn : draining) {
        try {
          fn();
        } catch (const std::exception& error) {
          spdlog::error("I/O loop: a posted function failed: {}", error.what());
        }
      }
      draining.clear();
    }
  };

  Impl(HttpEngine& e, HttpEngineOptions o) : engine(e), options(std::move(o)) {
    const std::size_t n = std::max<std::size_t>(1, options.io_threads);
    for (std::size_t i = 0; i < n; ++i) {
      loops.push_back(std::make_unique<Loop>());
      loops.back()->sweep = std::make_unique<asio::steady_timer>(loops.back()->io);
    }
    const std::size_t n_workers = std::max<std::size_t>(1, options.workers);
    workers = std::make_unique<asio::thread_pool>(n_workers);
    // Each worker asks for short time slices (core::prefer_short_slices), as the I/O threads
    // do: a request waits for no busy thread's slice to end. One task a worker, each holding
    // its thread until all have run.
    auto started = std::make_shared<std::latch>(static_cast<std::ptrdiff_t>(n_workers));
    for (std::size_t i = 0; i < n_workers; ++i) {
      asio::post(*workers, [started] {
        core::prefer_short_slices();
        started->arrive_and_wait();
      });
    }
    started->wait();
    retry = std::make_unique<asio::steady_timer>(loops[0]->io);
  }

  void accept() {
    const std::size_t target = next_loop++ % loops.size();
    acceptor->async_accept(loops[target]->io, [this, target](error_code ec, tcp::socket socket) {
      if (stopping || !acceptor->is_open()) return;
      if (ec) {
        // Out of file descriptors, say: try again shortly instead of spinning.
        spdlog::warn("accepting a connection failed: {}", ec.message());
        retry->expires_after(std::chrono::milliseconds(50));
        retry->async_wait([this](error_code wait_error) {
          if (!wait_error && !stopping) accept();
        });
        return;
      }
      error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);  // or small answers stall on Nagle
      auto connection = std::make_shared<Connection>(*this, target, std::move(socket));
      asio::post(loops[target]->io, [this, connection] {
        loops[connection->loop]->connections.push_back(connection);
        if (stopping) return connection->close();
        connection->start();
      });
      accept();
    });
  }

  void sweep(Loop& loop) {
    loop.sweep->expires_after(std::chrono::seconds(1));
    loop.sweep->async_wait([this, &loop](error_code ec) {
      if (ec || stopping) return;
      const auto now = Clock::now();
      std::erase_if(loop.connections, [&](const std::weak_ptr<Connection>& weak) {
        const auto connection = weak.lock();
        if (!connection || connection->closed) return true;
        if (!connection->busy) {
          const auto limit =
              connection->in.empty() ? options.keep_alive_timeout : options.read_timeout;
          if (now - connection->last_activity > limit) connection->close();
        }
        return false;
      });
      sweep(loop);
    });
  }

  struct DirectRoute {
    std::string method;
    std::string path;
    httplib::Server::Handler handler;
    RunOn run_on;
  };

  // The direct route for `method` `path`, nullptr if there is none.
  const DirectRoute* direct_route(std::string_view method, std::string_view path) const {
    for (const auto& route : direct)
      if (route.method == method && route.path == path) return &route;
    return nullptr;
  }

  HttpEngine& engine;
  HttpEngineOptions options;
  std::vector<DirectRoute> direct;  // few: searched in order
  bool io_thread_routes = false;    // one of them runs on the I/O thread
  std::vector<std::unique_ptr<Loop>> loops;
  std::unique_ptr<asio::thread_pool> workers;
  std::optional<tcp::acceptor> acceptor;  // on loops[0]
  std::unique_ptr<asio::steady_timer> retry;
  std::size_t next_loop = 0;
  std::atomic<bool> stopping{false};
  bool served = false;

  static thread_local Exchange* current_exchange;
  static thread_local const bool* current_connection_closed;
};

// The exchange whose request this worker thread is running, and httplib's "the client asked
// to close" flag for it (set before routing).
thread_local HttpEngine::Impl::Exchange* HttpEngine::Impl::current_exchange = nullptr;
thread_local const bool* HttpEngine::Impl::current_connection_closed = nullptr;

void HttpEngine::Impl::Exchange::run(const std::string& request, bool continued) {
  Impl& impl = connection->impl;
  if (!impl.direct.empty() && !continued) {
    if (const auto simple = detail::parse_simple_request(request)) {
      if (const auto* route = impl.direct_route(simple->method, simple->path))
        return run_direct(*simple, route->handler);
    }
  }
  detail::ExchangeStream stream(request, connection->remote_ip, connection->remote_port,
                                connection->local_ip, connection->local_port);
  bool connection_closed = false;
  bool ok = false;
  Impl::current_exchange = this;
  Impl::current_connection_closed = &connection_closed;
  try {
    ok = impl.engine.process(stream, close_after, connection_closed);
  } catch (const std::exception& error) {
    spdlog::error("request processing failed: {}", error.what());
  }
  Impl::current_exchange = nullptr;
  Impl::current_connection_closed = nullptr;
  {
    std::lock_guard lock(mutex);
    if (deferred) return;  // send() answers, now or later
  }
  std::string& bytes = stream.out();
  // httplib answers "Expect: 100-continue" itself; the I/O thread already did, before the body.
  if (continued && std::string_view(bytes).substr(0, kContinue.size()) == kContinue)
    bytes.erase(0, kContinue.size());
  connection->answer(std::move(bytes), close_after || connection_closed || !ok);
  guard.reset();
}

bool HttpEngine::Impl::Exchange::run_here(const std::string& request) {
  const auto simple = detail::parse_simple_request(request);
  if (!simple) return false;
  const auto* route = connection->impl.direct_route(simple->method, simple->path);
  if (!route || route->run_on != RunOn::io_thread) return false;
  on_io_thread = true;
  run_direct(*simple, route->handler);
  on_io_thread = false;
  return !std::exchange(handed_over, false);
}

// A direct route's request: what httplib's process_request() does for a plain request, without
// its parsing (the request is parsed already), routing (one literal path) and response writing
// (serialize(), as for deferred answers; a deferred answer skips httplib's write of the empty
// response it would otherwise format and drop). Under the scoring benchmark httplib's share was
// ~19 % of the server's instructions a request (callgrind, session 14; PERFORMANCE.md).
void HttpEngine::Impl::Exchange::run_direct(const detail::SimpleRequest& simple,
                                            const httplib::Server::Handler& handler) {
  httplib::Request req;
  req.method.assign(simple.method);
  req.path.assign(simple.path);
  req.target = req.path;
  req.version = "HTTP/1.1";
  for (const auto& [name, value] : simple.headers)
    req.headers.emplace(std::string(name), std::string(value));
  req.body.assign(simple.body);
  req.remote_addr = connection->remote_ip;
  req.remote_port = connection->remote_port;
  req.local_addr = connection->local_ip;
  req.local_port = connection->local_port;
  httplib::Response res;
  bool connection_closed = simple.close;
  Impl::current_exchange = this;
  Impl::current_connection_closed = &connection_closed;
  try {
    handler(req, res);
  } catch (...) {  // httplib answers 500 too (without its what() header here)
    spdlog::error("request processing failed: a handler threw");
    res = httplib::Response();
    res.status = 500;
    res.set_content(error_body("internal", "the request failed"), "application/json");
  }
  Impl::current_exchange = nullptr;
  Impl::current_connection_closed = nullptr;
  if (handed_over) return;  // a worker runs the request again
  {
    std::lock_guard lock(mutex);
    if (deferred) return;  // send() answers, now or later
  }
  if (res.status == -1) res.status = 200;
  answer_now(res, close_after || connection_closed);
}

void HttpEngine::Impl::Exchange::answer_now(httplib::Response& res, bool close) {
  const Impl& impl = connection->impl;
  connection->answer(
      serialize(res, close, static_cast<std::size_t>(impl.options.keep_alive_timeout.count()),
                impl.options.keep_alive_max),
      close);
  guard.reset();
}

void HttpEngine::Impl::Exchange::send(httplib::Response& res) {
  bool close = connection->impl.stopping;  // the connection closes after this answer: say so
  {
    std::lock_guard lock(mutex);
    if (sent) return;
    sent = true;
    close = close || deferred_close;
  }
  answer_now(res, close);
}

void HttpEngine::Impl::Exchange::post(std::function<void()> fn) {
  connection->impl.loops[connection->loop]->post(std::move(fn));
}

std::shared_ptr<HttpEngine::Deferred> HttpEngine::defer_current() {
  Impl::Exchange* exchange = Impl::current_exchange;
  if (!exchange) return nullptr;
  std::lock_guard lock(exchange->mutex);
  exchange->deferred = true;
  exchange->deferred_close = exchange->close_after ||
                             (Impl::current_connection_closed && *Impl::current_connection_closed);
  return exchange->shared_from_this();
}

HttpEngine::HttpEngine(HttpEngineOptions options)
    : impl_(std::make_unique<Impl>(*this, std::move(options))) {
  set_payload_max_length(impl_->options.max_body_bytes);
  set_keep_alive_max_count(impl_->options.keep_alive_max);
  set_keep_alive_timeout(impl_->options.keep_alive_timeout.count());
}

void HttpEngine::add_direct_route(const std::string& method, const std::string& path,
                                  Handler handler, RunOn run_on) {
  impl_->direct.push_back({method, path, std::move(handler), run_on});
  if (run_on == RunOn::io_thread) impl_->io_thread_routes = true;
}

bool HttpEngine::on_io_thread() {
  const Impl::Exchange* exchange = Impl::current_exchange;
  return exchange && exchange->on_io_thread;
}

void HttpEngine::hand_to_worker() {
  Impl::Exchange* exchange = Impl::current_exchange;
  if (!exchange || !exchange->on_io_thread)
    throw std::logic_error("hand_to_worker() outside a handler running on an I/O thread");
  std::lock_guard lock(exchange->mutex);
  if (exchange->deferred) throw std::logic_error("hand_to_worker() after defer_current()");
  exchange->handed_over = true;
}

HttpEngine::~HttpEngine() {
  stop_serving();
  impl_->workers->join();
}

bool HttpEngine::process(httplib::Stream& stream, bool close_connection, bool& connection_closed) {
  return process_request(stream, close_connection, connection_closed, nullptr);
}

int HttpEngine::listen_on(const std::string& host, int port) {
  try {
    asio::io_context& io = impl_->loops[0]->io;
    tcp::resolver resolver(io);
    const auto results = resolver.resolve(host, std::to_string(port), tcp::resolver::passive);
    if (results.empty()) return -1;
    const tcp::endpoint endpoint = *results.begin();
    tcp::acceptor acceptor(io);
    acceptor.open(endpoint.protocol());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(asio::socket_base::max_listen_connections);
    const int bound = acceptor.local_endpoint().port();
    impl_->acceptor.emplace(std::move(acceptor));
    // httplib's content providers stop writing once its listening socket is invalid.
    svr_sock_ = impl_->acceptor->native_handle();
    return bound;
  } catch (const boost::system::system_error& error) {
    spdlog::error("cannot listen on {}:{}: {}", host, port, error.what());
    return -1;
  }
}

void HttpEngine::serve() {
  if (!impl_->acceptor || impl_->served) return;
  impl_->served = true;
  if (!impl_->stopping) {
    asio::post(impl_->loops[0]->io, [this] {
      if (!impl_->stopping) impl_->accept();
    });
    for (auto& loop : impl_->loops) impl_->sweep(*loop);
  }
  std::vector<std::thread> threads;
  for (auto& loop : impl_->loops) {
    threads.emplace_back([&io = loop->io] {
      core::prefer_short_slices();
      while (true) {
        try {
          io.run();
          return;
        } catch (const std::exception& error) {  // a handler threw: keep the loop serving
          spdlog::error("I/O loop: {}", error.what());
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  impl_->workers->join();
}

void HttpEngine::stop_serving() {
  if (impl_->stopping.exchange(true)) return;
  svr_sock_ = INVALID_SOCKET;
  if (impl_->acceptor) {
    asio::post(impl_->loops[0]->io, [this] {
      error_code ec;
      impl_->acceptor->close(ec);
      impl_->retry->cancel();
    });
  }
  for (auto& loop : impl_->loops) {
    asio::post(loop->io, [&loop = *loop] {
      loop.sweep->cancel();
      for (const auto& weak : loop.connections) {
        const auto connection = weak.lock();
        if (connection && !connection->busy) connection->close();
      }
    });
  }
}

}  // namespace risklab::web
