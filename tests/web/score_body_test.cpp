// POST /score's body reader (a plain-JSON fast path with nlohmann's SAX parser behind it) must
// accept and reject exactly what the document path (nlohmann::json::parse + score_input) does,
// with the same error codes and messages: checked on hand-picked bodies and on thousands of
// random mutations of a real one.
#include "web/detail/score_body.hpp"

#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "core/error.hpp"

namespace risklab::web::detail {
namespace {

// What one reader made of a body: the input's fields, or the error's class, code and message.
std::string outcome(const std::function<service::ScoreInput()>& read) {
  std::ostringstream out;
  try {
    const auto input = read();
    out << "ok top_k=" << input.top_k << " company=" << (input.company ? "'" + *input.company + "'" : "-")
        << " statement=" << (input.statement_id ? std::to_string(*input.statement_id) : "-");
    out.precision(17);
    // By name, the last value given for a name counting (as a JSON object's keys do).
    std::map<std::string, std::optional<double>> features;
    for (const auto& [name, value] : input.features) features[std::string(name)] = value;
    for (const auto& [name, value] : features) {
      out << " [" << name << "]=";
      if (value) {
        out << *value << (std::signbit(*value) ? "(neg)" : "");
      } else {
        out << "null";
      }
    }
  } catch (const core::InvalidInput& error) {
    out << "InvalidInput " << error.code() << ": " << error.what();
  }
  return out.str();
}

// The document path, as POST /score/batch and the old /score read a body (router.cpp's
// json_body, then score_input).
std::string by_document(const std::string& body) {
  return outcome([&] {
    nlohmann::json parsed;
    try {
      parsed = nlohmann::json::parse(body);
    } catch (const nlohmann::json::exception& error) {
      throw core::InvalidInput("bad_json", std::string("request body is not valid JSON: ") + error.what());
    }
    if (!parsed.is_object()) throw core::InvalidInput("bad_json", "request body must be a JSON object");
    return score_input(parsed);
  });
}

// The reader also keeps each floating-point value's text (FeatureValues::text, for the stored
// inputs): when it does, the text must read back as exactly that value.
std::string by_reader(const std::string& body) {
  return outcome([&] {
    auto input = read_score_body(body);
    for (std::size_t i = 0; i < input.features.size(); ++i) {
      const auto text = input.features.text(i);
      if (text.empty()) continue;
      const auto value = input.features.entry(i).second;
      double parsed = 0.0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
      if (!value || ec != std::errc() || end != text.data() + text.size() ||
          std::memcmp(&parsed, &*value, sizeof parsed) != 0) {
        throw std::runtime_error("text '" + std::string(text) + "' is not the value read");
      }
    }
    return input;
  });
}

const char* const kBodies[] = {
    R"({"features":{"a":0.25,"b":-3,"c":null,"d":1e5,"e":1E+5,"f":-0,"g":-0.0,"h":12345678901234567890}})",
    R"({"features":{"a":1.5e-3,"b":0,"c":7},"top_k":0})",
    R"(  {  "top_k" : 5 , "company" : "ACME-42" , "features" : { "x" : 1 , "y" : 2.5 } }  )",
    "{\n\t\"features\":\r\n{\"a\":1}}\n",
    R"({"statement_id":12})",
    R"({"statement_id":12,"top_k":50,"company":"c"})",
    R"({"statement_id":-4})",
    R"({"statement_id":18446744073709551615})",
    R"({"statement_id":1.0})",
    R"({"statement_id":"1"})",
    R"({"statement_id":1,"features":{}})",
    R"({})",
    R"({"top_k":5})",
    R"({"top_k":-1,"features":{}})",
    R"({"top_k":51,"features":{}})",
    R"({"top_k":5.0,"features":{}})",
    R"({"top_k":"5","features":{}})",
    R"({"top_k":null,"features":{}})",
    R"({"company":5,"features":{}})",
    R"({"company":null,"features":{}})",
    R"({"company":{"name":"x"},"features":{}})",
    R"({"features":[]})",
    R"({"features":5})",
    R"({"features":null})",
    R"({"features":{}})",
    R"({"features":{"b":"x","a":true}})",
    R"({"features":{"b":[1],"a":{"c":1}}})",
    R"({"features":{"a":"x","a":1}})",
    R"({"features":{"a":1,"a":"x"}})",
    R"({"features":{"a":1},"features":{"b":2}})",
    R"({"features":{"a":1},"features":7})",
    R"({"features":{"a":1},"other":[1,{"x":[]}],"more":{"y":{"z":null}}})",
    R"({"features":{"a\"b":1,"\u00e9":2}})",
    "{\"features\":{\"\xc3\xa9t\xc3\xa9\":1}}",
    "{\"features\":{\"\xff\":1}}",
    "{\"features\":{\"a\x01\":1}}",
    R"({"features":{"a":123456789012345678901234567890}})",
    R"({"features":{"a":-9223372036854775808,"b":-9223372036854775809}})",
    R"({"features":{"a":1e400}})",
    R"({"features":{"a":-1e400}})",
    R"({"features":{"a":1e-400}})",
    R"({"features":{"a":4.9e-324,"b":2.2250738585072014e-308}})",
    R"({"features":{"a":0.1000000000000000055511151231257827}})",
    R"({"features":{"a":01}})",
    R"({"features":{"a":01.2345678901234567890}})",
    R"({"features":{"a":.50000000000000000001}})",
    R"({"features":{"a":-.50000000000000000001}})",
    R"({"features":{"a":1.e50000000000000000}})",
    R"({"features":{"a":1.0000000000000000000e}})",
    R"({"features":{"a":1.}})",
    R"({"features":{"a":.5}})",
    R"({"features":{"a":-}})",
    R"({"features":{"a":+1}})",
    R"({"features":{"a":1e}})",
    R"({"features":{"a":1e+}})",
    R"({"features":{"a":NaN}})",
    R"({"features":{"a":Infinity}})",
    R"({"features":{"a":tru}})",
    R"({"features":{"a":1,}})",
    R"({"features":{"a" 1}})",
    R"({"features":{"a":1}} x)",
    R"({} {})",
    R"({"features":{"a":1})",
    R"({"features":{"a:1}})",
    R"({"features":{a:1}})",
    R"([{"features":{}}])",
    R"("features")",
    R"(5)",
    R"(null)",
    "",
    "   ",
    "\xef\xbb\xbf{\"features\":{\"a\":1}}",
};

