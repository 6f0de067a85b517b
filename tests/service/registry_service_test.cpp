// The registry's governed life cycle on every backend: candidate → approved → champion →
// retired, rejected, rollback. Four-eyes is enforced by the service whatever the caller;
// promotion re-verifies the artifact and the training snapshot; a refusal changes nothing.
#include "service/registry_service.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "lake/lake.hpp"
#include "service/import_service.hpp"
#include "service/snapshot_service.hpp"
#include "service/training_service.hpp"
#include "store/audit_repository.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"
#include "store/transaction.hpp"
#include "support/backends.hpp"
#include "support/model_fixture.hpp"
#include "support/temp_dir.hpp"

namespace risklab::service {
namespace {

const core::Actor kDeveloper{8, "dana", {core::Role::model_developer}};
const core::Actor kSteward{7, "sam", {core::Role::data_steward}};
const core::Actor kOfficer{5, "olga", {core::Role::risk_officer}};
const core::Actor kOtherOfficer{6, "omar", {core::Role::risk_officer}};
const core::Actor kAdmin{1, "root", {core::Role::admin}};
// A person with both roles who trained the model: the role is there, the four eyes are not.
const core::Actor kDeveloperOfficer{
    8, "dana", {core::Role::model_developer, core::Role::risk_officer}};

class RegistryServiceTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    test_db_ = std::make_unique<test::TestDatabase>(GetParam());
    db_ = store::Database::open(test_db_->url(), 4);
    store::migrate(*db_);
    lake_ = lake::open_lake("file://" + (dir_.path() / "lake").string());
    lake_->create_container();
    registry_ = std::make_unique<RegistryService>(*db_, lake_.get());
  }

  /// A candidate trained by kDeveloper through a training job on a fresh snapshot.
  long long train_candidate(std::uint64_t seed) {
    if (snapshot_.empty()) {
      ImportOptions import;
      import.file = test::reference_head_csv(dir_.path().string(), 300);
      import.dataset = "taiwan";
      import.label_column = "Bankrupt?";
      import.as_of = "2025-12-31";
      ImportService(*db_).import_csv(import);
      snapshot_ = SnapshotService(*db_, *lake_).create(kSteward, {}).snapshot.id;
    }
    TrainingService training(*db_, *lake_);
    training.submit(kDeveloper,
                    {snapshot_, "rf", {{"trees", 8}, {"seed", seed}, {"test_fraction", 0.25}}});
    WorkerSettings settings;
    settings.name = "test-worker";
    settings.threads = 2;
    const auto job = training.run_next(settings);
    EXPECT_TRUE(job && job->model_id) << (job && job->error ? *job->error : "no job");
    return job && job->model_id ? *job->model_id : 0;
  }

  /// A candidate registered from a file by the admin (no snapshot).
  long long register_file() {
    return registry_->register_artifact(kAdmin, test::reference_model_path()).id;
  }

  std::vector<store::AuditEntry> audit(const std::string& action = {}) {
    store::AuditQuery query;
    if (!action.empty()) query.action = action;
    store::Transaction tx(*db_, store::Transaction::Mode::read);
    return store::AuditRepository().list(tx, query);
  }

  std::string status(long long id) { return registry_->get(kOfficer, id).status; }

  test::TempDir dir_;
  std::unique_ptr<test::TestDatabase> test_db_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<lake::Lake> lake_;
  std::unique_ptr<RegistryService> registry_;
  std::string snapshot_;
};

