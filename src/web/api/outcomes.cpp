#include "core/error.hpp"
#include "service/outcome_service.hpp"
#include "web/api/routes.hpp"
#include "web/router.hpp"

namespace risklab::web {
namespace {

service::OutcomeInput parse_outcome(const nlohmann::json& item) {
  if (!item.is_object()) throw core::InvalidInput("bad_outcome", "an outcome must be an object");
  service::OutcomeInput input;
  if (!item.contains("company") || !item["company"].is_string()) {
    throw core::InvalidInput("field_missing", "'company' (the external id) must be a string");
  }
  input.company = item["company"].get<std::string>();
  if (!item.contains("defaulted") || !item["defaulted"].is_boolean()) {
    throw core::InvalidInput("field_missing", "'defaulted' must be true or false");
  }
  input.defaulted = item["defaulted"].get<bool>();
  if (item.contains("observed_at")) {
    if (!item["observed_at"].is_string()) throw core::InvalidInput("bad_date", "'observed_at' must be a string");
    input.observed_at = item["observed_at"].get<std::string>();
  }
  if (item.contains("note") && !item["note"].is_null()) {
    if (!item["note"].is_string()) throw core::InvalidInput("bad_note", "'note' must be a string");
    input.note = item["note"].get<std::string>();
  }
  return input;
}

}  // namespace

void register_outcome_routes(Router& router) {
  App& app = router.app();
  router.add("POST", "/api/v1/outcomes", Access::signed_in,
             [&app](const httplib::Request& req, httplib::Response& res, RequestContext& ctx) {
               const auto body = json_body(req);
               std::vector<service::OutcomeInput> inputs;
               if (body.contains("outcomes")) {
                 if (!body["outcomes"].is_array()) {
                   throw core::InvalidInput("bad_batch", "'outcomes' must be an array");
                 }
                 for (std::size_t i = 0; i < body["outcomes"].size(); ++i) {
                   try {
                     inputs.push_back(parse_outcome(body["outcomes"][i]));
                   } catch (const core::InvalidInput& error) {
                     throw core::InvalidInput(error.code(), "outcome " + std::to_string(i) + ": " + error.what());
                   }
                 }
               } else {
                 inputs.push_back(parse_outcome(body));
               }
               nlohmann::json out = nlohmann::json::array();
               for (const auto& outcome : app.outcomes.record(*ctx.actor, inputs)) {
                 out.push_back({{"id", outcome.id},
                                {"company", outcome.company},
                                {"defaulted", outcome.defaulted},
                                {"observed_at", outcome.observed_at},
                                {"lake_key", outcome.lake_key}});
               }
               reply(res, 201, {{"outcomes", out}});
             });
  router.add("GET", "/api/v1/outbox", Access::signed_in,
             [&app](const httplib::Request&, httplib::Response& res, RequestContext&) {
               const auto backlog = app.outbox.backlog();
               reply(res, 200,
                     {{"pending", backlog.pending},
                      {"oldest", backlog.oldest_created_at ? nlohmann::json(*backlog.oldest_created_at)
                                                           : nullptr}});
             });
}

}  // namespace risklab::web