TEST(ScoreBodyTest, ReadsEveryBodyLikeTheDocumentPath) {
  for (const std::string body : kBodies) {
    EXPECT_EQ(by_reader(body), by_document(body)) << "body: " << body;
  }
}

TEST(ScoreBodyTest, ReadsARealBodyWithNumbersAsTheDocumentPathDoes) {
  const std::string body =
      R"json({"features":{"ROA(C) before interest and depreciation before interest":0.370594257300249,)json"
      R"json("Operating Gross Margin":0.601457213277793,"Cash Flow Per Share":null,)json"
      R"json("Net Income Flag":1,"Liability-Assets Flag":0,"Tax rate (A)":0.0,)json"
      R"json("Revenue Per Share (Yuan \u00a5)":0.0176,"Degree of Financial Leverage (DFL)":2.2e-05,)json"
      R"json("Operating Expense Rate":9380000000.0},"top_k":0})json";
  const std::string read = by_reader(body);
  EXPECT_EQ(read, by_document(body));
  EXPECT_NE(read.find("[Net Income Flag]=1"), std::string::npos) << read;
  EXPECT_NE(read.find("[Degree of Financial Leverage (DFL)]=2.1999999999999999e-05"), std::string::npos)
      << read;
}

// Random byte edits of a valid body hit every branch of both parsers: truncations, stray
// quotes, digits turned into signs or dots, broken literals, unbalanced braces.
TEST(ScoreBodyTest, RandomMutationsAreJudgedAlike) {
  const std::vector<std::string> bases = {
      R"({"top_k": 3, "company": "C-1", "features": {"a": 0.5, "b": -12, "c": null, "d": 1.25e-7,)"
      R"( "f": 1e300, "g": 10, "h": 0}, "x": false})",
      R"({"top_k":3,"features":{"a":0.5,"e":true,"g":[1,2],"h":{"i":"j"}},"x":[null,{}]})",
      R"({"statement_id": 42, "company": "x"})"};
  const std::string alphabet = "{}[]\":,.-+eE0123456789 \\tnulfa\x01\xc3\xa9";
  std::mt19937 rng(20261129);
  int scored = 0;
  int json = 0;
  for (int round = 0; round < 9000; ++round) {
    std::string body = bases[static_cast<std::size_t>(round) % bases.size()];
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits && !body.empty(); ++e) {
      const std::size_t at = rng() % body.size();
      const char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 4) {
        case 0:
          body.erase(at, 1);
          break;
        case 1:
          body.insert(at, 1, c);
          break;
        case 2:
          body[at] = c;
          break;
        default:
          body.resize(at);
          break;
      }
    }
    const std::string expected = by_document(body);
    ASSERT_EQ(by_reader(body), expected) << "body: " << body;
    if (expected.rfind("ok", 0) == 0) ++scored;
    if (expected.find("bad_json") == std::string::npos) ++json;
  }
  // Both kinds must be well represented for the comparison to mean something.
  EXPECT_GT(scored, 300);
  EXPECT_GT(json, 1000);
}

TEST(ScoreBodyTest, TheReaderKeepsTheTextOfFloatingPointValuesOnlyUntilAValueIsChanged) {
  auto input = read_score_body(R"({"features":{"a":0.2500,"b":1E+5,"c":3,"d":null,"e":-0.0}})");
  ASSERT_EQ(input.features.size(), 5U);
  EXPECT_EQ(input.features.text(0), "0.2500");
  EXPECT_EQ(input.features.text(1), "1E+5");
  EXPECT_EQ(input.features.text(2), "") << "integers are printed again (as 3.0)";
  EXPECT_EQ(input.features.text(3), "");
  EXPECT_EQ(input.features.text(4), "-0.0");
  input.features["a"] = 0.5;  // changed through the reference: its old text must not be kept
  EXPECT_EQ(input.features.text(0), "");
  EXPECT_EQ(input.features.entry(0).second, 0.5);
  EXPECT_EQ(input.features.text(1), "1E+5");
}

}  // namespace
}  // namespace risklab::web::detail
