#pragma once

#include <string>

#include "store/overview_repository.hpp"
#include "web/ui/ui.hpp"

namespace risklab::web::ui {

/// 6819 -> "6,819".
std::string thousands(long long value);
/// A number with `places` decimals.
std::string decimal(double value, int places = 4);
/// A metric for a table: whole numbers as counts ("1,326"), others with 4 decimals.
std::string metric(double value);
/// "2026-11-29T08:24:17Z" -> "2026-11-29 08:24 UTC".
std::string timestamp(const std::string& iso);
/// An assessment row for a table (id, when, company, PD, grade, recommendation, decision).
Data assessment_row(const store::AssessmentSummary& a);

}  // namespace risklab::web::ui
