#include "core/csv_reader.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "support/temp_dir.hpp"

namespace risklab::core {
namespace {

std::vector<CsvRecord> read_all(const std::string& path) {
  CsvReader reader(path);
  std::vector<CsvRecord> records;
  CsvRecord record;
  while (reader.next(record)) records.push_back(record);
  return records;
}

TEST(CsvReader, ReadsQuotedFieldsWithCommasQuotesAndNewlines) {
  test::TempDir dir;
  const auto path = dir.write("a.csv", "id,note\n1,\"a, \"\"b\"\"\nc\"\n2,plain\n");
  const auto records = read_all(path);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[1].fields[1], "a, \"b\"\nc");
  EXPECT_EQ(records[1].line, 2u);
  EXPECT_EQ(records[2].line, 4u) << "the quoted newline moves the next record down a line";
}

TEST(CsvReader, KeepsSpacesAndNonAsciiInHeaderNames) {
  test::TempDir dir;
  const auto path = dir.write("a.csv", "Bankrupt?, Revenue Per Share (Yuan \xC2\xA5)\n1,0.5\n");
  const auto records = read_all(path);
  EXPECT_EQ(records[0].fields[1], " Revenue Per Share (Yuan \xC2\xA5)");
}

TEST(CsvReader, HandlesCrLfBlankLinesAndByteOrderMark) {
  test::TempDir dir;
  const auto path = dir.write("a.csv", "\xEF\xBB\xBF" "a,b\r\n1,2\r\n\r\n3,4\r\n");
  const auto records = read_all(path);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].fields[0], "a");
  EXPECT_EQ(records[2].fields[0], "3");
  EXPECT_EQ(records[2].line, 4u);
}

TEST(CsvField, AFirstFieldStartingWithAByteOrderMarkSurvivesTheRoundTrip) {
  // Found by fuzz/csv_import (round-trip mode): written unquoted first in a file, the field's
  // leading U+FEFF was read back as the file's BOM and dropped.
  const std::string field = "\xEF\xBB\xBF" "fuzz1700";
  EXPECT_EQ(csv_field(field), "\"" + field + "\"");
  EXPECT_EQ(csv_field("plain"), "plain");
  test::TempDir dir;
  const auto path = dir.write("a.csv", csv_field(field) + "," + csv_field("x") + "\n");
  const auto records = read_all(path);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].fields, (std::vector<std::string>{field, "x"}));
}

TEST(CsvReader, LastRecordWithoutNewlineIsRead) {
  test::TempDir dir;
  const auto records = read_all(dir.write("a.csv", "a,b\n1,2"));
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].fields[1], "2");
}

TEST(CsvReader, StrayQuoteNamesFileAndLine) {
  test::TempDir dir;
  const auto path = dir.write("bad.csv", "a,b\n1,2\n3,\"x\"y\n");
  try {
    read_all(path);
    FAIL() << "expected InvalidInput";
  } catch (const InvalidInput& error) {
    EXPECT_EQ(error.code(), "csv_malformed");
    EXPECT_NE(std::string(error.what()).find("bad.csv:3:"), std::string::npos) << error.what();
  }
}

TEST(CsvReader, UnterminatedQuoteNamesTheLineWhereTheFieldStarts) {
  test::TempDir dir;
  const auto path = dir.write("bad.csv", "a,b\n1,2\n3,\"never closed\n4,5\n");
  try {
    read_all(path);
    FAIL() << "expected InvalidInput";
  } catch (const InvalidInput& error) {
    EXPECT_NE(std::string(error.what()).find("bad.csv:3:"), std::string::npos) << error.what();
  }
}

TEST(CsvReader, MissingFileIsUnreadable) {
  try {
    CsvReader reader("/nonexistent/file.csv");
    FAIL() << "expected InvalidInput";
  } catch (const InvalidInput& error) {
    EXPECT_EQ(error.code(), "file_unreadable");
    EXPECT_NE(std::string(error.what()).find("/nonexistent/file.csv"), std::string::npos);
  }
}

TEST(CsvReader, ReadsRecordsAcrossChunkBoundaries) {
  test::TempDir dir;
  std::string content = "a,b\n";
  for (int row = 0; row < 20000; ++row) content += std::to_string(row) + ",\"v\n" + std::to_string(row) + "\"\n";
  const auto records = read_all(dir.write("big.csv", content));
  ASSERT_EQ(records.size(), 20001u);
  EXPECT_EQ(records[20000].fields[1], "v\n19999");
  EXPECT_EQ(records[20000].line, 2u + 2u * 19999u);
}

TEST(ParseNumericCell, ReadsNumbersAndMissingMarkers) {
  EXPECT_EQ(parse_numeric_cell(" 0.25 ").kind, CellKind::number);
  EXPECT_DOUBLE_EQ(parse_numeric_cell(" 0.25 ").value, 0.25);
  EXPECT_DOUBLE_EQ(parse_numeric_cell("9790000000.0").value, 9790000000.0);
  EXPECT_DOUBLE_EQ(parse_numeric_cell("-1.5e-3").value, -1.5e-3);
  EXPECT_DOUBLE_EQ(parse_numeric_cell("+2").value, 2.0);
  EXPECT_EQ(parse_numeric_cell("").kind, CellKind::missing);
  EXPECT_EQ(parse_numeric_cell("NA").kind, CellKind::missing);
  EXPECT_EQ(parse_numeric_cell("?").kind, CellKind::missing);
}

TEST(ParseNumericCell, RejectsTextNonFiniteAndOverflow) {
  for (const char* text : {"abc", "1,5", "inf", "nan", "-inf", "1e400", "+-1", "1.2.3", "0x10"}) {
    EXPECT_EQ(parse_numeric_cell(text).kind, CellKind::invalid) << text;
  }
}

}  // namespace
}  // namespace risklab::core
