#pragma once

#include <memory>
#include <string>

#include "cli/commands/commands.hpp"
#include "core/role.hpp"

namespace risklab::store {
class Database;
}

namespace risklab::cli {

/// Opens the database named by --db / RISKLAB_DB and checks its schema version (every command
/// but `init` refuses a schema older or newer than this build).
std::unique_ptr<store::Database> open_database(const GlobalOptions& global, bool check_schema = true);

/// "cli:<login name>", recorded as the actor of CLI changes.
std::string cli_actor();

/// The operator at the server's command line: a system actor (id 0) holding every role, since
/// whoever can run the CLI against the database already controls it. Recorded as cli_actor().
core::Actor cli_operator();

/// "host:pid": names this process as a training worker.
std::string worker_name();

/// A secret from the environment variable `env_name` if set, else typed at the terminal
/// without echo (twice when `confirm`); InvalidInput if neither is possible.
std::string read_secret(const std::string& prompt, const std::string& env_name, bool confirm);

}  // namespace risklab::cli
