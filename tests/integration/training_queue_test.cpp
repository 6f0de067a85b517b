// Workflow: `risklab serve` replicas share one training queue. Two replicas on one database run
// five jobs, each exactly once; a replica killed (-9) mid-training leaves a job that another
// replica re-queues after the job timeout and trains to completion (issue 7, acceptance).
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <thread>

#include "lake/lake.hpp"
#include "service/snapshot_service.hpp"
#include "service/training_service.hpp"
#include "store/audit_repository.hpp"
#include "store/database.hpp"
#include "store/transaction.hpp"
#include "support/backends.hpp"
#include "support/model_fixture.hpp"
#include "support/run.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace risklab {
namespace {

using Clock = std::chrono::steady_clock;

const core::Actor kDeveloper{0, "dana", {core::Role::model_developer, core::Role::data_steward}};

class TrainingQueueTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    test_db_ = std::make_unique<test::TestDatabase>(GetParam());
    const std::string lake_url = "file://" + (dir_.path() / "lake").string();
    env_ = {{"RISKLAB_DB", test_db_->url()},
            {"RISKLAB_LAKE", lake_url},
            {"RISKLAB_ADMIN_PASSWORD", "queue-admin-pw-1"}};
    ASSERT_EQ(test::run_risklab({"init"}, env_).exit_code, 0);
    const auto csv = test::reference_head_csv(dir_.path().string(), 300);
    ASSERT_EQ(
        test::run_risklab({"import", csv, "--label", "Bankrupt?", "--dataset", "taiwan"}, env_)
            .exit_code,
        0);
    db_ = store::Database::open(test_db_->url(), 2);
    lake_ = lake::open_lake(lake_url);
    snapshot_ = service::SnapshotService(*db_, *lake_).create(kDeveloper, {}).snapshot.id;
  }

  long long submit(long long trees, long long seed, const std::string& snapshot = "") {
    return service::TrainingService(*db_, *lake_)
        .submit(kDeveloper,
                {snapshot.empty() ? snapshot_ : snapshot, "rf", {{"trees", trees}, {"seed", seed}}})
        .id;
  }

  std::unique_ptr<test::ServerProcess> replica(const std::string& name,
                                               const std::vector<std::string>& args = {}) {
    const auto log_dir = dir_.path() / name;
    std::filesystem::create_directories(log_dir);
    return std::make_unique<test::ServerProcess>(args, env_, log_dir);
  }

  std::vector<store::TrainingJobRecord> jobs() {
    store::Transaction tx(*db_, store::Transaction::Mode::read);
    return store::TrainingJobRepository().list(tx);
  }

  // Waits until no job is queued or running.
  bool settled(std::chrono::seconds within) {
    const auto deadline = Clock::now() + within;
    while (Clock::now() < deadline) {
      bool busy = false;
      for (const auto& job : jobs()) busy |= job.status == "queued" || job.status == "running";
      if (!busy) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return false;
  }

  test::TempDir dir_;
  std::unique_ptr<test::TestDatabase> test_db_;
  std::map<std::string, std::string> env_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<lake::Lake> lake_;
  std::string snapshot_;
};

TEST_P(TrainingQueueTest, TwoReplicasRunFiveJobsEachExactlyOnce) {
  for (int i = 0; i < 5; ++i) submit(10, 100 + i);
  auto a = replica("a", {"--threads", "4"});
  auto b = replica("b", {"--threads", "4"});
  ASSERT_TRUE(settled(std::chrono::seconds(240))) << a->log() << b->log();
  std::set<long long> models;
  for (const auto& job : jobs()) {
    EXPECT_EQ(job.status, "succeeded") << job.id << ": " << job.error.value_or("");
    EXPECT_EQ(job.attempts, 1) << "job " << job.id << " ran more than once";
    if (job.model_id) models.insert(*job.model_id);
  }
  EXPECT_EQ(models.size(), 5u);
  store::AuditQuery query;
  query.action = "model.trained";
  store::Transaction tx(*db_, store::Transaction::Mode::read);
  EXPECT_EQ(store::AuditRepository().list(tx, query).size(), 5u);
}

TEST_P(TrainingQueueTest, JobOfAReplicaKilledMidTrainingIsRequeuedAndFinishedByAnother) {
  // The whole reference file, so that training takes long enough to be caught mid-way.
  ASSERT_EQ(test::run_risklab({"import", test::shared_data("taiwan_bankruptcy.csv"), "--label",
                               "Bankrupt?", "--dataset", "full"},
                              env_)
                .exit_code,
            0);
  const auto full =
      service::SnapshotService(*db_, *lake_).create(kDeveloper, {"full", std::nullopt}).snapshot.id;
  const long long id = submit(300, 9, full);
  auto doomed = replica("doomed", {"--threads", "4", "--job-timeout", "3"});
  // Kill it once the forest is growing.
  const auto deadline = Clock::now() + std::chrono::seconds(120);
  bool growing = false;
  while (!growing && Clock::now() < deadline) {
    for (const auto& job : jobs())
      growing |= job.id == id && job.status == "running" && job.trees_done > 0;
    if (!growing) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(growing) << doomed->log();
  doomed->kill_hard();
  for (const auto& job : jobs()) {
    EXPECT_EQ(job.status, "running") << "a killed worker cannot finish its job";
    EXPECT_LT(job.trees_done, 300);
  }

  auto survivor = replica("survivor", {"--threads", "4", "--job-timeout", "3"});
  ASSERT_TRUE(settled(std::chrono::seconds(300))) << survivor->log();
  const auto finished = jobs().front();
  EXPECT_EQ(finished.status, "succeeded") << finished.error.value_or("");
  EXPECT_EQ(finished.attempts, 2);
  EXPECT_EQ(finished.trees_done, 300);
  EXPECT_TRUE(finished.model_id);
}

INSTANTIATE_TEST_SUITE_P(Backends, TrainingQueueTest, ::testing::ValuesIn(test::all_backends()),
                         test::BackendName());

}  // namespace
}  // namespace risklab
