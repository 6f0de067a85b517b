#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/commands/common.hpp"
#include "core/error.hpp"
#include "lake/lake.hpp"
#include "service/monitoring_service.hpp"
#include "store/database.hpp"

namespace risklab::cli {
namespace {

struct MonitorOptions {
  service::MonitoringQuery query;
  long long model_id = 0;
  std::string out = "monitoring-report";
};

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out || !(out << text)) throw core::InvalidInput("file_unwritable", path + ": cannot write");
}

}  // namespace

void add_monitor_command(CLI::App& app, GlobalOptions& global) {
  auto* monitor = app.add_subcommand("monitor", "Monitoring and the validation pack");
  monitor->require_subcommand(1);
  auto options = std::make_shared<MonitorOptions>();
  auto* report = monitor->add_subcommand(
      "report",
      "Write the monitoring pack (drift, back-test per grade, maturity, overrides, migration) as "
      "OUT.json and OUT.html");
  report->add_option("--from", options->query.from, "First day of the window, YYYY-MM-DD");
  report->add_option("--to", options->query.to, "Last day of the window, YYYY-MM-DD");
  report->add_option("--as-of", options->query.as_of,
                     "Judge outcomes as of this date (default today)");
  report
      ->add_option("--performance-months", options->query.performance_months,
                   "An assessment's performance window in months")
      ->capture_default_str();
  report->add_option("--model", options->model_id, "Model id (default the champion)");
  report->add_option("--out", options->out, "Output path without extension")->capture_default_str();
  report->callback([&global, options] {
    auto db = open_database(global);
    const auto lake = lake::open_lake(global.lake_url);
    service::MonitoringQuery query = options->query;
    if (options->model_id > 0) query.model_id = options->model_id;
    service::MonitoringService monitoring(*db, lake.get());
    const auto pack = monitoring.report_json(cli_operator(), query);
    write_file(options->out + ".json", pack.dump(1) + "\n");
    write_file(options->out + ".html", service::MonitoringService::report_html(pack));
    const auto& drift = pack["drift"];
    const auto& backtest = pack["backtest"];
    std::cout << "wrote " << options->out << ".json and " << options->out
              << ".html: " << drift["scorings"] << " scorings of "
              << drift["model_version"].get<std::string>() << ", " << drift["alarms"].size()
              << " drift alarms, " << backtest["maturity"]["matured"] << " matured assessments\n";
  });
}

}  // namespace risklab::cli
