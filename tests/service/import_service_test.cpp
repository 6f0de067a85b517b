// Import rules, on every backend: each malformed input is refused with the place named and
// nothing written.
#include "service/import_service.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "store/database.hpp"
#include "store/migrations.hpp"
#include "support/backends.hpp"
#include "support/store_counts.hpp"
#include "support/temp_dir.hpp"

namespace risklab::service {
namespace {

class ImportServiceTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    test_db_ = std::make_unique<test::TestDatabase>(GetParam());
    db_ = store::Database::open(test_db_->url());
    store::migrate(*db_);
  }

  ImportReport import(const std::string& csv, ImportOptions options = {}) {
    options.file = dir_.write(options.dataset.empty() ? "data.csv" : options.dataset + ".csv", csv);
    options.actor = "test";
    return ImportService(*db_).import_csv(options);
  }

  // Imports `csv`, expects a refusal whose first problem has `code` at `line` (and `column`),
  // and checks that the database did not change.
  void expect_refused(const std::string& csv, ImportOptions options, const std::string& code,
                      std::size_t line, const std::optional<std::string>& column = std::nullopt) {
    const auto before = test::StoreCounts::of(*db_);
    try {
      import(csv, options);
      ADD_FAILURE() << "import of bad input succeeded";
    } catch (const ImportFailed& failed) {
      ASSERT_FALSE(failed.report().problems.empty());
      const auto& problem = failed.report().problems.front();
      EXPECT_EQ(problem.code, code) << failed.what();
      EXPECT_EQ(problem.line, line) << failed.what();
      if (column) {
        EXPECT_EQ(problem.column, column) << failed.what();
      }
      EXPECT_EQ(failed.code(), code);
      const std::string what = failed.what();
      EXPECT_NE(what.find(":" + std::to_string(line) + ": "), std::string::npos) << what;
      EXPECT_NE(what.find("nothing was imported"), std::string::npos) << what;
    }
    EXPECT_EQ(test::StoreCounts::of(*db_), before) << "a refused import changed the database";
  }

  test::TempDir dir_;
  std::unique_ptr<test::TestDatabase> test_db_;
  std::unique_ptr<store::Database> db_;
};

ImportOptions labelled(std::string label = "y") {
  ImportOptions options;
  options.label_column = std::move(label);
  return options;
}

TEST_P(ImportServiceTest, ImportsStatementsAndLabelsAsOutcomes) {
  const auto report = import("y,a,b\n1,0.5,2\n0,0.25,\n0,NA,?\n", labelled());
  EXPECT_EQ(report.statements, 3u);
  EXPECT_EQ(report.feature_count, 2u);
  EXPECT_EQ(report.outcomes, 3u);
  EXPECT_EQ(report.defaults, 1u);
  EXPECT_EQ(report.missing_values, 3u);
  EXPECT_TRUE(report.dataset_created);
  const auto counts = test::StoreCounts::of(*db_);
  EXPECT_EQ(counts.statements, 3);
  EXPECT_EQ(counts.companies, 3);
  EXPECT_EQ(counts.defaults, 1);
}

TEST_P(ImportServiceTest, FeatureNamesAreTrimmedAndTheOriginalIsKept) {
  import("y, ROA(A) ,Revenue (Yuan \xC2\xA5)\n0,1,2\n", labelled());
  store::Transaction tx(*db_);
  const auto dataset = store::DatasetRepository().find_by_name(tx, "data");
  ASSERT_TRUE(dataset.has_value());
  EXPECT_EQ(dataset->features[0].name, "ROA(A)");
  EXPECT_EQ(dataset->features[0].source_name, " ROA(A) ");
  EXPECT_EQ(dataset->features[1].name, "Revenue (Yuan \xC2\xA5)");
}

TEST_P(ImportServiceTest, NumbersInAnyDecimalSpellingAreStoredAsValidJson) {
  import("y,a\n0,+2\n0,.5\n0,1.\n0,007\n0,-1.5E3\n0, 0.25 \n", labelled());
  store::Transaction tx(*db_);
  const std::vector<double> expected = {2.0, 0.5, 1.0, 7.0, -1500.0, 0.25};
  for (long long id = 1; id <= 6; ++id) {
    const auto statement = store::StatementRepository().find(tx, id);
    ASSERT_TRUE(statement.has_value()) << id;
    const auto features = nlohmann::json::parse(statement->features_json);
    EXPECT_DOUBLE_EQ(features.at("a").get<double>(), expected[static_cast<std::size_t>(id - 1)]);
  }
}

TEST_P(ImportServiceTest, DryRunValidatesButWritesNothing) {
  auto options = labelled();
  options.dry_run = true;
  const auto report = import("y,a\n1,0.5\n0,0.25\n", options);
  EXPECT_EQ(report.statements, 2u);
  EXPECT_EQ(test::StoreCounts::of(*db_), test::StoreCounts{});
}

TEST_P(ImportServiceTest, BadNumberNamesLineAndColumn) {
  expect_refused("y,a,b\n0,1,2\n0,1,abc\n", labelled(), "not_a_number", 3, "b");
}

TEST_P(ImportServiceTest, NonFiniteNumberIsRefused) {
  expect_refused("y,a\n0,inf\n", labelled(), "not_a_number", 2, "a");
}

TEST_P(ImportServiceTest, RaggedRowIsRefused) {
  expect_refused("y,a,b\n0,1,2\n0,1\n", labelled(), "wrong_field_count", 3);
}

