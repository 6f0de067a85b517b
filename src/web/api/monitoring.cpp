#include "core/error.hpp"
#include "service/monitoring_service.hpp"
#include "web/api/routes.hpp"
#include "web/router.hpp"

namespace risklab::web {
namespace {

service::MonitoringService& monitoring_of(App& app) {
  if (!app.monitoring)
    throw core::Unavailable("monitoring_unavailable", "this server has no monitoring service");
  return *app.monitoring;
}

std::optional<std::string> param(const httplib::Request& req, const char* name) {
  if (!req.has_param(name)) return std::nullopt;
  return req.get_param_value(name);
}

/// Query parameter `name` as a whole number (or a real with `real`); InvalidInput names it.
double number_param(const httplib::Request& req, const char* name, bool real) {
  const std::string text = req.get_param_value(name);
  try {
    std::size_t used = 0;
    const double value =
        real ? std::stod(text, &used) : static_cast<double>(std::stoll(text, &used));
    if (used == text.size()) return value;
  } catch (const std::exception&) {
    // reported below
  }
  throw core::InvalidInput("bad_parameter", std::string("'") + name + "' is not a " +
                                                (real ? "number" : "whole number") + ": '" + text +
                                                "'");
}

/// The query-string window shared by every monitoring route; InvalidInput names a bad value.
service::MonitoringQuery query_of(const httplib::Request& req) {
  service::MonitoringQuery query;
  query.from = param(req, "from");
  query.to = param(req, "to");
  query.as_of = param(req, "as_of");
  if (req.has_param("model_id"))
    query.model_id = static_cast<long long>(number_param(req, "model_id", false));
  if (req.has_param("performance_months")) {
    query.performance_months = static_cast<int>(number_param(req, "performance_months", false));
  }
  if (req.has_param("alpha")) query.alpha = number_param(req, "alpha", true);
  service::validate(query);
  return query;
}

}  // namespace

void register_monitoring_routes(Router& router) {
  App& app = router.app();
  router.add("GET", "/api/v1/monitoring/drift", Access::signed_in,
             [&app](const httplib::Request& req, httplib::Response& res, RequestContext& ctx) {
               reply(res, 200,
                     service::to_json(monitoring_of(app).drift(*ctx.actor, query_of(req))));
             });
  router.add("GET", "/api/v1/monitoring/backtest", Access::signed_in,
             [&app](const httplib::Request& req, httplib::Response& res, RequestContext& ctx) {
               reply(res, 200,
                     service::to_json(monitoring_of(app).backtest(*ctx.actor, query_of(req))));
             });
  router.add("GET", "/api/v1/monitoring/overrides", Access::signed_in,
             [&app](const httplib::Request& req, httplib::Response& res, RequestContext& ctx) {
               reply(res, 200,
                     service::to_json(monitoring_of(app).overrides(*ctx.actor, query_of(req))));
             });
  router.add("GET", "/api/v1/monitoring/migration", Access::signed_in,
             [&app](const httplib::Request& req, httplib::Response& res, RequestContext& ctx) {
               const auto first = param(req, "first");
               const auto second = param(req, "second");
               if (!first || !second) {
                 throw core::InvalidInput("bad_parameter",
                                          "'first' and 'second' (dates YYYY-MM-DD) are required");
               }
               reply(res, 200,
                     service::to_json(
                         monitoring_of(app).migration(*ctx.actor, *first, *second, query_of(req))));
             });
  router.add("GET", "/api/v1/monitoring/report", Access::signed_in,
             [&app](const httplib::Request& req, httplib::Response& res, RequestContext& ctx) {
               const auto report = monitoring_of(app).report_json(*ctx.actor, query_of(req));
               if (param(req, "format").value_or("json") == "html") {
                 res.status = 200;
                 res.set_content(service::MonitoringService::report_html(report),
                                 "text/html; charset=utf-8");
                 return;
               }
               reply(res, 200, report);
             });
}

}  // namespace risklab::web
