// core::NameIndex: a name's position in a list, looked up by string_view, with or without a
// position to try first.
#include "core/name_index.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace risklab::core {
namespace {

const std::vector<std::string> kNames{"Debt ratio %", "ROA(C)", "Cash/Assets"};

TEST(NameIndexTest, FindsEachNamesPositionAndNothingForOtherNames) {
  const NameIndex index(kNames);
  for (std::size_t i = 0; i < kNames.size(); ++i) EXPECT_EQ(index.find(kNames[i]), i);
  EXPECT_EQ(index.find("ROA"), std::nullopt);
  EXPECT_EQ(index.find(""), std::nullopt);
}

TEST(NameIndexTest, AnExpectedPositionChangesNoAnswerWhetherItIsRightWrongOrPastTheEnd) {
  const NameIndex index(kNames);
  for (std::size_t expected = 0; expected <= kNames.size() + 1; ++expected) {
    for (const std::string& name : {kNames[0], kNames[1], kNames[2], std::string("ROA")}) {
      EXPECT_EQ(index.find(name, expected), index.find(name)) << name << " at " << expected;
    }
  }
}

}  // namespace
}  // namespace risklab::core
