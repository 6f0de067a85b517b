#include "store/audit_repository.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/json_text.hpp"
#include "core/sha256.hpp"
#include "store/database.hpp"
#include "store/detail/rows.hpp"
#include "store/detail/session.hpp"

namespace risklab::store {
namespace {

constexpr const char* kSelect =
    "SELECT id, at, actor, action, entity_type, entity_id, before_json, after_json, prev_hash, "
    "hash FROM audit_log";

AuditEntry from_row(const soci::row& row) {
  AuditEntry entry;
  entry.id = detail::as_int(row, 0);
  entry.at = row.get<std::string>(1);
  entry.actor = row.get<std::string>(2);
  entry.action = row.get<std::string>(3);
  entry.entity_type = row.get<std::string>(4);
  entry.entity_id = row.get<std::string>(5);
  if (row.get_indicator(6) == soci::i_ok) entry.before_json = row.get<std::string>(6);
  if (row.get_indicator(7) == soci::i_ok) entry.after_json = row.get<std::string>(7);
  entry.prev_hash = row.get<std::string>(8);
  entry.hash = row.get<std::string>(9);
  return entry;
}

}  // namespace

namespace {

// Appends `text` as nlohmann::json's dump() writes a string (core::append_json_string, by
// hand because building a JSON array to dump it was most of the chain's cost on the scoring
// writer). Text with a byte of 0x80 or above (names and free text) goes through nlohmann
// itself, which also refuses invalid UTF-8 as before.
void append_json_string(std::string& out, const std::string& text) {
  if (std::any_of(text.begin(), text.end(),
                  [](char c) { return static_cast<unsigned char>(c) >= 0x80; })) {
    out += nlohmann::json(text).dump();
    return;
  }
  core::append_json_string(out, text);
}

}  // namespace

// The text of nlohmann::json{id, at, actor, action, entity_type, entity_id, before, after}.dump()
// (what the chain has always hashed), written without building the array.
std::string AuditRepository::canonical(const AuditEntry& entry) {
  std::string out;
  out.reserve(96 + entry.at.size() + entry.actor.size() + entry.action.size() +
              entry.entity_type.size() + entry.entity_id.size() +
              (entry.before_json ? entry.before_json->size() * 5 / 4 : 0) +
              (entry.after_json ? entry.after_json->size() * 5 / 4 : 0));
  out += '[';
  out += std::to_string(entry.id);
  for (const std::string* text :
       {&entry.at, &entry.actor, &entry.action, &entry.entity_type, &entry.entity_id}) {
    out += ',';
    append_json_string(out, *text);
  }
  for (const auto* json : {&entry.before_json, &entry.after_json}) {
    out += ',';
    if (*json) {
      append_json_string(out, **json);
    } else {
      out += "null";
    }
  }
  out += ']';
  return out;
}

std::string AuditRepository::chain_hash(const AuditEntry& entry) {
  core::Sha256 hash;
  hash.update(entry.prev_hash);
  hash.update(canonical(entry));
  return hash.hex();
}

AuditEntry AuditRepository::append(Transaction& tx, AuditEntry entry) {
  std::vector<AuditEntry> one;
  one.push_back(std::move(entry));
  return std::move(append_all(tx, std::move(one)).front());
}

std::vector<AuditEntry> AuditRepository::append_all(Transaction& tx,
                                                    std::vector<AuditEntry> entries) {
  if (entries.empty()) return entries;
  auto& sql = detail::sql(tx);
  try {
    long long last_id = 0;
    std::string last_hash;
    // FOR UPDATE locks the head row until commit on MySQL/PostgreSQL; on SQLite the write
    // transaction (BEGIN IMMEDIATE) already serialises writers.
    const std::string lock = tx.database().backend() == Backend::sqlite ? "" : " FOR UPDATE";
    sql << "SELECT last_id, last_hash FROM audit_head WHERE id = 1" + lock, soci::into(last_id),
        soci::into(last_hash);
    std::vector<detail::Row> rows;
    rows.reserve(entries.size());
    for (auto& entry : entries) {
      entry.id = ++last_id;
      entry.prev_hash = std::move(last_hash);
      entry.hash = chain_hash(entry);
      last_hash = entry.hash;
      rows.push_back({entry.id, entry.at, entry.actor, entry.action, entry.entity_type,
                      entry.entity_id, detail::or_null(entry.before_json),
                      detail::or_null(entry.after_json), entry.prev_hash, entry.hash});
    }
    detail::insert_rows(sql, tx.database().backend(), "audit_log",
                        {{"id"}, {"at"}, {"actor"}, {"action"}, {"entity_type"}, {"entity_id"},
                         {"before_json"}, {"after_json"}, {"prev_hash"}, {"hash"}},
                        rows);
    sql << "UPDATE audit_head SET last_id = :i, last_hash = :h WHERE id = 1", soci::use(last_id),
        soci::use(last_hash);
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "appending to the audit log");
  }
  return entries;
}

