#pragma once

#include <string_view>

namespace risklab::core {

/// A file compiled into the binary by cmake/RisklabEmbed.cmake (migrations, web assets).
struct EmbeddedFile {
  std::string_view name;  ///< path relative to the embedding root, e.g. "0001_datasets.sql"
  std::string_view data;
};

}  // namespace risklab::core
