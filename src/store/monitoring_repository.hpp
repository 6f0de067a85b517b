#pragma once

#include <optional>
#include <string>
#include <vector>

namespace risklab::store {

class Transaction;

/// One scoring as monitoring reads it: the assessment, the company it can be linked to (by
/// statement, or by the caller's reference matching a company's external id) and its decision.
struct MonitoredAssessment {
  long long id = 0;
  long long model_id = 0;
  std::optional<long long> company_id;
  std::string inputs_json;  ///< empty unless asked for
  double pd = 0.0;
  std::string grade;
  std::string recommendation;
  std::string created_at;
  std::string created_by;
  std::optional<std::string> decision;  ///< approve, decline or refer; nullopt while undecided
  bool is_override = false;
  std::optional<std::string> reason_code;
  std::optional<std::string> decided_by;
};

/// A recorded outcome, as back-testing needs it.
struct CompanyOutcome {
  long long company_id = 0;
  bool defaulted = false;
  std::string observed_at;  ///< YYYY-MM-DD
};

/// Read-only queries for monitoring (drift, back-testing, overrides). Time bounds are ISO 8601
/// UTC timestamps compared as text, which every backend orders like time.
class MonitoringRepository {
 public:
  /// Assessments created in [from, to] (either bound optional), by `model_id` if given, oldest
  /// first; `with_inputs` also reads the scored inputs (a few KB each).
  std::vector<MonitoredAssessment> assessments(Transaction& tx,
                                               const std::optional<std::string>& from,
                                               const std::optional<std::string>& to,
                                               const std::optional<long long>& model_id,
                                               bool with_inputs);
  /// Every outcome, by company then observation date.
  std::vector<CompanyOutcome> outcomes(Transaction& tx);
};

}  // namespace risklab::store
