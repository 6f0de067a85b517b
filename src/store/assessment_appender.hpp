#pragma once

#include <memory>
#include <vector>

#include "store/assessment_repository.hpp"
#include "store/audit_repository.hpp"

namespace risklab::store {

class Database;

/// One scoring to store: its assessment, and the audit row recording it (that row's entity_id
/// becomes the new assessment's id; its id, prev_hash and hash are computed as
/// AuditRepository::append_all computes them).
struct ScoringRow {
  const AssessmentRecord* assessment = nullptr;
  const AuditEntry* audit = nullptr;
};

/// Stores scorings many to a transaction: the scoring service's group-commit writer (one
/// thread; not thread-safe). A batch is one transaction holding its assessments, then their
/// audit rows chained in order: the same rows AssessmentRepository::insert_all and
/// AuditRepository::append_all write.
///
/// On SQLite it keeps a connection of its own with its statements prepared once, binds the
/// records' text without copying it, and skips the schema's CHECK (json_valid(...)) on the
/// assessments' JSON columns (written by our own encoders; insert_all skips it too): ~20 % less
/// of the single writer's CPU a scoring than SOCI and the repositories, which prepared their
/// statements each batch and copied each record thrice (docs/PERFORMANCE.md, "Session 17";
/// ADR 0006, session 17 amendment). The connection takes the database's in-process writer
/// mutex around each transaction like a store::Transaction. On MySQL and PostgreSQL it runs the
/// repositories in a store::Transaction (those servers' round trips, not the client, dominate).
class AssessmentAppender {
 public:
  /// Opens the SQLite connection now; throws Unavailable if it cannot.
  explicit AssessmentAppender(Database& db);
  ~AssessmentAppender();
  AssessmentAppender(const AssessmentAppender&) = delete;
  AssessmentAppender& operator=(const AssessmentAppender&) = delete;

  /// Stores `rows` in one transaction and returns the new assessments' ids, in order. Throws
  /// like the repositories (Conflict for a constraint, Unavailable when the database fails);
  /// nothing of the batch is stored then, unless the COMMIT itself failed: `committing`, if
  /// given, is set once the COMMIT is under way, whose failure leaves the outcome to the
  /// database.
  std::vector<long long> append(const std::vector<ScoringRow>& rows, bool* committing = nullptr);

 private:
  class Sqlite;
  Database& db_;
  std::unique_ptr<Sqlite> sqlite_;
};

}  // namespace risklab::store
