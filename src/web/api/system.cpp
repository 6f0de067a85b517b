#include <span>

#include "core/embedded_file.hpp"
#include "core/version.hpp"
#include "service/champion.hpp"
#include "service/health.hpp"
#include "web/api/routes.hpp"
#include "web/router.hpp"

namespace risklab::embedded {
std::span<const core::EmbeddedFile> web_api();
}

namespace risklab::web {
namespace {

std::string_view openapi_document() {
  for (const auto& file : embedded::web_api()) {
    if (file.name == "openapi.json") return file.data;
  }
  return "{}";
}

}  // namespace

void register_system_routes(Router& router) {
  App& app = router.app();
  Metrics& metrics = router.metrics();
  router.add("GET", "/healthz", Access::open,
             [&app](const httplib::Request&, httplib::Response& res, RequestContext&) {
               const auto health = service::check_health(app.db, app.champion);
               nlohmann::json body = {
                   {"status", health.status},
                   {"version", std::string(core::kVersion)},
                   {"database", health.database},
                   {"champion", health.champion_version ? nlohmann::json(*health.champion_version) : nullptr}};
               if (!health.champion_error.empty()) body["champion_error"] = health.champion_error;
               reply(res, health.status == "down" ? 503 : 200, body);
             });
  router.add("GET", "/metrics", Access::open,
             [&app, &metrics](const httplib::Request&, httplib::Response& res, RequestContext&) {
               std::string extra =
                   "# HELP risklab_champion_info The champion model served by this replica.\n"
                   "# TYPE risklab_champion_info gauge\n";
               if (const auto loaded = app.champion.current()) {
                 extra += "risklab_champion_info{version=\"" + loaded->record().version +
                          "\",model_id=\"" + std::to_string(loaded->record().id) + "\"} 1\n";
               }
               res.set_content(metrics.render(extra), "text/plain; version=0.0.4");
             });
  router.add("GET", "/api/v1/openapi.json", Access::open,
             [](const httplib::Request&, httplib::Response& res, RequestContext&) {
               res.set_content(std::string(openapi_document()), "application/json");
             });
}

}  // namespace risklab::web
