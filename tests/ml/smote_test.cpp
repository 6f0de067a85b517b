#include "ml/smote.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "ml/rng.hpp"

namespace risklab::ml {
namespace {

// 2 features, 10 rows; rows 0-3 are the minority.
std::vector<double> grid() {
  std::vector<double> x(20);
  for (std::size_t row = 0; row < 10; ++row) {
    x[row] = static_cast<double>(row);
    x[10 + row] = static_cast<double>(row * row) / 10.0;
  }
  return x;
}

}  // namespace

TEST(Smote, SyntheticRowsLieOnSegmentsBetweenMinorityNeighbours) {
  const auto x = grid();
  const std::vector<std::uint32_t> minority = {0, 1, 2, 3};
  const SmoteSamples s = smote(x, 10, 2, minority, 2, 50, 1);
  ASSERT_EQ(s.n_rows, 50U);
  for (std::size_t i = 0; i < s.n_rows; ++i) {
    const auto base = s.base[i];
    const auto nb = s.neighbour[i];
    ASSERT_TRUE(std::count(minority.begin(), minority.end(), base));
    ASSERT_TRUE(std::count(minority.begin(), minority.end(), nb));
    ASSERT_NE(base, nb);
    // k = 2 nearest of row 0 are rows 1 and 2 on this monotone curve.
    if (base == 0) {
      EXPECT_TRUE(nb == 1 || nb == 2);
    }
    const double gap = (s.x[i] - x[base]) / (x[nb] - x[base]);
    EXPECT_GE(gap, 0.0);
    EXPECT_LT(gap, 1.0);
    EXPECT_NEAR(s.x[50 + i], x[10 + base] + gap * (x[10 + nb] - x[10 + base]), 1e-12);
  }
}

TEST(Smote, SameSeedSameRowsOtherSeedOtherRows) {
  const auto x = grid();
  const SmoteSamples a = smote(x, 10, 2, {0, 1, 2, 3}, 3, 20, 5);
  const SmoteSamples b = smote(x, 10, 2, {0, 1, 2, 3}, 3, 20, 5);
  const SmoteSamples c = smote(x, 10, 2, {0, 1, 2, 3}, 3, 20, 6);
  EXPECT_EQ(a.x, b.x);
  EXPECT_NE(a.x, c.x);
}

TEST(Smote, NeverReadsRowsOutsideTheMinorityList) {
  // Rows 4..9 are poisoned with NaN: if SMOTE touched them the output would be NaN.
  auto x = grid();
  for (std::size_t row = 4; row < 10; ++row) x[row] = x[10 + row] = std::nan("");
  const SmoteSamples s = smote(x, 10, 2, {0, 1, 2, 3}, 5, 30, 3);
  for (double v : s.x) EXPECT_FALSE(std::isnan(v));
}

TEST(Smote, KIsCappedAndTooFewMinorityRowsAreRefused) {
  const auto x = grid();
  EXPECT_NO_THROW(smote(x, 10, 2, {0, 1}, 5, 4, 1));
  try {
    smote(x, 10, 2, {0}, 5, 4, 1);
    FAIL();
  } catch (const core::InvalidInput& e) {
    EXPECT_EQ(e.code(), "smote_impossible");
  }
  EXPECT_EQ(smote(x, 10, 2, {0}, 5, 0, 1).n_rows, 0U);
}

}  // namespace risklab::ml
