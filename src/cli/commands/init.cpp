#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands/common.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"

namespace risklab::cli {

void add_init_command(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand("init", "Create or migrate the database schema");
  cmd->callback([&global] {
    auto db = open_database(global, /*check_schema=*/false);
    const auto applied = store::migrate(*db);
    for (const auto& migration : applied) {
      std::cout << "applied migration " << migration.version << " " << migration.name << '\n';
    }
    std::cout << db->display_url() << ": schema at version " << store::schema_version(*db)
              << (applied.empty() ? " (already up to date)" : "") << '\n';
  });
}

}  // namespace risklab::cli
