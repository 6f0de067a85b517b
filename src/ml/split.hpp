#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace risklab::ml {

/// Row indices of a stratified train/test split, each list in ascending order.
struct SplitIndices {
  std::vector<std::size_t> train;
  std::vector<std::size_t> test;
};

/// Splits rows so that each class sends round(test_fraction * class size) rows to the test
/// part (at least one of each class to each part when the class has two or more rows),
/// chosen by a seeded shuffle (stream kSplitStream of `seed`). Throws core::InvalidInput
/// ("param_invalid") unless 0 < test_fraction < 1, ("data_invalid") without rows.
SplitIndices stratified_split(const std::vector<std::uint8_t>& y, double test_fraction, std::uint64_t seed);

/// What split_csv() wrote.
struct SplitReport {
  std::size_t train_rows = 0;
  std::size_t test_rows = 0;
  std::size_t test_defaults = 0;
};

/// Splits the labelled CSV `data` with stratified_split() on its 0/1 column `label` and
/// writes the header plus each part's records, unchanged and in file order, to `train_out`
/// and `test_out`. Throws core::InvalidInput: "feature_missing" (no such label),
/// "label_invalid", "csv_malformed", "data_empty", "file_unwritable", and those of
/// stratified_split().
SplitReport split_csv(const std::string& data, const std::string& label, double test_fraction, std::uint64_t seed,
                      const std::string& train_out, const std::string& test_out);

}  // namespace risklab::ml
