#include "store/outbox_repository.hpp"

#include "store/database.hpp"
#include "store/detail/rows.hpp"
#include "store/detail/session.hpp"

namespace risklab::store {

void OutboxRepository::enqueue(Transaction& tx, const OutboxEvent& event) {
  try {
    detail::insert_rows(detail::sql(tx), tx.database().backend(), "outbox",
                        {{"event_type"}, {"entity_id"}, {"lake_key"}, {"payload"}, {"created_at"},
                         {"next_attempt_at"}},
                        {{event.event_type, event.entity_id, event.lake_key, event.payload,
                          event.created_at, event.created_at}});
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "queueing a lake write");
  }
}

std::vector<OutboxEvent> OutboxRepository::due(Transaction& tx, const std::string& now, int limit) {
  std::vector<OutboxEvent> out;
  try {
    const long long max_rows = limit;
    soci::rowset<soci::row> rows =
        (detail::sql(tx).prepare
             << "SELECT id, event_type, entity_id, lake_key, payload, created_at, attempts, "
                "next_attempt_at, last_error FROM outbox WHERE shipped_at IS NULL AND "
                "next_attempt_at <= :now ORDER BY id LIMIT :n",
         soci::use(now), soci::use(max_rows));
    for (const auto& row : rows) {
      OutboxEvent event;
      event.id = detail::as_int(row, 0);
      event.event_type = row.get<std::string>(1);
      event.entity_id = row.get<std::string>(2);
      event.lake_key = row.get<std::string>(3);
      event.payload = row.get<std::string>(4);
      event.created_at = row.get<std::string>(5);
      event.attempts = static_cast<int>(detail::as_int(row, 6));
      event.next_attempt_at = row.get<std::string>(7);
      if (row.get_indicator(8) == soci::i_ok) event.last_error = row.get<std::string>(8);
      out.push_back(std::move(event));
    }
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "reading the outbox");
  }
  return out;
}

void OutboxRepository::mark_shipped(Transaction& tx, long long id, const std::string& at) {
  try {
    detail::sql(tx) << "UPDATE outbox SET shipped_at = :at WHERE id = :id", soci::use(at),
        soci::use(id);
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "marking an outbox row shipped");
  }
}

void OutboxRepository::mark_failed(Transaction& tx, long long id, const std::string& error_text,
                                   const std::string& next_attempt_at) {
  try {
    detail::sql(tx) << "UPDATE outbox SET attempts = attempts + 1, last_error = :e, "
                       "next_attempt_at = :n WHERE id = :id",
        soci::use(error_text), soci::use(next_attempt_at), soci::use(id);
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "recording an outbox failure");
  }
}

OutboxBacklog OutboxRepository::backlog(Transaction& tx) {
  OutboxBacklog backlog;
  std::string oldest;
  soci::indicator ind = soci::i_null;
  try {
    detail::sql(tx) << "SELECT COUNT(*), MIN(created_at) FROM outbox WHERE shipped_at IS NULL",
        soci::into(backlog.pending), soci::into(oldest, ind);
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "reading the outbox backlog");
  }
  if (ind == soci::i_ok) backlog.oldest_created_at = oldest;
  return backlog;
}

}  // namespace risklab::store
