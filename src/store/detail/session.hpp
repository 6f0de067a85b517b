#pragma once

// Store internals only: the SOCI session behind a Database or Transaction.

#include <soci/soci.h>

#include <mutex>
#include <string>

#include "store/database.hpp"
#include "store/transaction.hpp"

namespace risklab::store {

struct Database::Impl {
  explicit Impl(std::size_t pool_size) : pool(pool_size), size(pool_size) {}
  soci::connection_pool pool;
  std::size_t size;
  /// SQLite allows one writer per database file. Write transactions of this process take this
  /// mutex (after leasing their session) before BEGIN IMMEDIATE, so they queue here and are
  /// woken the moment the lock is free, instead of polling in SQLite's busy handler, which
  /// sleeps up to 100 ms between attempts. Recursive: a nested write transaction on the same
  /// thread does not deadlock here (SQLite's busy timeout then decides, as without the mutex).
  /// Other processes (a CLI next to `serve`) still meet the busy handler.
  std::recursive_mutex writer;
};

namespace detail {

/// A session leased from the pool for reads outside a transaction; returned on destruction.
class Lease {
 public:
  explicit Lease(Database& db);
  soci::session& sql() { return session_; }

 private:
  soci::session session_;
};

/// The session a transaction runs on.
soci::session& sql(Transaction& tx);

/// Rethrows a SOCI error as a core::Error: constraint violations become Conflict, connection
/// problems Unavailable; `what` says what was being done ("inserting statements").
[[noreturn]] void rethrow(const soci::soci_error& error, Database& db, const std::string& what);

}  // namespace detail
}  // namespace risklab::store
