#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/role.hpp"

namespace risklab::store {
class Database;
}

namespace risklab::service {

/// A user as shown to people (never the password hash).
struct UserView {
  long long id = 0;
  std::string username;
  std::string display_name;
  std::string roles;
  bool disabled = false;
  std::string created_at;
};

/// A log-in: the session cookie value and the CSRF token to echo on state-changing forms.
struct LoginResult {
  std::string session_token;
  std::string csrf_token;
  std::string expires_at;
  core::Actor actor;
};

/// A session found from its cookie.
struct SessionActor {
  core::Actor actor;
  std::string csrf_token;
};

/// A new API token; `secret` is shown once and only its SHA-256 is stored.
struct CreatedToken {
  long long id = 0;
  std::string secret;
};

/// Accounts, log-in sessions and API tokens. Passwords are hashed with Argon2id (libsodium's
/// crypto_pwhash_str); session and token secrets are 256-bit random values stored as SHA-256.
class AuthService {
 public:
  struct Options {
    std::chrono::hours session_ttl{8};
    int max_failed_logins = 5;  ///< per user name within the window
    std::chrono::seconds failed_login_window{300};
    /// How long a verified API token is trusted without asking the database again. A token
    /// revoked (or its user disabled) through this service is dropped at once; one revoked
    /// through another replica or the CLI stops working within this time. 0 = no cache.
    std::chrono::milliseconds token_cache_ttl{1000};
  };

  explicit AuthService(store::Database& db);
  AuthService(store::Database& db, Options options);

  /// Creates a user. `by` must be an admin, or a system actor (id 0, e.g. `risklab init`).
  /// Throws InvalidInput (bad name, weak password, bad role), Conflict (name taken).
  long long create_user(const core::Actor& by, const std::string& username,
                        const std::string& display_name, const std::string& password,
                        const std::string& roles);
  /// Every user; admin only.
  std::vector<UserView> list_users(const core::Actor& by);
  /// Disables a user and ends their sessions; admin only, NotFound for an unknown name.
  void disable_user(const core::Actor& by, const std::string& username);
  /// Number of users (for `init`, which creates the first admin).
  long long user_count();

  /// Checks the password. Throws Unauthenticated("bad_credentials") for an unknown user, a wrong
  /// password or a disabled account (the same message for all three), and
  /// TooManyRequests("too_many_attempts") after repeated failures.
  LoginResult login(const std::string& username, const std::string& password);
  /// Ends the session (no error if it is already gone).
  void logout(const std::string& session_token);
  /// The actor of a live session, if the cookie is valid.
  std::optional<SessionActor> authenticate_session(const std::string& session_token);
  /// The owner of an active API token, if the bearer secret is valid. A valid token is
  /// remembered (by its SHA-256) for Options::token_cache_ttl.
  std::optional<core::Actor> authenticate_token(const std::string& secret);
  /// authenticate_token() without the database: the owner if the token is remembered (valid
  /// within Options::token_cache_ttl), nullopt otherwise — not a verdict, ask
  /// authenticate_token(). For threads that must not wait on the database.
  std::optional<core::Actor> recently_checked_token(const std::string& secret);

  /// Creates an API token for `username`: admins for anyone, users for themselves.
  CreatedToken create_token(const core::Actor& by, const std::string& username,
                            const std::string& name);
  /// Revokes token `id`: admins any, users their own. NotFound if unknown.
  void revoke_token(const core::Actor& by, long long id);

 private:
  void note_failure(const std::string& username);
  void check_rate(const std::string& username);
  void forget_tokens();

  struct CachedToken {
    core::Actor actor;
    std::chrono::steady_clock::time_point expires;
  };

  store::Database& db_;
  Options options_;
  std::mutex failures_mutex_;
  std::map<std::string, std::vector<std::chrono::steady_clock::time_point>> failures_;
  std::mutex tokens_mutex_;
  std::unordered_map<std::string, CachedToken> tokens_;  // by token SHA-256
  std::uint64_t tokens_generation_ = 0;                  // bumped by every forget_tokens()
};

/// A random 256-bit secret as 64 lowercase hex digits (libsodium randombytes).
std::string random_hex_secret();

}  // namespace risklab::service
