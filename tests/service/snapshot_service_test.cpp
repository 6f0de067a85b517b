// Snapshots on every backend: content-addressed and reproducible, lineage to the previous one,
// tamper-evident, all-or-nothing; imported labels reach the lake through the outbox.
#include "service/snapshot_service.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.hpp"
#include "core/sha256.hpp"
#include "lake/lake.hpp"
#include "service/audit_service.hpp"
#include "service/import_service.hpp"
#include "service/outcome_service.hpp"
#include "store/audit_repository.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"
#include "store/transaction.hpp"
#include "support/backends.hpp"
#include "support/model_fixture.hpp"
#include "support/temp_dir.hpp"

namespace risklab::service {
namespace {

const core::Actor kSteward{7, "sam", {core::Role::data_steward}};
const core::Actor kDeveloper{8, "dana", {core::Role::model_developer}};
const core::Actor kAnalyst{9, "ann", {core::Role::analyst}};
const core::Actor kAdmin{1, "root", {core::Role::admin}};

constexpr std::size_t kRows = 120;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

class SnapshotServiceTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    test_db_ = std::make_unique<test::TestDatabase>(GetParam());
    db_ = store::Database::open(test_db_->url());
    store::migrate(*db_);
    lake_ = lake::open_lake("file://" + (dir_.path() / "lake").string());
    lake_->create_container();
  }

  ImportReport import_reference(const std::string& dataset = "taiwan") {
    ImportOptions import;
    import.file = test::reference_head_csv(dir_.path().string(), kRows);
    import.dataset = dataset;
    import.label_column = "Bankrupt?";
    import.as_of = "2025-12-31";
    return ImportService(*db_).import_csv(import);
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
};

TEST_P(SnapshotServiceTest, SnapshotOfTheReferenceDataIsReproducibleAndContentAddressed) {
  const auto report = import_reference();
  SnapshotService snapshots(*db_, *lake_);
  const auto first = snapshots.create(kSteward, {std::nullopt, "first freeze"});
  ASSERT_TRUE(first.created);
  EXPECT_EQ(first.snapshot.row_count, static_cast<long long>(kRows));
  EXPECT_EQ(first.snapshot.default_count, static_cast<long long>(report.defaults));
  EXPECT_FALSE(first.snapshot.previous_id);

  // The id is the sha256 of the data file, which is canonical CSV sorted by statement id.
  const std::string data = lake_->get(first.snapshot.data_key);
  EXPECT_EQ(core::Sha256::of(data), first.snapshot.id);
  const auto lines = lines_of(data);
  ASSERT_EQ(lines.size(), kRows + 1);
  EXPECT_EQ(lines[0].rfind("statement_id,company,period,outcome_id,outcome_source,defaulted,", 0),
            0u);
  EXPECT_EQ(lines[1].rfind("1,taiwan:1,2025-12-31,1,import,1,0.370594257300249,", 0), 0u)
      << lines[1];

  const auto [record, manifest] = snapshots.show(kAnalyst, first.snapshot.id);
  EXPECT_EQ(manifest["id"], first.snapshot.id);
  EXPECT_EQ(manifest["rows"], kRows);
  EXPECT_EQ(manifest["features"].size(), 95u);
  EXPECT_EQ(manifest["lineage"]["outcome_ids"].size(), kRows);
  EXPECT_EQ(manifest["lineage"]["imports"], nlohmann::json::array({report.import_id}));
  EXPECT_TRUE(manifest["lineage"]["previous_snapshot"].is_null());
  EXPECT_EQ(manifest["note"], "first freeze");
  EXPECT_EQ(core::Sha256::of(lake_->get(record.manifest_key)), record.manifest_sha256);

  // A second create from the same state finds the same data: same id, nothing new written.
  const auto again = snapshots.create(kDeveloper, {});
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.snapshot.id, first.snapshot.id);
  EXPECT_EQ(snapshots.list(kAnalyst).size(), 1u);
  EXPECT_EQ(audit("snapshot.created").size(), 1u);
}

