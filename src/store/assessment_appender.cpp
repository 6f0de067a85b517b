#include "store/assessment_appender.hpp"

#include <soci/sqlite3/soci-sqlite3.h>

#include <mutex>
#include <stdexcept>
#include <string>

#include "core/error.hpp"
#include "store/database.hpp"
#include "store/detail/session.hpp"
#include "store/transaction.hpp"

namespace risklab::store {

// The SQLite C API by hand: SOCI has no statement kept prepared across transactions and binds
// text by copying it; this is the one write path hot enough for that to matter.
class AssessmentAppender::Sqlite {
 public:
  explicit Sqlite(Database& db) : db_(db), session_(db.impl().soci_backend, db.impl().connect) {
    detail::prepare_session(session_, Backend::sqlite);
    // Read when a statement is compiled: the statements below are compiled with it on. This
    // connection runs nothing else, and its JSON columns come from our own encoders.
    session_ << "PRAGMA ignore_check_constraints = ON";
    conn_ = static_cast<soci::sqlite3_session_backend*>(session_.get_backend())->conn_;
  }

  ~Sqlite() { finalize_all(); }

  Sqlite(const Sqlite&) = delete;
  Sqlite& operator=(const Sqlite&) = delete;

  std::vector<long long> append(const std::vector<ScoringRow>& rows, bool* committing) {
    // Like a write store::Transaction: in-process writers queue on this mutex, not in SQLite's
    // busy handler (Database::Impl::writer).
    const std::lock_guard writer(db_.impl().writer);
    if (begin_ == nullptr) prepare_all();
    run(begin_, "beginning a transaction");
    try {
      auto ids = write(rows);
      if (committing != nullptr) *committing = true;
      run(commit_, "committing");
      return ids;
    } catch (...) {
      if (sqlite_api::sqlite3_get_autocommit(conn_) == 0) {
        sqlite_api::sqlite3_step(rollback_);
        sqlite_api::sqlite3_reset(rollback_);
      }
      throw;
    }
  }

 private:
  using Statement = sqlite_api::sqlite3_stmt*;

