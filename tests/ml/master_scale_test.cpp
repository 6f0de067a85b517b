#include "ml/master_scale.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace risklab::ml {
namespace {

std::string refusal(std::vector<GradeBand> bands, std::string default_grade = "D") {
  try {
    MasterScale scale(std::move(bands), std::move(default_grade));
  } catch (const core::InvalidInput& e) {
    EXPECT_EQ(e.code(), "master_scale_invalid");
    return e.what();
  }
  return "accepted";
}

}  // namespace

TEST(MasterScale, StandardScaleHasSevenPlusGradesADefaultGradeAndTheFloor) {
  const MasterScale scale = MasterScale::standard();
  EXPECT_GE(scale.bands().size(), 7U);
  EXPECT_EQ(scale.default_grade(), "D");
  EXPECT_DOUBLE_EQ(scale.pd_floor(), 0.0003);
  EXPECT_EQ(scale.grade(0.0), "R1");
  EXPECT_EQ(scale.grade(0.0003), "R1");
  EXPECT_EQ(scale.grade(0.0005), "R2");
  EXPECT_EQ(scale.grade(0.03), "R7");
  EXPECT_EQ(scale.grade(1.0), scale.bands().back().grade);
  double previous = 0.0;
  for (const auto& band : scale.bands()) {
    EXPECT_GT(band.upper_pd, band.lower_pd);
    EXPECT_GE(band.lower_pd, previous);
    previous = band.upper_pd;
  }
}

TEST(MasterScale, RefusesGapsOverlapsNonMonotoneAndIncompleteTables) {
  EXPECT_NE(refusal({{"A", 0.001, 0.01}, {"B", 0.02, 1.0}}).find("gap or overlap"), std::string::npos);
  EXPECT_NE(refusal({{"A", 0.001, 0.05}, {"B", 0.02, 1.0}}).find("gap or overlap"), std::string::npos);
  EXPECT_NE(refusal({{"A", 0.01, 0.001}, {"B", 0.001, 1.0}}).find("not monotone"), std::string::npos);
  EXPECT_NE(refusal({{"A", 0.001, 0.01}, {"B", 0.01, 0.5}}).find("end at PD 1"), std::string::npos);
  EXPECT_NE(refusal({{"A", 0.0, 0.01}, {"B", 0.01, 1.0}}).find("floor"), std::string::npos);
  EXPECT_NE(refusal({{"A", 0.001, 0.01}, {"A", 0.01, 1.0}}).find("twice"), std::string::npos);
  EXPECT_NE(refusal({{"A", 0.001, 0.01}, {"D", 0.01, 1.0}}).find("twice"), std::string::npos);
  EXPECT_NE(refusal({{"A", 0.001, 1.0}}).find("at least 2"), std::string::npos);
  EXPECT_EQ(refusal({{"A", 0.001, 0.01}, {"B", 0.01, 1.0}}), "accepted");
}

}  // namespace risklab::ml
