// Workflow (issue 10, the replica rig): three `risklab serve` replicas share one database server
// and one Azure lake (Azurite), with no sticky routing: an analyst logs in on one replica and
// uses that session on the others (sessions live in the database), scores on one and decides on
// another; a steward records an outcome, which reaches the lake once; a new champion, trained on
// one replica's queue and promoted on a third, is served by every replica; logging out on one
// replica ends the session on all of them; the audit chain verifies.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "lake/lake.hpp"
#include "support/azurite_process.hpp"
#include "support/backends.hpp"
#include "support/deployment.hpp"
#include "support/temp_dir.hpp"

namespace risklab {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

/// A browser-like client's state: the session cookie and its CSRF token, valid on any replica.
struct Session {
  std::string cookie;
  std::string csrf;
};

class ReplicaRigTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db_ = std::make_unique<test::TestDatabase>(GetParam());
    azurite_ = std::make_unique<test::AzuriteProcess>(dir_.path() / "azurite");
    deployment_ = std::make_unique<test::Deployment>(
        dir_.path(),
        std::map<std::string, std::string>{{"RISKLAB_DB", db_->url()},
                                           {"RISKLAB_LAKE", azurite_->lake_url("rig")},
                                           {"AZURE_STORAGE_KEY", test::AzuriteProcess::key()},
                                           {"RISKLAB_ADMIN_PASSWORD", "rig-admin-pw-1"}});
    deployment_->install_with_champion();
    for (const auto& [user, roles] :
         std::vector<std::pair<std::string, std::string>>{{"ana", "analyst"},
                                                          {"steward", "data_steward"},
                                                          {"dev", "model_developer,data_steward"},
                                                          {"rita", "risk_officer"}}) {
      deployment_->add_user(user, roles, password(user));
    }
    for (const char* name : {"a", "b", "c"}) replicas_.push_back(deployment_->replica(name));
  }

  static std::string password(const std::string& user) { return user + "-rig-password-1"; }

  test::ServerProcess& replica(std::size_t index) { return *replicas_.at(index); }

  Session login(test::ServerProcess& server, const std::string& user) {
    httplib::Client client("127.0.0.1", server.port());
    const json body = {{"username", user}, {"password", password(user)}};
    const auto res = client.Post("/api/v1/session", body.dump(), "application/json");
    EXPECT_TRUE(res && res->status == 200) << (res ? res->body : "no response");
    if (!res || res->status != 200) return {};
    const std::string set_cookie = res->get_header_value("Set-Cookie");
    return {set_cookie.substr(0, set_cookie.find(';')),
            json::parse(res->body)["csrf_token"].get<std::string>()};
  }

  httplib::Result call(test::ServerProcess& server, const Session& session,
                       const std::string& method, const std::string& path,
                       const json& body = json::object()) {
    httplib::Client client("127.0.0.1", server.port());
    client.set_read_timeout(30);
    const httplib::Headers headers{{"Cookie", session.cookie}, {"X-CSRF-Token", session.csrf}};
    if (method == "GET") return client.Get(path, headers);
    if (method == "DELETE") return client.Delete(path, headers);
    return client.Post(path, headers, body.dump(), "application/json");
  }

  static json body_of(const httplib::Result& res) {
    EXPECT_TRUE(res);
    return res ? json::parse(res->body) : json();
  }

  test::TempDir dir_;
  std::unique_ptr<test::TestDatabase> db_;
  std::unique_ptr<test::AzuriteProcess> azurite_;
  std::unique_ptr<test::Deployment> deployment_;
  std::vector<std::unique_ptr<test::ServerProcess>> replicas_;
};

