#pragma once

#include <optional>
#include <string>
#include <vector>

namespace risklab::store {

class Transaction;

/// One audit row. `before_json`/`after_json` are JSON documents (or absent).
struct AuditEntry {
  long long id = 0;
  std::string at;
  std::string actor;
  std::string action;       ///< e.g. "assessment.created", "user.disabled"
  std::string entity_type;  ///< e.g. "assessment"
  std::string entity_id;
  std::optional<std::string> before_json;
  std::optional<std::string> after_json;
  std::string prev_hash;
  std::string hash;
};

/// What `verify` found.
struct AuditVerification {
  bool ok = true;
  long long rows_checked = 0;
  std::optional<long long> first_bad_id;  ///< the first row edited, deleted before, or reordered
  std::string problem;                    ///< human explanation when !ok
};

/// Filters for listing the audit trail.
struct AuditQuery {
  std::optional<std::string> entity_type;
  std::optional<std::string> entity_id;
  std::optional<std::string> actor;
  std::optional<std::string> action;
  long long after_id = 0;  ///< paging: rows with id > after_id
  /// Newest first: rows in descending id order, only those with id < before_id when set
  /// (the next page's before_id is the last id shown). after_id still applies.
  bool newest_first = false;
  std::optional<long long> before_id;
  int limit = 100;
};

/// The append-only, hash-chained audit log. Each row's hash is
/// sha256(prev_hash || canonical JSON of the row); a one-row head table holds the last id and
/// hash, and its row lock serialises appenders, so ids are consecutive and the chain has no
/// forks on any backend.
class AuditRepository {
 public:
  /// Appends `entry` (its id, prev_hash and hash are computed) and returns it complete.
  AuditEntry append(Transaction& tx, AuditEntry entry);
  /// Appends `entries` in order, chained one to the next, with one read and one update of the
  /// head and one multi-row insert (the same rows as `append` one by one). Returns them complete.
  std::vector<AuditEntry> append_all(Transaction& tx, std::vector<AuditEntry> entries);
  /// Rows matching `query`, by id.
  std::vector<AuditEntry> list(Transaction& tx, const AuditQuery& query);
  /// Re-reads the whole chain and checks every link, the ids and the head.
  AuditVerification verify(Transaction& tx);

  /// The canonical text hashed for `entry` (stable across backends and versions).
  static std::string canonical(const AuditEntry& entry);
  /// `entry`'s hash: sha256(prev_hash || canonical(entry)), lowercase hex.
  static std::string chain_hash(const AuditEntry& entry);
};

}  // namespace risklab::store
