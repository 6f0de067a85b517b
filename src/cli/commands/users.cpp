#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands/common.hpp"
#include "service/auth_service.hpp"
#include "store/database.hpp"

namespace risklab::cli {

void add_users_command(CLI::App& app, GlobalOptions& global) {
  auto* users = app.add_subcommand("users", "Accounts: add, list, disable");
  users->require_subcommand(1);

  struct AddOptions {
    std::string username;
    std::string roles;
    std::string name;
  };
  auto add = std::make_shared<AddOptions>();
  auto* add_cmd = users->add_subcommand("add", "Create a user (password from RISKLAB_PASSWORD or a prompt)");
  add_cmd->add_option("username", add->username, "User name")->required();
  add_cmd->add_option("--roles", add->roles,
                      "Comma-separated: viewer, analyst, data_steward, model_developer, "
                      "risk_officer, admin")
      ->required();
  add_cmd->add_option("--name", add->name, "Display name");
  add_cmd->callback([&global, add] {
    auto db = open_database(global);
    service::AuthService auth(*db);
    const std::string password =
        read_secret("password for '" + add->username + "'", "RISKLAB_PASSWORD", /*confirm=*/true);
    const auto id = auth.create_user(cli_operator(), add->username, add->name, password, add->roles);
    std::cout << "created user " << id << " '" << add->username << "'\n";
  });

  users->add_subcommand("list", "List users")->callback([&global] {
    auto db = open_database(global);
    service::AuthService auth(*db);
    std::printf("%-6s %-20s %-40s %s\n", "id", "username", "roles", "state");
    for (const auto& user : auth.list_users(cli_operator())) {
      std::printf("%-6lld %-20s %-40s %s\n", user.id, user.username.c_str(), user.roles.c_str(),
                  user.disabled ? "disabled" : "active");
    }
  });

  auto username = std::make_shared<std::string>();
  auto* disable = users->add_subcommand("disable", "Disable a user and end their sessions");
  disable->add_option("username", *username, "User name")->required();
  disable->callback([&global, username] {
    auto db = open_database(global);
    service::AuthService(*db).disable_user(cli_operator(), *username);
    std::cout << "disabled '" << *username << "'\n";
  });
}

void add_tokens_command(CLI::App& app, GlobalOptions& global) {
  auto* tokens = app.add_subcommand("tokens", "API tokens for machine clients: create, revoke");
  tokens->require_subcommand(1);

  struct CreateOptions {
    std::string user;
    std::string name;
  };
  auto create = std::make_shared<CreateOptions>();
  auto* create_cmd = tokens->add_subcommand("create", "Create a token; the secret is printed once");
  create_cmd->add_option("--user", create->user, "Owner (the token acts with their roles)")->required();
  create_cmd->add_option("--name", create->name, "What the token is for")->required();
  create_cmd->callback([&global, create] {
    auto db = open_database(global);
    const auto token =
        service::AuthService(*db).create_token(cli_operator(), create->user, create->name);
    std::cerr << "token " << token.id << " created; store it now, it is not shown again:\n";
    std::cout << token.secret << '\n';
  });

  auto id = std::make_shared<long long>(0);
  auto* revoke = tokens->add_subcommand("revoke", "Revoke a token");
  revoke->add_option("id", *id, "Token id")->required();
  revoke->callback([&global, id] {
    auto db = open_database(global);
    service::AuthService(*db).revoke_token(cli_operator(), *id);
    std::cout << "revoked token " << *id << '\n';
  });
}

}  // namespace risklab::cli
