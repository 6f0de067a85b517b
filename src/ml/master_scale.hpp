#pragma once

#include <string>
#include <vector>

namespace risklab::ml {

/// One rating grade: PDs in [lower_pd, upper_pd) belong to it (the last non-default grade
/// also takes upper_pd = 1 itself).
struct GradeBand {
  std::string grade;
  double lower_pd = 0.0;
  double upper_pd = 0.0;
};

/// The master scale: contiguous PD bands from the PD floor to 1, best grade first, plus the
/// name of the default grade (observed defaults; no PD maps to it).
class MasterScale {
 public:
  /// Checks and adopts `bands`. Throws core::InvalidInput("master_scale_invalid") naming the
  /// problem unless: at least 2 bands, unique non-empty names (also distinct from
  /// `default_grade`), the first band starts at the floor (> 0), each band ends where the next
  /// starts (no gap, no overlap), each is non-empty (monotone) and the last ends at 1.
  MasterScale(std::vector<GradeBand> bands, std::string default_grade);

  /// The documented default (docs/METHODOLOGY.md): floor 0.03 %, 11 non-default grades
  /// R1..R11 (upper bounds 0.05 %, 0.1 %, then doubling to 25.6 %, then 100 %), default "D".
  static MasterScale standard();

  /// The grade for `pd` (values below the floor get the best grade).
  const std::string& grade(double pd) const;
  /// Position of the grade for `pd` in bands() (0 = best).
  std::size_t grade_index(double pd) const;

  const std::vector<GradeBand>& bands() const { return bands_; }
  const std::string& default_grade() const { return default_grade_; }
  double pd_floor() const { return bands_.front().lower_pd; }

 private:
  std::vector<GradeBand> bands_;
  std::string default_grade_;
};

}  // namespace risklab::ml
