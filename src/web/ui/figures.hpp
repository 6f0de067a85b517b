#pragma once

#include <string>

#include "service/scoring_service.hpp"

namespace risklab::web::ui {

/// `value` without surrounding blanks and double quotes.
std::string trim(const std::string& value);

/// Figures typed or pasted into a form: "name = value" lines (or "name<TAB>value"), or a header
/// row and a value row as copied from a spreadsheet (tab- or comma-separated). An empty value,
/// "null", "NA" or "NaN" is a known missing value. Throws InvalidInput naming the line.
service::FeatureValues parse_figures(const std::string& pasted);

}  // namespace risklab::web::ui
