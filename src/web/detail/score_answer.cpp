#include "web/detail/score_answer.hpp"

#include <charconv>
#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

namespace risklab::web::detail {
namespace {

void append_string(std::string& out, const std::string& text) {
  out += nlohmann::json(text).dump();  // nlohmann's escaping
}

// A double as the shortest text that reads back as it, always a floating-point literal ("1.0").
void append_number(std::string& out, double value) {
  char buffer[32];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  const std::string_view text(buffer, static_cast<std::size_t>(end - buffer));
  out += text;
  if (text.find_first_of(".en") == std::string_view::npos) out += ".0";
}

void append_strings(std::string& out, const std::vector<std::string>& items) {
  out += '[';
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    append_string(out, items[i]);
  }
  out += ']';
}

}  // namespace

std::string score_answer(const service::ScoreResult& result) {
  std::string out;
  out.reserve(512);
  out += "{\"assessment_id\":" + std::to_string(result.assessment_id);
  out += ",\"created_at\":";
  append_string(out, result.created_at);
  out += ",\"drivers\":[";
  for (std::size_t i = 0; i < result.drivers.size(); ++i) {
    const auto& driver = result.drivers[i];
    out += i ? ",{\"contribution\":" : "{\"contribution\":";
    append_number(out, driver.contribution);
    out += ",\"direction\":";
    append_string(out, driver.direction);
    out += ",\"feature\":";
    append_string(out, driver.feature);
    out += ",\"value\":";
    if (driver.value) {
      append_number(out, *driver.value);
    } else {
      out += "null";
    }
    out += '}';
  }
  out += "],\"grade\":";
  append_string(out, result.grade);
  out += ",\"ignored_features\":";
  append_strings(out, result.ignored_features);
  out += ",\"imputed_features\":";
  append_strings(out, result.imputed_features);
  out += ",\"model_id\":" + std::to_string(result.model_id);
  out += ",\"model_version\":";
  append_string(out, result.model_version);
  out += ",\"out_of_range\":[";
  for (std::size_t i = 0; i < result.out_of_range.size(); ++i) {
    const auto& item = result.out_of_range[i];
    out += i ? ",{\"feature\":" : "{\"feature\":";
    append_string(out, item.feature);
    out += ",\"max\":";
    append_number(out, item.max);
    out += ",\"min\":";
    append_number(out, item.min);
    out += ",\"value\":";
    append_number(out, item.value);
    out += '}';
  }
  out += "],\"pd\":";
  append_number(out, result.pd);
  out += ",\"recommendation\":";
  append_string(out, result.recommendation);
  out += '}';
  return out;
}

}  // namespace risklab::web::detail
