#include "cli/commands/common.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <termios.h>

#include <cstdlib>
#include <iostream>

#include "core/error.hpp"

#include "store/database.hpp"
#include "store/migrations.hpp"

namespace risklab::cli {

std::unique_ptr<store::Database> open_database(const GlobalOptions& global, bool check_schema) {
  auto db = store::Database::open(global.db_url);
  spdlog::debug("opened {} ({})", db->display_url(), store::backend_name(db->backend()));
  if (check_schema) store::check_schema(*db);
  return db;
}

std::string cli_actor() {
  if (const char* user = std::getenv("USER"); user && *user) return std::string("cli:") + user;
  if (const char* login = getlogin(); login) return std::string("cli:") + login;
  return "cli:uid" + std::to_string(getuid());
}

core::Actor cli_operator() {
  return {0, cli_actor(),
          {core::Role::viewer, core::Role::analyst, core::Role::data_steward,
           core::Role::model_developer, core::Role::risk_officer, core::Role::admin}};
}

std::string read_secret(const std::string& prompt, const std::string& env_name, bool confirm) {
  if (const char* value = std::getenv(env_name.c_str()); value && *value) return value;
  if (!isatty(STDIN_FILENO)) {
    throw core::InvalidInput("secret_missing",
                             "set " + env_name + " or run this command at a terminal");
  }
  auto ask = [](const std::string& text) {
    std::cerr << text << std::flush;
    termios old{};
    tcgetattr(STDIN_FILENO, &old);
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    std::string line;
    std::getline(std::cin, line);
    tcsetattr(STDIN_FILENO, TCSANOW, &old);
    std::cerr << '\n';
    return line;
  };
  const std::string secret = ask(prompt + ": ");
  if (confirm && ask("again: ") != secret) {
    throw core::InvalidInput("secret_mismatch", "the two entries differ");
  }
  return secret;
}

std::string worker_name() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return std::string(host) + ":" + std::to_string(::getpid());
}

}  // namespace risklab::cli
