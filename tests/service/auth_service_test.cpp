// API tokens on every backend: a verified token is remembered briefly, and a revocation or a
// disabled account takes effect at once in this process and within the cache's TTL elsewhere.
#include "service/auth_service.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "store/database.hpp"
#include "store/migrations.hpp"
#include "store/transaction.hpp"
#include "store/user_repository.hpp"
#include "support/backends.hpp"

namespace risklab::service {
namespace {

const core::Actor kSystem{0, "test-setup", {core::Role::admin}};

class AuthServiceTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    test_db_ = std::make_unique<test::TestDatabase>(GetParam());
    db_ = store::Database::open(test_db_->url());
    store::migrate(*db_);
    AuthService::Options options;
    options.token_cache_ttl = std::chrono::milliseconds(300);
    auth_ = std::make_unique<AuthService>(*db_, options);
    auth_->create_user(kSystem, "ana", "", "ana-password-1", "analyst");
    token_ = auth_->create_token(kSystem, "ana", "loan system");
  }

  // What another replica (or the CLI) does: revoke the token straight in the database.
  void revoke_elsewhere() {
    store::Transaction tx(*db_);
    store::UserRepository().revoke_token(tx, token_.id, "2026-11-29T12:00:00Z");
    tx.commit();
  }

  std::unique_ptr<test::TestDatabase> test_db_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<AuthService> auth_;
  CreatedToken token_;
};

TEST_P(AuthServiceTest, AValidTokenNamesItsUser) {
  const auto actor = auth_->authenticate_token(token_.secret);
  ASSERT_TRUE(actor);
  EXPECT_EQ(actor->name, "ana");
  EXPECT_TRUE(actor->roles.count(core::Role::analyst));
  EXPECT_TRUE(auth_->authenticate_token(token_.secret)) << "again, from the cache";
  EXPECT_FALSE(auth_->authenticate_token(token_.secret + "x"));
  EXPECT_FALSE(auth_->authenticate_token("short"));
}

TEST_P(AuthServiceTest, RevokingThroughTheServiceTakesEffectAtOnce) {
  ASSERT_TRUE(auth_->authenticate_token(token_.secret));  // now cached
  auth_->revoke_token(kSystem, token_.id);
  EXPECT_FALSE(auth_->authenticate_token(token_.secret));
}

TEST_P(AuthServiceTest, DisablingTheUserTakesEffectAtOnce) {
  ASSERT_TRUE(auth_->authenticate_token(token_.secret));
  auth_->disable_user(kSystem, "ana");
  EXPECT_FALSE(auth_->authenticate_token(token_.secret));
}

TEST_P(AuthServiceTest, ARevocationElsewhereTakesEffectWithinTheCacheTtl) {
  ASSERT_TRUE(auth_->authenticate_token(token_.secret));
  revoke_elsewhere();
  // Still trusted from the cache for at most the TTL (300 ms here)...
  const auto revoked_at = std::chrono::steady_clock::now();
  bool refused = false;
  while (std::chrono::steady_clock::now() - revoked_at < std::chrono::seconds(3)) {
    if (!auth_->authenticate_token(token_.secret)) {
      refused = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const auto took = std::chrono::steady_clock::now() - revoked_at;
  EXPECT_TRUE(refused);
  EXPECT_LE(took, std::chrono::milliseconds(300 + 700)) << "slack for a loaded test machine";
  // ...and refused from then on.
  EXPECT_FALSE(auth_->authenticate_token(token_.secret));
}

TEST_P(AuthServiceTest, WithoutACacheARevocationElsewhereTakesEffectAtOnce) {
  AuthService::Options options;
  options.token_cache_ttl = std::chrono::milliseconds(0);
  AuthService uncached(*db_, options);
  ASSERT_TRUE(uncached.authenticate_token(token_.secret));
  revoke_elsewhere();
  EXPECT_FALSE(uncached.authenticate_token(token_.secret));
}

INSTANTIATE_TEST_SUITE_P(Backends, AuthServiceTest, ::testing::ValuesIn(test::all_backends()),
                         test::BackendName());

}  // namespace
}  // namespace risklab::service
