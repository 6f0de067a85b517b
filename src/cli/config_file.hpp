#pragma once

#include <string>
#include <string_view>

#include "cli/commands/commands.hpp"

namespace risklab::cli {

/// Applies the text of a TOML config file (string keys db, lake, log_level) to `global`;
/// `path` names the file in messages. Throws InvalidInput("bad_config") naming
/// PATH:LINE:COLUMN of a syntax error, or the unknown or mistyped key.
void apply_config(std::string_view text, const std::string& path, GlobalOptions& global);

/// Reads `path` and applies it as apply_config() does; InvalidInput("bad_config") if the file
/// cannot be read.
void apply_config_file(const std::string& path, GlobalOptions& global);

}  // namespace risklab::cli
