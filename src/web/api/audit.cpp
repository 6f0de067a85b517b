#include "core/error.hpp"
#include "service/audit_service.hpp"
#include "web/api/routes.hpp"
#include "web/router.hpp"

namespace risklab::web {
namespace {

nlohmann::json entry_json(const store::AuditEntry& entry) {
  auto document = [](const std::optional<std::string>& text) {
    return text ? nlohmann::json::parse(*text) : nlohmann::json(nullptr);
  };
  return {{"id", entry.id},
          {"at", entry.at},
          {"actor", entry.actor},
          {"action", entry.action},
          {"entity_type", entry.entity_type},
          {"entity_id", entry.entity_id},
          {"before", document(entry.before_json)},
          {"after", document(entry.after_json)},
          {"hash", entry.hash}};
}

std::optional<std::string> param(const httplib::Request& req, const char* name) {
  if (!req.has_param(name)) return std::nullopt;
  return req.get_param_value(name);
}

}  // namespace

void register_audit_routes(Router& router) {
  App& app = router.app();
  router.add("GET", "/api/v1/audit", Access::signed_in,
             [&app](const httplib::Request& req, httplib::Response& res, RequestContext& ctx) {
               store::AuditQuery query;
               query.entity_type = param(req, "entity_type");
               query.entity_id = param(req, "entity_id");
               query.actor = param(req, "actor");
               query.action = param(req, "action");
               try {
                 if (auto after = param(req, "after_id")) query.after_id = std::stoll(*after);
                 if (auto limit = param(req, "limit")) query.limit = std::stoi(*limit);
               } catch (const std::exception&) {
                 throw core::InvalidInput("bad_paging", "after_id and limit must be integers");
               }
               nlohmann::json out = nlohmann::json::array();
               const auto entries = app.audit.list(*ctx.actor, query);
               for (const auto& entry : entries) out.push_back(entry_json(entry));
               nlohmann::json body = {{"entries", out}};
               if (!entries.empty() && static_cast<int>(entries.size()) == std::clamp(query.limit, 1, 1000)) {
                 body["next_after_id"] = entries.back().id;
               }
               reply(res, 200, body);
             });
  router.add("GET", "/api/v1/audit/verify", Access::signed_in,
             [&app](const httplib::Request&, httplib::Response& res, RequestContext& ctx) {
               store::AuditQuery probe;
               probe.limit = 1;
               app.audit.list(*ctx.actor, probe);  // the same role check as reading
               const auto result = app.audit.verify();
               nlohmann::json body = {{"ok", result.ok}, {"rows_checked", result.rows_checked}};
               if (!result.ok) {
                 body["first_bad_id"] = *result.first_bad_id;
                 body["problem"] = result.problem;
               }
               reply(res, 200, body);
             });
}

}  // namespace risklab::web
