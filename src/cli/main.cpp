// risklab: the one binary. Composition root: parses flags, opens store and lake from URLs,
// and maps errors to exit codes (the only place that does; see docs/CLI.md).
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "cli/commands/commands.hpp"
#include "cli/config_file.hpp"
#include "core/error.hpp"
#include "core/version.hpp"

namespace {

using risklab::cli::GlobalOptions;

// The optional TOML config file (--config, RISKLAB_CONFIG) provides defaults that the
// environment and then the command line override.
void apply_config_option(int argc, char** argv, GlobalOptions& global) {
  std::string path;
  for (int i = 1; i < argc - 1; ++i) {
    if (std::string_view(argv[i]) == "--config") path = argv[i + 1];
  }
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg(argv[i]);
    if (arg.starts_with("--config=")) path = std::string(arg.substr(9));
  }
  if (path.empty()) {
    if (const char* env = std::getenv("RISKLAB_CONFIG")) path = env;
  }
  if (!path.empty()) risklab::cli::apply_config_file(path, global);
}

int exit_code_for(const risklab::core::Error& error) {
  if (dynamic_cast<const risklab::core::InvalidInput*>(&error)) return 2;
  if (dynamic_cast<const risklab::core::NotFound*>(&error)) return 3;
  if (dynamic_cast<const risklab::core::Conflict*>(&error)) return 4;
  if (dynamic_cast<const risklab::core::Unauthenticated*>(&error) ||
      dynamic_cast<const risklab::core::Forbidden*>(&error) ||
      dynamic_cast<const risklab::core::TooManyRequests*>(&error)) {
    return 5;
  }
  if (dynamic_cast<const risklab::core::Unavailable*>(&error)) return 6;
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  GlobalOptions global;
  CLI::App app{"RiskLab: credit-risk scoring, decisions and governed retraining for SME lending",
               "risklab"};
  app.set_version_flag("--version", std::string(risklab::core::kVersion));
  app.require_subcommand(1);
  app.fallthrough();
  try {
    apply_config_option(argc, argv, global);
  } catch (const risklab::core::Error& error) {
    std::cerr << "risklab: error: " << error.what() << '\n';
    return exit_code_for(error);
  }
  app.add_option("--db", global.db_url,
                 "Database URL: sqlite://PATH, mysql://USER:PASS@HOST:PORT/DB or "
                 "postgresql://USER:PASS@HOST:PORT/DB")
      ->envname("RISKLAB_DB")
      ->capture_default_str();
  app.add_option("--lake", global.lake_url,
                 "Data lake URL: file://DIR or azure://ACCOUNT/CONTAINER[?endpoint=URL] "
                 "(key from AZURE_STORAGE_KEY, AZURE_STORAGE_SAS or AZURE_STORAGE_CONNECTION_STRING)")
      ->envname("RISKLAB_LAKE")
      ->capture_default_str();
  app.add_option("--log-level", global.log_level, "trace, debug, info, warn, error or off")
      ->envname("RISKLAB_LOG_LEVEL")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
      ->capture_default_str();
  app.add_option("--config", global.config_file,
                 "TOML file with defaults (keys: db, lake, log_level); env RISKLAB_CONFIG");

  app.parse_complete_callback([&global] {
    // Logs go to stderr so that data written to stdout (CSV, JSON) stays clean.
    spdlog::set_default_logger(spdlog::stderr_color_mt("risklab"));
    spdlog::set_level(spdlog::level::from_str(global.log_level));
  });

  risklab::cli::add_init_command(app, global);
  risklab::cli::add_import_command(app, global);
  risklab::cli::add_demo_command(app, global);
  risklab::cli::add_serve_command(app, global);
  risklab::cli::add_score_command(app, global);
  risklab::cli::add_models_command(app, global);
  risklab::cli::add_users_command(app, global);
  risklab::cli::add_tokens_command(app, global);
  risklab::cli::add_audit_command(app, global);
  risklab::cli::add_outcomes_command(app, global);
  risklab::cli::add_outbox_command(app, global);
  risklab::cli::add_snapshot_command(app, global);
  risklab::cli::add_monitor_command(app, global);
  risklab::cli::add_train_command(app, global);
  risklab::cli::add_worker_command(app, global);
  risklab::cli::add_ml_command(app, global);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);
    return code == 0 ? 0 : 2;
  } catch (const risklab::core::Error& error) {
    std::cerr << "risklab: error: " << error.what() << '\n';
    return exit_code_for(error);
  } catch (const std::exception& error) {
    std::cerr << "risklab: internal error: " << error.what() << '\n';
    return 1;
  }
  return 0;
}
