#pragma once

#include <string>

#include "service/scoring_service.hpp"

namespace risklab::web::detail {

/// A scoring's answer (POST /score, and each row of /score/batch) as JSON text, written directly
/// rather than through a JSON document: it is built for every scoring (~4 % of its CPU through
/// nlohmann). The same keys, in the same (sorted) order, and the same values as the document
/// it replaced (tests/web/score_answer_test.cpp compares them); numbers are the shortest text
/// that reads back as the same double, always with a decimal point or exponent.
std::string score_answer(const service::ScoreResult& result);

}  // namespace risklab::web::detail
