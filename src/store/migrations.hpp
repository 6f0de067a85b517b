#pragma once

#include <string>
#include <vector>

namespace risklab::store {

class Database;

/// One numbered, forward-only schema change (src/store/migrations/NNNN_name[.backend].sql).
struct Migration {
  int version = 0;
  std::string name;
};

/// The schema version this build expects (the highest embedded migration).
int latest_schema_version();

/// The version recorded in the database's schema_version table; 0 for an empty database.
/// Throws Unavailable if the database cannot be read.
int schema_version(Database& db);

/// Applies every pending migration in order, each in its own transaction together with its
/// schema_version row, and returns the ones applied (empty if up to date). Throws Conflict
/// ("schema_too_new") if the database is newer than this build; nothing is changed then.
std::vector<Migration> migrate(Database& db);

/// Refuses to run against a schema other than latest_schema_version(): Conflict
/// "schema_too_new" (upgrade risklab) or "schema_outdated" (run `risklab init`).
void check_schema(Database& db);

}  // namespace risklab::store
