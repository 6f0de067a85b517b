#include "store/training_job_repository.hpp"

#include "store/database.hpp"
#include "store/detail/rows.hpp"
#include "store/detail/session.hpp"

namespace risklab::store {
namespace {

constexpr const char* kSelect =
    "SELECT id, snapshot_id, family, parameters, status, stage, trees_done, trees_total, worker, "
    "attempts, cancel_requested, heartbeat_at, started_at, finished_at, error, split, model_id, "
    "created_by, created_at FROM training_jobs";

TrainingJobRecord from_row(const soci::row& row) {
  TrainingJobRecord job;
  job.id = detail::as_int(row, 0);
  job.snapshot_id = row.get<std::string>(1);
  job.family = row.get<std::string>(2);
  job.parameters_json = row.get<std::string>(3);
  job.status = row.get<std::string>(4);
  job.stage = detail::optional_text(row, 5);
  job.trees_done = detail::as_int(row, 6);
  job.trees_total = detail::as_int(row, 7);
  job.worker = detail::optional_text(row, 8);
  job.attempts = detail::as_int(row, 9);
  job.cancel_requested = detail::as_int(row, 10) != 0;
  job.heartbeat_at = detail::optional_text(row, 11);
  job.started_at = detail::optional_text(row, 12);
  job.finished_at = detail::optional_text(row, 13);
  job.error = detail::optional_text(row, 14);
  job.split_json = detail::optional_text(row, 15);
  job.model_id = detail::optional_int(row, 16);
  job.created_by = row.get<std::string>(17);
  job.created_at = row.get<std::string>(18);
  return job;
}

long long execute_counting(soci::statement& st) {
  st.execute(true);
  return st.get_affected_rows();
}

}  // namespace

long long TrainingJobRepository::insert(Transaction& tx, const TrainingJobRecord& job) {
  try {
    return detail::insert_returning_id(detail::sql(tx), tx.database().backend(), "training_jobs",
                                       {{"snapshot_id"},
                                        {"family"},
                                        {"parameters", true},
                                        {"status"},
                                        {"created_by"},
                                        {"created_at"}},
                                       {job.snapshot_id, job.family, job.parameters_json,
                                        job.status, job.created_by, job.created_at});
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "queueing a training job");
  }
}

std::optional<TrainingJobRecord> TrainingJobRepository::find(Transaction& tx, long long id) {
  try {
    soci::rowset<soci::row> rows =
        (detail::sql(tx).prepare << std::string(kSelect) + " WHERE id = :id", soci::use(id));
    for (const auto& row : rows) return from_row(row);
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "reading training job " + std::to_string(id));
  }
  return std::nullopt;
}

std::vector<TrainingJobRecord> TrainingJobRepository::list(Transaction& tx, int limit) {
  std::vector<TrainingJobRecord> out;
  try {
    const long long n = limit;
    soci::rowset<soci::row> rows =
        (detail::sql(tx).prepare << std::string(kSelect) + " ORDER BY id DESC LIMIT :n",
         soci::use(n));
    for (const auto& row : rows) out.push_back(from_row(row));
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "listing training jobs");
  }
  return out;
}

std::optional<TrainingJobRecord> TrainingJobRepository::claim(Transaction& tx,
                                                              const std::string& worker,
                                                              const std::string& now) {
  try {
    auto& sql = detail::sql(tx);
    long long id = 0;
    soci::indicator ind = soci::i_null;
    if (tx.database().backend() == Backend::sqlite) {
      // The write transaction (BEGIN IMMEDIATE) holds SQLite's one writer lock: no other
      // claimer can read the same queued row until this one commits.
      sql << "SELECT MIN(id) FROM training_jobs WHERE status = 'queued'", soci::into(id, ind);
    } else {
      // Row locks: a concurrent claimer skips the locked row and takes the next one.
      sql << "SELECT id FROM training_jobs WHERE status = 'queued' ORDER BY id LIMIT 1 "
             "FOR UPDATE SKIP LOCKED",
          soci::into(id, ind);
      if (!sql.got_data()) ind = soci::i_null;
    }
    if (ind != soci::i_ok) return std::nullopt;
    soci::statement st =
        (sql.prepare << "UPDATE training_jobs SET status = 'running', worker = :w, "
                        "attempts = attempts + 1, heartbeat_at = :h, started_at = :s, "
                        "stage = 'claimed', trees_done = 0 "
                        "WHERE id = :id AND status = 'queued'",
         soci::use(worker), soci::use(now), soci::use(now), soci::use(id));
    if (execute_counting(st) != 1) return std::nullopt;
    return find(tx, id);
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "claiming a training job");
  }
}

