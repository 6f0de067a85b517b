#include "core/json_number.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <limits>

namespace risklab::core {
namespace {

std::string text_of(double value) {
  std::string out;
  append_json_double(out, value);
  return out;
}

TEST(JsonNumber, IsTheShortestTextThatReadsBackAsTheSameDoubleAndAlwaysAFloat) {
  EXPECT_EQ(text_of(1.0), "1.0");
  EXPECT_EQ(text_of(0.0), "0.0");
  EXPECT_EQ(text_of(-3.0), "-3.0");
  EXPECT_EQ(text_of(0.1), "0.1");
  EXPECT_EQ(text_of(1e-5), "1e-05");
  EXPECT_EQ(text_of(1e20), "1e+20");
  for (const double value :
       {0.3928571965238095, 5e-324, std::numeric_limits<double>::max(), -2.5e-300, 123456.789}) {
    EXPECT_EQ(std::strtod(text_of(value).c_str(), nullptr), value) << text_of(value);
  }
}

}  // namespace
}  // namespace risklab::core
