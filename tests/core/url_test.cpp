#include "core/url.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace risklab::core {
namespace {

TEST(Url, ParsesServerUrlWithCredentialsPortPathAndQuery) {
  const auto url = Url::parse("mysql://app:p%40ss@127.0.0.1:3306/risklab?ssl=true");
  EXPECT_EQ(url.scheme, "mysql");
  EXPECT_EQ(url.user, "app");
  EXPECT_EQ(url.password, "p@ss");
  EXPECT_EQ(url.host, "127.0.0.1");
  EXPECT_EQ(url.port, 3306);
  EXPECT_EQ(url.path, "risklab");
  EXPECT_EQ(url.query.at("ssl"), "true");
}

TEST(Url, KeepsTheOpaquePartForFileLikeUrls) {
  EXPECT_EQ(Url::parse("sqlite://data/risk.db").opaque, "data/risk.db");
  EXPECT_EQ(Url::parse("sqlite:///abs/risk.db").opaque, "/abs/risk.db");
}

TEST(Url, RedactsThePassword) {
  const auto url = Url::parse("postgresql://app:secret@db:5432/risklab");
  EXPECT_EQ(url.redacted(), "postgresql://app:***@db:5432/risklab");
  EXPECT_EQ(url.redacted().find("secret"), std::string::npos);
}

// Found by fuzz/url_config_fuzzer.cpp: with no host, redacted() returned the raw text after
// "scheme://", password included; parse errors quoted the whole URL, password and SAS
// signature included.
TEST(Url, NeverShowsThePasswordInRedactedFormOrErrors) {
  EXPECT_EQ(Url::parse("mysql://app:secret@").redacted(), "mysql://app:***@");
  EXPECT_EQ(Url::parse("mysql://app:secret@?x=1").redacted(), "mysql://app:***@?x=1");
  EXPECT_EQ(Url::parse("sqlite://data/risk.db").redacted(), "sqlite://data/risk.db");
  for (const char* text :
       {"mysql://app:secret@db:99999/risklab", "mysql://app:secret%zz@db/risklab",
        "mysql://app:secret@db:x/risklab", "://app:secret@db/risklab",
        "my sql://app:secret@db/risklab", "azure://acct/c?sig=secret&x=%zz",
        "azure://acct/c?si%67=secret&x=%zz", "azure://acct:9x/c?key=secret"}) {
    try {
      Url::parse(text);
      ADD_FAILURE() << "accepted " << text;
    } catch (const InvalidInput& error) {
      EXPECT_EQ(error.code(), "bad_url") << text;
      EXPECT_EQ(std::string(error.what()).find("secret"), std::string::npos) << error.what();
    }
  }
}

TEST(Url, RejectsMalformedUrlsWithAClearReason) {
  for (const char* text : {"risklab.db", "://x", "mysql://h:99999/db", "mysql://h:abc/db",
                           "mysql://u:%zz@h/db", "my sql://h/db"}) {
    try {
      Url::parse(text);
      ADD_FAILURE() << "accepted " << text;
    } catch (const InvalidInput& error) {
      EXPECT_EQ(error.code(), "bad_url") << text;
    }
  }
}

}  // namespace
}  // namespace risklab::core
