#include "ml/dataset.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.hpp"
#include "support/temp_dir.hpp"

namespace risklab::ml {
namespace {

using risklab::test::TempDir;

std::string error_code_of(const std::string& path, const CsvColumns& columns, std::string* message = nullptr) {
  try {
    read_csv(path, columns);
  } catch (const core::InvalidInput& error) {
    if (message) *message = error.what();
    return error.code();
  }
  return "no error";
}

}  // namespace

TEST(Dataset, ReadsColumnMajorWithTrimmedNamesAndMissingValues) {
  TempDir dir;
  const auto path = dir.write("d.csv", "id,label, a , b\nx1,0,1.5,\nx2,1,2.5,NA\nx3,0,?,4\n");
  const Dataset data = read_csv(path, {"label", "id", {}});
  ASSERT_EQ(data.feature_names, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(data.n_rows, 3U);
  EXPECT_EQ(data.at(0, 0), 1.5);
  EXPECT_EQ(data.at(1, 0), 2.5);
  EXPECT_TRUE(std::isnan(data.at(2, 0)));
  EXPECT_TRUE(std::isnan(data.at(0, 1)));
  EXPECT_TRUE(std::isnan(data.at(1, 1)));
  EXPECT_EQ(data.at(2, 1), 4.0);
  EXPECT_EQ(data.y, (std::vector<std::uint8_t>{0, 1, 0}));
  EXPECT_EQ(data.ids, (std::vector<std::string>{"x1", "x2", "x3"}));
}

TEST(Dataset, ModelSchemaPicksFeaturesInModelOrderAndIgnoresOthers) {
  TempDir dir;
  const auto path = dir.write("d.csv", "b,extra,a\n1,9,2\n3,9,4\n");
  const Dataset data = read_csv(path, {"", "", {"a", "b"}});
  EXPECT_EQ(data.feature_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(data.at(0, 0), 2.0);
  EXPECT_EQ(data.at(1, 1), 3.0);
  EXPECT_TRUE(data.y.empty());
  EXPECT_EQ(data.ids, (std::vector<std::string>{"1", "2"}));
}

TEST(Dataset, MissingModelFeatureIsNamed) {
  TempDir dir;
  const auto path = dir.write("d.csv", "a,b\n1,2\n");
  std::string message;
  EXPECT_EQ(error_code_of(path, {"", "", {"a", "X12"}}, &message), "feature_missing");
  EXPECT_NE(message.find("'X12'"), std::string::npos) << message;
}

TEST(Dataset, MissingLabelColumnIsNamed) {
  TempDir dir;
  std::string message;
  EXPECT_EQ(error_code_of(dir.write("d.csv", "a,b\n1,2\n"), {"Bankrupt?", "", {}}, &message), "feature_missing");
  EXPECT_NE(message.find("Bankrupt?"), std::string::npos);
}

TEST(Dataset, BadLabelIsRefusedWithLine) {
  TempDir dir;
  std::string message;
  EXPECT_EQ(error_code_of(dir.write("d.csv", "y,a\n0,1\n2,1\n"), {"y", "", {}}, &message), "label_invalid");
  EXPECT_NE(message.find(":3:"), std::string::npos) << message;
  EXPECT_EQ(error_code_of(dir.write("e.csv", "y,a\n,1\n"), {"y", "", {}}), "label_invalid");
}

TEST(Dataset, NonNumericOrNonFiniteCellIsRefusedWithLineAndColumn) {
  TempDir dir;
  std::string message;
  EXPECT_EQ(error_code_of(dir.write("d.csv", "y,a\n0,1\n1,abc\n"), {"y", "", {}}, &message), "value_invalid");
  EXPECT_NE(message.find(":3:"), std::string::npos);
  EXPECT_NE(message.find("'a'"), std::string::npos);
  EXPECT_EQ(error_code_of(dir.write("e.csv", "y,a\n0,inf\n"), {"y", "", {}}), "value_invalid");
  EXPECT_EQ(error_code_of(dir.write("f.csv", "y,a\n0,nan\n"), {"y", "", {}}), "value_invalid");
}

TEST(Dataset, MalformedFilesAreRefused) {
  TempDir dir;
  EXPECT_EQ(error_code_of(dir.write("a.csv", "y,a\n0,1,2\n"), {"y", "", {}}), "csv_malformed");
  EXPECT_EQ(error_code_of(dir.write("b.csv", "y,a,a\n0,1,2\n"), {"y", "", {}}), "csv_malformed");
  EXPECT_EQ(error_code_of(dir.write("c.csv", ""), {"y", "", {}}), "data_empty");
  EXPECT_EQ(error_code_of(dir.write("d.csv", "y,a\n"), {"y", "", {}}), "data_empty");
  EXPECT_EQ(error_code_of((dir.path() / "absent.csv").string(), {"y", "", {}}), "file_unreadable");
}

TEST(Dataset, SelectRowsKeepsLabelsAndIds) {
  TempDir dir;
  const Dataset data = read_csv(dir.write("d.csv", "y,a\n0,1\n1,2\n0,3\n"), {"y", "", {}});
  const Dataset picked = data.select_rows({2, 1});
  EXPECT_EQ(picked.at(0, 0), 3.0);
  EXPECT_EQ(picked.at(1, 0), 2.0);
  EXPECT_EQ(picked.y, (std::vector<std::uint8_t>{0, 1}));
  EXPECT_EQ(picked.ids, (std::vector<std::string>{"3", "2"}));
}

}  // namespace risklab::ml
