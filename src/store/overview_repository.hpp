#pragma once

#include <optional>
#include <string>
#include <vector>

namespace risklab::store {

class Transaction;

/// How many rows carry one value of a column (a grade, a job status).
struct ValueCount {
  std::string value;
  long long count = 0;
};

/// An assessment as a list shows it: the scoring, its company and its decision, if any.
struct AssessmentSummary {
  long long id = 0;
  std::string created_at;
  std::string created_by;
  double pd = 0.0;
  std::string grade;
  std::string recommendation;
  std::optional<long long> statement_id;
  std::optional<std::string> company;       ///< external id, or the caller's reference
  std::optional<std::string> company_name;
  std::optional<std::string> decision;      ///< null until a person decided
  bool is_override = false;
};

/// Decisions recorded and how many of them overrode the model.
struct DecisionCounts {
  long long decisions = 0;
  long long overrides = 0;
};

/// A statement as a picker or portfolio list shows it.
struct StatementSummary {
  long long id = 0;
  std::string company;       ///< external id
  std::string company_name;
  std::string period;
  std::string dataset;
};

/// An outcome as a list shows it.
struct OutcomeSummary {
  long long id = 0;
  std::string company;  ///< external id
  bool defaulted = false;
  std::string observed_at;
  std::string source;
  std::optional<std::string> note;
  std::string recorded_by;
  std::string recorded_at;
};

/// An outbox row's delivery state (the payload is left out).
struct OutboxSummary {
  long long id = 0;
  std::string event_type;
  std::string entity_id;
  std::string lake_key;
  std::string created_at;
  long long attempts = 0;
  std::optional<std::string> last_error;
  std::optional<std::string> shipped_at;
};

/// Read-only aggregates across tables for the web UI's overview and pickers (no table of its
/// own; every query is a bounded read).
class OverviewRepository {
 public:
  /// Statements in every dataset.
  long long statement_count(Transaction& tx);
  /// Grade counts of the latest `last_n` assessments.
  std::vector<ValueCount> recent_grades(Transaction& tx, long long last_n);
  /// The latest `limit` assessments, newest first.
  std::vector<AssessmentSummary> recent_assessments(Transaction& tx, long long limit);
  DecisionCounts decision_counts(Transaction& tx);
  /// Training jobs per status.
  std::vector<ValueCount> training_job_counts(Transaction& tx);
  /// Statements whose company's external id or name contains `text` (case-insensitive; all
  /// when empty), by id, `limit` from `offset`.
  std::vector<StatementSummary> search_statements(Transaction& tx, const std::string& text,
                                                  long long limit, long long offset);
  /// The latest `limit` outcomes, newest first.
  std::vector<OutcomeSummary> recent_outcomes(Transaction& tx, long long limit);
  /// The latest `limit` outbox rows, newest first.
  std::vector<OutboxSummary> recent_outbox(Transaction& tx, long long limit);
  /// Statement `id` with its company, if it exists.
  std::optional<StatementSummary> find_statement(Transaction& tx, long long id);
};

}  // namespace risklab::store
