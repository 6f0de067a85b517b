#pragma once

#include <memory>
#include <string>

#include "cli/commands/commands.hpp"

namespace risklab::store {
class Database;
}

namespace risklab::cli {

/// Opens the database named by --db / RISKLAB_DB and checks its schema version (every command
/// but `init` refuses a schema older or newer than this build).
std::unique_ptr<store::Database> open_database(const GlobalOptions& global, bool check_schema = true);

/// "cli:<login name>", recorded as the actor of CLI changes until accounts exist.
std::string cli_actor();

}  // namespace risklab::cli
