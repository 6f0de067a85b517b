// The risklab binary as a user runs it: exit codes, one clear error line, nothing changed.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "core/sha256.hpp"
#include "store/database.hpp"
#include "store/model_repository.hpp"
#include "store/transaction.hpp"
#include "support/backends.hpp"
#include "support/model_fixture.hpp"
#include "support/run.hpp"
#include "support/store_counts.hpp"
#include "support/temp_dir.hpp"

namespace risklab::cli {
namespace {

using test::run_risklab;

std::size_t line_count(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

TEST(Cli, HelpListsTheCommands) {
  const auto result = run_risklab({"--help"});
  EXPECT_EQ(result.exit_code, 0);
  for (const char* command : {"init", "import", "demo", "--db", "--log-level", "--config"}) {
    EXPECT_NE(result.out.find(command), std::string::npos) << command;
  }
}

TEST(Cli, VersionPrintsTheRelease) {
  const auto result = run_risklab({"--version"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_NE(result.out.find("0."), std::string::npos);
}

TEST(Cli, UnknownFlagIsAUsageErrorWithExitCode2) {
  EXPECT_EQ(run_risklab({"import", "--no-such-flag", "x.csv"}).exit_code, 2);
}

TEST(Cli, BadDatabaseUrlIsOneLineAndExitCode2) {
  const auto result = run_risklab({"--db", "oracle://u:pw@h/db", "init"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(line_count(result.err), 1u) << result.err;
  EXPECT_NE(result.err.find("unsupported scheme 'oracle'"), std::string::npos) << result.err;
}

TEST(Cli, UnreachableServerIsOneLineAndExitCode6) {
  const auto result = run_risklab({"--db", "mysql://u:pw@127.0.0.1:1/risklab", "init"});
  EXPECT_EQ(result.exit_code, 6);
  EXPECT_EQ(line_count(result.err), 1u) << result.err;
  EXPECT_NE(result.err.find("cannot open database mysql://u:***@127.0.0.1:1/risklab"),
            std::string::npos)
      << result.err;
}

TEST(Cli, ImportBeforeInitAsksForInit) {
  test::TempDir dir;
  const auto csv = dir.write("a.csv", "y,a\n0,1\n");
  const auto result =
      run_risklab({"--db", "sqlite://" + dir.path().string() + "/r.db", "import", csv});
  EXPECT_EQ(result.exit_code, 4);
  EXPECT_NE(result.err.find("run `risklab init`"), std::string::npos) << result.err;
}

TEST(Cli, DatabaseUrlComesFromTheEnvironmentOrAConfigFile) {
  test::TempDir dir;
  const std::string env_db = "sqlite://" + dir.path().string() + "/env.db";
  EXPECT_EQ(run_risklab({"init"}, {{"RISKLAB_DB", env_db}}).exit_code, 0);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "env.db"));

  const auto config =
      dir.write("risklab.toml", "db = \"sqlite://" + dir.path().string() + "/cfg.db\"\n");
  EXPECT_EQ(run_risklab({"--config", config, "init"}).exit_code, 0);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "cfg.db"));

  const auto bad = dir.write("bad.toml", "db = \n");
  const auto result = run_risklab({"--config", bad, "init"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("bad.toml:1:"), std::string::npos) << result.err;
}

class CliImportTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    test_db_ = std::make_unique<test::TestDatabase>(GetParam());
    ASSERT_EQ(run_risklab({"--db", test_db_->url(), "init"}).exit_code, 0);
    db_ = store::Database::open(test_db_->url());
  }

  // Runs an import of `csv` that must fail with exit code 2, one error line naming `place`,
  // and no change to the database.
  void expect_refused(const std::string& csv, const std::vector<std::string>& flags,
                      const std::string& place) {
    const auto before = test::StoreCounts::of(*db_);
    std::vector<std::string> args = {"--db", test_db_->url(), "import", dir_.write("in.csv", csv)};
    args.insert(args.end(), flags.begin(), flags.end());
    const auto result = run_risklab(args);
    EXPECT_EQ(result.exit_code, 2) << result.err;
    EXPECT_EQ(line_count(result.err), 1u) << result.err;
    EXPECT_EQ(result.err.rfind("risklab: error: ", 0), 0u) << result.err;
    EXPECT_NE(result.err.find(place), std::string::npos) << result.err;
    EXPECT_EQ(test::StoreCounts::of(*db_), before);
  }

  test::TempDir dir_;
  std::unique_ptr<test::TestDatabase> test_db_;
  std::unique_ptr<store::Database> db_;
};

TEST_P(CliImportTest, ImportsAFileAndReportsWhatItDid) {
  const auto result = run_risklab({"--db", test_db_->url(), "import",
                                   dir_.write("in.csv", "y,a\n1,0.5\n0,0.25\n"), "--label", "y"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("imported 2 statements"), std::string::npos) << result.out;
  EXPECT_EQ(test::StoreCounts::of(*db_).defaults, 1);
}

TEST_P(CliImportTest, BadNumberNamesFileLineAndColumn) {
  expect_refused("y,a\n0,1\n0,zz\n", {"--label", "y"},
                 "in.csv:3: column 'a': 'zz' is not a finite number");
}

TEST_P(CliImportTest, RaggedRowNamesTheLine) {
  expect_refused("y,a,b\n0,1,2\n0,1\n", {"--label", "y"}, "in.csv:3: wrong number of fields");
}

TEST_P(CliImportTest, DuplicateIdNamesBothLines) {
  expect_refused("id,y,a\nx,0,1\nx,0,2\n", {"--label", "y", "--id", "id"},
                 "in.csv:3: column 'id': duplicate id 'x' for period");
}

TEST_P(CliImportTest, BadLabelNamesTheCell) {
  expect_refused("y,a\nyes,1\n", {"--label", "y"},
                 "in.csv:2: column 'y': label 'yes' is not 0 or 1");
}

TEST_P(CliImportTest, UnreadableFileNamesThePath) {
  const auto before = test::StoreCounts::of(*db_);
  const auto result = run_risklab({"--db", test_db_->url(), "import", "/nonexistent/in.csv"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(line_count(result.err), 1u) << result.err;
  EXPECT_NE(result.err.find("/nonexistent/in.csv: cannot open file"), std::string::npos);
  EXPECT_EQ(test::StoreCounts::of(*db_), before);
}

TEST_P(CliImportTest, DryRunWritesNothing) {
  const auto result =
      run_risklab({"--db", test_db_->url(), "import", dir_.write("in.csv", "y,a\n1,0.5\n"),
                   "--label", "y", "--dry-run"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("dry run: would import 1 statements"), std::string::npos);
  EXPECT_EQ(test::StoreCounts::of(*db_), test::StoreCounts{});
}

INSTANTIATE_TEST_SUITE_P(Backends, CliImportTest, ::testing::ValuesIn(test::all_backends()),
                         test::BackendName());

TEST(CliDemo, FromZeroCreatesADatabaseAndImportsTheReferenceData) {
  test::TempDir dir;
  const auto result =
      run_risklab({"demo", "--dir", dir.path().string(), "--trees", "10", "--no-serve"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("imported 6819 statements (95 features"), std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("approved and promoted by 'officer' (four-eyes): champion rf-"),
            std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("3. snapshot "), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("6819 labelled statements, 220 defaults"), std::string::npos)
      << result.out;
  EXPECT_NE(
      result.out.find("training job 1 (as 'developer'): 10-tree random forest on the snapshot"),
      std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find(
                "demo accounts analyst, steward, developer, officer and admin, password demo-"),
            std::string::npos)
      << result.out;
  auto db = store::Database::open("sqlite://" + dir.path().string() + "/risklab.db");
  {
    // The governed path: trained by one demo user, approved and promoted by another.
    store::Transaction tx(*db, store::Transaction::Mode::read);
    store::ModelRepository models;
    const auto champion = models.find_champion(tx);
    ASSERT_TRUE(champion);
    EXPECT_EQ(champion->created_by, "developer");
    EXPECT_EQ(champion->promoted_by, "officer");
    const auto review = models.find_review(tx, champion->id);
    ASSERT_TRUE(review);
    EXPECT_EQ(review->verdict, "approved");
    EXPECT_EQ(review->reviewer, "officer");
  }
  const auto counts = test::StoreCounts::of(*db);
  EXPECT_EQ(counts.statements, 6819);
  EXPECT_EQ(counts.defaults, 220);

  const auto again =
      run_risklab({"demo", "--dir", dir.path().string(), "--trees", "10", "--no-serve"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(test::StoreCounts::of(*db).statements, 6819) << "a re-run must not import twice";
  EXPECT_NE(again.out.find("a champion model is already registered"), std::string::npos)
      << again.out;
  EXPECT_NE(again.out.find("(existing)"), std::string::npos)
      << "same data, same snapshot: " << again.out;
}

TEST(CliSnapshot, CreateListVerifyExportTrainAndDetectTampering) {
  test::TempDir dir;
  const std::map<std::string, std::string> env = {
      {"RISKLAB_DB", "sqlite://" + dir.path().string() + "/r.db"},
      {"RISKLAB_LAKE", "file://" + dir.path().string() + "/lake"},
      {"RISKLAB_ADMIN_PASSWORD", "cli-admin-pw-12"}};
  ASSERT_EQ(run_risklab({"init"}, env).exit_code, 0);
  const auto csv = test::reference_head_csv(dir.path().string(), 150);
  ASSERT_EQ(run_risklab({"import", csv, "--label", "Bankrupt?", "--dataset", "taiwan", "--as-of",
                         "2025-12-31"},
                        env)
                .exit_code,
            0);
  EXPECT_EQ(run_risklab({"snapshot", "verify"}, env).exit_code, 2) << "an id or --all is required";

  const auto created = run_risklab({"snapshot", "create", "--note", "first"}, env);
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const std::string marker = "created snapshot ";
  ASSERT_EQ(created.out.rfind(marker, 0), 0u) << created.out;
  const std::string id = created.out.substr(marker.size(), 64);
  const auto again = run_risklab({"snapshot", "create"}, env);
  EXPECT_NE(again.out.find("unchanged data: existing snapshot " + id), std::string::npos)
      << again.out;
  const auto listed = run_risklab({"snapshot", "list"}, env);
  EXPECT_EQ(line_count(listed.out), 1u) << listed.out;
  EXPECT_NE(listed.out.find(id), std::string::npos);
  EXPECT_NE(run_risklab({"snapshot", "show", id}, env).out.find("\"outcome_rule\""),
            std::string::npos);
  EXPECT_EQ(run_risklab({"snapshot", "show", std::string(64, 'f')}, env).exit_code, 3);

  // Exported data is the snapshot itself (it hashes to the id) and trains a model.
  const std::string exported = dir.path().string() + "/snap.csv";
  const auto export_result = run_risklab({"snapshot", "export", id, "--out", exported}, env);
  ASSERT_EQ(export_result.exit_code, 0) << export_result.err;
  std::ifstream in(exported, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(core::Sha256::of(bytes), id);
  const auto trained =
      run_risklab({"ml", "train", "--data", exported, "--label", "defaulted", "--id",
                   "statement_id", "--ignore", "company,period,outcome_id,outcome_source",
                   "--snapshot-id", id, "--trees", "5", "--out", dir.path().string() + "/m.rlm"});
  EXPECT_EQ(trained.exit_code, 0) << trained.err;
  const auto bad_ignore =
      run_risklab({"ml", "train", "--data", exported, "--label", "defaulted", "--ignore", "nope",
                   "--out", dir.path().string() + "/x.rlm"});
  EXPECT_EQ(bad_ignore.exit_code, 2);
  EXPECT_NE(bad_ignore.err.find("--ignore names column 'nope'"), std::string::npos)
      << bad_ignore.err;

  // A training job on the snapshot, run by the CLI as a worker, registers a candidate whose
  // artifact lives in the lake; scoring with it reads it from there.
  const auto job =
      run_risklab({"train", "--snapshot", id, "--param", "trees=5", "--param", "seed=3"}, env);
  ASSERT_EQ(job.exit_code, 0) << job.err;
  EXPECT_NE(job.out.find("succeeded: candidate model 1"), std::string::npos) << job.out;
  EXPECT_NE(job.err.find("training"), std::string::npos) << "progress on stderr: " << job.err;
  const auto scored = run_risklab({"score", "--data", csv, "--model", "1"}, env);
  EXPECT_EQ(scored.exit_code, 0) << scored.err;
  EXPECT_EQ(line_count(scored.out), 151u) << "a header and 150 scored rows";
  const auto bad_job = run_risklab({"train", "--snapshot", id, "--param", "trees"}, env);
  EXPECT_EQ(bad_job.exit_code, 2);
  EXPECT_NE(bad_job.err.find("'trees' is not KEY=VALUE"), std::string::npos) << bad_job.err;

  // One more outcome (from a CSV file): a new snapshot whose lineage names the first.
  const auto outcomes = dir.write(
      "outcomes.csv", "company,defaulted,observed_at,note\ntaiwan:7,1,2026-03-31,default notice\n");
  const auto recorded = run_risklab({"outcomes", "import", outcomes}, env);
  ASSERT_EQ(recorded.exit_code, 0) << recorded.err;
  EXPECT_NE(recorded.out.find("recorded 1 outcomes (1 defaults)"), std::string::npos)
      << recorded.out;
  const auto second = run_risklab({"snapshot", "create"}, env);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(second.out.find(id), second.out.find("previous " + id) + 9) << second.out;
  EXPECT_EQ(run_risklab({"snapshot", "verify", "--all"}, env).exit_code, 0);

  // Tampering with the first snapshot's data in the lake is named and fails the check.
  const auto data = dir.path() / "lake" / "snapshots" / id / "data.csv";
  std::filesystem::permissions(data, std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::add);
  std::ofstream(data, std::ios::app) << "999,x,2025-12-31,1,import,1\n";
  const auto verified = run_risklab({"snapshot", "verify", "--all"}, env);
  EXPECT_EQ(verified.exit_code, 4);
  EXPECT_NE(verified.out.find("DAMAGED " + id), std::string::npos) << verified.out;
  EXPECT_NE(verified.err.find("1 of 2 snapshots failed verification"), std::string::npos)
      << verified.err;
  EXPECT_EQ(run_risklab({"snapshot", "export", id, "--out", exported + "2"}, env).exit_code, 4);
  EXPECT_FALSE(std::filesystem::exists(exported + "2"));
}

TEST(CliModels, FourEyesGovernsTheRegistryAndTheMonitoringPackIsWritten) {
  test::TempDir dir;
  const std::map<std::string, std::string> env = {
      {"RISKLAB_DB", "sqlite://" + dir.path().string() + "/r.db"},
      {"RISKLAB_LAKE", "file://" + dir.path().string() + "/lake"},
      {"RISKLAB_ADMIN_PASSWORD", "cli-admin-pw-12"},
      {"USER", "alice"}};
  auto with_user = [&env](const std::string& user) {
    auto copy = env;
    copy["USER"] = user;
    return copy;
  };
  ASSERT_EQ(run_risklab({"init"}, env).exit_code, 0);
  ASSERT_EQ(run_risklab({"models", "register", test::reference_model_path()}, env).exit_code, 0);
  EXPECT_EQ(run_risklab({"models", "promote", "1"}, env).exit_code, 4) << "not approved";
  const auto own = run_risklab({"models", "approve", "1"}, env);
  EXPECT_EQ(own.exit_code, 5) << "cli:alice registered it: four-eyes";
  EXPECT_NE(own.err.find("a different risk officer must approve it"), std::string::npos) << own.err;
  EXPECT_EQ(run_risklab({"models", "reject", "1"}, with_user("bob")).exit_code, 2)
      << "--reason is required";
  const auto approved =
      run_risklab({"models", "approve", "1", "--note", "validated"}, with_user("bob"));
  ASSERT_EQ(approved.exit_code, 0) << approved.err;
  EXPECT_NE(approved.out.find("approved by cli:bob"), std::string::npos) << approved.out;
  ASSERT_EQ(run_risklab({"models", "promote", "1"}, env).exit_code, 0);
  const auto shown = run_risklab({"models", "show", "1"}, env);
  EXPECT_NE(shown.out.find("\"reviewer\": \"cli:bob\""), std::string::npos) << shown.out;

  const auto csv = test::reference_head_csv(dir.path().string(), 50);
  ASSERT_EQ(run_risklab({"score", "--data", csv}, env).exit_code, 0);
  const std::string out = (dir.path() / "pack").string();
  const auto pack = run_risklab({"monitor", "report", "--out", out}, env);
  ASSERT_EQ(pack.exit_code, 0) << pack.err;
  EXPECT_NE(pack.out.find("50 scorings"), std::string::npos) << pack.out;
  std::ifstream json_file(out + ".json");
  const auto report = nlohmann::json::parse(json_file);
  EXPECT_EQ(report["drift"]["scorings"], 50);
  EXPECT_EQ(report["backtest"]["maturity"]["immature"], 0)
      << "scored by file: no company to follow";
  EXPECT_TRUE(std::filesystem::exists(out + ".html"));
  EXPECT_EQ(run_risklab({"monitor", "report", "--from", "2026-02-31"}, env).exit_code, 2);
}

}  // namespace
}  // namespace risklab::cli
