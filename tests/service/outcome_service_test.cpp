// Ground truth through the outbox on every backend: stored transactionally, shipped to the lake
// exactly once, nothing lost while the lake is down.
#include "service/outcome_service.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <thread>

#include "core/error.hpp"
#include "lake/lake.hpp"
#include "service/import_service.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"
#include "support/backends.hpp"
#include "support/store_counts.hpp"
#include "support/temp_dir.hpp"

namespace risklab::service {
namespace {

const core::Actor kSteward{7, "sam", {core::Role::data_steward}};

class OutcomeServiceTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    test_db_ = std::make_unique<test::TestDatabase>(GetParam());
    db_ = store::Database::open(test_db_->url());
    store::migrate(*db_);
    ImportOptions import;
    import.file = dir_.write("companies.csv", "id,a\nacme,1\nbeta,2\n");
    import.id_column = "id";
    ImportService(*db_).import_csv(import);
    lake_dir_ = (dir_.path() / "lake").string();
    lake_ = lake::open_lake("file://" + lake_dir_);
  }

  std::vector<OutcomeInput> outcomes(int count) {
    std::vector<OutcomeInput> out;
    for (int i = 0; i < count; ++i) {
      out.push_back({i % 2 ? "acme" : "beta", i % 3 == 0, "2026-11-01", "annual review " + std::to_string(i)});
    }
    return out;
  }

  test::TempDir dir_;
  std::string lake_dir_;
  std::unique_ptr<test::TestDatabase> test_db_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<lake::Lake> lake_;
};

TEST_P(OutcomeServiceTest, OutcomeIsStoredQueuedAndShippedExactlyOnce) {
  lake_->create_container();
  const auto recorded = OutcomeService(*db_).record(kSteward, outcomes(1));
  ASSERT_EQ(recorded.size(), 1u);
  OutboxService outbox(*db_, *lake_);
  EXPECT_EQ(outbox.backlog().pending, 1);

  const auto first = outbox.drain();
  EXPECT_EQ(first.shipped, 1);
  EXPECT_EQ(outbox.backlog().pending, 0);
  const auto payload = nlohmann::json::parse(lake_->get(recorded[0].lake_key));
  EXPECT_EQ(payload["company"], "beta");
  EXPECT_EQ(payload["defaulted"], true);
  EXPECT_EQ(payload["recorded_by"], "sam");

  const auto second = outbox.drain();
  EXPECT_EQ(second.shipped + second.already_there + second.failed, 0) << "nothing is due twice";
  EXPECT_EQ(lake_->list("ground_truth/").size(), 1u);
}

TEST_P(OutcomeServiceTest, LakeOutageLosesNothingAndTheBacklogCatchesUp) {
  // The lake directory does not exist yet: every write to it fails as Unavailable.
  const auto recorded = OutcomeService(*db_).record(kSteward, outcomes(20));
  OutboxService outbox(*db_, *lake_);
  const auto during = outbox.drain();
  EXPECT_EQ(during.shipped, 0);
  EXPECT_GE(during.failed, 1);
  EXPECT_EQ(outbox.backlog().pending, 20);
  EXPECT_TRUE(outbox.backlog().oldest_created_at.has_value());

  lake_->create_container();  // the lake is back
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));  // past the first backoff
  const auto after = outbox.drain();
  EXPECT_EQ(after.shipped, 20);
  EXPECT_EQ(outbox.backlog().pending, 0);
  EXPECT_EQ(lake_->list("ground_truth/").size(), 20u);
}

