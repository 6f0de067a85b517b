#pragma once

#include <memory>

namespace risklab::store {

class Database;

/// One database transaction on a leased connection. The constructor begins (SQLite: the
/// process's writer mutex, then BEGIN IMMEDIATE, so writers queue in-process instead of
/// sleeping in SQLite's busy handler or failing on upgrade), `commit()` is explicit,
/// and the destructor rolls back quietly if commit() was not reached. Repository writes take a
/// Transaction&, so a write outside a transaction does not compile.
class Transaction {
 public:
  /// `read` transactions only read: on SQLite they begin DEFERRED, so they never wait for or
  /// block the single writer (WAL readers see the last commit). Elsewhere both are the same.
  enum class Mode { write, read };

  /// Throws Unavailable if no connection can be leased or BEGIN fails.
  explicit Transaction(Database& db, Mode mode = Mode::write);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  /// Commits; throws Unavailable (the transaction is then rolled back) if the commit fails.
  void commit();

  Database& database() { return db_; }

  struct Impl;
  /// Store-internal access to the session (see store/detail/session.hpp).
  Impl& impl() { return *impl_; }

 private:
  Database& db_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace risklab::store
