#include "store/transaction.hpp"

#include <spdlog/spdlog.h>

#include <exception>
#include <string>

#include "core/error.hpp"
#include "store/detail/session.hpp"

namespace risklab::store {

struct Transaction::Impl {
  explicit Impl(Database& db) : lease(db) {}
  detail::Lease lease;
  // Held from BEGIN IMMEDIATE to COMMIT/ROLLBACK of a SQLite write transaction (see
  // Database::Impl::writer). Taken after the lease, so its holder never waits for a session.
  std::unique_lock<std::recursive_mutex> writer;
  bool open = false;
};

Transaction::Transaction(Database& db, Mode mode) : db_(db), impl_(std::make_unique<Impl>(db)) {
  try {
    if (db.backend() == Backend::sqlite) {
      if (mode == Mode::write) impl_->writer = std::unique_lock(db.impl().writer);
      impl_->lease.sql() << (mode == Mode::write ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");
    } else {
      impl_->lease.sql().begin();
    }
    impl_->open = true;
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, db, "beginning a transaction");
  }
}

Transaction::~Transaction() {
  if (!impl_->open) return;
  try {
    impl_->lease.sql().rollback();
  } catch (const std::exception& error) {
    // A destructor never throws; the server rolls back a dropped transaction anyway.
    spdlog::warn("rollback failed on {}: {}", db_.display_url(), error.what());
  }
}

void Transaction::commit() {
  if (!impl_->open) throw core::Conflict("transaction_closed", "transaction already finished");
  try {
    impl_->lease.sql().commit();
    impl_->open = false;
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, db_, "committing");
  }
  // The next writer may begin now; this session is no longer in a transaction.
  if (impl_->writer.owns_lock()) impl_->writer.unlock();
}

namespace detail {

Lease::Lease(Database& db) : impl_(db.impl()), exceptions_at_start_(std::uncaught_exceptions()) {
  const auto timeout_ms = static_cast<int>(impl_.lease_timeout.count());
  if (!impl_.pool.try_lease(position_, timeout_ms)) {
    throw core::Unavailable("db_busy", "no free connection to database " + db.display_url() +
                                           " within " + std::to_string(timeout_ms) + " ms");
  }
  session_ = &impl_.pool.at(position_);
  const unsigned failures = impl_.failures.load();
  if (impl_.checked[position_] == failures) return;
  // Something failed since this session was last known good: probe it, and reopen it if the
  // connection is gone.
  try {
    int one = 0;
    *session_ << "SELECT 1", soci::into(one);
    impl_.checked[position_] = failures;
    return;
  } catch (const soci::soci_error&) {
    // Fall through to reconnecting.
  }
  try {
    session_->reconnect();
    prepare_session(*session_, impl_.backend);
    impl_.checked[position_] = failures;
    spdlog::info("reconnected a session to {}", db.display_url());
  } catch (const soci::soci_error& error) {
    impl_.pool.give_back(position_);
    throw core::Unavailable("db_unavailable", "database " + db.display_url() + " is unreachable: " +
                                                  std::string(error.get_error_message()));
  } catch (...) {
    impl_.pool.give_back(position_);
    throw;
  }
}

Lease::~Lease() {
  // Leaving because of an exception (a failed query, an outage): check every session before
  // its next use. Cheap, since probes only follow a failure.
  if (std::uncaught_exceptions() > exceptions_at_start_) impl_.failures.fetch_add(1);
  impl_.pool.give_back(position_);
}

soci::session& sql(Transaction& tx) { return tx.impl().lease.sql(); }

void rethrow(const soci::soci_error& error, Database& db, const std::string& what) {
  const std::string message = std::string(error.get_error_message());
  // SOCI 4.0.3 classifies constraint violations on PostgreSQL only; SQLite and MySQL say so
  // in the message ("UNIQUE constraint failed", "Duplicate entry", "foreign key constraint").
  const bool constraint = message.find("constraint failed") != std::string::npos ||
                          message.find("Duplicate entry") != std::string::npos ||
                          message.find("foreign key constraint fails") != std::string::npos;
  if (constraint) throw core::Conflict("constraint_violation", what + ": " + message);
  switch (error.get_error_category()) {
    case soci::soci_error::constraint_violation:
      throw core::Conflict("constraint_violation", what + ": " + message);
    case soci::soci_error::invalid_statement:
    case soci::soci_error::no_privilege:
    case soci::soci_error::no_data:
      // Our SQL is wrong or the account lacks a grant: a bug or a set-up error, not an outage.
      throw std::runtime_error("database error while " + what + ": " + message);
    default:
      throw core::Unavailable("db_unavailable", "database " + db.display_url() + " failed while " +
                                                    what + ": " + message);
  }
}

}  // namespace detail
}  // namespace risklab::store
