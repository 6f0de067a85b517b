#include "core/utf8.hpp"

#include <gtest/gtest.h>

namespace risklab::core {
namespace {

TEST(Utf8, AcceptsWellFormedTextAndRefusesWhatJsonCannotCarry) {
  for (const char* text :
       {"", "ascii", "\xc3\xa9t\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf"}) {
    EXPECT_TRUE(is_valid_utf8(text)) << text;
  }
  // A lone continuation, a truncated sequence, an overlong '/', a surrogate, past U+10FFFF.
  for (const char* text :
       {"\x80", "\xc3", "a\xe2\x82", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xff"}) {
    EXPECT_FALSE(is_valid_utf8(text)) << text;
  }
}

TEST(Utf8, ReplacesEachIllFormedByteAndKeepsTheRest) {
  EXPECT_EQ(valid_utf8("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(valid_utf8("a\xffz"), "a\xEF\xBF\xBDz");
  EXPECT_EQ(valid_utf8("\xe2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_TRUE(is_valid_utf8(valid_utf8("\xc0\xaf\xed\xa0\x80x")));
}

}  // namespace
}  // namespace risklab::core
