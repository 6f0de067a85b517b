#pragma once

#include <optional>
#include <string>
#include <vector>

namespace risklab::store {

class Transaction;

/// An account. `roles` is a comma-separated role list (core::format_roles);
/// `password_hash` is an Argon2id string (libsodium crypto_pwhash_str).
struct UserRecord {
  long long id = 0;
  std::string username;
  std::string display_name;
  std::string password_hash;
  std::string roles;
  bool disabled = false;
  std::string created_at;
  std::string created_by;
};

/// An API token; only the SHA-256 of the secret is stored, and a short prefix to recognise it.
struct TokenRecord {
  long long id = 0;
  long long user_id = 0;
  std::string name;
  std::string token_hash;
  std::string prefix;
  std::string created_at;
  std::string created_by;
  std::optional<std::string> revoked_at;
};

/// A log-in session; only the SHA-256 of the cookie value is stored.
struct SessionRecord {
  long long id = 0;
  std::string token_hash;
  long long user_id = 0;
  std::string csrf_token;
  std::string created_at;
  std::string expires_at;
};

/// Users, API tokens and sessions tables.
class UserRepository {
 public:
  /// Inserts `user`; Conflict if the user name is taken.
  long long insert(Transaction& tx, const UserRecord& user);
  std::optional<UserRecord> find(Transaction& tx, long long id);
  std::optional<UserRecord> find_by_username(Transaction& tx, const std::string& username);
  /// Every user, by user name.
  std::vector<UserRecord> list(Transaction& tx);
  void set_disabled(Transaction& tx, long long id, bool disabled);
  long long count(Transaction& tx);

  long long insert_token(Transaction& tx, const TokenRecord& token);
  std::optional<TokenRecord> find_token(Transaction& tx, long long id);
  /// The token with this hash, if it exists and is not revoked.
  std::optional<TokenRecord> find_active_token(Transaction& tx, const std::string& token_hash);
  std::vector<TokenRecord> list_tokens(Transaction& tx);
  void revoke_token(Transaction& tx, long long id, const std::string& at);

  void insert_session(Transaction& tx, const SessionRecord& session);
  /// The session with this hash if it has not expired at `now`.
  std::optional<SessionRecord> find_session(Transaction& tx, const std::string& token_hash,
                                            const std::string& now);
  void delete_session(Transaction& tx, const std::string& token_hash);
  /// Removes sessions that expired before `now` and every session of `user_id` if given.
  void delete_sessions(Transaction& tx, const std::string& now, std::optional<long long> user_id);
};

}  // namespace risklab::store
