// The HTTP server under the API and the UI (web/http_engine.hpp), on raw sockets: framing,
// pipelining, interim 100 responses, limits, deferred answers, idle timeouts and shutdown, and
// the direct routes' own parsing of plain requests (checked against httplib's).
#include "web/http_engine.hpp"

#include <gtest/gtest.h>
#include <poll.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/httplib_reader.hpp"
#include "web/detail/http_framing.hpp"

namespace risklab::web {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using detail::frame_request;
using detail::parse_simple_request;
using State = detail::RequestFrame::State;

TEST(HttpFraming, FindsTheEndOfRequestsWithAndWithoutBodies) {
  const std::string get = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
  EXPECT_EQ(frame_request(get, 1024, 1024).state, State::complete);
  EXPECT_EQ(frame_request(get, 1024, 1024).length, get.size());
  EXPECT_EQ(frame_request(get + "GET /b", 1024, 1024).length, get.size())
      << "a pipelined request waits";
  EXPECT_EQ(frame_request(get.substr(0, get.size() - 1), 1024, 1024).state, State::incomplete);

  const std::string post = "POST /a HTTP/1.1\r\ncontent-length: 5\r\n\r\n";
  EXPECT_EQ(frame_request(post + "abc", 1024, 1024).state, State::incomplete);
  EXPECT_EQ(frame_request(post + "abcde", 1024, 1024).length, post.size() + 5);
  const std::string expect =
      "POST /a HTTP/1.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n";
  EXPECT_TRUE(frame_request(expect, 1024, 1024).expects_continue);
  EXPECT_EQ(frame_request(expect, 1024, 1024).state, State::incomplete);
}

TEST(HttpFraming, ReassemblesChunkedBodiesWithExtensionsAndTrailers) {
  const std::string head = "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::string body = "3;ext=1\r\nabc\r\nA\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\n";
  EXPECT_EQ(frame_request(head + body, 1024, 1024).length, head.size() + body.size());
  for (std::size_t cut = 0; cut < body.size(); ++cut) {
    EXPECT_EQ(frame_request(head + body.substr(0, cut), 1024, 1024).state, State::incomplete)
        << cut;
  }
  EXPECT_EQ(frame_request(head + body, 1024, 12).state, State::without_body) << "13 bytes > 12";
  EXPECT_EQ(frame_request(head + "zz\r\n", 1024, 1024).state, State::without_body) << "not hex";
  // Size lines and trailers may add what the headers may hold, no more: endless trailers, or
  // a stream of one-byte chunks, must not keep the server buffering.
  EXPECT_EQ(frame_request(head + "0\r\nX: " + std::string(100, 'a'), 1024, 16).state,
            State::incomplete);
  EXPECT_EQ(frame_request(head + "0\r\nX: " + std::string(2000, 'a'), 1024, 16).state,
            State::without_body);
  std::string tiny;
  for (int i = 0; i < 16; ++i) tiny += "1;padding-padding-padding-padding-padding\r\nx\r\n";
  EXPECT_EQ(frame_request(head + tiny, 1024, 16).state, State::incomplete)
      << "16 bytes of data in 736";
  const std::string many = tiny + tiny + tiny + tiny;  // 64 bytes of data in 2,944
  EXPECT_EQ(frame_request(head + many, 1024, 1000).state, State::without_body)
      << "2,944 > 1,000 + 1,024";
}

TEST(HttpFraming, RefusesOversizedAndMalformedLengths) {
  EXPECT_EQ(frame_request(std::string(2000, 'a'), 1024, 1024).state, State::headers_too_large);
  const auto big = frame_request("POST / HTTP/1.1\r\nContent-Length: 2000\r\n\r\n", 1024, 1024);
  EXPECT_EQ(big.state, State::without_body);
  EXPECT_EQ(big.length, std::string("POST / HTTP/1.1\r\nContent-Length: 2000\r\n\r\n").size());
  EXPECT_EQ(frame_request("POST / HTTP/1.1\r\nContent-Length: 12x\r\n\r\n", 1024, 1024).state,
            State::without_body);
  EXPECT_EQ(frame_request("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
                          1024, 1024)
                .state,
            State::without_body)
      << "conflicting lengths";
  EXPECT_EQ(
      frame_request("POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
                    1024, 1024)
          .state,
      State::without_body)
      << "both framings: request smuggling";
}

TEST(SimpleRequest, APlainRequestReadsAsHttplibReadsIt) {
  const std::vector<std::string> requests = {
      "POST /api/v1/score HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nAuthorization: Bearer abc.DEF-1\r\n"
      "Content-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\":1}",
      "POST /x HTTP/1.1\r\ncontent-length:0\r\n\r\n",
      "POST /a/b_c.d~e-f HTTP/1.1\r\nX-Tab:\t v a l \t\r\nContent-Length: 2\r\nx-dup: 1\r\n"
      "X-Dup: 2\r\n\r\nok",
      "PUT /p HTTP/1.1\r\nConnection: close\r\nContent-Length: 1\r\n\r\nz",
      "POST /p HTTP/1.1\r\nconnection: close\r\nConnection: keep-alive\r\nContent-Length: "
      "0\r\n\r\n",
      "POST /p HTTP/1.1\r\nConnection: Close\r\nContent-Length: 0\r\n\r\n",
      "POST /p HTTP/1.1\r\nCookie: risklab_session=abc; other=x=y\r\nX-CSRF-Token: 0f\r\n"
      "Content-Length: 4\r\n\r\n\r\n\r\n",
  };
  for (const auto& request : requests) {
    const auto ours = parse_simple_request(request);
    ASSERT_TRUE(ours) << request;
    const auto theirs = test::read_with_httplib(request);
    ASSERT_TRUE(theirs.handled) << request;
    EXPECT_EQ(ours->method, theirs.request.method) << request;
    EXPECT_EQ(ours->path, theirs.request.path) << request;
    EXPECT_EQ(ours->body, theirs.request.body) << request;
    EXPECT_EQ(ours->close, theirs.connection_closed) << request;
    EXPECT_EQ(test::headers_of(*ours), test::headers_of(theirs.request)) << request;
  }
}

TEST(SimpleRequest, AnythingUnusualIsLeftToHttplib) {
  const std::string end = "Content-Length: 0\r\n\r\n";
  const std::vector<std::string> requests = {
      "POST /p HTTP/1.0\r\n" + end,                       // another version
      "POST /p?dataset=1 HTTP/1.1\r\n" + end,             // a query
      "POST /p%41 HTTP/1.1\r\n" + end,                    // an escape in the path
      "POST p HTTP/1.1\r\n" + end,                        // not an origin-form path
      "POST http://h/p HTTP/1.1\r\n" + end,               // absolute form
      "post /p HTTP/1.1\r\n" + end,                       // a lower-case method
      "POSTX /p HTTP/1.1\r\n" + end,                      // a method httplib refuses
      "TRACE /p HTTP/1.1\r\n" + end,                      // or routes to no handler
      "GET /p HTTP/1.1\r\nContent-Length: 1\r\n\r\nx",    // whose body httplib ignores
      "POST  /p HTTP/1.1\r\n" + end,                      // two spaces
      "POST /p HTTP/1.1 \r\n" + end,                      // a trailing space
      "POST /p HTTP/1.1\r\nX-A: 50%25\r\n" + end,         // httplib decodes it
      "POST /p HTTP/1.1\r\nX-A:\r\n" + end,               // httplib drops it
      "POST /p HTTP/1.1\r\nX-A: 1\r\n folded\r\n" + end,  // obsolete line folding
      "POST /p HTTP/1.1\r\nX-A: 1\nX-B: 2\r\n" + end,     // a bare LF
      "POST /p HTTP/1.1\r\nX-A: 1\rX-B: 2\r\n" + end,     // a bare CR
      "POST /p HTTP/1.1\r\nX-A : 1\r\n" + end,            // space before the colon
      "POST /p HTTP/1.1\r\nX-A: caf\xc3\xa9\r\n" + end,   // beyond ASCII
      "POST /p HTTP/1.1\r\nX-A: a\x01\r\n" + end,         // a control character
      "POST /p HTTP/1.1\r\nno colon\r\n" + end,
      "POST /p HTTP/1.1\r\nExpect: 100-continue\r\n" + end,
      "POST /p HTTP/1.1\r\nContent-Encoding: gzip\r\n" + end,
      "POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      "POST /p HTTP/1.1\r\nContent-Length: 0\r\n" + end,  // two lengths, even equal
      "POST /p HTTP/1.1\r\nContent-Length: +1\r\n\r\nx",
      "POST /p HTTP/1.1\r\nHost: x\r\n\r\n",              // no length
      "POST /p HTTP/1.1\r\nContent-Length: 3\r\n\r\nab",  // a body shorter than its length
      "POST /p HTTP/1.1\r\nX-Long: " + std::string(9000, 'a') + "\r\n" + end,
      "POST /" + std::string(3000, 'a') + " HTTP/1.1\r\n" + end,
  };
  for (const auto& request : requests)
    EXPECT_FALSE(parse_simple_request(request)) << request.substr(0, 120);
}

// An engine on a free port, served on its own thread.
class Running {
 public:
  explicit Running(HttpEngineOptions options = {}) : engine(options) {
    engine.Get(R"(/echo/(\d+))", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(req.matches[1].str(), "text/plain");
    });
    engine.Post("/body", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(req.body, "text/plain");
    });
    // One handler, served both ways: it says which way the request came.
    const httplib::Server::Handler which = [this](const httplib::Request& req,
                                                  httplib::Response& res) {
      const bool direct = req.get_header_value("REMOTE_ADDR").empty();  // httplib sets it
      if (req.body.rfind("later", 0) == 0) {
        auto deferred = HttpEngine::defer_current();
        std::lock_guard lock(mutex);
        later_direct.emplace_back([deferred, direct, body = req.body] {
          httplib::Response answer;
          answer.status = 202;
          answer.set_content((direct ? "direct later:" : "httplib later:") + body, "text/plain");
          deferred->send(answer);
        });
        return;
      }
      if (req.body == "throw") throw std::runtime_error("handler failed");
      res.set_header("X-Auth", req.get_header_value("authorization"));
      res.set_content((direct ? "direct:" : "httplib:") + req.body, "text/plain");
    };
    engine.add_direct_route("POST", "/direct", which);
    engine.Post("/direct", which);
    // Run on the I/O thread; "worker" bodies are handed to a worker, which runs them again.
    const httplib::Server::Handler here = [this](const httplib::Request& req,
                                                 httplib::Response& res) {
      const bool on_io_thread = HttpEngine::on_io_thread();
      {
        std::lock_guard lock(mutex);
        inline_runs.push_back({req.body, on_io_thread, std::this_thread::get_id()});
      }
      res.set_header("X-Seen-On-Io-Thread", on_io_thread ? "yes" : "no");
      if (req.body.rfind("worker", 0) == 0 && on_io_thread) return HttpEngine::hand_to_worker();
      res.set_content((on_io_thread ? "io:" : "worker:") + req.body, "text/plain");
    };
    engine.add_direct_route("POST", "/inline", here, HttpEngine::RunOn::io_thread);
    engine.Post("/inline", here);
    // Runs on the I/O thread and defers: the test answers through Deferred::post.
    const httplib::Server::Handler parked = [this](const httplib::Request& req,
                                                   httplib::Response&) {
      auto deferred = HttpEngine::defer_current();
      std::lock_guard lock(mutex);
      parked_requests.push_back({req.body, std::this_thread::get_id(), std::move(deferred)});
    };
    engine.add_direct_route("POST", "/parked", parked, HttpEngine::RunOn::io_thread);
    engine.Post("/parked", parked);
    engine.Get("/later", [this](const httplib::Request&, httplib::Response&) {
      auto deferred = HttpEngine::defer_current();
      ++deferrals;
      std::lock_guard lock(mutex);
      later.emplace_back([deferred, this] {
        std::this_thread::sleep_for(std::chrono::milliseconds(release_after_ms));
        httplib::Response res;
        res.status = 201;
        res.set_content("late", "text/plain");
        deferred->send(res);
      });
    });
    engine.Get("/gave-up", [](const httplib::Request&, httplib::Response& res) {
      HttpEngine::defer_current()->cancel();
      res.status = 409;
      res.set_content("answered at once", "text/plain");
    });
    port = engine.listen_on("127.0.0.1", 0);
    thread = std::thread([this] { engine.serve(); });
  }
  ~Running() {
    engine.stop_serving();
    {
      std::lock_guard lock(mutex);
      parked_requests.clear();  // unanswered ones answer 500 as they go, and the loops end
    }
    thread.join();
    for (auto& t : later) t.join();
    for (auto& t : later_direct) t.join();
  }

  HttpEngine engine;
  int port = 0;
  int release_after_ms = 50;
  std::atomic<int> deferrals{0};  // requests that reached /later's handler
  std::mutex mutex;
  std::vector<std::thread> later;
  std::vector<std::thread> later_direct;
  struct InlineRun {
    std::string body;
    bool on_io_thread;
    std::thread::id thread;
  };
  std::vector<InlineRun> inline_runs;  // /inline's handler calls, in order
  struct Parked {
    std::string body;
    std::thread::id read_on;  // the I/O thread that ran the handler
    std::shared_ptr<HttpEngine::Deferred> deferred;
  };
  std::vector<Parked> parked_requests;  // /parked's requests, waiting for the test
  std::thread thread;
};

