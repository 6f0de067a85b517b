#include "web/detail/score_answer.hpp"

#include <vector>

#include "core/json_number.hpp"
#include "core/json_text.hpp"

namespace risklab::web::detail {
namespace {

void append_string(std::string& out, const std::string& text) {
  core::append_json_string(out, text);  // as nlohmann's dump() escapes
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
    core::append_json_double(out, driver.contribution);
    out += ",\"direction\":";
    append_string(out, driver.direction);
    out += ",\"feature\":";
    append_string(out, driver.feature);
    out += ",\"value\":";
    if (driver.value) {
      core::append_json_double(out, *driver.value);
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
    core::append_json_double(out, item.max);
    out += ",\"min\":";
    core::append_json_double(out, item.min);
    out += ",\"value\":";
    core::append_json_double(out, item.value);
    out += '}';
  }
  out += "],\"pd\":";
  core::append_json_double(out, result.pd);
  out += ",\"recommendation\":";
  append_string(out, result.recommendation);
  out += '}';
  return out;
}

}  // namespace risklab::web::detail
