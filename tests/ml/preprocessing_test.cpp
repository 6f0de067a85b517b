#include <gtest/gtest.h>

#include <cmath>

#include "fixtures.hpp"
#include "ml/imputer.hpp"
#include "ml/standard_scaler.hpp"

namespace risklab::ml {

// Tolerance: relative 1e-12 (sklearn accumulates in a different order).
TEST(StandardScaler, MatchesSklearnIncludingConstantColumnAndLargeScale) {
  const auto fixture = test::load_fixture("preprocessing.json");
  std::vector<double> x;
  std::size_t n_rows = 0;
  for (const auto& col : fixture["x"]) {
    n_rows = col.size();
    for (double v : col) x.push_back(v);
  }
  StandardScaler scaler;
  scaler.fit(x, n_rows, 4);
  for (std::size_t col = 0; col < 4; ++col) {
    const double mean = fixture["scaler_mean"][col];
    const double scale = fixture["scaler_scale"][col];
    EXPECT_NEAR(scaler.mean()[col], mean, 1e-12 * std::max(1.0, std::fabs(mean))) << col;
    EXPECT_NEAR(scaler.scale()[col], scale, 1e-12 * std::max(1.0, scale)) << col;
  }
  EXPECT_EQ(scaler.scale()[3], 1.0);  // the constant column
  scaler.transform(x, n_rows);
  for (std::size_t row = 0; row < n_rows; ++row) EXPECT_EQ(x[3 * n_rows + row], 0.0);
}

TEST(MedianImputer, MatchesSklearnSimpleImputerMedian) {
  const auto fixture = test::load_fixture("preprocessing.json");
  std::vector<double> x;
  std::size_t n_rows = 0;
  for (const auto& col : fixture["missing"]) {
    n_rows = col.size();
    for (const auto& v : col) x.push_back(v.is_null() ? std::nan("") : v.get<double>());
  }
  MedianImputer imputer;
  imputer.fit(x, n_rows, 4);
  for (std::size_t col = 0; col < 4; ++col) {
    EXPECT_DOUBLE_EQ(imputer.medians()[col], fixture["medians"][col].get<double>()) << col;
  }
  imputer.transform(x, n_rows);
  for (double v : x) EXPECT_FALSE(std::isnan(v));
}

TEST(MedianImputer, ColumnWithoutValuesGetsZeroAndRowsAreImputed) {
  const std::vector<double> x = {std::nan(""), std::nan(""), 1.0, 3.0};
  MedianImputer imputer;
  imputer.fit(x, 2, 2);
  EXPECT_EQ(imputer.medians()[0], 0.0);
  EXPECT_EQ(imputer.medians()[1], 2.0);
  double row[2] = {std::nan(""), std::nan("")};
  imputer.transform_row(row);
  EXPECT_EQ(row[0], 0.0);
  EXPECT_EQ(row[1], 2.0);
}

}  // namespace risklab::ml
