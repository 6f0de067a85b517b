// The training queue on every backend: a job verifies its snapshot, records its split, trains,
// and registers a candidate in the lake; jobs are claimed once under concurrency, a dead
// worker's job is re-queued or failed, never left running; bad requests queue nothing.
#include "service/training_service.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/sha256.hpp"
#include "lake/lake.hpp"
#include "service/champion.hpp"
#include "service/import_service.hpp"
#include "service/registry_service.hpp"
#include "service/snapshot_service.hpp"
#include "store/audit_repository.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"
#include "store/model_repository.hpp"
#include "store/transaction.hpp"
#include "support/backends.hpp"
#include "support/model_fixture.hpp"
#include "support/registry_fixture.hpp"
#include "support/temp_dir.hpp"

namespace risklab::service {
namespace {

using nlohmann::json;

const core::Actor kDeveloper{8, "dana", {core::Role::model_developer}};
const core::Actor kSteward{7, "sam", {core::Role::data_steward}};
const core::Actor kAnalyst{9, "ann", {core::Role::analyst}};

class TrainingServiceTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    test_db_ = std::make_unique<test::TestDatabase>(GetParam());
    db_ = store::Database::open(test_db_->url(), 4);
    store::migrate(*db_);
    lake_ = lake::open_lake("file://" + (dir_.path() / "lake").string());
    lake_->create_container();
    ImportOptions import;
    import.file = test::reference_head_csv(dir_.path().string(), 400);
    import.dataset = "taiwan";
    import.label_column = "Bankrupt?";
    import.as_of = "2025-12-31";
    ImportService(*db_).import_csv(import);
    snapshot_ = SnapshotService(*db_, *lake_).create(kSteward, {}).snapshot.id;
    settings_.name = "test-worker";
    settings_.threads = 2;
  }

  TrainingRequest small(std::uint64_t seed = 7) {
    return {snapshot_, "rf", {{"trees", 12}, {"seed", seed}, {"test_fraction", 0.25}}};
  }

  long long count_jobs() {
    store::Transaction tx(*db_, store::Transaction::Mode::read);
    return static_cast<long long>(store::TrainingJobRepository().list(tx).size());
  }

  std::vector<store::AuditEntry> audit(const std::string& action) {
    store::AuditQuery query;
    query.action = action;
    store::Transaction tx(*db_, store::Transaction::Mode::read);
    return store::AuditRepository().list(tx, query);
  }

  test::TempDir dir_;
  std::unique_ptr<test::TestDatabase> test_db_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<lake::Lake> lake_;
  std::string snapshot_;
  WorkerSettings settings_;
};

TEST_P(TrainingServiceTest, JobTrainsOnItsSnapshotAndRegistersACandidateInTheLake) {
  TrainingService training(*db_, *lake_);
  const auto queued = training.submit(kDeveloper, small());
  EXPECT_EQ(queued.status, "queued");
  std::vector<std::string> stages;
  const auto done = training.run_next(settings_, [&](const store::TrainingJobRecord& job) {
    if (job.stage && (stages.empty() || stages.back() != *job.stage)) stages.push_back(*job.stage);
  });
  ASSERT_TRUE(done);
  ASSERT_EQ(done->status, "succeeded") << done->error.value_or("");
  EXPECT_EQ(done->id, queued.id);
  EXPECT_EQ(done->attempts, 1);
  EXPECT_EQ(done->trees_done, 12);
  ASSERT_TRUE(done->model_id);
  EXPECT_NE(std::find(stages.begin(), stages.end(), "verifying snapshot"), stages.end());
  EXPECT_NE(std::find(stages.begin(), stages.end(), "training"), stages.end());

  // The split is recorded: stratified, seeded, 25 % of the 400 rows held out.
  const auto split = json::parse(*done->split_json);
  EXPECT_EQ(split["seed"], 7);
  EXPECT_EQ(split["test_rows"], 100);
  EXPECT_EQ(split["test_statement_ids"].size(), 100u);

  store::ModelRecord model;
  {
    store::Transaction tx(*db_, store::Transaction::Mode::read);
    model = *store::ModelRepository().find(tx, *done->model_id);
  }
  EXPECT_EQ(model.status, "candidate");
  EXPECT_EQ(model.snapshot_id.value_or(""), snapshot_);
  EXPECT_EQ(model.created_by, "dana");
  ASSERT_EQ(model.artifact_uri.rfind("lake:models/", 0), 0u) << model.artifact_uri;
  EXPECT_EQ(core::Sha256::of(lake_->get(model.artifact_uri.substr(5))), model.artifact_sha256);
  const auto metrics = json::parse(model.metrics_json);
  EXPECT_EQ(metrics["holdout"]["rows"], 100);
  EXPECT_GT(metrics["holdout"]["auc"].get<double>(), 0.6);

  // Servers load it from the lake; without a lake they say why they cannot.
  const auto loaded = load_registered_model(*db_, *done->model_id, lake_.get());
  EXPECT_EQ(loaded->model().snapshot_id, snapshot_);
  EXPECT_THROW(load_registered_model(*db_, *done->model_id), core::Unavailable);
  EXPECT_EQ(audit("training_job.queued").size(), 1u);
  EXPECT_EQ(audit("model.trained").size(), 1u);

  // The validation report is frozen in the lake beside the artifact, hash in the registry.
  const auto where = metrics["validation_report"];
  const std::string report_text = lake_->get(where["json"].get<std::string>());
  EXPECT_EQ(core::Sha256::of(report_text), where["sha256"]);
  const auto report = json::parse(report_text);
  EXPECT_EQ(report["holdout"]["rows"], 100) << report.dump().substr(0, 400);
  EXPECT_TRUE(report["champion"].is_null()) << "no champion yet";
  EXPECT_NE(lake_->get(where["html"].get<std::string>()).find("<html"), std::string::npos);
  EXPECT_FALSE(training.run_next(settings_)) << "nothing else is queued";
}