TEST_P(OutcomeServiceTest, CrashBetweenUploadAndMarkingNeverDuplicates) {
  lake_->create_container();
  const auto recorded = OutcomeService(*db_).record(kSteward, outcomes(3));
  OutboxService outbox(*db_, *lake_);
  // A drainer uploaded row 1 and died before marking it shipped.
  store::Transaction tx(*db_);
  const auto pending = store::OutboxRepository().due(tx, "9999-12-31T00:00:00Z", 10);
  ASSERT_EQ(pending.size(), 3u);
  lake_->put_if_absent(pending[0].lake_key, pending[0].payload);
  tx.commit();

  const auto result = outbox.drain();
  EXPECT_EQ(result.already_there, 1);
  EXPECT_EQ(result.shipped, 2);
  EXPECT_EQ(lake_->list("ground_truth/").size(), 3u);
}

TEST_P(OutcomeServiceTest, UnknownCompanyOrBadDateWritesNothing) {
  const auto before = test::StoreCounts::of(*db_);
  auto batch = outcomes(3);
  batch[2].company = "nobody";
  EXPECT_THROW(OutcomeService(*db_).record(kSteward, batch), core::NotFound);
  batch = outcomes(2);
  batch[1].observed_at = "2026-13-01";
  EXPECT_THROW(OutcomeService(*db_).record(kSteward, batch), core::InvalidInput);
  EXPECT_EQ(test::StoreCounts::of(*db_), before);
  EXPECT_EQ(OutboxService(*db_, *lake_).backlog().pending, 0);
}

TEST_P(OutcomeServiceTest, OnlyDataStewardsAndAdminsRecordOutcomes) {
  const core::Actor analyst{8, "ana", {core::Role::analyst}};
  EXPECT_THROW(OutcomeService(*db_).record(analyst, outcomes(1)), core::Forbidden);
}

TEST_P(OutcomeServiceTest, CsvOfOutcomesIsRecordedAllOrNothingWithLinePreciseErrors) {
  const std::string good = dir_.write("good.csv",
                                      "company,defaulted,observed_at,note\n"
                                      "acme,1,2026-10-01,\"court filing, case 17\"\n"
                                      "beta,0,,\n");
  const auto recorded = OutcomeService(*db_).record_csv(kSteward, good);
  ASSERT_EQ(recorded.size(), 2u);
  EXPECT_EQ(recorded[0].company, "acme");
  EXPECT_TRUE(recorded[0].defaulted);
  EXPECT_EQ(recorded[0].observed_at, "2026-10-01");
  EXPECT_EQ(OutboxService(*db_, *lake_).backlog().pending, 2);

  const auto before = test::StoreCounts::of(*db_);
  auto refused = [&](const std::string& name, const std::string& text, const std::string& expected) {
    const std::string path = dir_.write(name, text);
    try {
      OutcomeService(*db_).record_csv(kSteward, path);
      ADD_FAILURE() << name << " was accepted";
    } catch (const core::Error& error) {
      EXPECT_NE(std::string(error.what()).find(expected), std::string::npos) << error.what();
    }
  };
  refused("label.csv", "company,defaulted\nacme,1\nbeta,yes\n", "label.csv:3: column 'defaulted': 'yes' is not 0 or 1");
  refused("date.csv", "company,defaulted,observed_at\nacme,1,2026-02-30\n", "date.csv:2: observed_at '2026-02-30'");
  refused("who.csv", "company,defaulted\nacme,1\nnobody,0\n", "who.csv:3: no company 'nobody'");
  refused("extra.csv", "company,defaulted,score\nacme,1,3\n", "extra.csv:1: column 'score'");
  refused("missing.csv", "company\nacme\n", "missing.csv:1: column 'defaulted' is required");
  refused("ragged.csv", "company,defaulted\nacme,1,2\n", "ragged.csv:2: expected 2 fields, found 3");
  refused("empty.csv", "company,defaulted\n", "no data rows");
  EXPECT_EQ(test::StoreCounts::of(*db_), before);
  EXPECT_EQ(OutboxService(*db_, *lake_).backlog().pending, 2);
}

INSTANTIATE_TEST_SUITE_P(Backends, OutcomeServiceTest, ::testing::ValuesIn(test::all_backends()),
                         test::BackendName());

}  // namespace
}  // namespace risklab::service
