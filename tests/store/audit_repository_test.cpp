// The hash chain on every backend: intact logs verify; an edited, deleted or truncated row is
// named by id.
#include "store/audit_repository.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "store/database.hpp"
#include "store/detail/session.hpp"
#include "store/migrations.hpp"
#include "store/transaction.hpp"
#include "support/backends.hpp"

namespace risklab::store {
namespace {

// What the chain has always hashed: nlohmann's dump of the row as an array.
std::string nlohmann_canonical(const AuditEntry& e) {
  const auto text = [](const std::optional<std::string>& json) {
    return json ? nlohmann::json(*json) : nlohmann::json(nullptr);
  };
  return nlohmann::json{e.id,
                        e.at,
                        e.actor,
                        e.action,
                        e.entity_type,
                        e.entity_id,
                        text(e.before_json),
                        text(e.after_json)}
      .dump();
}

// canonical() is written by hand; every hash ever chained depends on it being byte for byte
// nlohmann's dump: control bytes, quotes, backslashes, DEL, UTF-8, absent and empty values.
TEST(AuditCanonical, IsNlohmannsDumpOfTheRowByteForByte) {
  AuditEntry e;
  e.id = 9007199254740993;
  e.at = "2026-11-29T10:00:00Z";
  e.actor = "ana \"the\" analyst\\";
  e.action = "user.created";
  e.entity_type = "user";
  e.entity_id = "";
  e.after_json = R"({"name":"Zoë Ñandú","note":"tab\there"})";
  EXPECT_EQ(AuditRepository::canonical(e), nlohmann_canonical(e));
  e.before_json = std::string("\x01\x1f\x7f\b\f\n\r\t/", 10);
  EXPECT_EQ(AuditRepository::canonical(e), nlohmann_canonical(e));
  std::mt19937 random(17);
  for (int round = 0; round < 2000; ++round) {
    std::string text(random() % 40, ' ');
    for (auto& c : text) c = static_cast<char>(random() % 0x80);  // every ASCII byte
    e.id = static_cast<long long>(random()) - 1000;
    e.actor = text;
    e.after_json = text + "\"";
    if (round % 2) e.before_json.reset();
    EXPECT_EQ(AuditRepository::canonical(e), nlohmann_canonical(e)) << round;
  }
  e.actor = "\xc3\x28";  // invalid UTF-8: refused, as nlohmann refuses it
  EXPECT_THROW(AuditRepository::canonical(e), nlohmann::json::exception);
}

class AuditRepositoryTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    test_db_ = std::make_unique<test::TestDatabase>(GetParam());
    db_ = Database::open(test_db_->url());
    migrate(*db_);
    for (int i = 1; i <= 5; ++i) {
      Transaction tx(*db_);
      AuditEntry entry;
      entry.at = "2026-11-29T10:00:0" + std::to_string(i) + "Z";
      entry.actor = "ana";
      entry.action = "assessment.created";
      entry.entity_type = "assessment";
      entry.entity_id = std::to_string(i);
      entry.after_json = R"({"pd":0.0)" + std::to_string(i) + "}";
      AuditRepository().append(tx, entry);
      tx.commit();
    }
  }

  void execute(const std::string& sql) {
    Transaction tx(*db_);
    detail::sql(tx) << sql;
    tx.commit();
  }

  AuditVerification verify() {
    Transaction tx(*db_);
    return AuditRepository().verify(tx);
  }

  std::unique_ptr<test::TestDatabase> test_db_;
  std::unique_ptr<Database> db_;
};

TEST_P(AuditRepositoryTest, AppendedRowsChainAndVerify) {
  const auto result = verify();
  EXPECT_TRUE(result.ok) << result.problem;
  EXPECT_EQ(result.rows_checked, 5);
  Transaction tx(*db_);
  const auto rows = AuditRepository().list(tx, {});
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0].prev_hash, std::string(64, '0'));
  for (std::size_t i = 1; i < rows.size(); ++i) EXPECT_EQ(rows[i].prev_hash, rows[i - 1].hash);
}

TEST_P(AuditRepositoryTest, RolledBackAppendLeavesNoGap) {
  {
    Transaction tx(*db_);
    AuditRepository().append(tx, {0, "now", "x", "a", "t", "1", {}, {}, "", ""});
  }
  EXPECT_TRUE(verify().ok);
  Transaction tx(*db_);
  EXPECT_EQ(AuditRepository().append(tx, {0, "now", "x", "a", "t", "1", {}, {}, "", ""}).id, 6);
}

TEST_P(AuditRepositoryTest, EditedRowIsNamed) {
  execute("UPDATE audit_log SET after_json = '{\"pd\":0.5}' WHERE id = 3");
  const auto result = verify();
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.first_bad_id, 3);
  EXPECT_NE(result.problem.find("edited"), std::string::npos) << result.problem;
}

TEST_P(AuditRepositoryTest, RewrittenHashIsCaughtByTheNextLink) {
  // A forger who rewrites row 2 and its hash still breaks row 3's link to it.
  Transaction tx(*db_);
  const std::string hash(64, 'f');
  detail::sql(tx) << "UPDATE audit_log SET actor = 'mallory', hash = :h WHERE id = 2", soci::use(hash);
  tx.commit();
  const auto result = verify();
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.first_bad_id, 2);
}

TEST_P(AuditRepositoryTest, DeletedRowIsNamed) {
  execute("DELETE FROM audit_log WHERE id = 2");
  const auto result = verify();
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.first_bad_id, 2);
  EXPECT_NE(result.problem.find("deleted"), std::string::npos) << result.problem;
}

TEST_P(AuditRepositoryTest, DeletedLastRowsAreFoundThroughTheHead) {
  execute("DELETE FROM audit_log WHERE id >= 4");
  const auto result = verify();
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.first_bad_id, 4);
}

TEST_P(AuditRepositoryTest, ListFiltersAndPages) {
  Transaction tx(*db_);
  AuditQuery query;
  query.entity_id = "4";
  EXPECT_EQ(AuditRepository().list(tx, query).size(), 1u);
  query = {};
  query.after_id = 2;
  query.limit = 2;
  const auto page = AuditRepository().list(tx, query);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].id, 3);
  EXPECT_EQ(page[1].id, 4);
}

TEST_P(AuditRepositoryTest, ListsNewestFirstAndPagesBackByBeforeId) {
  Transaction tx(*db_);
  AuditQuery query;
  query.newest_first = true;
  query.limit = 2;
  auto page = AuditRepository().list(tx, query);
  ASSERT_EQ(page.size(), 2u);
  const auto newest = page[0].id;
  EXPECT_EQ(page[1].id, newest - 1);
  query.before_id = page[1].id;
  page = AuditRepository().list(tx, query);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].id, newest - 2);
  EXPECT_EQ(page[1].id, newest - 3);
}

INSTANTIATE_TEST_SUITE_P(Backends, AuditRepositoryTest, ::testing::ValuesIn(test::all_backends()),
                         test::BackendName());

}  // namespace
}  // namespace risklab::store