TEST_P(ImportServiceTest, DuplicateIdIsRefusedWithBothLines) {
  ImportOptions options = labelled();
  options.id_column = "id";
  expect_refused("id,y,a\nc1,0,1\nc2,0,1\nc1,1,2\n", options, "duplicate_id", 4, "id");
}

// Found by fuzz/csv_import: a column name that is not UTF-8 made the import throw
// nlohmann's type_error (a 500 / exit 1 instead of a listed problem), and ids, names and
// quoted cells that are not UTF-8 would have been stored or sent back in JSON as they were.
TEST_P(ImportServiceTest, TextThatIsNotUtf8IsAProblemNotACrash) {
  expect_refused("y,a\xff\n0,1\n", labelled(), "bad_column_name", 1);
  ImportOptions with_id = labelled();
  with_id.id_column = "id";
  expect_refused("id,y,a\nc\xc3,0,1\n", with_id, "bad_id", 2, "id");
  ImportOptions with_name = labelled();
  with_name.name_column = "name";
  expect_refused("name,y,a\n\xed\xa0\x80,0,1\n", with_name, "bad_name", 2, "name");
  try {
    import("y,a\n0,x\xff\n", labelled());
    ADD_FAILURE() << "accepted";
  } catch (const ImportFailed& failed) {
    EXPECT_EQ(failed.report().problems.front().message, "'x\xEF\xBF\xBD' is not a finite number");
    EXPECT_NO_THROW((void)nlohmann::json(std::string(failed.what())).dump());
  }
}

TEST_P(ImportServiceTest, LabelOtherThanZeroOrOneIsRefused) {
  expect_refused("y,a\n0,1\n2,1\n", labelled(), "bad_label", 3, "y");
}

TEST_P(ImportServiceTest, ColumnNotDeclaredByAnExistingDatasetIsRefused) {
  ImportOptions options = labelled();
  options.dataset = "ds";
  import("y,a\n0,1\n", options);
  options.as_of = "2030-01-01";
  expect_refused("y,a,extra\n0,1,2\n", options, "unknown_column", 1, "extra");
}

TEST_P(ImportServiceTest, SecondStatementForTheSamePeriodIsRefused) {
  ImportOptions options = labelled();
  options.id_column = "id";
  options.dataset = "ds";
  options.as_of = "2024-12-31";
  import("id,y,a\nc1,0,1\n", options);
  expect_refused("id,y,a\nc2,0,1\nc1,0,3\n", options, "statement_exists", 3);
}

TEST_P(ImportServiceTest, NewPeriodForAKnownCompanyAddsAStatement) {
  ImportOptions options = labelled();
  options.id_column = "id";
  options.dataset = "ds";
  options.as_of = "2023-12-31";
  import("id,y,a\nc1,0,1\n", options);
  options.as_of = "2024-12-31";
  import("id,y,a\nc1,1,3\n", options);
  const auto counts = test::StoreCounts::of(*db_);
  EXPECT_EQ(counts.companies, 1);
  EXPECT_EQ(counts.statements, 2);
  EXPECT_EQ(counts.defaults, 1);
}

TEST_P(ImportServiceTest, MalformedQuotingIsRefusedWithTheLine) {
  const auto before = test::StoreCounts::of(*db_);
  try {
    import("y,a\n0,1\n0,\"1\n", labelled());
    ADD_FAILURE();
  } catch (const core::InvalidInput& error) {
    EXPECT_EQ(error.code(), "csv_malformed");
    EXPECT_NE(std::string(error.what()).find(":3:"), std::string::npos) << error.what();
  }
  EXPECT_EQ(test::StoreCounts::of(*db_), before);
}

TEST_P(ImportServiceTest, UnreadableFileIsRefused) {
  ImportOptions options;
  options.file = dir_.path().string() + "/missing.csv";
  EXPECT_THROW(ImportService(*db_).import_csv(options), core::InvalidInput);
  EXPECT_EQ(test::StoreCounts::of(*db_), test::StoreCounts{});
}

TEST_P(ImportServiceTest, UnknownLabelColumnIsRefused) {
  try {
    import("a,b\n0,1\n", labelled("Bankrupt?"));
    ADD_FAILURE();
  } catch (const core::InvalidInput& error) {
    EXPECT_EQ(error.code(), "column_not_found");
    EXPECT_NE(std::string(error.what()).find("Bankrupt?"), std::string::npos);
  }
  EXPECT_EQ(test::StoreCounts::of(*db_), test::StoreCounts{});
}

TEST_P(ImportServiceTest, HeaderOnlyFileIsRefused) {
  expect_refused("y,a\n", labelled(), "no_rows", 2);
}

TEST_P(ImportServiceTest, ListsEveryProblemUpToTwenty) {
  std::string csv = "y,a\n";
  for (int row = 0; row < 30; ++row) csv += "0,x\n";
  try {
    import(csv, labelled());
    ADD_FAILURE();
  } catch (const ImportFailed& failed) {
    EXPECT_EQ(failed.report().problem_count, 30u);
    EXPECT_EQ(failed.report().problems.size(), 20u);
    EXPECT_NE(std::string(failed.what()).find("and 29 more problems"), std::string::npos);
  }
}

TEST_P(ImportServiceTest, ImportLargerThanOneBatchIsAllOrNothing) {
  std::string csv = "y,a\n";
  for (int row = 0; row < 2500; ++row) csv += "0," + std::to_string(row) + "\n";
  csv += "0,oops\n";
  expect_refused(csv, labelled(), "not_a_number", 2502, "a");
}

INSTANTIATE_TEST_SUITE_P(Backends, ImportServiceTest, ::testing::ValuesIn(test::all_backends()),
                         test::BackendName());

}  // namespace
}  // namespace risklab::service
