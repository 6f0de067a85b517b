#include "cli/commands/common.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdlib>

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

}  // namespace risklab::cli