class Client {
 public:
  explicit Client(int port) : socket_(io_) {
    socket_.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
  }
  void send(const std::string& bytes) { asio::write(socket_, asio::buffer(bytes)); }
  // Reads until `count` whole responses (each with a Content-Length) arrived; returns them.
  std::vector<std::string> responses(std::size_t count) {
    std::vector<std::string> out;
    while (out.size() < count) {
      const auto end = buffer_.find("\r\n\r\n");
      if (end != std::string::npos) {
        std::size_t length = 0;
        const auto at = buffer_.find("Content-Length: ");
        if (at != std::string::npos && at < end) length = std::stoul(buffer_.substr(at + 16));
        const bool interim = buffer_.rfind("HTTP/1.1 1", 0) == 0;
        if (interim) length = 0;
        if (buffer_.size() >= end + 4 + length) {
          out.push_back(buffer_.substr(0, end + 4 + length));
          buffer_.erase(0, end + 4 + length);
          continue;
        }
      }
      if (!read_some()) break;
    }
    return out;
  }
  // Whether the server closes the connection within `wait`.
  bool closed_within(std::chrono::seconds wait) {
    const auto until = std::chrono::steady_clock::now() + wait;
    while (std::chrono::steady_clock::now() < until) {
      if (socket_.available() == 0) {
        pollfd p{socket_.native_handle(), POLLIN, 0};
        if (::poll(&p, 1, 100) == 0) continue;
      }
      if (!read_some()) return true;
    }
    return false;
  }

