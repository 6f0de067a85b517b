#include "ml/split.hpp"

#include <gtest/gtest.h>

#include <numeric>

#include "core/error.hpp"

namespace risklab::ml {

TEST(StratifiedSplit, KeepsClassSharesAndPartitionsEveryRow) {
  std::vector<std::uint8_t> y(1000, 0);
  for (std::size_t i = 0; i < 1000; i += 25) y[i] = 1;  // 40 positives
  const SplitIndices split = stratified_split(y, 0.2, 42);
  EXPECT_EQ(split.test.size(), 200U);
  EXPECT_EQ(split.train.size(), 800U);
  std::size_t test_pos = 0;
  for (auto i : split.test) test_pos += y[i];
  EXPECT_EQ(test_pos, 8U);
  std::vector<int> seen(1000, 0);
  for (auto i : split.train) ++seen[i];
  for (auto i : split.test) ++seen[i];
  for (int s : seen) EXPECT_EQ(s, 1);
  EXPECT_TRUE(std::is_sorted(split.test.begin(), split.test.end()));
}

TEST(StratifiedSplit, SameSeedSameSplitOtherSeedOtherSplit) {
  std::vector<std::uint8_t> y(300, 0);
  for (std::size_t i = 0; i < 300; i += 10) y[i] = 1;
  EXPECT_EQ(stratified_split(y, 0.3, 1).test, stratified_split(y, 0.3, 1).test);
  EXPECT_NE(stratified_split(y, 0.3, 1).test, stratified_split(y, 0.3, 2).test);
}

TEST(StratifiedSplit, RefusesBadFractions) {
  EXPECT_THROW(stratified_split({0, 1}, 0.0, 1), core::InvalidInput);
  EXPECT_THROW(stratified_split({0, 1}, 1.0, 1), core::InvalidInput);
  EXPECT_THROW(stratified_split({}, 0.2, 1), core::InvalidInput);
}

}  // namespace risklab::ml