TEST_P(TrainingServiceTest, SameSnapshotSeedAndParametersGiveTheSameArtifact) {
  TrainingService training(*db_, *lake_);
  training.submit(kDeveloper, small(11));
  training.submit(kDeveloper, small(11));
  const auto first = training.run_next(settings_);
  auto other = settings_;
  other.threads = 1;
  const auto second = training.run_next(other);
  ASSERT_TRUE(first && second);
  ASSERT_EQ(second->status, "succeeded") << second->error.value_or("");
  EXPECT_EQ(first->model_id, second->model_id) << "byte-identical artifact, one registry entry";
}

TEST_P(TrainingServiceTest, CandidateIsComparedWithTheChampionOnTheSameHoldout) {
  TrainingService training(*db_, *lake_);
  training.submit(kDeveloper, small(5));
  const auto first = training.run_next(settings_);
  ASSERT_TRUE(first && first->model_id);
  RegistryService registry(*db_, lake_.get());
  const auto champion = test::approve_and_promote(registry, *first->model_id);
  training.submit(kDeveloper,
                  {snapshot_, "rf", {{"trees", 20}, {"seed", 5}, {"test_fraction", 0.25}}});
  const auto second = training.run_next(settings_);
  ASSERT_TRUE(second && second->model_id);
  ASSERT_NE(second->model_id, first->model_id);
  store::ModelRecord model;
  {
    store::Transaction tx(*db_, store::Transaction::Mode::read);
    model = *store::ModelRepository().find(tx, *second->model_id);
  }
  const auto where = json::parse(model.metrics_json)["validation_report"];
  EXPECT_EQ(where["champion"], champion.version);
  const auto report = json::parse(lake_->get(where["json"].get<std::string>()));
  EXPECT_EQ(report["champion"]["model_version"], champion.version)
      << report["champion"].dump().substr(0, 300);
  EXPECT_TRUE(report["comparison"]["delong_p"].is_number());
}

// Found with fuzz/json_bodies: a count beyond size_t's range was converted before it was
// checked (undefined behaviour; UBSan stopped the server).
TEST(TrainingParameters, CountsOutOfRangeAreRefusedNotConverted) {
  for (const char* text : {R"({"trees": 1e300})", R"({"seed": 1.8446744073709552e19})",
                           R"({"max_depth": -1})", R"({"smote_k": 2.5})", R"({"trees": -1e300})"}) {
    TrainingRequest request;
    request.snapshot_id = "s";
    request.parameters = nlohmann::json::parse(text);
    try {
      check_training_parameters(request);
      ADD_FAILURE() << "accepted " << text;
    } catch (const core::InvalidInput& error) {
      EXPECT_EQ(error.code(), "bad_parameter") << text;
    }
  }
}

