#include "service/health.hpp"

#include "service/champion.hpp"
#include "store/database.hpp"

namespace risklab::service {

Health check_health(store::Database& db, const Champion& champion) {
  Health health;
  try {
    db.ping();
    health.database = "ok";
  } catch (const std::exception& error) {
    health.database = error.what();
  }
  if (const auto loaded = champion.current()) health.champion_version = loaded->record().version;
  health.champion_error = champion.last_error();
  if (health.database != "ok") {
    health.status = "down";
  } else {
    health.status = health.champion_version ? "ok" : "degraded";
  }
  return health;
}

}  // namespace risklab::service
