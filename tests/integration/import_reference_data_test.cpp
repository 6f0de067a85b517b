// Workflow: import the two public datasets on every backend, with no code change between them.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "service/import_service.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"
#include "support/backends.hpp"
#include "support/store_counts.hpp"
#include "support/temp_dir.hpp"

namespace risklab {
namespace {

class ImportReferenceDataTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    test_db_ = std::make_unique<test::TestDatabase>(GetParam());
    db_ = store::Database::open(test_db_->url());
    store::migrate(*db_);
  }
  std::unique_ptr<test::TestDatabase> test_db_;
  std::unique_ptr<store::Database> db_;
};

TEST_P(ImportReferenceDataTest, TaiwanLoads6819StatementsWith95FeaturesAnd220Defaults) {
  service::ImportOptions options;
  options.file = test::shared_data("taiwan_bankruptcy.csv");
  options.label_column = "Bankrupt?";
  const auto report = service::ImportService(*db_).import_csv(options);
  EXPECT_EQ(report.statements, 6819u);
  EXPECT_EQ(report.feature_count, 95u);
  EXPECT_EQ(report.defaults, 220u);
  EXPECT_EQ(report.file_sha256,
            "d0a38c05240358a8ee5ee8a1a9322ae9a7e589d6c067762552863e8551c0d09d");

  const auto counts = test::StoreCounts::of(*db_);
  EXPECT_EQ(counts.statements, 6819);
  EXPECT_EQ(counts.companies, 6819);
  EXPECT_EQ(counts.outcomes, 6819);
  EXPECT_EQ(counts.defaults, 220);

  // Schema-on-read: the first statement's JSON carries the file's exact values under the
  // trimmed names, including the non-ASCII ones.
  store::Transaction tx(*db_);
  const auto statement = store::StatementRepository().find(tx, 1);
  ASSERT_TRUE(statement.has_value());
  const auto features = nlohmann::json::parse(statement->features_json);
  EXPECT_EQ(features.size(), 95u);
  EXPECT_DOUBLE_EQ(features.at("ROA(C) before interest and depreciation before interest").get<double>(),
                   0.370594257300249);
  EXPECT_TRUE(features.contains("Revenue Per Share (Yuan \xC2\xA5)"));
  EXPECT_TRUE(features.contains("Net Income to Stockholder's Equity"));
}

TEST_P(ImportReferenceDataTest, PolishDataWithOtherColumnsAndMissingValuesNeedsNoCodeChange) {
  service::ImportOptions options;
  options.file = test::shared_data("polish_5year.csv");
  options.label_column = "class";
  const auto report = service::ImportService(*db_).import_csv(options);
  EXPECT_EQ(report.statements, 5910u);
  EXPECT_EQ(report.feature_count, 64u);
  EXPECT_EQ(report.defaults, 410u);
  EXPECT_EQ(report.missing_values, 4666u);

  store::Transaction tx(*db_);
  const auto dataset = store::DatasetRepository().find_by_name(tx, "polish_5year");
  ASSERT_TRUE(dataset.has_value());
  EXPECT_EQ(dataset->features.front().name, "Attr1");
  EXPECT_EQ(dataset->features.back().name, "Attr64");
}

INSTANTIATE_TEST_SUITE_P(Backends, ImportReferenceDataTest,
                         ::testing::ValuesIn(test::all_backends()), test::BackendName());

}  // namespace
}  // namespace risklab
