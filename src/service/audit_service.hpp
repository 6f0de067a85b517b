#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "core/role.hpp"
#include "store/audit_repository.hpp"

namespace risklab::store {
class Database;
class Transaction;
}  // namespace risklab::store

namespace risklab::service {

/// Records every state change in the hash-chained audit log, inside the caller's transaction,
/// and reads and verifies the log.
class AuditService {
 public:
  explicit AuditService(store::Database& db) : db_(db) {}

  /// Appends one row: who (`actor`), what (`action`, e.g. "decision.recorded"), on which entity,
  /// with the state before and after (null when there is none).
  static store::AuditEntry record(store::Transaction& tx, const core::Actor& actor,
                                  const std::string& action, const std::string& entity_type,
                                  const std::string& entity_id, const nlohmann::json& before,
                                  const nlohmann::json& after);

  /// Audit rows matching `query`; needs the admin or risk officer role (Forbidden otherwise).
  std::vector<store::AuditEntry> list(const core::Actor& actor, const store::AuditQuery& query);

  /// Checks the whole chain (no role needed: the CLI runs it on the server).
  store::AuditVerification verify();

 private:
  store::Database& db_;
};

}  // namespace risklab::service
