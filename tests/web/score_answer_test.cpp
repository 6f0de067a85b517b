// POST /score's answer is written as text (web/detail/score_answer.hpp); it must be the JSON
// document it replaced: same keys in the same order, same values, valid escaping.
#include "web/detail/score_answer.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <nlohmann/json.hpp>

namespace risklab::web::detail {
namespace {

// The document the answer used to be built as (web/api/score.cpp before session 7).
nlohmann::json reference(const service::ScoreResult& result) {
  return {{"assessment_id", result.assessment_id},
          {"pd", result.pd},
          {"grade", result.grade},
          {"recommendation", result.recommendation},
          {"model_id", result.model_id},
          {"model_version", result.model_version},
          {"drivers", service::drivers_json(result.drivers)},
          {"out_of_range", service::out_of_range_json(result.out_of_range)},
          {"ignored_features", result.ignored_features},
          {"imputed_features", result.imputed_features},
          {"created_at", result.created_at}};
}

void expect_same(const service::ScoreResult& result) {
  const std::string text = score_answer(result);
  const auto parsed = nlohmann::json::parse(text);
  EXPECT_EQ(parsed, reference(result)) << text;
  // Keys in the order nlohmann's (sorted) objects had, at every level.
  EXPECT_EQ(nlohmann::ordered_json::parse(text).dump(), parsed.dump()) << text;
  // Every number reads back as exactly the double it was.
  EXPECT_EQ(parsed["pd"].get<double>(), result.pd);
  EXPECT_TRUE(parsed["pd"].is_number_float()) << text;
}

TEST(ScoreAnswer, IsTheDocumentItReplacedForTypicalAndAwkwardValues) {
  service::ScoreResult plain;
  plain.assessment_id = 123456789012LL;
  plain.model_id = 7;
  plain.model_version = "rf-6b490f755a29";
  plain.pd = 0.3928571965238095;
  plain.grade = "R11";
  plain.recommendation = "decline";
  plain.created_at = "2026-11-30T03:11:42Z";
  expect_same(plain);

  service::ScoreResult awkward = plain;
  awkward.pd = 1.0;  // integral: still a floating-point literal
  awkward.drivers = {
      {"Debt ratio %", 0.25, 0.125, "increases_risk"},
      {"quote \" back \\ tab \t slash / \xc3\xbc", std::nullopt, -1e-300, "decreases_risk"},
      {"big", 1e20, -0.0, "increases_risk"}};
  awkward.out_of_range = {{"Cash flow rate", -3.5, 0.0, 1.0}, {"tiny", 5e-324, 1e-5, 2.0}};
  awkward.ignored_features = {"extra \"one\"", "zz"};
  awkward.imputed_features = {"missing"};
  expect_same(awkward);

  awkward.pd = std::numeric_limits<double>::min();
  awkward.drivers.clear();
  expect_same(awkward);
}

}  // namespace
}  // namespace risklab::web::detail
