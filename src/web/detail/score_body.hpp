#pragma once

// The body of POST /api/v1/score (and of each row of /score/batch) read into a ScoreInput.

#include <nlohmann/json.hpp>

#include <string>

#include "service/scoring_service.hpp"

namespace risklab::web::detail {

/// A parsed request object -> ScoreInput. Throws InvalidInput: bad_top_k, bad_company,
/// bad_request (not exactly one of statement_id / features), bad_statement_id, bad_features,
/// feature_not_numeric (naming the first such feature by name).
service::ScoreInput score_input(const nlohmann::json& body);

/// The raw body -> ScoreInput without building a JSON document: accepts and rejects exactly
/// what score_input(json_body(...)) does, with the same errors (bad_json for text that is not
/// JSON or not an object). The hot path of POST /score.
service::ScoreInput read_score_body(const std::string& body);

}  // namespace risklab::web::detail
