// Workflow: promote another champion while a real `risklab serve` process is under load. The new
// model is served within 2 s and no request fails during the swap (issue 5, acceptance).
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/csv_reader.hpp"
#include "store/assessment_repository.hpp"
#include "store/database.hpp"
#include "store/transaction.hpp"
#include "support/model_fixture.hpp"
#include "support/run.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace risklab {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr int kClients = 4;
constexpr auto kServeWithin = std::chrono::seconds(2);

struct Response {
  Clock::time_point sent;
  Clock::time_point received;
  int status = 0;  // 0 = no HTTP response at all
  std::string model_version;
  std::string body;
};

// Score bodies (features only, a few TreeSHAP drivers) from the data rows of `csv`.
std::vector<std::string> score_bodies(const std::string& csv, std::size_t rows) {
  core::CsvReader reader(csv);
  core::CsvRecord header;
  reader.next(header);
  std::vector<std::string> bodies;
  core::CsvRecord record;
  while (bodies.size() < rows && reader.next(record)) {
    json features = json::object();
    for (std::size_t i = 1; i < header.fields.size(); ++i) {  // column 0 is the label
      features[std::string(core::trim(header.fields[i]))] =
          core::parse_numeric_cell(record.fields.at(i)).value;
    }
    bodies.push_back(json{{"features", features}, {"top_k", 2}}.dump());
  }
  return bodies;
}

class ChampionSwapTest : public ::testing::Test {
 protected:
  test::RunResult risklab(const std::vector<std::string>& args,
                          std::map<std::string, std::string> env = {}) {
    env["RISKLAB_DB"] = db_url_;
    auto result = test::run_risklab(args, env, dir_.path().string());
    EXPECT_EQ(result.exit_code, 0) << "risklab " << args.at(0) << ": " << result.err;
    return result;
  }

  // "registered model 2 (rf-0123456789ab)" -> "rf-0123456789ab"
  std::string register_model(const std::string& artifact) {
    const auto result = risklab({"models", "register", artifact});
    const std::string text = result.out + result.err;
    const auto open = text.find('(', text.find("registered model"));
    const auto close = text.find(')', open);
    EXPECT_NE(close, std::string::npos) << text;
    return close == std::string::npos ? "" : text.substr(open + 1, close - open - 1);
  }

  test::TempDir dir_;
  std::string db_url_ = "sqlite://" + (dir_.path() / "risklab.db").string();
};

