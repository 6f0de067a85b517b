#include "service/audit_service.hpp"

#include "core/clock.hpp"
#include "service/permissions.hpp"
#include "store/transaction.hpp"

namespace risklab::service {

store::AuditEntry AuditService::record(store::Transaction& tx, const core::Actor& actor,
                                       const std::string& action, const std::string& entity_type,
                                       const std::string& entity_id, const nlohmann::json& before,
                                       const nlohmann::json& after) {
  store::AuditEntry entry;
  entry.at = core::utc_now_iso8601();
  entry.actor = actor.name;
  entry.action = action;
  entry.entity_type = entity_type;
  entry.entity_id = entity_id;
  if (!before.is_null()) entry.before_json = before.dump();
  if (!after.is_null()) entry.after_json = after.dump();
  return store::AuditRepository().append(tx, std::move(entry));
}

std::vector<store::AuditEntry> AuditService::list(const core::Actor& actor,
                                                  const store::AuditQuery& query) {
  require_role(actor, {core::Role::admin, core::Role::risk_officer}, "read the audit trail");
  store::Transaction tx(db_, store::Transaction::Mode::read);
  return store::AuditRepository().list(tx, query);
}

store::AuditVerification AuditService::verify() {
  store::Transaction tx(db_, store::Transaction::Mode::read);
  return store::AuditRepository().verify(tx);
}

}  // namespace risklab::service
