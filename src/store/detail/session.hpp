#pragma once

// Store internals only: the SOCI session behind a Database or Transaction.

#include <soci/soci.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/database.hpp"
#include "store/detail/wal_checkpointer.hpp"
#include "store/transaction.hpp"

namespace risklab::store {

struct Database::Impl {
  Impl(Backend backend_in, std::size_t pool_size)
      : backend(backend_in), pool(pool_size), size(pool_size), checked(pool_size, 0) {}
  Backend backend;
  /// What the pool's sessions were opened with (SOCI backend name, connection string), for
  /// connections of the store's own (AssessmentAppender).
  std::string soci_backend;
  std::string connect;
  soci::connection_pool pool;
  std::size_t size;
  /// Bumped whenever a lease ends in an exception (a failed query, perhaps a restarted server
  /// or a cut network). A session last checked before the current count is probed on its next
  /// lease and reopened if its connection is gone: after one failure every pooled connection
  /// is checked before use, so requests after an outage do not meet stale connections.
  std::atomic<unsigned> failures{0};
  /// Per pool position, the failure count when that session was last known good. Each element
  /// is only touched by the thread holding that position.
  std::vector<unsigned> checked;
  /// How long a lease waits for a free session before answering Unavailable instead of hanging.
  std::chrono::milliseconds lease_timeout{10000};
  /// SQLite allows one writer per database file. Write transactions of this process take this
  /// mutex (after leasing their session) before BEGIN IMMEDIATE, so they queue here and are
  /// woken the moment the lock is free, instead of polling in SQLite's busy handler, which
  /// sleeps up to 100 ms between attempts. Recursive: a nested write transaction on the same
  /// thread does not deadlock here (SQLite's busy timeout then decides, as without the mutex).
  /// Other processes (a CLI next to `serve`) still meet the busy handler.
  std::recursive_mutex writer;
  /// SQLite: copies the WAL into the database file in the background (writers never do).
  /// Last, so that it stops first.
  std::unique_ptr<detail::WalCheckpointer> checkpointer;
};

namespace detail {

/// Runs the per-connection settings (SQLite pragmas, MySQL sql_mode, time zones) on a freshly
/// opened or reopened session.
void prepare_session(soci::session& sql, Backend backend);

/// A session leased from the pool for reads outside a transaction; returned on destruction.
/// Waits at most Impl::lease_timeout for a free session, then throws Unavailable("db_busy").
/// A session not checked since the last failure is probed first (SELECT 1) and reopened if its
/// connection is gone, so the service recovers by itself once the database is back; if it
/// cannot be reopened the constructor throws Unavailable("db_unavailable").
class Lease {
 public:
  explicit Lease(Database& db);
  ~Lease();
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  soci::session& sql() { return *session_; }

 private:
  Database::Impl& impl_;
  std::size_t position_ = 0;
  soci::session* session_ = nullptr;
  int exceptions_at_start_ = 0;
};

/// The session a transaction runs on.
soci::session& sql(Transaction& tx);

/// Rethrows a SOCI error as a core::Error: constraint violations become Conflict, connection
/// problems Unavailable; `what` says what was being done ("inserting statements").
[[noreturn]] void rethrow(const soci::soci_error& error, Database& db, const std::string& what);

}  // namespace detail
}  // namespace risklab::store
