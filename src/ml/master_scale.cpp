#include "ml/master_scale.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "core/error.hpp"

namespace risklab::ml {
namespace {

[[noreturn]] void bad(const std::string& message) {
  throw core::InvalidInput("master_scale_invalid", "master scale: " + message);
}

}  // namespace

MasterScale::MasterScale(std::vector<GradeBand> bands, std::string default_grade)
    : bands_(std::move(bands)), default_grade_(std::move(default_grade)) {
  if (bands_.size() < 2) bad("needs at least 2 grades");
  if (default_grade_.empty()) bad("the default grade needs a name");
  std::set<std::string> names{default_grade_};
  for (std::size_t i = 0; i < bands_.size(); ++i) {
    const GradeBand& band = bands_[i];
    if (band.grade.empty()) bad("grade " + std::to_string(i + 1) + " has no name");
    if (!names.insert(band.grade).second) bad("grade '" + band.grade + "' appears twice");
    if (!std::isfinite(band.lower_pd) || !std::isfinite(band.upper_pd)) {
      bad("grade '" + band.grade + "' has a non-finite bound");
    }
    if (!(band.upper_pd > band.lower_pd)) {
      bad("grade '" + band.grade + "' is not monotone: upper PD must exceed lower PD");
    }
    if (i == 0 && !(band.lower_pd > 0.0)) bad("the first grade must start at a PD floor > 0");
    if (i > 0 && band.lower_pd != bands_[i - 1].upper_pd) {
      bad("gap or overlap between '" + bands_[i - 1].grade + "' and '" + band.grade + "'");
    }
  }
  if (bands_.back().upper_pd != 1.0) bad("the last grade must end at PD 1");
}

MasterScale MasterScale::standard() {
  std::vector<GradeBand> bands;
  double lower = 0.0003;
  const double uppers[] = {0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 1.0};
  for (std::size_t i = 0; i < std::size(uppers); ++i) {
    bands.push_back({"R" + std::to_string(i + 1), lower, uppers[i]});
    lower = uppers[i];
  }
  return MasterScale(std::move(bands), "D");
}

std::size_t MasterScale::grade_index(double pd) const {
  for (std::size_t i = 0; i + 1 < bands_.size(); ++i) {
    if (pd < bands_[i].upper_pd) return i;
  }
  return bands_.size() - 1;
}

const std::string& MasterScale::grade(double pd) const { return bands_[grade_index(pd)].grade; }

}  // namespace risklab::ml
