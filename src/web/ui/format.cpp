#include "web/ui/format.hpp"

#include <cmath>
#include <cstdio>

#include "web/ui/html.hpp"

namespace risklab::web::ui {

std::string thousands(long long value) {
  std::string digits = std::to_string(value < 0 ? -value : value);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return value < 0 ? "-" + out : out;
}

std::string metric(double value) {
  if (std::fabs(value) < 1e15 && value == std::floor(value)) {
    return thousands(static_cast<long long>(value));
  }
  return decimal(value, 4);
}

std::string decimal(double value, int places) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", places, value);
  return buffer;
}

std::string timestamp(const std::string& iso) {
  if (iso.size() < 16 || iso[10] != 'T') return iso;
  return iso.substr(0, 10) + " " + iso.substr(11, 5) + " UTC";
}

Data assessment_row(const store::AssessmentSummary& a) {
  Data row;
  row.set("id", text(std::to_string(a.id)));
  row.set("when", text(timestamp(a.created_at)));
  row.set("by", text(a.created_by));
  row.set("company", text(a.company.value_or("—")));
  if (a.company_name && !a.company_name->empty() && a.company_name != a.company) {
    row.set("company_name", text(*a.company_name));
  }
  row.set("pd", text(format_pd(a.pd)));
  row.set("grade", text(a.grade));
  row.set("recommendation", text(a.recommendation));
  if (a.decision) row.set("decision", text(*a.decision));
  row.set("override", Data(a.is_override));
  return row;
}

}  // namespace risklab::web::ui
