#pragma once

#include <string>

namespace CLI {
class App;
}

namespace risklab::cli {

/// Options shared by every subcommand (flags, RISKLAB_* environment, config file).
struct GlobalOptions {
  std::string db_url = "sqlite://risklab.db";
  std::string lake_url = "file://lake";
  std::string log_level = "info";
  std::string config_file;
};

/// Each adds one subcommand (and its own subcommands) to `app`; see docs/CLI.md.
void add_init_command(CLI::App& app, GlobalOptions& global);
void add_import_command(CLI::App& app, GlobalOptions& global);
void add_demo_command(CLI::App& app, GlobalOptions& global);
void add_serve_command(CLI::App& app, GlobalOptions& global);
void add_score_command(CLI::App& app, GlobalOptions& global);
void add_models_command(CLI::App& app, GlobalOptions& global);
void add_users_command(CLI::App& app, GlobalOptions& global);
void add_tokens_command(CLI::App& app, GlobalOptions& global);
void add_audit_command(CLI::App& app, GlobalOptions& global);
void add_outcomes_command(CLI::App& app, GlobalOptions& global);
void add_outbox_command(CLI::App& app, GlobalOptions& global);
void add_snapshot_command(CLI::App& app, GlobalOptions& global);
void add_monitor_command(CLI::App& app, GlobalOptions& global);
void add_train_command(CLI::App& app, GlobalOptions& global);
void add_worker_command(CLI::App& app, GlobalOptions& global);
void add_ml_command(CLI::App& app, GlobalOptions& global);

}  // namespace risklab::cli
