#include "cli/config_file.hpp"

#include <toml++/toml.h>

#include <fstream>
#include <sstream>

#include "core/error.hpp"

namespace risklab::cli {

void apply_config(std::string_view text, const std::string& path, GlobalOptions& global) {
  toml::table config;
  try {
    config = toml::parse(text, path);
  } catch (const toml::parse_error& error) {
    const auto& where = error.source().begin;
    throw core::InvalidInput("bad_config", path + ":" + std::to_string(where.line) + ":" +
                                               std::to_string(where.column) + ": " +
                                               std::string(error.description()));
  }
  for (const auto& [key, value] : config) {
    if (key == "db" && value.is_string()) {
      global.db_url = value.as_string()->get();
    } else if (key == "lake" && value.is_string()) {
      global.lake_url = value.as_string()->get();
    } else if (key == "log_level" && value.is_string()) {
      global.log_level = value.as_string()->get();
    } else {
      throw core::InvalidInput("bad_config", path + ": unknown or mistyped key '" +
                                                 std::string(key.str()) +
                                                 "' (expected string keys: db, lake, log_level)");
    }
  }
  global.config_file = path;
}

void apply_config_file(const std::string& path, GlobalOptions& global) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  if (!in) throw core::InvalidInput("bad_config", path + ": cannot read the config file");
  apply_config(text.str(), path, global);
}

}  // namespace risklab::cli
