// Workflow: the lake (Azurite) goes down while outcomes keep arriving through a real
// `risklab serve`; when it is back the outbox catches up with exactly one ground-truth record per
// outcome, also when the server is killed (-9) half-way through draining (issue 6, acceptance).
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "lake/lake.hpp"
#include "support/azurite_process.hpp"
#include "support/backends.hpp"
#include "support/run.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace risklab {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr int kOutcomes = 1000;
constexpr int kCompanies = 50;
constexpr auto kCatchUpWithin = std::chrono::seconds(30);

class OutageDrillTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db_ = std::make_unique<test::TestDatabase>(GetParam());
    azurite_ = std::make_unique<test::AzuriteProcess>(dir_.path() / "azurite");
    env_ = {{"RISKLAB_DB", db_->url()},
            {"RISKLAB_LAKE", azurite_->lake_url("drill")},
            {"AZURE_STORAGE_KEY", test::AzuriteProcess::key()},
            {"RISKLAB_ADMIN_PASSWORD", "drill-admin-pw-1"},
            {"RISKLAB_PASSWORD", "drill-steward-pw-1"}};
    expect_ok({"init"});
    std::string companies = "id,assets\n";
    for (int i = 0; i < kCompanies; ++i)
      companies += "c" + std::to_string(i) + "," + std::to_string(i) + "\n";
    expect_ok(
        {"import", dir_.write("companies.csv", companies), "--id", "id", "--dataset", "drill"});
    expect_ok({"users", "add", "steward", "--roles", "data_steward"});
    const auto token = expect_ok({"tokens", "create", "--user", "steward", "--name", "drill"});
    token_ = token.out.substr(0, token.out.find('\n'));
    const std::string key = test::AzuriteProcess::key();
    lake_ = lake::open_lake(azurite_->lake_url("drill"),
                            [key](const std::string& name) -> std::optional<std::string> {
                              if (name == "AZURE_STORAGE_KEY") return key;
                              return std::nullopt;
                            });
  }

  test::RunResult expect_ok(const std::vector<std::string>& args) {
    auto result = test::run_risklab(args, env_);
    EXPECT_EQ(result.exit_code, 0) << args[0] << ": " << result.err;
    return result;
  }

  std::unique_ptr<test::ServerProcess> serve(const std::string& name) {
    const auto log_dir = dir_.path() / name;
    std::filesystem::create_directories(log_dir);
    return std::make_unique<test::ServerProcess>(std::vector<std::string>{}, env_, log_dir);
  }

  // Posts the outcomes one request each, as a bank's system would; every one must be accepted.
  void post_outcomes(int port) {
    httplib::Client client("127.0.0.1", port);
    client.set_bearer_token_auth(token_);
    client.set_read_timeout(30, 0);
    for (int i = 0; i < kOutcomes; ++i) {
      const json body = {{"company", "c" + std::to_string(i % kCompanies)},
                         {"defaulted", i % 7 == 0},
                         {"observed_at", "2026-11-01"},
                         {"note", "drill " + std::to_string(i)}};
      const auto res = client.Post("/api/v1/outcomes", body.dump(), "application/json");
      ASSERT_TRUE(res) << "outcome " << i << ": no response";
      ASSERT_EQ(res->status, 201) << "outcome " << i << ": " << res->body;
    }
  }

  double pending_in_metrics(int port) {
    httplib::Client client("127.0.0.1", port);
    const auto res = client.Get("/metrics");
    if (!res) return -1;
    const std::string marker = "\nrisklab_outbox_pending ";
    const auto at = res->body.find(marker);
    return at == std::string::npos ? -1 : std::stod(res->body.substr(at + marker.size()));
  }

  // The ground-truth records in the lake, each checked against its recorded hash.
  std::vector<std::string> shipped() {
    std::vector<std::string> keys;
    for (const auto& object : lake_->list("ground_truth/")) {
      if (object.key.find("/outcome-") != std::string::npos) keys.push_back(object.key);
    }
    return keys;
  }

  // Waits until the lake holds every outcome; checks there is exactly one record per outcome.
  void expect_caught_up(Clock::time_point since) {
    std::vector<std::string> keys;
    while (Clock::now() - since < kCatchUpWithin) {
      keys = shipped();
      if (keys.size() >= static_cast<std::size_t>(kOutcomes)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - since).count();
    ASSERT_EQ(keys.size(), static_cast<std::size_t>(kOutcomes))
        << "after " << seconds << " s the lake holds " << keys.size() << " ground-truth records";
    std::set<long long> ids;
    std::set<std::string> notes;
    for (const auto& key : keys) {
      const auto record = json::parse(lake_->get(key));
      ids.insert(record["outcome_id"].get<long long>());
      notes.insert(record["note"].get<std::string>());
    }
    EXPECT_EQ(ids.size(), static_cast<std::size_t>(kOutcomes)) << "one record per outcome";
    EXPECT_EQ(notes.size(), static_cast<std::size_t>(kOutcomes)) << "every posted outcome is there";
    RecordProperty("catch_up_seconds", std::to_string(seconds));
  }

  test::TempDir dir_;
  std::unique_ptr<test::TestDatabase> db_;
  std::unique_ptr<test::AzuriteProcess> azurite_;
  std::map<std::string, std::string> env_;
  std::string token_;
  std::unique_ptr<lake::Lake> lake_;
};

TEST_P(OutageDrillTest, OutcomesPostedWhileTheLakeIsDownAllReachItOnceItIsBack) {
  auto server = serve("serve");
  azurite_->stop();
  post_outcomes(server->port());
  EXPECT_EQ(pending_in_metrics(server->port()), kOutcomes) << "the backlog shows in /metrics";
  httplib::Client client("127.0.0.1", server->port());
  const auto health = client.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(json::parse(health->body)["outbox"]["pending"], kOutcomes);

  azurite_->start();
  expect_caught_up(Clock::now());
  EXPECT_EQ(pending_in_metrics(server->port()), 0);
  EXPECT_EQ(server->stop(), 0);
  expect_ok({"audit", "verify"});
}

TEST_P(OutageDrillTest, ServerKilledHalfWayThroughDrainingNeitherLosesNorDuplicates) {
  auto server = serve("serve-1");
  azurite_->stop();
  post_outcomes(server->port());
  azurite_->start();
  const auto back = Clock::now();
  // Kill the server as soon as part of the backlog is in the lake, mid-pass.
  std::size_t at_kill = 0;
  while (Clock::now() - back < kCatchUpWithin) {
    at_kill = shipped().size();
    if (at_kill >= 20) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  server->kill_hard();
  const std::size_t after_kill = shipped().size();
  ASSERT_GT(after_kill, 0u) << "the drain had not started";
  ASSERT_LT(after_kill, static_cast<std::size_t>(kOutcomes))
      << "the drain finished before the kill";

  auto restarted = serve("serve-2");
  expect_caught_up(back);
  EXPECT_EQ(pending_in_metrics(restarted->port()), 0);
  EXPECT_EQ(restarted->stop(), 0);
  expect_ok({"audit", "verify"});
}

INSTANTIATE_TEST_SUITE_P(Backends, OutageDrillTest, ::testing::ValuesIn(test::all_backends()),
                         test::BackendName());

}  // namespace
}  // namespace risklab
