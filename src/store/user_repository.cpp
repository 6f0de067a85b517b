#include "store/user_repository.hpp"

#include "store/database.hpp"
#include "store/detail/rows.hpp"
#include "store/detail/session.hpp"

namespace risklab::store {
namespace {

constexpr const char* kUserColumns =
    "SELECT id, username, display_name, password_hash, roles, disabled, created_at, created_by "
    "FROM users";
constexpr const char* kTokenColumns =
    "SELECT id, user_id, name, token_hash, prefix, created_at, created_by, revoked_at "
    "FROM api_tokens";

UserRecord user_from(const soci::row& row) {
  return {detail::as_int(row, 0), row.get<std::string>(1), row.get<std::string>(2),
          row.get<std::string>(3), row.get<std::string>(4), detail::as_int(row, 5) != 0,
          row.get<std::string>(6),  row.get<std::string>(7)};
}

TokenRecord token_from(const soci::row& row) {
  TokenRecord token{detail::as_int(row, 0), detail::as_int(row, 1), row.get<std::string>(2),
                    row.get<std::string>(3), row.get<std::string>(4), row.get<std::string>(5),
                    row.get<std::string>(6), std::nullopt};
  if (row.get_indicator(7) == soci::i_ok) token.revoked_at = row.get<std::string>(7);
  return token;
}

template <class Record, class From, class... Uses>
std::vector<Record> query(Transaction& tx, const std::string& sql, From from, const char* what,
                          Uses&&... uses) {
  try {
    std::vector<Record> out;
    soci::rowset<soci::row> rows = ((detail::sql(tx).prepare << sql), ..., soci::use(uses));
    for (const auto& row : rows) out.push_back(from(row));
    return out;
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), what);
  }
}

template <class T>
std::optional<T> first(std::vector<T> rows) {
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

}  // namespace

long long UserRepository::insert(Transaction& tx, const UserRecord& user) {
  try {
    return detail::insert_returning_id(
        detail::sql(tx), tx.database().backend(), "users",
        {{"username"}, {"display_name"}, {"password_hash"}, {"roles"}, {"disabled"},
         {"created_at"}, {"created_by"}},
        {user.username, user.display_name, user.password_hash, user.roles,
         static_cast<long long>(user.disabled), user.created_at, user.created_by});
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "creating user '" + user.username + "'");
  }
}

std::optional<UserRecord> UserRepository::find(Transaction& tx, long long id) {
  return first(query<UserRecord>(tx, std::string(kUserColumns) + " WHERE id = :id", user_from,
                                 "reading a user", id));
}

std::optional<UserRecord> UserRepository::find_by_username(Transaction& tx,
                                                           const std::string& username) {
  return first(query<UserRecord>(tx, std::string(kUserColumns) + " WHERE username = :u",
                                 user_from, "reading a user", username));
}

std::vector<UserRecord> UserRepository::list(Transaction& tx) {
  return query<UserRecord>(tx, std::string(kUserColumns) + " ORDER BY username", user_from,
                           "listing users");
}

void UserRepository::set_disabled(Transaction& tx, long long id, bool disabled) {
  const int flag = disabled ? 1 : 0;
  try {
    detail::sql(tx) << "UPDATE users SET disabled = :d WHERE id = :id", soci::use(flag),
        soci::use(id);
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "updating a user");
  }
}

long long UserRepository::count(Transaction& tx) {
  long long count = 0;
  try {
    detail::sql(tx) << "SELECT COUNT(*) FROM users", soci::into(count);
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "counting users");
  }
  return count;
}

long long UserRepository::insert_token(Transaction& tx, const TokenRecord& token) {
  try {
    return detail::insert_returning_id(
        detail::sql(tx), tx.database().backend(), "api_tokens",
        {{"user_id"}, {"name"}, {"token_hash"}, {"prefix"}, {"created_at"}, {"created_by"}},
        {token.user_id, token.name, token.token_hash, token.prefix, token.created_at,
         token.created_by});
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "creating an API token");
  }
}

std::optional<TokenRecord> UserRepository::find_token(Transaction& tx, long long id) {
  return first(query<TokenRecord>(tx, std::string(kTokenColumns) + " WHERE id = :id", token_from,
                                  "reading a token", id));
}

std::optional<TokenRecord> UserRepository::find_active_token(Transaction& tx,
                                                             const std::string& token_hash) {
  return first(query<TokenRecord>(
      tx, std::string(kTokenColumns) + " WHERE token_hash = :h AND revoked_at IS NULL",
      token_from, "reading a token", token_hash));
}

std::vector<TokenRecord> UserRepository::list_tokens(Transaction& tx) {
  return query<TokenRecord>(tx, std::string(kTokenColumns) + " ORDER BY id", token_from,
                            "listing tokens");
}

void UserRepository::revoke_token(Transaction& tx, long long id, const std::string& at) {
  try {
    detail::sql(tx) << "UPDATE api_tokens SET revoked_at = :at WHERE id = :id AND revoked_at IS NULL",
        soci::use(at), soci::use(id);
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "revoking a token");
  }
}

void UserRepository::insert_session(Transaction& tx, const SessionRecord& session) {
  try {
    detail::insert_rows(detail::sql(tx), tx.database().backend(), "sessions",
                        {{"token_hash"}, {"user_id"}, {"csrf_token"}, {"created_at"}, {"expires_at"}},
                        {{session.token_hash, session.user_id, session.csrf_token,
                          session.created_at, session.expires_at}});
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "creating a session");
  }
}

std::optional<SessionRecord> UserRepository::find_session(Transaction& tx,
                                                          const std::string& token_hash,
                                                          const std::string& now) {
  return first(query<SessionRecord>(
      tx,
      "SELECT id, token_hash, user_id, csrf_token, created_at, expires_at FROM sessions "
      "WHERE token_hash = :h AND expires_at > :now",
      [](const soci::row& row) {
        return SessionRecord{detail::as_int(row, 0), row.get<std::string>(1),
                             detail::as_int(row, 2), row.get<std::string>(3),
                             row.get<std::string>(4), row.get<std::string>(5)};
      },
      "reading a session", token_hash, now));
}

void UserRepository::delete_session(Transaction& tx, const std::string& token_hash) {
  try {
    detail::sql(tx) << "DELETE FROM sessions WHERE token_hash = :h", soci::use(token_hash);
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "ending a session");
  }
}

void UserRepository::delete_sessions(Transaction& tx, const std::string& now,
                                     std::optional<long long> user_id) {
  try {
    detail::sql(tx) << "DELETE FROM sessions WHERE expires_at <= :now", soci::use(now);
    if (user_id) detail::sql(tx) << "DELETE FROM sessions WHERE user_id = :u", soci::use(*user_id);
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "ending sessions");
  }
}

}  // namespace risklab::store
