#pragma once

// JSON request bodies read into service inputs, one function per body kind (the score body
// itself is in score_body.hpp). Handlers call these after json_body(); so does the fuzzer
// (fuzz/json_bodies_fuzzer.cpp), which is why they need nothing of httplib.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "service/decision_service.hpp"
#include "service/outcome_service.hpp"
#include "service/scoring_service.hpp"
#include "service/training_service.hpp"

namespace risklab::web::detail {

/// A request body as a JSON object (what json_body() returns). Throws InvalidInput("bad_json")
/// naming the parse error, or if the document is not an object.
nlohmann::json parse_json_body(const std::string& body);

/// POST /score/batch: {"rows": [score body, ...]}. Throws InvalidInput: bad_batch, or a row's
/// score_input() error prefixed with "row N: ".
std::vector<service::ScoreInput> score_batch_inputs(const nlohmann::json& body);

/// POST /assessments/{id}/decision: decision (required), rationale, reason_code (strings or
/// null). The assessment id is the caller's. Throws InvalidInput: field_missing, bad_field.
service::DecisionInput decision_input(const nlohmann::json& body);

/// POST /outcomes: one outcome object, or {"outcomes": [...]}. Throws InvalidInput:
/// bad_batch, bad_outcome, field_missing, bad_date, bad_note (prefixed "outcome N: " in a batch).
std::vector<service::OutcomeInput> outcome_inputs(const nlohmann::json& body);

/// POST /training-jobs: snapshot_id, family, parameters. Throws InvalidInput: field_missing,
/// bad_family (the parameters themselves are the service's to check).
service::TrainingRequest training_request(const nlohmann::json& body);

}  // namespace risklab::web::detail
