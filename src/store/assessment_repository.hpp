#pragma once

#include <optional>
#include <string>
#include <vector>

namespace risklab::store {

class Transaction;

/// An immutable record of one scoring: inputs, outputs, model, who and when.
struct AssessmentRecord {
  long long id = 0;
  long long model_id = 0;
  std::optional<long long> company_id;
  std::optional<std::string> company_ref;  ///< the caller's company reference, as given
  std::optional<long long> statement_id;
  std::string inputs_json;  ///< the scored feature values, JSON (layout: the service's)
  double pd = 0.0;
  std::string grade;
  std::string recommendation;              ///< approve, refer or decline
  std::string drivers_json;
  std::string out_of_range_json;
  std::string created_at;
  std::string created_by;
};

/// A person's decision on an assessment; `is_override` when it differs from the model's
/// recommendation (then rationale and reason code are required).
struct DecisionRecord {
  long long id = 0;
  long long assessment_id = 0;
  std::string decision;  ///< approve, decline or refer
  std::string recommendation;
  bool is_override = false;
  std::optional<std::string> rationale;
  std::optional<std::string> reason_code;
  std::string decided_by;
  std::string decided_at;
};

/// Assessments and decisions tables. Assessments are insert-only.
class AssessmentRepository {
 public:
  long long insert(Transaction& tx, const AssessmentRecord& assessment);
  /// Inserts `assessments` in order with one statement prepared once; returns their ids. On
  /// SQLite their JSON columns (inputs, drivers, out_of_range) are not checked again by the
  /// schema's CHECK (json_valid(...)): the caller writes them with a JSON encoder.
  std::vector<long long> insert_all(Transaction& tx, const std::vector<AssessmentRecord>& assessments);
  std::optional<AssessmentRecord> find(Transaction& tx, long long id);
  long long count(Transaction& tx);

  /// Inserts `decision`; Conflict if the assessment already has one.
  long long insert_decision(Transaction& tx, const DecisionRecord& decision);
  std::optional<DecisionRecord> find_decision(Transaction& tx, long long assessment_id);
};

}  // namespace risklab::store
