#include "web/detail/request_bodies.hpp"

#include "core/error.hpp"
#include "web/detail/score_body.hpp"

namespace risklab::web::detail {
namespace {

std::optional<std::string> optional_string(const nlohmann::json& body, const char* name) {
  if (!body.contains(name) || body[name].is_null()) return std::nullopt;
  if (!body[name].is_string()) {
    throw core::InvalidInput("bad_field", std::string("'") + name + "' must be a string");
  }
  return body[name].get<std::string>();
}

service::OutcomeInput outcome_input(const nlohmann::json& item) {
  if (!item.is_object()) throw core::InvalidInput("bad_outcome", "an outcome must be an object");
  service::OutcomeInput input;
  if (!item.contains("company") || !item["company"].is_string()) {
    throw core::InvalidInput("field_missing", "'company' (the external id) must be a string");
  }
  input.company = item["company"].get<std::string>();
  if (!item.contains("defaulted") || !item["defaulted"].is_boolean()) {
    throw core::InvalidInput("field_missing", "'defaulted' must be true or false");
  }
  input.defaulted = item["defaulted"].get<bool>();
  if (item.contains("observed_at")) {
    if (!item["observed_at"].is_string())
      throw core::InvalidInput("bad_date", "'observed_at' must be a string");
    input.observed_at = item["observed_at"].get<std::string>();
  }
  if (item.contains("note") && !item["note"].is_null()) {
    if (!item["note"].is_string()) throw core::InvalidInput("bad_note", "'note' must be a string");
    input.note = item["note"].get<std::string>();
  }
  return input;
}

}  // namespace

nlohmann::json parse_json_body(const std::string& body) {
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception& error) {
    throw core::InvalidInput("bad_json",
                             std::string("request body is not valid JSON: ") + error.what());
  }
  if (!document.is_object())
    throw core::InvalidInput("bad_json", "request body must be a JSON object");
  return document;
}

std::vector<service::ScoreInput> score_batch_inputs(const nlohmann::json& body) {
  if (!body.contains("rows") || !body["rows"].is_array()) {
    throw core::InvalidInput("bad_batch", "'rows' must be an array of score requests");
  }
  std::vector<service::ScoreInput> inputs;
  for (std::size_t i = 0; i < body["rows"].size(); ++i) {
    const auto& row = body["rows"][i];
    try {
      if (!row.is_object()) throw core::InvalidInput("bad_batch", "not an object");
      inputs.push_back(score_input(row));
    } catch (const core::InvalidInput& error) {
      throw core::InvalidInput(error.code(), "row " + std::to_string(i) + ": " + error.what());
    }
  }
  return inputs;
}

service::DecisionInput decision_input(const nlohmann::json& body) {
  service::DecisionInput input;
  const auto decision = optional_string(body, "decision");
  if (!decision) throw core::InvalidInput("field_missing", "'decision' is required");
  input.decision = *decision;
  input.rationale = optional_string(body, "rationale");
  input.reason_code = optional_string(body, "reason_code");
  return input;
}

std::vector<service::OutcomeInput> outcome_inputs(const nlohmann::json& body) {
  std::vector<service::OutcomeInput> inputs;
  if (!body.contains("outcomes")) {
    inputs.push_back(outcome_input(body));
    return inputs;
  }
  if (!body["outcomes"].is_array()) {
    throw core::InvalidInput("bad_batch", "'outcomes' must be an array");
  }
  for (std::size_t i = 0; i < body["outcomes"].size(); ++i) {
    try {
      inputs.push_back(outcome_input(body["outcomes"][i]));
    } catch (const core::InvalidInput& error) {
      throw core::InvalidInput(error.code(), "outcome " + std::to_string(i) + ": " + error.what());
    }
  }
  return inputs;
}

service::TrainingRequest training_request(const nlohmann::json& body) {
  if (!body.is_object()) throw core::InvalidInput("bad_json", "the body must be a JSON object");
  service::TrainingRequest request;
  if (!body.contains("snapshot_id") || !body["snapshot_id"].is_string()) {
    throw core::InvalidInput("field_missing", "'snapshot_id' must be a string");
  }
  request.snapshot_id = body["snapshot_id"].get<std::string>();
  if (body.contains("family")) {
    if (!body["family"].is_string())
      throw core::InvalidInput("bad_family", "'family' must be a string");
    request.family = body["family"].get<std::string>();
  }
  if (body.contains("parameters")) request.parameters = body["parameters"];
  return request;
}

}  // namespace risklab::web::detail