TEST_P(RegistryServiceTest, TheTrainerCannotApproveTheirOwnModelEvenWithTheRiskOfficerRole) {
  const long long id = train_candidate(1);
  const auto audit_rows = audit().size();
  try {
    registry_->approve(kDeveloperOfficer, id, "looks fine to me");
    FAIL() << "four-eyes must refuse the trainer";
  } catch (const core::Forbidden& error) {
    EXPECT_EQ(error.code(), "four_eyes");
    EXPECT_NE(std::string(error.what()).find("dana"), std::string::npos) << error.what();
  }
  EXPECT_THROW(registry_->approve(kDeveloper, id, ""), core::Forbidden) << "no risk-officer role";
  EXPECT_THROW(registry_->approve(kAdmin, id, ""), core::Forbidden)
      << "admin is not a risk officer";
  EXPECT_EQ(status(id), "candidate");
  EXPECT_FALSE(registry_->get(kOfficer, id).review);
  EXPECT_EQ(audit().size(), audit_rows) << "a refusal changes nothing";

  const auto approved = registry_->approve(kOfficer, id, "validation report reviewed");
  EXPECT_EQ(approved.status, "approved");
  ASSERT_TRUE(approved.review);
  EXPECT_EQ(approved.review->verdict, "approved");
  EXPECT_EQ(approved.review->reviewer, "olga");
  EXPECT_EQ(approved.review->note, "validation report reviewed");
  ASSERT_EQ(audit("model.approved").size(), 1u);
  EXPECT_EQ(audit("model.approved")[0].actor, "olga");
  EXPECT_THROW(registry_->approve(kOtherOfficer, id, ""), core::Conflict) << "approved once";
}

TEST_P(RegistryServiceTest, OnlyAnApprovedModelIsPromotedAndTheOldChampionIsRetiredInTheSameStep) {
  const long long first = register_file();
  try {
    registry_->promote(kOfficer, first);
    FAIL() << "an unapproved candidate must not be promoted";
  } catch (const core::Conflict& error) {
    EXPECT_EQ(error.code(), "not_approved");
  }
  EXPECT_THROW(registry_->promote(kDeveloper, first), core::Forbidden);
  EXPECT_EQ(status(first), "candidate");

  registry_->approve(kOfficer, first, "");
  const auto champion = registry_->promote(kOfficer, first);
  EXPECT_EQ(champion.status, "champion");
  EXPECT_EQ(champion.promoted_by, "olga");
  try {
    registry_->promote(kOfficer, first);
    FAIL();
  } catch (const core::Conflict& error) {
    EXPECT_EQ(error.code(), "already_champion");
  }

  const long long second = train_candidate(2);
  registry_->approve(kOfficer, second, "better AUC on the same holdout");
  registry_->promote(kAdmin, second);
  EXPECT_EQ(status(second), "champion");
  EXPECT_EQ(status(first), "retired");
  int champions = 0;
  for (const auto& model : registry_->list(kOfficer)) champions += model.status == "champion";
  EXPECT_EQ(champions, 1);
  const auto retired = audit("model.retired");
  ASSERT_EQ(retired.size(), 1u);
  EXPECT_EQ(retired[0].entity_id, std::to_string(first));
  const auto promoted = audit("model.promoted");
  ASSERT_EQ(promoted.size(), 2u);
  ASSERT_TRUE(promoted[1].after_json);
  EXPECT_NE(promoted[1].after_json->find(snapshot_), std::string::npos)
      << "the verified snapshot is recorded";
}

TEST_P(RegistryServiceTest, RejectionNeedsAReasonAndEndsTheModelsWay) {
  const long long id = train_candidate(3);
  EXPECT_THROW(registry_->reject(kOfficer, id, "  "), core::InvalidInput);
  EXPECT_THROW(registry_->reject(kDeveloper, id, "no"), core::Forbidden);
  EXPECT_EQ(status(id), "candidate");
  registry_->approve(kOfficer, id, "");
  // An approval can be withdrawn before promotion; the latest review counts.
  const auto rejected =
      registry_->reject(kOtherOfficer, id, "grade 3 observed default rate is red");
  EXPECT_EQ(rejected.status, "rejected");
  ASSERT_TRUE(rejected.review);
  EXPECT_EQ(rejected.review->verdict, "rejected");
  EXPECT_EQ(rejected.review->reviewer, "omar");
  EXPECT_THROW(registry_->approve(kOfficer, id, ""), core::Conflict);
  EXPECT_THROW(registry_->promote(kOfficer, id), core::Conflict);
  EXPECT_THROW(registry_->reject(kOfficer, id, "again"), core::Conflict);
  EXPECT_EQ(audit("model.rejected").size(), 1u);
}