std::vector<AuditEntry> AuditRepository::list(Transaction& tx, const AuditQuery& query) {
  std::string where = " WHERE id > :p0";
  detail::Row values = {query.after_id};
  auto add = [&](const char* column, const std::optional<std::string>& value) {
    if (!value) return;
    where += std::string(" AND ") + column + " = :p" + std::to_string(values.size());
    values.push_back(*value);
  };
  add("entity_type", query.entity_type);
  add("entity_id", query.entity_id);
  add("actor", query.actor);
  add("action", query.action);
  if (query.before_id) {
    where += " AND id < :p" + std::to_string(values.size());
    values.push_back(*query.before_id);
  }
  const long long limit = std::clamp(query.limit, 1, 1000);
  values.push_back(limit);
  const std::string text = std::string(kSelect) + where +
                           (query.newest_first ? " ORDER BY id DESC" : " ORDER BY id") +
                           " LIMIT :p" + std::to_string(values.size() - 1);
  try {
    std::vector<AuditEntry> out;
    detail::Binder binder(values);
    soci::row row;
    soci::statement st(detail::sql(tx));
    st.exchange(soci::into(row));
    binder.bind(st);
    st.alloc();
    st.prepare(text);
    st.define_and_bind();
    st.execute(false);
    while (st.fetch()) out.push_back(from_row(row));
    return out;
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "reading the audit log");
  }
}

AuditVerification AuditRepository::verify(Transaction& tx) {
  AuditVerification result;
  try {
    std::string prev_hash(64, '0');
    long long expected_id = 1;
    soci::rowset<soci::row> rows =
        (detail::sql(tx).prepare << std::string(kSelect) + " ORDER BY id");
    for (const auto& row : rows) {
      const AuditEntry entry = from_row(row);
      ++result.rows_checked;
      auto fail = [&](const std::string& problem) {
        result.ok = false;
        result.first_bad_id = std::min(entry.id, expected_id);
        result.problem = problem;
      };
      if (entry.id != expected_id) {
        fail("row " + std::to_string(expected_id) + " is missing (next row is " +
             std::to_string(entry.id) + "): deleted");
      } else if (entry.prev_hash != prev_hash) {
        fail("row " + std::to_string(entry.id) + " does not link to row " +
             std::to_string(entry.id - 1) + ": the chain was altered");
      } else if (chain_hash(entry) != entry.hash) {
        fail("row " + std::to_string(entry.id) + " (" + entry.action + " " + entry.entity_type +
             " " + entry.entity_id + ") was edited: its content no longer matches its hash");
      }
      if (!result.ok) return result;
      prev_hash = entry.hash;
      ++expected_id;
    }
    long long last_id = 0;
    std::string last_hash;
    detail::sql(tx) << "SELECT last_id, last_hash FROM audit_head WHERE id = 1",
        soci::into(last_id), soci::into(last_hash);
    if (last_id != expected_id - 1 || last_hash != prev_hash) {
      result.ok = false;
      result.first_bad_id = expected_id;
      result.problem = "the log ends at row " + std::to_string(expected_id - 1) + " but " +
                       std::to_string(last_id) + " rows were written: rows at the end were deleted";
    }
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "verifying the audit log");
  }
  return result;
}

}  // namespace risklab::store
