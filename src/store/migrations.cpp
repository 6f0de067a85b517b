#include "store/migrations.hpp"

#include <algorithm>
#include <map>
#include <span>

#include "core/clock.hpp"
#include "core/embedded_file.hpp"
#include "core/error.hpp"
#include "store/detail/session.hpp"

namespace risklab::embedded {
std::span<const core::EmbeddedFile> migrations();
}

namespace risklab::store {
namespace {

struct MigrationSource {
  Migration migration;
  std::map<std::string, std::string_view, std::less<>> sql;  // "" (any backend) or backend name
};

// File names are NNNN_name.sql, optionally NNNN_name.<backend>.sql for a dialect variant.
std::vector<MigrationSource> embedded_migrations() {
  std::map<int, MigrationSource> by_version;
  for (const auto& file : embedded::migrations()) {
    std::string stem(file.name.substr(0, file.name.size() - 4));  // without ".sql"
    std::string variant;
    for (const char* backend : {"sqlite", "mysql", "postgresql"}) {
      const std::string suffix = std::string(".") + backend;
      if (stem.ends_with(suffix)) {
        variant = backend;
        stem.resize(stem.size() - suffix.size());
      }
    }
    auto& source = by_version[std::stoi(stem.substr(0, 4))];
    source.migration.version = std::stoi(stem.substr(0, 4));
    source.migration.name = stem.substr(5);
    source.sql[variant] = file.data;
  }
  std::vector<MigrationSource> out;
  for (auto& [version, source] : by_version) out.push_back(std::move(source));
  return out;
}

std::string_view sql_for(const MigrationSource& source, Backend backend) {
  if (auto it = source.sql.find(backend_name(backend)); it != source.sql.end()) return it->second;
  return source.sql.at("");
}

bool has_version_table(soci::session& sql, Backend backend) {
  int count = 0;
  switch (backend) {
    case Backend::sqlite:
      sql << "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'",
          soci::into(count);
      break;
    case Backend::mysql:
      sql << "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() "
             "AND table_name = 'schema_version'",
          soci::into(count);
      break;
    case Backend::postgresql:
      sql << "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = "
             "current_schema() AND table_name = 'schema_version'",
          soci::into(count);
      break;
  }
  return count > 0;
}

int read_version(soci::session& sql, Backend backend) {
  if (!has_version_table(sql, backend)) return 0;
  int version = 0;
  soci::indicator ind = soci::i_null;
  sql << "SELECT MAX(version) FROM schema_version", soci::into(version, ind);
  return ind == soci::i_ok ? version : 0;
}

}  // namespace

int latest_schema_version() { return embedded_migrations().back().migration.version; }

int schema_version(Database& db) {
  try {
    detail::Lease lease(db);
    return read_version(lease.sql(), db.backend());
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, db, "reading the schema version");
  }
}

std::vector<Migration> migrate(Database& db) {
  const auto sources = embedded_migrations();
  const int latest = sources.back().migration.version;
  std::vector<Migration> applied;
  try {
    {
      Transaction tx(db);
      detail::sql(tx) << "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
                         "name VARCHAR(200) NOT NULL, applied_at VARCHAR(32) NOT NULL)";
      tx.commit();
    }
    const int current = schema_version(db);
    if (current > latest) {
      throw core::Conflict("schema_too_new", "database schema is at version " +
                                                 std::to_string(current) + ", newer than the " +
                                                 std::to_string(latest) +
                                                 " this risklab build knows: upgrade risklab");
    }
    for (const auto& source : sources) {
      if (source.migration.version <= current) continue;
      Transaction tx(db);
      auto& sql = detail::sql(tx);
      sql << std::string(sql_for(source, db.backend()));
      const std::string now = core::utc_now_iso8601();
      sql << "INSERT INTO schema_version (version, name, applied_at) VALUES (:v, :n, :a)",
          soci::use(source.migration.version), soci::use(source.migration.name), soci::use(now);
      tx.commit();
      applied.push_back(source.migration);
    }
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, db, "migrating the schema");
  }
  return applied;
}

void check_schema(Database& db) {
  const int current = schema_version(db);
  const int latest = latest_schema_version();
  if (current > latest) {
    throw core::Conflict("schema_too_new",
                         "database " + db.display_url() + " has schema version " +
                             std::to_string(current) + ", newer than the " +
                             std::to_string(latest) + " this risklab build knows: upgrade risklab");
  }
  if (current < latest) {
    throw core::Conflict("schema_outdated",
                         "database " + db.display_url() + " has schema version " +
                             std::to_string(current) + " but this build needs " +
                             std::to_string(latest) + ": run `risklab init` first");
  }
}

}  // namespace risklab::store
