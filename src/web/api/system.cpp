#include <span>

#include "core/clock.hpp"
#include "core/embedded_file.hpp"
#include "core/version.hpp"
#include "service/champion.hpp"
#include "service/health.hpp"
#include "service/monitoring_service.hpp"
#include "service/outcome_service.hpp"
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
  router.add(
      "GET", "/healthz", Access::open,
      [&app](const httplib::Request&, httplib::Response& res, RequestContext&) {
        const auto health = service::check_health(app.db, app.champion);
        nlohmann::json body = {
            {"status", health.status},
            {"version", std::string(core::kVersion)},
            {"database", health.database},
            {"champion",
             health.champion_version ? nlohmann::json(*health.champion_version) : nullptr}};
        if (!health.champion_error.empty()) body["champion_error"] = health.champion_error;
        if (health.status != "down") {
          const auto backlog = app.outbox.backlog();
          body["outbox"] = {
              {"pending", backlog.pending},
              {"oldest",
               backlog.oldest_created_at ? nlohmann::json(*backlog.oldest_created_at) : nullptr}};
          // A backlog means the lake is behind: degraded, not down (writes still succeed).
          if (backlog.oldest_created_at &&
              *backlog.oldest_created_at <
                  core::to_iso8601(std::chrono::system_clock::now() - std::chrono::minutes(5))) {
            body["status"] = "degraded";
          }
        }
        reply(res, health.status == "down" ? 503 : 200, body);
      });
  router.add(
      "GET", "/metrics", Access::open,
      [&app, &metrics](const httplib::Request&, httplib::Response& res, RequestContext&) {
        std::string extra =
            "# HELP risklab_champion_info The champion model served by this replica.\n"
            "# TYPE risklab_champion_info gauge\n";
        if (const auto loaded = app.champion.current()) {
          extra += "risklab_champion_info{version=\"" + loaded->record().version +
                   "\",model_id=\"" + std::to_string(loaded->record().id) + "\"} 1\n";
        }
        try {
          const auto backlog = app.outbox.backlog();
          double age = 0.0;
          if (backlog.oldest_created_at) {
            age = std::max(0.0, core::seconds_since(*backlog.oldest_created_at));
          }
          extra +=
              "# HELP risklab_outbox_pending Lake writes not shipped yet.\n"
              "# TYPE risklab_outbox_pending gauge\n"
              "risklab_outbox_pending " +
              std::to_string(backlog.pending) +
              "\n"
              "# HELP risklab_outbox_oldest_age_seconds Age of the oldest unshipped lake write.\n"
              "# TYPE risklab_outbox_oldest_age_seconds gauge\n"
              "risklab_outbox_oldest_age_seconds " +
              std::to_string(age) + "\n";
        } catch (const std::exception&) {
          // The database is down: /healthz says so; metrics still answer.
        }
        if (app.monitoring) extra += app.monitoring->prometheus_gauges();
        res.set_content(metrics.render(extra), "text/plain; version=0.0.4");
      });
  router.add("GET", "/api/v1/openapi.json", Access::open,
             [](const httplib::Request&, httplib::Response& res, RequestContext&) {
               res.set_content(std::string(openapi_document()), "application/json");
             });
}

}  // namespace risklab::web