TEST_P(RegistryServiceTest, PromotionRefusesAModelWhoseSnapshotNoLongerVerifies) {
  const long long id = train_candidate(4);
  registry_->approve(kOfficer, id, "");
  const auto snapshot = SnapshotService(*db_, *lake_).list(kSteward).front();
  const auto path = dir_.path() / "lake" / snapshot.data_key;
  std::string data = lake_->get(snapshot.data_key);
  data[data.size() / 2] = data[data.size() / 2] == '1' ? '2' : '1';
  std::filesystem::permissions(path, std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::add);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
  const auto promotions = audit("model.promoted").size();
  try {
    registry_->promote(kOfficer, id);
    FAIL() << "a model trained on a damaged snapshot must not be promoted";
  } catch (const core::Conflict& error) {
    EXPECT_EQ(error.code(), "snapshot_unverified");
    EXPECT_NE(std::string(error.what()).find(snapshot.id), std::string::npos) << error.what();
  }
  EXPECT_EQ(status(id), "approved");
  EXPECT_EQ(audit("model.promoted").size(), promotions);
}

TEST_P(RegistryServiceTest, PromotionRefusesAnArtifactThatNoLongerMatchesItsHash) {
  const long long id = train_candidate(5);
  registry_->approve(kOfficer, id, "");
  const auto model = registry_->get(kOfficer, id);
  ASSERT_EQ(model.artifact_uri.rfind("lake:", 0), 0u) << model.artifact_uri;
  const auto key = model.artifact_uri.substr(5);
  const auto path = dir_.path() / "lake" / key;
  std::string bytes = lake_->get(key);
  bytes[bytes.size() / 2] ^= 0x01;
  std::filesystem::permissions(path, std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::add);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  try {
    registry_->promote(kOfficer, id);
    FAIL() << "a tampered artifact must not be promoted";
  } catch (const core::Conflict& error) {
    EXPECT_EQ(error.code(), "artifact_unverified");
  }
  EXPECT_EQ(status(id), "approved");
}

TEST_P(RegistryServiceTest, RollbackRestoresTheRetiredFormerChampion) {
  const long long first = train_candidate(6);
  const long long second = train_candidate(7);
  ASSERT_NE(first, second);
  EXPECT_FALSE(registry_->previous_champion(kOfficer));
  for (const long long id : {first, second}) {
    registry_->approve(kOfficer, id, "");
    registry_->promote(kOfficer, id);
  }
  ASSERT_TRUE(registry_->previous_champion(kOfficer));
  EXPECT_EQ(registry_->previous_champion(kOfficer)->id, first);
  const long long never = register_file();
  try {
    registry_->rollback(kOfficer, never);
    FAIL() << "a candidate that was never champion cannot be rolled back to";
  } catch (const core::Conflict& error) {
    EXPECT_EQ(error.code(), "not_former_champion");
  }
  EXPECT_THROW(registry_->rollback(kDeveloper, first), core::Forbidden);
  EXPECT_THROW(registry_->rollback(kOfficer, second), core::Conflict) << "the champion itself";

  const auto restored = registry_->rollback(kOfficer, first);
  EXPECT_EQ(restored.status, "champion");
  EXPECT_EQ(status(second), "retired");
  const auto rollbacks = audit("model.rolled_back");
  ASSERT_EQ(rollbacks.size(), 1u);
  EXPECT_EQ(rollbacks[0].entity_id, std::to_string(first));
  ASSERT_TRUE(rollbacks[0].after_json);
  EXPECT_NE(rollbacks[0].after_json->find(registry_->get(kOfficer, second).version),
            std::string::npos)
      << "names the champion it replaced";
}

TEST_P(RegistryServiceTest, AModelInTheLakeCannotBePromotedWithoutALake) {
  const long long id = train_candidate(8);
  registry_->approve(kOfficer, id, "");
  RegistryService no_lake(*db_);
  EXPECT_THROW(no_lake.promote(kOfficer, id), core::Unavailable);
  EXPECT_EQ(status(id), "approved");
}

INSTANTIATE_TEST_SUITE_P(Backends, RegistryServiceTest, ::testing::ValuesIn(test::all_backends()),
                         test::BackendName());

}  // namespace
}  // namespace risklab::service
