// Workflow (issue 7 acceptance), over HTTP against two `risklab serve` replicas sharing one
// database and one lake: a model developer snapshots the labelled data and starts a training
// job; progress is read while it runs; the candidate's validation report is produced; the
// developer cannot approve their own model (403), a risk officer can; after promotion both
// replicas answer /score with the new model version within two seconds.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "support/backends.hpp"
#include "support/deployment.hpp"
#include "support/temp_dir.hpp"

namespace risklab {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

class GovernedRetrainingTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    test_db_ = std::make_unique<test::TestDatabase>(GetParam());
    deployment_ = std::make_unique<test::Deployment>(
        dir_.path(), std::map<std::string, std::string>{
                         {"RISKLAB_DB", test_db_->url()},
                         {"RISKLAB_LAKE", "file://" + (dir_.path() / "lake").string()},
                         {"RISKLAB_ADMIN_PASSWORD", "governed-admin-pw-1"}});
    deployment_->install_with_champion();
    for (const auto& [user, roles] : std::vector<std::pair<std::string, std::string>>{
             {"dev", "model_developer,data_steward,risk_officer"},
             {"rita", "risk_officer"},
             {"ana", "analyst"}}) {
      deployment_->add_user(user, roles, user + "-password-1");
      tokens_[user] = deployment_->create_token(user, "governed-test");
    }
  }

  httplib::Result call(const test::ServerProcess& server, const std::string& user,
                       const std::string& method, const std::string& path,
                       const json& body = json::object()) {
    httplib::Client client("127.0.0.1", server.port());
    client.set_read_timeout(30);
    const httplib::Headers headers{{"Authorization", "Bearer " + tokens_.at(user)}};
    if (method == "GET") return client.Get(path, headers);
    return client.Post(path, headers, body.dump(), "application/json");
  }

  static json body_of(const httplib::Result& res) {
    EXPECT_TRUE(res);
    return res ? json::parse(res->body) : json();
  }

  test::TempDir dir_;
  std::unique_ptr<test::TestDatabase> test_db_;
  std::unique_ptr<test::Deployment> deployment_;
  std::map<std::string, std::string> tokens_;
};

TEST_P(GovernedRetrainingTest, SnapshotTrainReviewApproveWithFourEyesAndPromoteAcrossReplicas) {
  auto a = deployment_->replica("a");
  auto b = deployment_->replica("b");

  const auto score_before = call(*a, "ana", "POST", "/api/v1/score", {{"statement_id", 1}});
  ASSERT_EQ(score_before->status, 201) << score_before->body;
  const std::string old_version = body_of(score_before)["model_version"];

  // 1. Snapshot on one replica, training job on the other (the queue is shared).
  const auto snapshot = call(*a, "dev", "POST", "/api/v1/snapshots", {{"note", "governed test"}});
  ASSERT_EQ(snapshot->status, 201) << snapshot->body;
  const std::string snapshot_id = body_of(snapshot)["id"];
  const auto queued =
      call(*b, "dev", "POST", "/api/v1/training-jobs",
           {{"snapshot_id", snapshot_id}, {"parameters", {{"trees", 150}, {"seed", 3}}}});
  ASSERT_EQ(queued->status, 201) << queued->body;
  const std::string job_path =
      "/api/v1/training-jobs/" + std::to_string(body_of(queued)["id"].get<long long>());

  // 2. Progress, read until the job ends: stages and tree counts move forward, never back.
  std::set<std::string> stages;
  bool saw_unfinished = false;
  double last_progress = 0;
  json job;
  const auto deadline = Clock::now() + std::chrono::seconds(240);
  while (Clock::now() < deadline) {
    job = body_of(call(*a, "rita", "GET", job_path));
    if (job["stage"].is_string()) stages.insert(job["stage"].get<std::string>());
    const double progress = job["progress"].is_number() ? job["progress"].get<double>() : 0.0;
    EXPECT_GE(progress + 1e-9, last_progress) << job.dump();
    last_progress = progress;
    if (job["status"] != "queued" && job["status"] != "running") break;
    saw_unfinished = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(job["status"], "succeeded") << job.dump() << a->log() << b->log();
  EXPECT_EQ(job["progress"], 1.0);
  EXPECT_TRUE(saw_unfinished) << "the job's state was readable before it finished";
  const std::string model_path =
      "/api/v1/models/" + std::to_string(job["model_id"].get<long long>());

  // 3. The candidate's validation report, side by side with the champion.
  const auto report = call(*b, "ana", "GET", model_path + "/report");
  ASSERT_EQ(report->status, 200) << report->body;
  const auto report_json = body_of(report);
  EXPECT_TRUE(report_json["champion"].is_object()) << "compared with the current champion";
  EXPECT_TRUE(report_json["comparison"].is_object());

  // 4. Four-eyes: the developer (who holds the risk-officer role too) cannot approve.
  const auto own = call(*a, "dev", "POST", model_path + "/approve", {{"note", "mine"}});
  ASSERT_EQ(own->status, 403) << own->body;
  EXPECT_EQ(body_of(own)["error"]["code"], "four_eyes");
  EXPECT_EQ(body_of(call(*a, "ana", "GET", model_path))["status"], "candidate");
  const auto approved =
      call(*b, "rita", "POST", model_path + "/approve", {{"note", "report reviewed"}});
  ASSERT_EQ(approved->status, 200) << approved->body;

  // 5. Promote on one replica; both serve the new version within two seconds.
  const auto promoted = call(*a, "rita", "POST", model_path + "/promote");
  ASSERT_EQ(promoted->status, 200) << promoted->body;
  const auto promoted_at = Clock::now();
  const std::string new_version = body_of(promoted)["version"];
  ASSERT_NE(new_version, old_version);
  for (const auto* server : {a.get(), b.get()}) {
    std::string served;
    while (Clock::now() < promoted_at + std::chrono::seconds(2)) {
      const auto scored = call(*server, "ana", "POST", "/api/v1/score", {{"statement_id", 2}});
      ASSERT_EQ(scored->status, 201) << scored->body;
      served = body_of(scored)["model_version"];
      if (served == new_version) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_EQ(served, new_version) << "replica on port " << server->port();
  }
  EXPECT_EQ(body_of(call(*b, "ana", "GET", "/api/v1/models/1"))["status"], "retired");
}

INSTANTIATE_TEST_SUITE_P(Backends, GovernedRetrainingTest,
                         ::testing::ValuesIn(test::all_backends()), test::BackendName());

}  // namespace
}  // namespace risklab