 private:
  bool read_some() {
    char chunk[4096];
    boost::system::error_code ec;
    const std::size_t n = socket_.read_some(asio::buffer(chunk), ec);
    if (ec) return false;
    buffer_.append(chunk, n);
    return true;
  }
  asio::io_context io_;
  tcp::socket socket_;
  std::string buffer_;
};

bool body_is(const std::string& response, const std::string& body) {
  return response.size() >= body.size() &&
         response.compare(response.size() - body.size(), body.size(), body) == 0;
}

TEST(HttpEngine, AnswersPipelinedRequestsInOrderOnOneConnection) {
  Running server;
  Client client(server.port);
  client.send(
      "GET /echo/1 HTTP/1.1\r\nHost: x\r\n\r\nGET /echo/22 HTTP/1.1\r\nHost: x\r\n\r\n"
      "POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
  const auto answers = client.responses(3);
  ASSERT_EQ(answers.size(), 3u);
  EXPECT_TRUE(body_is(answers[0], "1")) << answers[0];
  EXPECT_TRUE(body_is(answers[1], "22")) << answers[1];
  EXPECT_TRUE(body_is(answers[2], "abc")) << answers[2];
  EXPECT_NE(answers[0].find("Keep-Alive: timeout=5, max=10000"), std::string::npos) << answers[0];
}

TEST(HttpEngine, ADeferredAnswerIsSentWhenAnotherThreadCompletesIt) {
  Running server;
  Client client(server.port);
  client.send("GET /later HTTP/1.1\r\nHost: x\r\n\r\nGET /echo/7 HTTP/1.1\r\nHost: x\r\n\r\n");
  const auto answers = client.responses(2);
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_EQ(answers[0].rfind("HTTP/1.1 201 Created\r\n", 0), 0u) << answers[0];
  EXPECT_TRUE(body_is(answers[0], "late")) << answers[0];
  EXPECT_NE(answers[0].find("Content-Length: 4"), std::string::npos) << answers[0];
  EXPECT_TRUE(body_is(answers[1], "7")) << "the connection goes on after a deferred answer";
  client.send("GET /gave-up HTTP/1.1\r\nHost: x\r\n\r\n");
  const auto cancelled = client.responses(1);
  ASSERT_EQ(cancelled.size(), 1u);
  EXPECT_EQ(cancelled[0].rfind("HTTP/1.1 409", 0), 0u) << cancelled[0];
  EXPECT_TRUE(body_is(cancelled[0], "answered at once")) << cancelled[0];
}

TEST(HttpEngine, AnInterimContinueComesBeforeTheBodyIsSent) {
  Running server;
  Client client(server.port);
  client.send(
      "POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  const auto interim = client.responses(1);
  ASSERT_EQ(interim.size(), 1u);
  EXPECT_EQ(interim[0], "HTTP/1.1 100 Continue\r\n\r\n");
  client.send("hello");
  const auto answer = client.responses(1);
  ASSERT_EQ(answer.size(), 1u);
  EXPECT_EQ(answer[0].rfind("HTTP/1.1 200 OK", 0), 0u) << "one interim answer only: " << answer[0];
  EXPECT_TRUE(body_is(answer[0], "hello"));
}

TEST(HttpEngine, EachRequestExpectingContinueOnAConnectionGetsItsOwnInterimAnswer) {
  Running server;
  Client client(server.port);
  for (const std::string body : {"first", "second"}) {
    client.send("POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
                "\r\nExpect: 100-continue\r\n\r\n");
    const auto interim = client.responses(1);
    ASSERT_EQ(interim.size(), 1u);
    EXPECT_EQ(interim[0], "HTTP/1.1 100 Continue\r\n\r\n") << "before the " << body << " body";
    client.send(body);
    const auto answer = client.responses(1);
    ASSERT_EQ(answer.size(), 1u);
    EXPECT_EQ(answer[0].rfind("HTTP/1.1 200 OK", 0), 0u) << answer[0];
    EXPECT_TRUE(body_is(answer[0], body)) << answer[0];
  }
}

TEST(HttpEngine, ChunkedBodiesReachTheHandlerWhole) {
  Running server;
  Client client(server.port);
  client.send("POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nrisk\r\n");
  client.send("3\r\nlab\r\n0\r\n\r\n");
  const auto answer = client.responses(1);
  ASSERT_EQ(answer.size(), 1u);
  EXPECT_TRUE(body_is(answer[0], "risklab")) << answer[0];
}

TEST(HttpEngine, OversizedBodiesAndHeadersAreRefusedAndTheConnectionClosed) {
  HttpEngineOptions options;
  options.max_body_bytes = 100;
  options.max_header_bytes = 1024;
  Running server(options);
  {
    Client client(server.port);
    client.send("POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" +
                std::string(500, 'x'));
    const auto answer = client.responses(1);
    ASSERT_EQ(answer.size(), 1u);
    EXPECT_EQ(answer[0].rfind("HTTP/1.1 413", 0), 0u) << answer[0];
    EXPECT_TRUE(client.closed_within(std::chrono::seconds(5)));
  }
  {
    Client client(server.port);
    client.send("GET /echo/1 HTTP/1.1\r\nX-Big: " + std::string(2000, 'y') + "\r\n\r\n");
    const auto answer = client.responses(1);
    ASSERT_EQ(answer.size(), 1u);
    EXPECT_EQ(answer[0].rfind("HTTP/1.1 431", 0), 0u) << answer[0];
    EXPECT_NE(answer[0].find("headers_too_large"), std::string::npos) << answer[0];
    EXPECT_TRUE(client.closed_within(std::chrono::seconds(5)));
  }
}

TEST(HttpEngine, IdleAndStalledConnectionsAreClosed) {
  HttpEngineOptions options;
  options.keep_alive_timeout = std::chrono::seconds(1);
  options.read_timeout = std::chrono::seconds(1);
  Running server(options);
  Client idle(server.port);
  idle.send("GET /echo/1 HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(idle.responses(1).size(), 1u);
  Client stalled(server.port);
  stalled.send("GET /echo/1 HTTP/1.1\r\nHo");
  EXPECT_TRUE(idle.closed_within(std::chrono::seconds(5)));
  EXPECT_TRUE(stalled.closed_within(std::chrono::seconds(5)));
}

TEST(HttpEngine, StoppingLetsTheRequestInProgressBeAnswered) {
  auto server = std::make_unique<Running>();
  server->release_after_ms = 1000;  // stop() comes well before the answer
  const int port = server->port;
  Client client(port);
  client.send("GET /later HTTP/1.1\r\nHost: x\r\n\r\n");
  // Stop only once the request is in progress (its handler has deferred).
  for (int i = 0; i < 1000 && server->deferrals == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(server->deferrals, 1);
  auto stopped = std::async(std::launch::async, [&server] { server.reset(); });
  const auto answer = client.responses(1);
  ASSERT_EQ(answer.size(), 1u);
  EXPECT_TRUE(body_is(answer[0], "late")) << answer[0];
  EXPECT_NE(answer[0].find("Connection: close"), std::string::npos) << answer[0];
  EXPECT_EQ(stopped.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_THROW(Client{port}, boost::system::system_error) << "no longer listening";
}

TEST(HttpEngine, ADirectRouteServesPlainRequestsItselfAndHttplibTheRest) {
  Running server;
  Client client(server.port);
  client.send(
      "POST /direct HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t1\r\nContent-Length: 3\r\n\r\nabc"
      "POST /direct?x=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\ndef"
      "POST /direct HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nghi\r\n0\r\n\r\n"
      "POST /direct HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nthrow");
  const auto answers = client.responses(4);
  ASSERT_EQ(answers.size(), 4u);
  EXPECT_EQ(answers[0].rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << answers[0];
  EXPECT_TRUE(body_is(answers[0], "direct:abc")) << answers[0];
  EXPECT_NE(answers[0].find("X-Auth: Bearer t1\r\n"), std::string::npos) << answers[0];
  EXPECT_NE(answers[0].find("Keep-Alive: timeout=5, max=10000"), std::string::npos) << answers[0];
  EXPECT_TRUE(body_is(answers[1], "httplib:def")) << "a query string goes to httplib";
  EXPECT_TRUE(body_is(answers[2], "httplib:ghi")) << "so does a chunked body";
  EXPECT_EQ(answers[3].rfind("HTTP/1.1 500", 0), 0u) << answers[3];
  EXPECT_TRUE(
      body_is(answers[3], "{\"error\":{\"code\":\"internal\",\"message\":\"the request failed\"}}"))
      << answers[3];
  // A direct request asking to close the connection gets its answer, then the close (deferred
  // direct answers: the next test).
  client.send(
      "POST /direct HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nno"  // not deferred
      "POST /direct HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 3\r\n\r\njkl");
  const auto last = client.responses(2);
  ASSERT_EQ(last.size(), 2u);
  EXPECT_TRUE(body_is(last[0], "direct:no")) << last[0];
  EXPECT_TRUE(body_is(last[1], "direct:jkl")) << last[1];
  EXPECT_NE(last[1].find("Connection: close\r\n"), std::string::npos) << last[1];
  EXPECT_TRUE(client.closed_within(std::chrono::seconds(5)));
}

TEST(HttpEngine, ADirectRouteCanDeferItsAnswer) {
  Running server;
  Client client(server.port);
  client.send(
      "POST /direct HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nlater1"
      "POST /direct?q=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nlater2"
      "POST /direct HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nnow");
  const auto answers = client.responses(3);
  ASSERT_EQ(answers.size(), 3u);
  EXPECT_EQ(answers[0].rfind("HTTP/1.1 202 Accepted\r\n", 0), 0u) << answers[0];
  EXPECT_TRUE(body_is(answers[0], "direct later:later1")) << answers[0];
  EXPECT_TRUE(body_is(answers[1], "httplib later:later2")) << answers[1];
  EXPECT_TRUE(body_is(answers[2], "direct:now")) << "the connection goes on after it";
}

TEST(HttpEngine, AnIoThreadRouteRunsWhereItWasReadUnlessItHandsTheRequestToAWorker) {
  Running server;
  Client client(server.port);
  client.send(
      "POST /inline HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nr1"
      "POST /inline HTTP/1.1\r\nHost: x\r\nContent-Length: 7\r\n\r\nworker2"
      "POST /inline?q=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nr3"
      "POST /inline HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nr4"
      "POST /direct HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nr5");
  const auto answers = client.responses(5);
  ASSERT_EQ(answers.size(), 5u);
  EXPECT_TRUE(body_is(answers[0], "io:r1")) << answers[0];
  EXPECT_TRUE(body_is(answers[1], "worker:worker2")) << answers[1];
  EXPECT_NE(answers[1].find("X-Seen-On-Io-Thread: no\r\n"), std::string::npos)
      << "what the handler left in its Response on the I/O thread is dropped: " << answers[1];
  EXPECT_EQ(answers[1].find("X-Seen-On-Io-Thread: yes"), std::string::npos) << answers[1];
  EXPECT_TRUE(body_is(answers[2], "worker:r3")) << "httplib's requests run on workers";
  EXPECT_TRUE(body_is(answers[3], "io:r4")) << "the connection goes on after a hand-over";
  EXPECT_TRUE(body_is(answers[4], "direct:r5")) << answers[4];

  std::lock_guard lock(server.mutex);
  const auto& runs = server.inline_runs;
  ASSERT_EQ(runs.size(), 5u) << "r1, worker2 twice, r3, r4";
  EXPECT_EQ(runs[0].body, "r1");
  EXPECT_TRUE(runs[0].on_io_thread);
  EXPECT_EQ(runs[1].body, "worker2");
  EXPECT_TRUE(runs[1].on_io_thread);
  EXPECT_EQ(runs[2].body, "worker2");
  EXPECT_FALSE(runs[2].on_io_thread);
  EXPECT_NE(runs[2].thread, runs[1].thread) << "run again on a worker";
  EXPECT_FALSE(runs[3].on_io_thread);
  EXPECT_TRUE(runs[4].on_io_thread);
  EXPECT_EQ(runs[4].thread, runs[0].thread) << "one connection, one I/O thread";
}

// The group commit's writer hands each answer to its connection's I/O thread to be built and
// written there (Deferred::post): many at once, from one thread.
TEST(HttpEngine, AFunctionPostedForADeferredAnswerRunsOnItsConnectionsIoThreadInOrder) {
  Running server;
  constexpr int kClients = 8;
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(std::make_unique<Client>(server.port));
    const std::string body = "p" + std::to_string(i);
    clients.back()->send("POST /parked HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                         std::to_string(body.size()) + "\r\n\r\n" + body);
  }
  std::vector<Running::Parked> parked;
  for (int wait = 0; wait < 500 && parked.size() < kClients; ++wait) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::lock_guard lock(server.mutex);
    parked = server.parked_requests;
  }
  ASSERT_EQ(parked.size(), static_cast<std::size_t>(kClients));

  struct Ran {
    std::string body;
    std::thread::id thread;
  };
  std::mutex mutex;
  std::vector<Ran> ran;
  for (const auto& request : parked) {  // all at once, from this thread
    request.deferred->post([&, request] {
      {
        std::lock_guard lock(mutex);
        ran.push_back({request.body, std::this_thread::get_id()});
      }
      httplib::Response answer;
      answer.status = 201;
      answer.set_content("posted:" + request.body, "text/plain");
      request.deferred->send(answer);
    });
  }
  for (int i = 0; i < kClients; ++i) {
    const auto answers = clients[i]->responses(1);
    ASSERT_EQ(answers.size(), 1u) << i;
    EXPECT_EQ(answers[0].rfind("HTTP/1.1 201 Created\r\n", 0), 0u) << answers[0];
    EXPECT_TRUE(body_is(answers[0], "posted:p" + std::to_string(i))) << answers[0];
  }
  std::lock_guard lock(mutex);
  ASSERT_EQ(ran.size(), parked.size());
  for (const auto& request : parked) {
    const auto at =
        std::find_if(ran.begin(), ran.end(), [&](const Ran& r) { return r.body == request.body; });
    ASSERT_NE(at, ran.end()) << request.body;
    EXPECT_EQ(at->thread, request.read_on) << request.body << " ran on its connection's I/O thread";
    EXPECT_NE(at->thread, std::this_thread::get_id());
  }
  // Each I/O thread ran what was posted to it in the order it was posted.
  for (std::size_t a = 0; a < parked.size(); ++a) {
    for (std::size_t b = a + 1; b < parked.size(); ++b) {
      if (parked[a].read_on != parked[b].read_on) continue;
      const auto position = [&](const std::string& body) {
        return std::find_if(ran.begin(), ran.end(), [&](const Ran& r) { return r.body == body; }) -
               ran.begin();
      };
      EXPECT_LT(position(parked[a].body), position(parked[b].body));
    }
  }
}

TEST(HttpEngine, HandingToAWorkerOutsideAnIoThreadHandlerIsAnError) {
  EXPECT_FALSE(HttpEngine::on_io_thread());
  EXPECT_THROW(HttpEngine::hand_to_worker(), std::logic_error);
}

}  // namespace
}  // namespace risklab::web
