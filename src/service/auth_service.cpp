#include "service/auth_service.hpp"

#include <sodium.h>

#include <algorithm>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/sha256.hpp"
#include "service/audit_service.hpp"
#include "service/permissions.hpp"
#include "store/transaction.hpp"
#include "store/user_repository.hpp"

namespace risklab::service {
namespace {

constexpr std::size_t kMinPasswordLength = 10;
constexpr std::size_t kMaxCachedTokens = 10000;

void init_sodium() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}

std::string hash_password(const std::string& password) {
  char hash[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(hash, password.c_str(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    throw std::runtime_error("out of memory while hashing a password");
  }
  return hash;
}

bool password_matches(const std::string& hash, const std::string& password) {
  return crypto_pwhash_str_verify(hash.c_str(), password.c_str(), password.size()) == 0;
}

core::Actor actor_of(const store::UserRecord& user) {
  return {user.id, user.username, core::parse_roles(user.roles)};
}

UserView view_of(const store::UserRecord& user) {
  return {user.id, user.username, user.display_name, user.roles, user.disabled, user.created_at};
}

void check_username(const std::string& username) {
  const bool ok = !username.empty() && username.size() <= 100 &&
                  std::all_of(username.begin(), username.end(), [](unsigned char c) {
                    return std::isalnum(c) || c == '.' || c == '_' || c == '-' || c == '@';
                  });
  if (!ok) {
    throw core::InvalidInput("bad_username",
                             "user name must be 1-100 characters of letters, digits, . _ - @");
  }
}

}  // namespace

std::string random_hex_secret() {
  init_sodium();
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  char hex[sizeof bytes * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
  return hex;
}

AuthService::AuthService(store::Database& db) : AuthService(db, Options{}) {}

AuthService::AuthService(store::Database& db, Options options) : db_(db), options_(options) {
  init_sodium();
}

long long AuthService::create_user(const core::Actor& by, const std::string& username,
                                   const std::string& display_name, const std::string& password,
                                   const std::string& roles) {
  if (by.id != 0) require_role(by, {core::Role::admin}, "create users");
  check_username(username);
  if (display_name.size() > 200) {  // users.display_name is VARCHAR(200)
    throw core::InvalidInput("bad_display_name", "display name must have at most 200 characters");
  }
  const auto role_set = core::parse_roles(roles);
  if (password.size() < kMinPasswordLength) {
    throw core::InvalidInput(
        "weak_password",
        "password must have at least " + std::to_string(kMinPasswordLength) + " characters");
  }
  store::UserRecord user;
  user.username = username;
  user.display_name = display_name.empty() ? username : display_name;
  user.password_hash = hash_password(password);
  user.roles = core::format_roles(role_set);
  user.created_at = core::utc_now_iso8601();
  user.created_by = by.name;
  store::Transaction tx(db_);
  store::UserRepository users;
  if (users.find_by_username(tx, username)) {
    throw core::Conflict("user_exists", "user '" + username + "' already exists");
  }
  user.id = users.insert(tx, user);
  AuditService::record(tx, by, "user.created", "user", std::to_string(user.id), nullptr,
                       {{"username", username}, {"roles", user.roles}});
  tx.commit();
  return user.id;
}

std::vector<UserView> AuthService::list_users(const core::Actor& by) {
  require_role(by, {core::Role::admin}, "list users");
  store::Transaction tx(db_, store::Transaction::Mode::read);
  std::vector<UserView> out;
  for (const auto& user : store::UserRepository().list(tx)) out.push_back(view_of(user));
  return out;
}

void AuthService::disable_user(const core::Actor& by, const std::string& username) {
  if (by.id != 0) require_role(by, {core::Role::admin}, "disable users");
  store::Transaction tx(db_);
  store::UserRepository users;
  const auto user = users.find_by_username(tx, username);
  if (!user) throw core::NotFound("user_not_found", "no user '" + username + "'");
  if (user->disabled) return;
  users.set_disabled(tx, user->id, true);
  users.delete_sessions(tx, core::utc_now_iso8601(), user->id);
  AuditService::record(tx, by, "user.disabled", "user", std::to_string(user->id),
                       {{"disabled", false}}, {{"disabled", true}});
  tx.commit();
  forget_tokens();
}

long long AuthService::user_count() {
  store::Transaction tx(db_, store::Transaction::Mode::read);
  return store::UserRepository().count(tx);
}

void AuthService::check_rate(const std::string& username) {
  std::lock_guard lock(failures_mutex_);
  auto& times = failures_[username];
  const auto cutoff = std::chrono::steady_clock::now() - options_.failed_login_window;
  std::erase_if(times, [&](auto t) { return t < cutoff; });
  if (static_cast<int>(times.size()) >= options_.max_failed_logins) {
    throw core::TooManyRequests("too_many_attempts",
                                "too many failed log-ins for this user; try again later");
  }
}

void AuthService::note_failure(const std::string& username) {
  std::lock_guard lock(failures_mutex_);
  failures_[username].push_back(std::chrono::steady_clock::now());
}

LoginResult AuthService::login(const std::string& username, const std::string& password) {
  check_rate(username);
  std::optional<store::UserRecord> user;
  {
    store::Transaction tx(db_, store::Transaction::Mode::read);
    user = store::UserRepository().find_by_username(tx, username);
  }
  // Argon2 verification runs outside any transaction: it takes tens of milliseconds.
  if (!user || user->disabled || !password_matches(user->password_hash, password)) {
    note_failure(username);
    throw core::Unauthenticated("bad_credentials", "wrong user name or password");
  }
  LoginResult result;
  result.session_token = random_hex_secret();
  result.csrf_token = random_hex_secret();
  result.expires_at = core::to_iso8601(std::chrono::system_clock::now() + options_.session_ttl);
  result.actor = actor_of(*user);
  store::Transaction tx(db_);
  store::UserRepository users;
  const std::string now = core::utc_now_iso8601();
  users.delete_sessions(tx, now, std::nullopt);
  users.insert_session(tx, {0, core::Sha256::of(result.session_token), user->id, result.csrf_token,
                            now, result.expires_at});
  tx.commit();
  return result;
}

void AuthService::logout(const std::string& session_token) {
  store::Transaction tx(db_);
  store::UserRepository().delete_session(tx, core::Sha256::of(session_token));
  tx.commit();
}

std::optional<SessionActor> AuthService::authenticate_session(const std::string& session_token) {
  if (session_token.size() != 64) return std::nullopt;
  store::Transaction tx(db_, store::Transaction::Mode::read);
  store::UserRepository users;
  const auto session =
      users.find_session(tx, core::Sha256::of(session_token), core::utc_now_iso8601());
  if (!session) return std::nullopt;
  const auto user = users.find(tx, session->user_id);
  if (!user || user->disabled) return std::nullopt;
  return SessionActor{actor_of(*user), session->csrf_token};
}

std::optional<core::Actor> AuthService::recently_checked_token(const std::string& secret) {
  if (secret.size() < 16 || options_.token_cache_ttl.count() <= 0) return std::nullopt;
  const std::string hash = core::Sha256::of(secret);
  std::lock_guard lock(tokens_mutex_);
  const auto it = tokens_.find(hash);
  if (it == tokens_.end() || it->second.expires <= std::chrono::steady_clock::now())
    return std::nullopt;
  return it->second.actor;
}

std::optional<core::Actor> AuthService::authenticate_token(const std::string& secret) {
  if (secret.size() < 16) return std::nullopt;
  // Tokens are 256-bit random secrets, so a plain SHA-256 is the right (and cheap) key.
  const std::string hash = core::Sha256::of(secret);
  const auto now = std::chrono::steady_clock::now();
  std::uint64_t generation = 0;
  if (options_.token_cache_ttl.count() > 0) {
    std::lock_guard lock(tokens_mutex_);
    generation = tokens_generation_;
    const auto it = tokens_.find(hash);
    if (it != tokens_.end()) {
      if (it->second.expires > now) return it->second.actor;
      tokens_.erase(it);
    }
  }
  std::optional<core::Actor> actor;
  {
    store::Transaction tx(db_, store::Transaction::Mode::read);
    store::UserRepository users;
    const auto token = users.find_active_token(tx, hash);
    if (!token) return std::nullopt;
    const auto user = users.find(tx, token->user_id);
    if (!user || user->disabled) return std::nullopt;
    actor = actor_of(*user);
  }
  // Only valid tokens are remembered: a new token works at once, a wrong one always asks. A
  // revocation that committed while we read (the generation moved) wins: nothing is cached.
  if (options_.token_cache_ttl.count() > 0) {
    std::lock_guard lock(tokens_mutex_);
    if (generation != tokens_generation_) return actor;
    if (tokens_.size() >= kMaxCachedTokens) tokens_.clear();
    tokens_[hash] = {*actor, now + options_.token_cache_ttl};
  }
  return actor;
}

void AuthService::forget_tokens() {
  std::lock_guard lock(tokens_mutex_);
  tokens_.clear();
  ++tokens_generation_;
}

CreatedToken AuthService::create_token(const core::Actor& by, const std::string& username,
                                       const std::string& name) {
  if (by.id != 0 && by.name != username) {
    require_role(by, {core::Role::admin}, "create tokens for other users");
  }
  if (name.empty() || name.size() > 200) {
    throw core::InvalidInput("bad_token_name", "token name must have 1 to 200 characters");
  }
  store::Transaction tx(db_);
  store::UserRepository users;
  const auto user = users.find_by_username(tx, username);
  if (!user) throw core::NotFound("user_not_found", "no user '" + username + "'");
  CreatedToken created;
  created.secret = "rlk_" + random_hex_secret();
  store::TokenRecord token;
  token.user_id = user->id;
  token.name = name;
  token.token_hash = core::Sha256::of(created.secret);
  token.prefix = created.secret.substr(0, 12);
  token.created_at = core::utc_now_iso8601();
  token.created_by = by.name;
  created.id = users.insert_token(tx, token);
  AuditService::record(tx, by, "token.created", "api_token", std::to_string(created.id), nullptr,
                       {{"user", username}, {"name", name}, {"prefix", token.prefix}});
  tx.commit();
  return created;
}

void AuthService::revoke_token(const core::Actor& by, long long id) {
  store::Transaction tx(db_);
  store::UserRepository users;
  const auto token = users.find_token(tx, id);
  if (!token) throw core::NotFound("token_not_found", "no API token " + std::to_string(id));
  if (by.id != 0 && by.id != token->user_id) {
    require_role(by, {core::Role::admin}, "revoke other users' tokens");
  }
  if (token->revoked_at) return;
  users.revoke_token(tx, id, core::utc_now_iso8601());
  AuditService::record(tx, by, "token.revoked", "api_token", std::to_string(id),
                       {{"revoked", false}}, {{"revoked", true}});
  tx.commit();
  forget_tokens();
}

}  // namespace risklab::service