TEST_P(TrainingServiceTest, BadRequestsAreRefusedAndQueueNothing) {
  TrainingService training(*db_, *lake_);
  auto expect_refused = [&](const TrainingRequest& request, const std::string& fragment) {
    try {
      training.submit(kDeveloper, request);
      ADD_FAILURE() << "accepted: " << request.parameters.dump();
    } catch (const core::Error& error) {
      EXPECT_NE(std::string(error.what()).find(fragment), std::string::npos) << error.what();
    }
  };
  expect_refused({snapshot_, "svm", json::object()}, "family 'svm'");
  expect_refused({snapshot_, "rf", {{"learning_rate", 0.1}}},
                 "'learning_rate' is not a parameter of family rf");
  expect_refused({snapshot_, "rf", {{"trees", -3}}}, "'trees' must be a whole number");
  expect_refused({snapshot_, "rf", {{"test_fraction", 1.5}}}, "'test_fraction'");
  expect_refused({snapshot_, "rf", {{"trees", 0}}}, "trees");
  expect_refused({std::string(64, 'e'), "rf", json::object()}, "no snapshot");
  EXPECT_THROW(training.submit(kAnalyst, small()), core::Forbidden);
  EXPECT_EQ(count_jobs(), 0);
}

TEST_P(TrainingServiceTest, CancelledQueuedJobNeverRuns) {
  TrainingService training(*db_, *lake_);
  const auto job = training.submit(kDeveloper, small());
  EXPECT_EQ(training.cancel(kDeveloper, job.id).status, "cancelled");
  EXPECT_FALSE(training.run_next(settings_));
  EXPECT_THROW(training.cancel(kDeveloper, job.id), core::Conflict);
  EXPECT_THROW(training.cancel(kAnalyst, job.id), core::Forbidden);
}

TEST_P(TrainingServiceTest, DeadWorkersJobIsRequeuedThenFailedNeverLeftRunning) {
  TrainingService training(*db_, *lake_);
  const auto job = training.submit(kDeveloper, small());
  const std::string long_ago = "2020-01-01T00:00:00Z";
  {
    // A worker claimed it and died: its heartbeat stopped long ago.
    store::Transaction tx(*db_);
    ASSERT_TRUE(store::TrainingJobRepository().claim(tx, "dead-worker", long_ago));
    tx.commit();
  }
  const auto rerun = training.run_next(settings_);
  ASSERT_TRUE(rerun);
  EXPECT_EQ(rerun->id, job.id);
  EXPECT_EQ(rerun->status, "succeeded") << rerun->error.value_or("");
  EXPECT_EQ(rerun->attempts, 2);

  // Out of attempts: failed, with the reason.
  const auto second = training.submit(kDeveloper, small(3));
  for (int i = 0; i < 2; ++i) {
    store::Transaction tx(*db_);
    store::TrainingJobRepository jobs;
    jobs.reap(tx, "2021-01-01T00:00:00Z", core::utc_now_iso8601(), 2);
    ASSERT_TRUE(jobs.claim(tx, "dead-worker", long_ago));
    tx.commit();
  }
  EXPECT_FALSE(training.run_next(settings_)) << "nothing left to run";
  const auto failed = training.get(kDeveloper, second.id);
  EXPECT_EQ(failed.status, "failed");
  EXPECT_NE(failed.error.value_or("").find("stopped sending heartbeats"), std::string::npos);
}

TEST_P(TrainingServiceTest, ConcurrentWorkersNeverClaimTheSameJob) {
  TrainingService training(*db_, *lake_);
  const auto a = training.submit(kDeveloper, small(1));
  const auto b = training.submit(kDeveloper, small(2));
  std::vector<long long> claimed(4, 0);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < claimed.size(); ++i) {
    threads.emplace_back([&, i] {
      store::Transaction tx(*db_);
      if (auto job = store::TrainingJobRepository().claim(tx, "w" + std::to_string(i),
                                                          core::utc_now_iso8601())) {
        claimed[i] = job->id;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // hold the claim a while
      tx.commit();
    });
  }
  for (auto& thread : threads) thread.join();
  std::vector<long long> ids;
  for (const long long id : claimed) {
    if (id != 0) ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<long long>{a.id, b.id})) << "each job claimed exactly once";
}

TEST_P(TrainingServiceTest, DamagedSnapshotFailsTheJobWithTheReason) {
  TrainingService training(*db_, *lake_);
  const auto job = training.submit(kDeveloper, small());
  const auto data = dir_.path() / "lake" / "snapshots" / snapshot_ / "data.csv";
  std::filesystem::permissions(data, std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::add);
  std::ofstream(data, std::ios::app) << "1,x,2025-12-31,1,import,1\n";
  const auto done = training.run_next(settings_);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->status, "failed");
  EXPECT_NE(done->error.value_or("").find("snapshot " + snapshot_ + " refused"), std::string::npos)
      << done->error.value_or("");
  EXPECT_FALSE(done->model_id);
  EXPECT_EQ(audit("training_job.failed").size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, TrainingServiceTest, ::testing::ValuesIn(test::all_backends()),
                         test::BackendName());

}  // namespace
}  // namespace risklab::service
