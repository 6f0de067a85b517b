#include "store/database.hpp"

#include <set>

#include "core/error.hpp"
#include "core/url.hpp"
#include "store/detail/session.hpp"
#include "store/detail/wal_write_coalescing.hpp"

namespace risklab::store {
namespace {

// libpq conninfo values are single-quoted with backslash escapes.
std::string pq_quoted(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "'";
}

// SOCI's own parsers (sqlite3, mysql) take quoted values but no escapes, so a value holding
// the quote character cannot be passed at all: refuse it instead of mangling it.
std::string soci_quoted(const std::string& value, char quote, const core::Url& url,
                        const char* what) {
  if (value.find(quote) != std::string::npos) {
    throw core::InvalidInput("bad_db_url", "invalid database URL '" + url.redacted() +
                                               "': " + what + " must not contain " + quote);
  }
  return quote + value + quote;
}

[[noreturn]] void bad_url(const core::Url& url, const std::string& why) {
  throw core::InvalidInput("bad_db_url", "invalid database URL '" + url.redacted() + "': " + why);
}

struct Target {
  Backend backend;
  std::string soci_backend;
  std::string connect;
};

Target target_for(const core::Url& url) {
  if (url.scheme == "sqlite" || url.scheme == "sqlite3") {
    std::string path = url.opaque;
    if (const auto q = path.find('?'); q != std::string::npos) path.resize(q);
    if (path.empty()) bad_url(url, "no file path (expected sqlite://PATH)");
    return {Backend::sqlite, "sqlite3",
            "db=" + soci_quoted(path, '"', url, "the path") + " timeout=30"};
  }
  const bool mysql = url.scheme == "mysql" || url.scheme == "mariadb";
  const bool postgres = url.scheme == "postgresql" || url.scheme == "postgres";
  if (!mysql && !postgres) {
    bad_url(url, "unsupported scheme '" + url.scheme +
                     "' (expected sqlite://, mysql:// or postgresql://)");
  }
  if (url.host.empty()) bad_url(url, "no host");
  if (url.path.empty() || url.path.find('/') != std::string::npos) {
    bad_url(url, "expected exactly one database name after the host, e.g. /risklab");
  }
  // TLS to managed servers (Azure Database for MySQL Flexible Server and for PostgreSQL require
  // it by default): the client libraries' own options, passed through by name.
  static const std::set<std::string> mysql_options = {"sslca", "sslcert", "sslkey"};
  static const std::set<std::string> postgres_options = {"sslmode", "sslrootcert", "sslcert",
                                                         "sslkey"};
  static const std::set<std::string> sslmodes = {"disable", "allow",     "prefer",
                                                 "require", "verify-ca", "verify-full"};
  const auto& known = mysql ? mysql_options : postgres_options;
  std::string options;
  for (const auto& [key, value] : url.query) {
    if (!known.count(key)) {
      std::string list;
      for (const auto& name : known) list += (list.empty() ? "" : ", ") + name;
      bad_url(url, "unknown option '" + key + "' (known: " + list + ")");
    }
    if (value.empty()) bad_url(url, "option '" + key + "' has no value");
    if (key == "sslmode" && !sslmodes.count(value)) {
      bad_url(url, "sslmode '" + value +
                       "' is not one of disable, allow, prefer, require, verify-ca, verify-full");
    }
    options += " " + key + "=" +
               (mysql ? soci_quoted(value, '\'', url, "an option value") : pq_quoted(value));
  }
  if (mysql) {
    std::string connect = "host=" + soci_quoted(url.host, '\'', url, "the host");
    if (url.port) connect += " port=" + std::to_string(*url.port);
    if (!url.user.empty()) connect += " user=" + soci_quoted(url.user, '\'', url, "the user");
    if (!url.password.empty()) {
      connect += " password=" + soci_quoted(url.password, '\'', url, "the password");
    }
    connect += " dbname=" + soci_quoted(url.path, '\'', url, "the database name") +
               " charset=utf8mb4 connect_timeout=5 read_timeout=30 write_timeout=30" + options;
    return {Backend::mysql, "mysql", connect};
  }
  std::string connect = "host=" + pq_quoted(url.host);
  if (url.port) connect += " port=" + std::to_string(*url.port);
  if (!url.user.empty()) connect += " user=" + pq_quoted(url.user);
  if (!url.password.empty()) connect += " password=" + pq_quoted(url.password);
  connect += " dbname=" + pq_quoted(url.path) + " connect_timeout=5" + options;
  return {Backend::postgresql, "postgresql", connect};
}

}  // namespace

namespace detail {

void prepare_session(soci::session& sql, Backend backend) {
  switch (backend) {
    case Backend::sqlite:
      // A new database file gets 8 KB pages (an existing one keeps its own): an assessment row
      // (95 inputs and the drivers, ~2.7 KB) takes a whole 4 KB page, three share an 8 KB one.
      // Under the scoring benchmark: 4,500 -> 3,136 bytes of file a scoring, the checkpointer's
      // CPU -35 % (PERFORMANCE.md, "Session 13"). Must come before the first write.
      sql << "PRAGMA page_size = 8192";
      sql << "PRAGMA foreign_keys = ON";
      sql << "PRAGMA journal_mode = WAL";
      sql << "PRAGMA synchronous = NORMAL";
      // Checkpoints are the WalCheckpointer's (detail/wal_checkpointer.hpp), not the committing
      // writer's. A restarted WAL keeps its file up to 512 MiB (above the ~250 MB it reaches
      // between two checkpoint rounds under full load), so that the writers overwrite blocks
      // already allocated instead of truncating the file in a commit and growing it again.
      sql << "PRAGMA wal_autocheckpoint = 0";
      sql << "PRAGMA journal_size_limit = 536870912";
      break;
    case Backend::mysql:
      sql << "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,ONLY_FULL_GROUP_BY'";
      sql << "SET SESSION time_zone = '+00:00'";
      break;
    case Backend::postgresql:
      sql << "SET client_min_messages TO WARNING";
      sql << "SET TIME ZONE 'UTC'";
      break;
  }
}

}  // namespace detail

const char* backend_name(Backend backend) {
  switch (backend) {
    case Backend::sqlite:
      return "sqlite";
    case Backend::mysql:
      return "mysql";
    case Backend::postgresql:
      return "postgresql";
  }
  return "unknown";
}

Database::Database(Backend backend, std::string display_url, std::unique_ptr<Impl> impl)
    : backend_(backend), display_url_(std::move(display_url)), impl_(std::move(impl)) {}

Database::~Database() = default;

void Database::ping() {
  try {
    detail::Lease lease(*this);
    int one = 0;
    lease.sql() << "SELECT 1", soci::into(one);
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, *this, "answering a ping");
  }
}

