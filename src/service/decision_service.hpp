#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/role.hpp"

namespace risklab::store {
class Database;
}

namespace risklab::service {

/// A person's decision on an assessment.
struct DecisionInput {
  long long assessment_id = 0;
  std::string decision;  ///< approve, decline or refer
  std::optional<std::string> rationale;
  std::optional<std::string> reason_code;
};

struct DecisionView {
  long long id = 0;
  long long assessment_id = 0;
  std::string decision;
  std::string recommendation;
  bool is_override = false;
  std::optional<std::string> rationale;
  std::optional<std::string> reason_code;
  std::string decided_by;
  std::string decided_at;
};

/// Reason codes an override may give (a documented, closed list so overrides can be analysed).
const std::vector<std::string>& override_reason_codes();

/// Records human decisions. The model recommends; a person decides. A decision against the
/// recommendation is an override and needs a rationale and a reason code.
class DecisionService {
 public:
  explicit DecisionService(store::Database& db) : db_(db) {}

  /// Records the decision. Needs the analyst or risk officer role. Throws NotFound (unknown
  /// assessment), Conflict("already_decided") if it has a decision, InvalidInput for a bad
  /// decision, or an override without rationale or with an unknown reason code.
  DecisionView decide(const core::Actor& actor, const DecisionInput& input);

  /// The decision on an assessment, if one was made (any signed-in role).
  std::optional<DecisionView> find(long long assessment_id);

 private:
  store::Database& db_;
};

}  // namespace risklab::service