TEST_P(SnapshotServiceTest, AddingOneOutcomeGivesANewIdWhoseLineageNamesThePreviousOne) {
  import_reference();
  SnapshotService snapshots(*db_, *lake_);
  const auto first = snapshots.create(kSteward, {});
  // Company taiwan:7 did not default in the file; a later, verified outcome says it did.
  const auto recorded = OutcomeService(*db_).record(
      kSteward, {{"taiwan:7", true, "2026-06-30", "filed for insolvency"}});
  const auto second = snapshots.create(kSteward, {});
  ASSERT_TRUE(second.created);
  EXPECT_NE(second.snapshot.id, first.snapshot.id);
  ASSERT_TRUE(second.snapshot.previous_id);
  EXPECT_EQ(*second.snapshot.previous_id, first.snapshot.id);
  EXPECT_EQ(second.snapshot.default_count, first.snapshot.default_count + 1);
  EXPECT_EQ(second.snapshot.row_count, first.snapshot.row_count);

  const auto manifest = snapshots.show(kAnalyst, second.snapshot.id).second;
  EXPECT_EQ(manifest["lineage"]["previous_snapshot"], first.snapshot.id);
  EXPECT_EQ(manifest["lineage"]["outcomes_by_source"]["api"], 1);
  EXPECT_EQ(manifest["lineage"]["outcomes_by_source"]["import"], kRows - 1);
  const auto lines = lines_of(lake_->get(second.snapshot.data_key));
  EXPECT_EQ(
      lines[7].rfind("7,taiwan:7,2025-12-31," + std::to_string(recorded[0].id) + ",api,1,", 0), 0u)
      << lines[7];

  // Both stay listed, newest first; the first one is untouched.
  const auto all = snapshots.list(kAnalyst);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, second.snapshot.id);
  EXPECT_EQ(all[1].id, first.snapshot.id);
  EXPECT_TRUE(snapshots.verify(kSteward, first.snapshot.id).ok);
}

TEST_P(SnapshotServiceTest, AnOutcomeObservedBeforeTheStatementPeriodDoesNotLabelIt) {
  import_reference();
  SnapshotService snapshots(*db_, *lake_);
  const auto first = snapshots.create(kSteward, {});
  OutcomeService(*db_).record(kSteward, {{"taiwan:5", true, "2024-01-31", "an older default"}});
  const auto second = snapshots.create(kSteward, {});
  EXPECT_FALSE(second.created) << "the outcome predates the statement, so the data is unchanged";
  EXPECT_EQ(second.snapshot.id, first.snapshot.id);
}

TEST_P(SnapshotServiceTest, TamperedDataIsNamedByVerifyRefusedForTrainingAndAudited) {
  import_reference();
  SnapshotService snapshots(*db_, *lake_);
  const auto created = snapshots.create(kSteward, {});
  EXPECT_NO_THROW(snapshots.read(kDeveloper, created.snapshot.id));

  // Someone edits one label in the lake's copy behind the application's back.
  const auto path = dir_.path() / "lake" / created.snapshot.data_key;
  std::string data = lake_->get(created.snapshot.data_key);
  data[data.find(",import,1,")] = ';';
  std::filesystem::permissions(path, std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::add);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << data;

  const auto check = snapshots.verify(kSteward, created.snapshot.id);
  EXPECT_FALSE(check.ok);
  EXPECT_NE(check.problem.find(created.snapshot.data_key), std::string::npos) << check.problem;
  const auto all = snapshots.verify_all(kAdmin);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_FALSE(all[0].ok);
  try {
    snapshots.read(kDeveloper, created.snapshot.id);
    FAIL() << "a damaged snapshot must be refused for training";
  } catch (const core::Conflict& error) {
    EXPECT_EQ(error.code(), "snapshot_integrity");
    EXPECT_NE(std::string(error.what()).find(created.snapshot.id), std::string::npos);
  }
  const auto failures = audit("snapshot.verify_failed");
  ASSERT_EQ(failures.size(), 3u);
  EXPECT_EQ(failures[0].entity_id, created.snapshot.id);
}