std::unique_ptr<Database> Database::open(const std::string& url_text, std::size_t pool_size) {
  const auto url = core::Url::parse(url_text);
  const auto target = target_for(url);
  if (pool_size == 0) throw core::InvalidInput("bad_pool_size", "database pool size must be >= 1");
  // Before the process's first SQLite connection: SQLite's default VFS is chosen when one opens.
  if (target.backend == Backend::sqlite) detail::install_wal_write_coalescing();
  auto impl = std::make_unique<Impl>(target.backend, pool_size);
  impl->soci_backend = target.soci_backend;
  impl->connect = target.connect;
  for (std::size_t i = 0; i < pool_size; ++i) {
    try {
      impl->pool.at(i).open(target.soci_backend, target.connect);
      detail::prepare_session(impl->pool.at(i), target.backend);
    } catch (const soci::soci_error& error) {
      throw core::Unavailable("db_unreachable", "cannot open database " + url.redacted() + ": " +
                                                    std::string(error.get_error_message()));
    }
  }
  if (target.backend == Backend::sqlite) {
    try {
      impl->checkpointer = std::make_unique<detail::WalCheckpointer>(
          target.soci_backend, target.connect, detail::kWalCheckpointInterval, impl->writer);
    } catch (const soci::soci_error& error) {
      throw core::Unavailable("db_unreachable", "cannot open database " + url.redacted() + ": " +
                                                    std::string(error.get_error_message()));
    }
  }
  return std::unique_ptr<Database>(new Database(target.backend, url.redacted(), std::move(impl)));
}

}  // namespace risklab::store
