#pragma once

#include <cstddef>
#include <memory>
#include <string>

namespace risklab::store {

/// The SQL dialects RiskLab runs on.
enum class Backend { sqlite, mysql, postgresql };

/// "sqlite", "mysql" or "postgresql".
const char* backend_name(Backend backend);

/// A pool of connections to one database, opened from a URL:
/// `sqlite://PATH` (relative or `sqlite:///abs/path`), `mysql://USER:PASS@HOST:PORT/DB`,
/// `postgresql://USER:PASS@HOST:PORT/DB` (also `postgres://`). Thread-safe; sessions are
/// leased by Transaction (writes) and detail::Lease (reads). Public headers never include SOCI.
class Database {
 public:
  /// Connects `pool_size` sessions. Throws InvalidInput("bad_db_url") for a malformed or
  /// unsupported URL, Unavailable("db_unreachable") if the server cannot be reached or refuses.
  static std::unique_ptr<Database> open(const std::string& url, std::size_t pool_size = 4);

  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  Backend backend() const { return backend_; }
  /// Runs a trivial query on a pooled connection; throws Unavailable if the database is down.
  void ping();
  /// The URL without its password, for logs and messages.
  const std::string& display_url() const { return display_url_; }

  struct Impl;
  /// Store-internal access to the pool (see store/detail/session.hpp).
  Impl& impl() { return *impl_; }

 private:
  Database(Backend backend, std::string display_url, std::unique_ptr<Impl> impl);

  Backend backend_;
  std::string display_url_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace risklab::store