TEST_P(SnapshotServiceTest, MissingManifestIsNamed) {
  import_reference();
  SnapshotService snapshots(*db_, *lake_);
  const auto created = snapshots.create(kSteward, {});
  ASSERT_TRUE(lake_->remove(created.snapshot.manifest_key));
  const auto check = snapshots.verify(kSteward, created.snapshot.id);
  EXPECT_FALSE(check.ok);
  EXPECT_NE(check.problem.find("manifest " + created.snapshot.manifest_key + " is missing"),
            std::string::npos)
      << check.problem;
}

TEST_P(SnapshotServiceTest, RefusedRequestsChangeNothing) {
  SnapshotService snapshots(*db_, *lake_);
  EXPECT_THROW(snapshots.create(kSteward, {}), core::InvalidInput) << "no dataset yet";
  import_reference("taiwan");
  ImportOptions unlabelled;
  unlabelled.file = dir_.write("plain.csv", "id,a\nx,1\n");
  unlabelled.id_column = "id";
  ImportService(*db_).import_csv(unlabelled);

  try {
    snapshots.create(kSteward, {});
    FAIL() << "two datasets: the dataset must be named";
  } catch (const core::InvalidInput& error) {
    EXPECT_NE(std::string(error.what()).find("plain, taiwan"), std::string::npos) << error.what();
  }
  EXPECT_THROW(snapshots.create(kSteward, {"nope", std::nullopt}), core::NotFound);
  EXPECT_THROW(snapshots.create(kSteward, {"plain", std::nullopt}), core::InvalidInput)
      << "no labels";
  EXPECT_THROW(snapshots.create(kAnalyst, {"taiwan", std::nullopt}), core::Forbidden);
  EXPECT_THROW(snapshots.create(kSteward, {"taiwan", std::string(2001, 'x')}), core::InvalidInput);
  EXPECT_THROW(snapshots.verify(kAnalyst, std::string(64, 'a')), core::Forbidden);
  EXPECT_THROW(snapshots.verify(kSteward, std::string(64, 'a')), core::NotFound);
  EXPECT_THROW(snapshots.read(kAnalyst, std::string(64, 'a')), core::Forbidden);

  // The lake is down: the request fails cleanly and leaves no index row behind.
  const auto down = lake::open_lake("file://" + (dir_.path() / "no-such-lake").string());
  EXPECT_THROW(SnapshotService(*db_, *down).create(kSteward, {"taiwan", std::nullopt}),
               core::Unavailable);
  EXPECT_TRUE(snapshots.list(kAnalyst).empty());
  EXPECT_TRUE(audit("snapshot.created").empty());
  EXPECT_TRUE(lake_->list("snapshots/").empty());
}

TEST_P(SnapshotServiceTest, ImportedLabelsReachTheLakeThroughTheOutboxAndTheImportIsAudited) {
  const auto report = import_reference();
  OutboxService outbox(*db_, *lake_);
  EXPECT_EQ(outbox.backlog().pending, 1) << "one ground-truth file per import";
  const auto drained = outbox.drain();
  EXPECT_EQ(drained.shipped, 1);
  const auto objects = lake_->list("ground_truth/");
  ASSERT_EQ(objects.size(), 1u);
  EXPECT_NE(objects[0].key.find("/import-" + std::to_string(report.import_id) + ".jsonl"),
            std::string::npos);
  const auto lines = lines_of(lake_->get(objects[0].key));
  ASSERT_EQ(lines.size(), kRows);
  long long defaults = 0;
  for (const auto& line : lines) {
    const auto record = nlohmann::json::parse(line);
    EXPECT_EQ(record["source"], "import");
    EXPECT_EQ(record["import_id"], report.import_id);
    defaults += record["defaulted"].get<bool>() ? 1 : 0;
  }
  EXPECT_EQ(defaults, static_cast<long long>(report.defaults));
  const auto imports = audit("import.completed");
  ASSERT_EQ(imports.size(), 1u);
  EXPECT_EQ(imports[0].entity_id, std::to_string(report.import_id));
  EXPECT_TRUE(AuditService(*db_).verify().ok);
}

INSTANTIATE_TEST_SUITE_P(Backends, SnapshotServiceTest, ::testing::ValuesIn(test::all_backends()),
                         test::BackendName());

}  // namespace
}  // namespace risklab::service
