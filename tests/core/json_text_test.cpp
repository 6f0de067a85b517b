#include "core/json_text.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>
#include <string>

namespace risklab::core {
namespace {

std::string by_hand(const std::string& text) {
  std::string out = "x";  // appended to, not replaced
  append_json_string(out, text);
  return out;
}

// The answers and rows built with it were dumped by nlohmann before: the same bytes, or stored
// and hashed text would change.
TEST(JsonText, IsNlohmannsDumpOfTheStringByteForByte) {
  for (const std::string& text : {std::string(), std::string("plain"), std::string("say \"hi\"\\"),
                                 std::string("\x01\x1f\x7f\b\f\n\r\t/", 10), std::string("\0x", 2),
                                 std::string("Zoë Ñandú — 信用 😀"), std::string("a\"b\"")}) {
    EXPECT_EQ(by_hand(text), "x" + nlohmann::json(text).dump()) << text;
  }
  std::mt19937 random(5);
  for (int round = 0; round < 2000; ++round) {
    std::string text(random() % 40, ' ');
    for (auto& c : text) c = static_cast<char>(random() % 0x80);  // every ASCII byte
    EXPECT_EQ(by_hand(text), "x" + nlohmann::json(text).dump()) << round;
  }
}

TEST(JsonText, RefusesTextThatIsNotUtf8AndAppendsNothing) {
  for (const std::string& text : {std::string("\xc3\x28"), std::string("ab\xff"),
                                 std::string("\xed\xa0\x80")}) {  // a lone surrogate
    std::string out = "x";
    EXPECT_THROW(append_json_string(out, text), std::invalid_argument);
    EXPECT_EQ(out, "x");
    EXPECT_THROW((void)nlohmann::json(text).dump(), nlohmann::json::exception);
  }
}

}  // namespace
}  // namespace risklab::core
