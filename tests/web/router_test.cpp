// Router placement: which requests of a route registered to run on the I/O thread run there.

#include "web/router.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "service/auth_service.hpp"
#include "support/temp_dir.hpp"
#include "web/http_engine.hpp"
#include "web/metrics.hpp"
#include "web_stack.hpp"

namespace risklab::web {
namespace {

const core::Actor kSystem{0, "test-setup", {core::Role::admin}};

// The App of a WebStack (SQLite) behind an HttpEngine of our own with one probe route.
class PlacementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    web_ = std::make_unique<test::WebStack>("sqlite", dir_.path());
    web_->auth->create_user(kSystem, "ana", "", "ana-password-1", "analyst");
    HttpEngineOptions options;
    options.io_threads = 1;
    options.workers = 2;
    engine_ = std::make_unique<HttpEngine>(options);
    router_ = std::make_unique<Router>(*engine_, *web_->app, metrics_);
    router_->add(
        "POST", "/probe", Access::signed_in,
        [this](const httplib::Request& req, httplib::Response& res, RequestContext& ctx) {
          {
            std::lock_guard lock(mutex_);
            runs_.push_back({req.body, ctx.on_io_thread, ctx.actor ? ctx.actor->name : ""});
          }
          if (req.body == "blocking" && ctx.on_io_thread) return ctx.hand_to_worker();
          reply(res, 200, {{"on_io_thread", ctx.on_io_thread}});
        },
        Placement::io_thread_unless_blocking);
    port_ = engine_->listen_on("127.0.0.1", 0);
    thread_ = std::thread([this] { engine_->serve(); });
  }
  void TearDown() override {
    engine_->stop_serving();
    thread_.join();
  }

  int post(const httplib::Headers& headers, const std::string& body) {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(30, 0);
    const auto res = c.Post("/probe", headers, body, "text/plain");
    return res ? res->status : -1;
  }

  struct Run {
    std::string body;
    bool on_io_thread;
    std::string actor;
  };
  std::vector<Run> runs() {
    std::lock_guard lock(mutex_);
    return runs_;
  }

  test::TempDir dir_;
  std::unique_ptr<test::WebStack> web_;
  Metrics metrics_;
  std::unique_ptr<HttpEngine> engine_;
  std::unique_ptr<Router> router_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<Run> runs_;
};

TEST_F(PlacementTest, ARecentlyCheckedTokenRunsOnTheIoThreadAnythingElseOnAWorker) {
  const auto token = web_->auth->create_token(kSystem, "ana", "probe");
  const httplib::Headers bearer = {{"Authorization", "Bearer " + token.secret}};
  EXPECT_EQ(post(bearer, "first"), 200);     // not checked yet: the worker reads the database
  EXPECT_EQ(post(bearer, "second"), 200);    // remembered: on the I/O thread
  EXPECT_EQ(post(bearer, "blocking"), 200);  // handed over by the handler
  EXPECT_EQ(post({}, "anonymous"), 401);     // the worker answers the error
  EXPECT_EQ(post({{"Authorization", "Bearer " + std::string(43, 'x')}}, "unknown"), 401);
  const auto login = web_->auth->login("ana", "ana-password-1");
  EXPECT_EQ(post({{"Cookie", std::string(kSessionCookie) + "=" + login.session_token},
                  {"X-CSRF-Token", login.csrf_token}},
                 "cookie"),
            200);

  const auto seen = runs();
  ASSERT_EQ(seen.size(), 5u) << "first, second, blocking twice, cookie";
  EXPECT_EQ(seen[0].body, "first");
  EXPECT_FALSE(seen[0].on_io_thread);
  EXPECT_EQ(seen[1].body, "second");
  EXPECT_TRUE(seen[1].on_io_thread);
  EXPECT_EQ(seen[1].actor, "ana");
  EXPECT_EQ(seen[2].body, "blocking");
  EXPECT_TRUE(seen[2].on_io_thread);
  EXPECT_EQ(seen[3].body, "blocking");
  EXPECT_FALSE(seen[3].on_io_thread);
  EXPECT_EQ(seen[3].actor, "ana");
  EXPECT_EQ(seen[4].body, "cookie");
  EXPECT_FALSE(seen[4].on_io_thread);

  // Each request is counted once, the hand-overs too.
  const auto text = metrics_.render("");
  EXPECT_NE(
      text.find("risklab_http_requests_total{route=\"/probe\",method=\"POST\",status=\"200\"} 4\n"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find("risklab_http_requests_total{route=\"/probe\",method=\"POST\",status=\"401\"} 2\n"),
      std::string::npos)
      << text;
}

TEST_F(PlacementTest, ARevokedTokenIsNoLongerTakenOnTheIoThread) {
  const auto token = web_->auth->create_token(kSystem, "ana", "probe");
  const httplib::Headers bearer = {{"Authorization", "Bearer " + token.secret}};
  EXPECT_EQ(post(bearer, "first"), 200);
  EXPECT_EQ(post(bearer, "second"), 200);
  web_->auth->revoke_token(kSystem, token.id);
  EXPECT_EQ(post(bearer, "revoked"), 401);
  const auto seen = runs();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_TRUE(seen[1].on_io_thread);
}

}  // namespace
}  // namespace risklab::web
