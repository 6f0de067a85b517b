#pragma once

#include <cstddef>
#include <cstdint>
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

}  // namespace risklab::ml