TEST_F(ChampionSwapTest, PromotedModelIsServedWithinTwoSecondsWithNoFailedRequestUnderLoad) {
  // Two small models that differ only by seed, so they have different versions.
  const auto data = test::reference_head_csv(dir_.path().string(), 400);
  for (const char* seed : {"1", "2"}) {
    risklab({"ml", "train", "--data", data, "--label", "Bankrupt?", "--trees", "10", "--seed", seed,
             "--threads", "2", "--out", std::string("model-") + seed + ".rlm"});
  }
  risklab({"init"}, {{"RISKLAB_ADMIN_PASSWORD", "admin-password-1"}});
  risklab({"users", "add", "ana", "--roles", "analyst"},
          {{"RISKLAB_PASSWORD", "analyst-password-1"}});
  const std::string old_version = register_model("model-1.rlm");
  const std::string new_version = register_model("model-2.rlm");
  ASSERT_FALSE(old_version.empty());
  ASSERT_NE(old_version, new_version);
  // Registered by the operator; approved by another person (four-eyes), as the registry demands.
  for (const char* id : {"1", "2"}) {
    risklab({"models", "approve", id, "--note", "swap test"}, {{"USER", "second-pair-of-eyes"}});
  }
  risklab({"models", "promote", "1"});
  const auto token_output =
      risklab({"tokens", "create", "--user", "ana", "--name", "swap-test"}).out;
  const std::string token = token_output.substr(0, token_output.find_first_of("\r\n"));
  ASSERT_FALSE(token.empty());
  const auto bodies = score_bodies(data, 20);

  test::ServerProcess server({"--threads", "16"}, {{"RISKLAB_DB", db_url_}}, dir_.path());
  {
    httplib::Client probe("127.0.0.1", server.port());
    const auto health = probe.Get("/healthz");
    ASSERT_TRUE(health) << server.log();
    ASSERT_EQ(json::parse(health->body).at("champion"), old_version) << health->body;
  }

  std::atomic<bool> running{true};
  std::mutex mutex;
  std::vector<Response> responses;
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      httplib::Client client("127.0.0.1", server.port());
      client.set_bearer_token_auth(token.c_str());
      client.set_read_timeout(10, 0);
      std::vector<Response> mine;
      for (std::size_t i = static_cast<std::size_t>(c); running; ++i) {
        Response response;
        response.sent = Clock::now();
        const auto res =
            client.Post("/api/v1/score", bodies[i % bodies.size()], "application/json");
        response.received = Clock::now();
        if (res) {
          response.status = res->status;
          response.body = res->body;
          const auto body = json::parse(res->body, nullptr, false);
          if (res->status == 201 && body.is_object() && body.contains("model_version")) {
            response.model_version = body["model_version"].get<std::string>();
          }
        }
        mine.push_back(std::move(response));
      }
      std::lock_guard lock(mutex);
      responses.insert(responses.end(), mine.begin(), mine.end());
    });
  }

  std::this_thread::sleep_for(std::chrono::seconds(1));
  const auto promote_started = Clock::now();
  const auto promoted = test::run_risklab({"models", "promote", "2"}, {{"RISKLAB_DB", db_url_}});
  // The registry row is committed when the command returns: the clock for "within 2 s" starts.
  const auto promote_done = Clock::now();
  std::this_thread::sleep_for(kServeWithin + std::chrono::seconds(1));
  running = false;
  for (auto& client : clients) client.join();
  ASSERT_EQ(promoted.exit_code, 0) << promoted.err;

  httplib::Client probe("127.0.0.1", server.port());
  const auto health = probe.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(json::parse(health->body).at("champion"), new_version);
  EXPECT_EQ(server.stop(), 0) << "SIGTERM must stop the server cleanly:\n" << server.log();

  Clock::time_point first_new_received = Clock::time_point::max();
  for (const auto& r : responses) {
    if (r.model_version == new_version)
      first_new_received = std::min(first_new_received, r.received);
  }
  std::size_t failed = 0, before = 0, after_deadline = 0, unknown = 0, early = 0, late = 0,
              flip = 0;
  for (const auto& r : responses) {
    if (r.status != 201) {
      if (++failed <= 3)
        ADD_FAILURE() << "request failed during the swap: status " << r.status << " " << r.body;
      continue;
    }
    const bool is_old = r.model_version == old_version;
    if (!is_old && r.model_version != new_version) ++unknown;
    if (r.received < promote_started) {
      ++before;
      if (!is_old) ++early;  // served the new model before it was promoted
    }
    if (r.sent >= promote_done + kServeWithin) {
      ++after_deadline;
      if (is_old) ++late;  // still the old model 2 s after the promotion
    }
    // The swap is atomic: a request sent after a response came from the new model gets the new one.
    if (is_old && r.sent > first_new_received) ++flip;
  }
  EXPECT_EQ(failed, 0u) << "of " << responses.size() << " requests";
  EXPECT_EQ(unknown, 0u) << "responses naming neither model";
  EXPECT_EQ(early, 0u) << "responses from the new model before the promotion";
  EXPECT_EQ(late, 0u) << "of " << after_deadline
                      << " requests sent 2 s after the promotion got the old model";
  EXPECT_EQ(flip, 0u) << "requests got the old model after the new one had answered";
  // Enough traffic on both sides of the swap for the checks above to mean something.
  EXPECT_GE(before, 10u);
  EXPECT_GE(after_deadline, 10u);

  // Every 201 is a stored assessment, and nothing else is.
  auto db = store::Database::open(db_url_);
  store::Transaction tx(*db);
  EXPECT_EQ(store::AssessmentRepository().count(tx),
            static_cast<long long>(responses.size() - failed));
}

}  // namespace
}  // namespace risklab
