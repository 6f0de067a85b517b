#pragma once

#include <optional>
#include <string>

namespace risklab::store {
class Database;
}

namespace risklab::service {

class Champion;

/// What /healthz reports: "ok" (database up, champion served), "degraded" (database up, no
/// champion), "down" (database unreachable).
struct Health {
  std::string status;
  std::string database;  ///< "ok" or the error
  std::optional<std::string> champion_version;
  std::string champion_error;
};

Health check_health(store::Database& db, const Champion& champion);

}  // namespace risklab::service
