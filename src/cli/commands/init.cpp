#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands/common.hpp"
#include "core/error.hpp"
#include "lake/lake.hpp"
#include "service/auth_service.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"

namespace risklab::cli {

void add_init_command(CLI::App& app, GlobalOptions& global) {
  auto admin = std::make_shared<std::string>("admin");
  auto* cmd = app.add_subcommand(
      "init", "Create or migrate the database schema; create the first admin (password from "
              "RISKLAB_ADMIN_PASSWORD or a prompt)");
  cmd->add_option("--admin", *admin, "User name of the first admin")->capture_default_str();
  cmd->callback([&global, admin] {
    auto db = open_database(global, /*check_schema=*/false);
    const auto applied = store::migrate(*db);
    for (const auto& migration : applied) {
      std::cout << "applied migration " << migration.version << " " << migration.name << '\n';
    }
    std::cout << db->display_url() << ": schema at version " << store::schema_version(*db)
              << (applied.empty() ? " (already up to date)" : "") << '\n';
    const auto lake = lake::open_lake(global.lake_url);
    std::cout << lake->display_url()
              << (lake->create_container() ? ": created" : ": exists already") << '\n';
    service::AuthService auth(*db);
    if (auth.user_count() > 0) return;
    // No default password ever: the first admin's comes from the environment or a prompt.
    std::string password;
    try {
      password = read_secret("password for the first admin '" + *admin + "'",
                             "RISKLAB_ADMIN_PASSWORD", /*confirm=*/true);
    } catch (const core::InvalidInput&) {
      std::cout << "no users yet: set RISKLAB_ADMIN_PASSWORD and run `risklab init` again, or "
                   "`risklab users add NAME --roles admin`\n";
      return;
    }
    auth.create_user(cli_operator(), *admin, "Administrator", password, "admin");
    std::cout << "created the first admin '" << *admin << "'\n";
  });
}

}  // namespace risklab::cli