bool TrainingJobRepository::heartbeat(Transaction& tx, long long id, const std::string& worker,
                                      const std::string& now, const std::string& stage,
                                      long long trees_done, long long trees_total,
                                      bool& cancel_requested) {
  try {
    auto& sql = detail::sql(tx);
    soci::statement st = (sql.prepare << "UPDATE training_jobs SET heartbeat_at = :h, stage = :s, "
                                         "trees_done = :d, trees_total = :t "
                                         "WHERE id = :id AND worker = :w AND status = 'running'",
                          soci::use(now), soci::use(stage), soci::use(trees_done),
                          soci::use(trees_total), soci::use(id), soci::use(worker));
    if (execute_counting(st) != 1) return false;
    long long flag = 0;
    sql << "SELECT cancel_requested FROM training_jobs WHERE id = :id", soci::use(id),
        soci::into(flag);
    cancel_requested = flag != 0;
    return true;
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "recording training progress");
  }
}

bool TrainingJobRepository::finish(Transaction& tx, long long id, const std::string& worker,
                                   const std::string& status, const std::string& now,
                                   const std::optional<std::string>& error_text,
                                   const std::optional<long long>& model_id) {
  try {
    std::string error_value = error_text.value_or("");
    soci::indicator error_ind = error_text ? soci::i_ok : soci::i_null;
    long long model_value = model_id.value_or(0);
    soci::indicator model_ind = model_id ? soci::i_ok : soci::i_null;
    soci::statement st =
        (detail::sql(tx).prepare << "UPDATE training_jobs SET status = :st, finished_at = :f, "
                                    "heartbeat_at = :h, error = :e, model_id = :m, stage = :stage "
                                    "WHERE id = :id AND worker = :w AND status = 'running'",
         soci::use(status), soci::use(now), soci::use(now), soci::use(error_value, error_ind),
         soci::use(model_value, model_ind), soci::use(status), soci::use(id), soci::use(worker));
    return execute_counting(st) == 1;
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "finishing a training job");
  }
}

void TrainingJobRepository::set_split(Transaction& tx, long long id,
                                      const std::string& split_json) {
  try {
    detail::sql(tx) << "UPDATE training_jobs SET split = :s WHERE id = :id", soci::use(split_json),
        soci::use(id);
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "recording a training split");
  }
}

void TrainingJobRepository::request_cancel(Transaction& tx, long long id, const std::string& now) {
  try {
    auto& sql = detail::sql(tx);
    sql << "UPDATE training_jobs SET status = 'cancelled', stage = 'cancelled', finished_at = :f, "
           "cancel_requested = 1 WHERE id = :id AND status = 'queued'",
        soci::use(now), soci::use(id);
    sql << "UPDATE training_jobs SET cancel_requested = 1 WHERE id = :id AND status = 'running'",
        soci::use(id);
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "cancelling a training job");
  }
}

std::vector<long long> TrainingJobRepository::reap(Transaction& tx, const std::string& stale_before,
                                                   const std::string& now, long long max_attempts) {
  std::vector<long long> touched;
  try {
    auto& sql = detail::sql(tx);
    struct Stale {
      long long id;
      long long attempts;
      bool cancel;
    };
    std::vector<Stale> stale;
    {
      soci::rowset<soci::row> rows =
          (sql.prepare << "SELECT id, attempts, cancel_requested FROM training_jobs "
                          "WHERE status = 'running' AND heartbeat_at < :t ORDER BY id",
           soci::use(stale_before));
      for (const auto& row : rows) {
        stale.push_back(
            {detail::as_int(row, 0), detail::as_int(row, 1), detail::as_int(row, 2) != 0});
      }
    }
    for (const auto& [id, attempts, cancel] : stale) {
      if (cancel) {
        sql << "UPDATE training_jobs SET status = 'cancelled', stage = 'cancelled', finished_at = "
               ":f "
               "WHERE id = :id AND status = 'running'",
            soci::use(now), soci::use(id);
      } else if (attempts < max_attempts) {
        sql << "UPDATE training_jobs SET status = 'queued', worker = NULL, stage = 'requeued: "
               "worker lost', "
               "trees_done = 0 WHERE id = :id AND status = 'running'",
            soci::use(id);
      } else {
        const std::string error = "the worker stopped sending heartbeats (" +
                                  std::to_string(attempts) + " attempt(s)); marked failed";
        sql << "UPDATE training_jobs SET status = 'failed', stage = 'failed', finished_at = :f, "
               "error = :e "
               "WHERE id = :id AND status = 'running'",
            soci::use(now), soci::use(error), soci::use(id);
      }
      touched.push_back(id);
    }
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "re-queueing stale training jobs");
  }
  return touched;
}

}  // namespace risklab::store