TEST_P(ReplicaRigTest, SessionsScoresDecisionsOutcomesAndChampionSwapsWorkAcrossReplicas) {
  auto& a = replica(0);
  auto& b = replica(1);
  auto& c = replica(2);

  // Log in on A; the session works on B and C (it lives in the database, not in a replica).
  const auto ana = login(a, "ana");
  for (auto* server : {&a, &b, &c}) {
    const auto me = call(*server, ana, "GET", "/api/v1/session");
    ASSERT_EQ(me->status, 200) << "replica " << server->port() << ": " << me->body;
    EXPECT_EQ(body_of(me)["username"], "ana");
  }

  // Score on B, decide on C, read both back on A.
  const auto scored = call(b, ana, "POST", "/api/v1/score", {{"statement_id", 7}});
  ASSERT_EQ(scored->status, 201) << scored->body;
  const auto assessment = body_of(scored);
  const std::string old_version = assessment["model_version"];
  const auto id = std::to_string(assessment["assessment_id"].get<long long>());
  const auto decided = call(c, ana, "POST", "/api/v1/assessments/" + id + "/decision",
                            {{"decision", assessment["recommendation"]}});
  ASSERT_EQ(decided->status, 201) << decided->body;
  const auto again = call(a, ana, "POST", "/api/v1/assessments/" + id + "/decision",
                          {{"decision", assessment["recommendation"]}});
  EXPECT_EQ(again->status, 409) << "decided once, whichever replica is asked";
  const auto read_back = body_of(call(a, ana, "GET", "/api/v1/assessments/" + id));
  EXPECT_EQ(read_back["decision"]["decided_by"], "ana");

  // An outcome recorded on C reaches the lake exactly once (any replica may ship it).
  const auto steward = login(b, "steward");
  const auto outcome =
      call(c, steward, "POST", "/api/v1/outcomes",
           {{"company", "taiwan:7"}, {"defaulted", true}, {"observed_at", "2026-11-01"}});
  ASSERT_EQ(outcome->status, 201) << outcome->body;
  const std::string key = azurite_->key();
  auto lake = lake::open_lake(azurite_->lake_url("rig"),
                              [key](const std::string& name) -> std::optional<std::string> {
                                if (name == "AZURE_STORAGE_KEY") return key;
                                return std::nullopt;
                              });
  std::size_t shipped = 0;
  for (const auto until = Clock::now() + std::chrono::seconds(30); Clock::now() < until;) {
    shipped = 0;
    for (const auto& object : lake->list("ground_truth/")) {
      if (object.key.find("/outcome-") != std::string::npos) ++shipped;
    }
    if (shipped > 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_EQ(shipped, 1u);

  // A new champion: trained from A's queue (whichever replica's worker claims it), approved on
  // B by someone else, promoted on C; every replica serves it within two seconds.
  const auto dev = login(a, "dev");
  const auto snapshot = call(a, dev, "POST", "/api/v1/snapshots", {{"note", "rig test"}});
  ASSERT_EQ(snapshot->status, 201) << snapshot->body;
  const auto queued = call(
      a, dev, "POST", "/api/v1/training-jobs",
      {{"snapshot_id", body_of(snapshot)["id"]}, {"parameters", {{"trees", 20}, {"seed", 5}}}});
  ASSERT_EQ(queued->status, 201) << queued->body;
  const auto job_path =
      "/api/v1/training-jobs/" + std::to_string(body_of(queued)["id"].get<long long>());
  json job;
  for (const auto until = Clock::now() + std::chrono::seconds(240); Clock::now() < until;) {
    job = body_of(call(b, dev, "GET", job_path));
    if (job["status"] != "queued" && job["status"] != "running") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(job["status"], "succeeded") << job.dump();
  const auto model_path = "/api/v1/models/" + std::to_string(job["model_id"].get<long long>());
  const auto rita = login(c, "rita");
  const auto approved = call(b, rita, "POST", model_path + "/approve", {{"note", "reviewed"}});
  ASSERT_EQ(approved->status, 200) << approved->body;
  const auto promoted = call(c, rita, "POST", model_path + "/promote");
  ASSERT_EQ(promoted->status, 200) << promoted->body;
  const auto promoted_at = Clock::now();
  const std::string new_version = body_of(promoted)["version"];
  ASSERT_NE(new_version, old_version);
  for (auto* server : {&a, &b, &c}) {
    std::string served;
    while (Clock::now() < promoted_at + std::chrono::seconds(2)) {
      const auto res = call(*server, ana, "POST", "/api/v1/score", {{"statement_id", 8}});
      ASSERT_EQ(res->status, 201) << res->body;
      served = body_of(res)["model_version"];
      if (served == new_version) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_EQ(served, new_version) << "replica on port " << server->port();
  }

  // Logging out on B ends the session everywhere.
  const auto logout = call(b, ana, "DELETE", "/api/v1/session");
  ASSERT_EQ(logout->status, 204);
  for (auto* server : {&a, &c}) {
    EXPECT_EQ(call(*server, ana, "GET", "/api/v1/session")->status, 401);
  }

  const auto audit = body_of(call(a, rita, "GET", "/api/v1/audit/verify"));
  EXPECT_EQ(audit["ok"], true) << audit.dump();
  for (auto& server : replicas_) EXPECT_EQ(server->stop(), 0) << server->log();
}

INSTANTIATE_TEST_SUITE_P(Backends, ReplicaRigTest, ::testing::Values("mysql", "postgresql"),
                         test::BackendName());

}  // namespace
}  // namespace risklab