  // On first use rather than at construction: a server may start on a database still to migrate.
  void prepare_all() {
    finalize_all();  // what a failed attempt prepared
    insert_assessment_ = prepare(
        "INSERT INTO assessments (model_id, company_id, company_ref, statement_id, inputs, pd, "
        "grade, recommendation, drivers, out_of_range, created_at, created_by) VALUES (?, ?, ?, "
        "?, ?, ?, ?, ?, ?, ?, ?, ?)");
    read_head_ = prepare("SELECT last_id, last_hash FROM audit_head WHERE id = 1");
    insert_audit_ = prepare(
        "INSERT INTO audit_log (id, at, actor, action, entity_type, entity_id, before_json, "
        "after_json, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    write_head_ = prepare("UPDATE audit_head SET last_id = ?, last_hash = ? WHERE id = 1");
    commit_ = prepare("COMMIT");
    rollback_ = prepare("ROLLBACK");
    begin_ = prepare("BEGIN IMMEDIATE");  // last: set means all are
  }

  void finalize_all() {
    for (Statement* statement : {&begin_, &commit_, &rollback_, &insert_assessment_, &read_head_,
                                 &insert_audit_, &write_head_}) {
      sqlite_api::sqlite3_finalize(*statement);  // NULL is a no-op
      *statement = nullptr;
    }
  }

  Statement prepare(const char* sql) {
    Statement statement = nullptr;
    const int rc = sqlite_api::sqlite3_prepare_v3(conn_, sql, -1, SQLITE_PREPARE_PERSISTENT,
                                                  &statement, nullptr);
    // The schema is missing or older than this binary: a set-up error, not an outage.
    if (rc != SQLITE_OK) {
      throw std::runtime_error("database error while preparing the scoring writer's statements: " +
                               std::string(sqlite_api::sqlite3_errmsg(conn_)));
    }
    return statement;
  }

  [[noreturn]] void fail(int rc, const std::string& what) {
    const std::string message = sqlite_api::sqlite3_errmsg(conn_);
    switch (rc & 0xff) {
      case SQLITE_CONSTRAINT:
        throw core::Conflict("constraint_violation", what + ": " + message);
      case SQLITE_ERROR:
      case SQLITE_MISUSE:
      case SQLITE_RANGE:
      case SQLITE_MISMATCH:
      case SQLITE_AUTH:
        throw std::runtime_error("database error while " + what + ": " + message);
      default:  // busy, I/O error, disk full, read-only, corrupt
        throw core::Unavailable("db_unavailable", "database " + db_.display_url() +
                                                      " failed while " + what + ": " + message);
    }
  }

  // Steps `statement` to its end (a statement returning no row) and resets it.
  void run(Statement statement, const char* what) {
    const int rc = sqlite_api::sqlite3_step(statement);
    sqlite_api::sqlite3_reset(statement);
    if (rc != SQLITE_DONE) fail(rc, what);
  }

  // Binds text that outlives the statement's next step (SQLITE_STATIC: not copied).
  void bind_text(Statement statement, int index, const std::string& text) {
    check_bind(sqlite_api::sqlite3_bind_text64(statement, index, text.data(), text.size(),
                                               SQLITE_STATIC, SQLITE_UTF8));
  }
  void bind_int(Statement statement, int index, long long value) {
    check_bind(sqlite_api::sqlite3_bind_int64(statement, index, value));
  }
  void check_bind(int rc) {
    if (rc != SQLITE_OK) fail(rc, "binding a scoring's values");
  }

  std::vector<long long> write(const std::vector<ScoringRow>& rows) {
    std::vector<long long> ids;
    ids.reserve(rows.size());
    Statement st = insert_assessment_;
    for (const auto& row : rows) {
      const AssessmentRecord& a = *row.assessment;
      sqlite_api::sqlite3_clear_bindings(st);  // NULL for absent optionals
      bind_int(st, 1, a.model_id);
      if (a.company_id) bind_int(st, 2, *a.company_id);
      if (a.company_ref) bind_text(st, 3, *a.company_ref);
      if (a.statement_id) bind_int(st, 4, *a.statement_id);
      bind_text(st, 5, a.inputs_json);
      check_bind(sqlite_api::sqlite3_bind_double(st, 6, a.pd));
      bind_text(st, 7, a.grade);
      bind_text(st, 8, a.recommendation);
      bind_text(st, 9, a.drivers_json);
      bind_text(st, 10, a.out_of_range_json);
      bind_text(st, 11, a.created_at);
      bind_text(st, 12, a.created_by);
      run(st, "storing an assessment");
      ids.push_back(sqlite_api::sqlite3_last_insert_rowid(conn_));
    }

    // The audit rows, chained from the head as AuditRepository::append_all chains them (the
    // write transaction already serialises appenders on SQLite).
    long long last_id = 0;
    std::string last_hash;
    {
      const int rc = sqlite_api::sqlite3_step(read_head_);
      if (rc == SQLITE_ROW) {
        last_id = sqlite_api::sqlite3_column_int64(read_head_, 0);
        const auto* text = sqlite_api::sqlite3_column_text(read_head_, 1);
        if (text != nullptr) last_hash = reinterpret_cast<const char*>(text);
      }
      sqlite_api::sqlite3_reset(read_head_);
      if (rc == SQLITE_DONE) {
        throw std::runtime_error(
            "database error while appending to the audit log: no audit head "
            "row (the database was not migrated)");
      }
      if (rc != SQLITE_ROW) fail(rc, "appending to the audit log");
    }
    st = insert_audit_;
    AuditEntry entry;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const AuditEntry& audit = *rows[i].audit;
      entry.id = ++last_id;
      entry.at = audit.at;
      entry.actor = audit.actor;
      entry.action = audit.action;
      entry.entity_type = audit.entity_type;
      entry.entity_id = std::to_string(ids[i]);
      entry.before_json = audit.before_json;
      entry.after_json = audit.after_json;
      entry.prev_hash = std::move(last_hash);
      entry.hash = AuditRepository::chain_hash(entry);
      sqlite_api::sqlite3_clear_bindings(st);
      bind_int(st, 1, entry.id);
      bind_text(st, 2, entry.at);
      bind_text(st, 3, entry.actor);
      bind_text(st, 4, entry.action);
      bind_text(st, 5, entry.entity_type);
      bind_text(st, 6, entry.entity_id);
      if (entry.before_json) bind_text(st, 7, *entry.before_json);
      if (entry.after_json) bind_text(st, 8, *entry.after_json);
      bind_text(st, 9, entry.prev_hash);
      bind_text(st, 10, entry.hash);
      run(st, "appending to the audit log");
      last_hash = std::move(entry.hash);
    }
    bind_int(write_head_, 1, last_id);
    bind_text(write_head_, 2, last_hash);
    run(write_head_, "appending to the audit log");
    return ids;
  }

  Database& db_;
  soci::session session_;
  sqlite_api::sqlite3* conn_ = nullptr;
  Statement begin_ = nullptr;
  Statement commit_ = nullptr;
  Statement rollback_ = nullptr;
  Statement insert_assessment_ = nullptr;
  Statement read_head_ = nullptr;
  Statement insert_audit_ = nullptr;
  Statement write_head_ = nullptr;
};

AssessmentAppender::AssessmentAppender(Database& db) : db_(db) {
  if (db.backend() != Backend::sqlite) return;
  try {
    sqlite_ = std::make_unique<Sqlite>(db);
  } catch (const soci::soci_error& error) {
    throw core::Unavailable("db_unreachable", "cannot open database " + db.display_url() + ": " +
                                                  std::string(error.get_error_message()));
  }
}

AssessmentAppender::~AssessmentAppender() = default;

std::vector<long long> AssessmentAppender::append(const std::vector<ScoringRow>& rows,
                                                  bool* committing) {
  if (rows.empty()) return {};
  if (sqlite_) return sqlite_->append(rows, committing);
  Transaction tx(db_);
  std::vector<AssessmentRecord> assessments;
  assessments.reserve(rows.size());
  for (const auto& row : rows) assessments.push_back(*row.assessment);
  auto ids = AssessmentRepository().insert_all(tx, assessments);
  std::vector<AuditEntry> entries;
  entries.reserve(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    entries.push_back(*rows[i].audit);
    entries.back().entity_id = std::to_string(ids[i]);
  }
  AuditRepository().append_all(tx, std::move(entries));
  if (committing != nullptr) *committing = true;
  tx.commit();
  return ids;
}

}  // namespace risklab::store
