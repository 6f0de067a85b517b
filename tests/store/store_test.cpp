// Store tests, written once and run on SQLite, MariaDB and PostgreSQL.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <thread>

#include "core/error.hpp"
#include "store/company_repository.hpp"
#include "store/database.hpp"
#include "store/dataset_repository.hpp"
#include "store/detail/session.hpp"
#include "store/migrations.hpp"
#include "store/statement_repository.hpp"
#include "store/transaction.hpp"
#include "support/backends.hpp"
#include "support/temp_dir.hpp"

namespace risklab::store {
namespace {

class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    test_db_ = std::make_unique<test::TestDatabase>(GetParam());
    db_ = Database::open(test_db_->url());
  }
  void migrated() { migrate(*db_); }

  std::unique_ptr<test::TestDatabase> test_db_;
  std::unique_ptr<Database> db_;
};

TEST_P(StoreTest, OpensTheBackendNamedByTheUrl) {
  EXPECT_EQ(backend_name(db_->backend()), GetParam());
  EXPECT_EQ(db_->display_url().find("risklab-test-pw"), std::string::npos)
      << "the password must never be displayed";
}

TEST_P(StoreTest, FreshDatabaseMigratesToTheLatestVersionOnce) {
  EXPECT_EQ(schema_version(*db_), 0);
  const auto applied = migrate(*db_);
  EXPECT_EQ(static_cast<int>(applied.size()), latest_schema_version());
  EXPECT_EQ(schema_version(*db_), latest_schema_version());
  EXPECT_TRUE(migrate(*db_).empty()) << "a second migrate has nothing to do";
  EXPECT_NO_THROW(check_schema(*db_));
}

TEST_P(StoreTest, CheckSchemaAsksForInitOnAnEmptyDatabase) {
  try {
    check_schema(*db_);
    FAIL() << "expected Conflict";
  } catch (const core::Conflict& error) {
    EXPECT_EQ(error.code(), "schema_outdated");
    EXPECT_NE(std::string(error.what()).find("risklab init"), std::string::npos);
  }
}

TEST_P(StoreTest, OlderBinaryRefusesANewerSchemaAndChangesNothing) {
  migrated();
  const int future = latest_schema_version() + 1;
  {
    // What a newer release's migration would leave behind.
    Transaction tx(*db_);
    detail::sql(tx) << "INSERT INTO schema_version (version, name, applied_at) "
                       "VALUES (:v, 'from_the_future', 'now')",
        soci::use(future);
    tx.commit();
  }
  try {
    check_schema(*db_);
    FAIL() << "expected Conflict";
  } catch (const core::Conflict& error) {
    EXPECT_EQ(error.code(), "schema_too_new");
    EXPECT_NE(std::string(error.what()).find("upgrade risklab"), std::string::npos);
  }
  EXPECT_THROW(migrate(*db_), core::Conflict);
  EXPECT_EQ(schema_version(*db_), future);
}

TEST_P(StoreTest, TransactionDestroyedWithoutCommitRollsBack) {
  migrated();
  {
    Transaction tx(*db_);
    DatasetRepository().insert(tx, {0, "rolled-back", {{"x", " x"}}, {}, {}, "now", "test"});
  }
  Transaction tx(*db_);
  EXPECT_FALSE(DatasetRepository().find_by_name(tx, "rolled-back").has_value());
}

TEST_P(StoreTest, DatasetKeepsFeatureNamesExactlyIncludingNonAscii) {
  migrated();
  const std::vector<FeatureColumn> features = {
      {"Revenue Per Share (Yuan \xC2\xA5)", " Revenue Per Share (Yuan \xC2\xA5)"},
      {"Net Income to Stockholder's Equity", " Net Income to Stockholder's Equity"}};
  {
    Transaction tx(*db_);
    DatasetRepository().insert(tx, {0, "taiwan", features, "Bankrupt?", {}, "now", "test"});
    tx.commit();
  }
  Transaction tx(*db_);
  const auto dataset = DatasetRepository().find_by_name(tx, "taiwan");
  ASSERT_TRUE(dataset.has_value());
  ASSERT_EQ(dataset->features.size(), 2u);
  EXPECT_EQ(dataset->features[0].name, features[0].name);
  EXPECT_EQ(dataset->features[0].source_name, features[0].source_name);
  EXPECT_EQ(dataset->features[1].name, features[1].name);
  EXPECT_EQ(dataset->label_column, "Bankrupt?");
  EXPECT_FALSE(dataset->id_column.has_value());
}

TEST_P(StoreTest, DuplicateDatasetNameIsAConflict) {
  migrated();
  Transaction tx(*db_);
  DatasetRepository().insert(tx, {0, "d", {{"x", "x"}}, {}, {}, "now", "test"});
  EXPECT_THROW(DatasetRepository().insert(tx, {0, "d", {{"x", "x"}}, {}, {}, "now", "test"}),
               core::Conflict);
}

TEST_P(StoreTest, EnsureCompaniesInsertsOnlyTheMissingOnes) {
  migrated();
  Transaction tx(*db_);
  CompanyRepository companies;
  const auto first = companies.ensure(tx, {{0, "A", "Alpha"}, {0, "B", "Beta"}}, "now");
  const auto second = companies.ensure(tx, {{0, "B", "Beta"}, {0, "C", "Gamma"}}, "now");
  EXPECT_EQ(first.at("B"), second.at("B"));
  EXPECT_NE(second.at("C"), first.at("A"));
  EXPECT_EQ(companies.count(tx), 3);
}

TEST_P(StoreTest, StatementFeaturesRoundTripAsJson) {
  migrated();
  Transaction tx(*db_);
  const auto dataset_id =
      DatasetRepository().insert(tx, {0, "d", {{"x", "x"}, {"y", "y"}}, {}, {}, "now", "test"});
  const auto company = CompanyRepository().ensure(tx, {{0, "A", "Alpha"}}, "now").at("A");
  StatementRecord statement;
  statement.company_id = company;
  statement.dataset_id = dataset_id;
  statement.period = "2024-12-31";
  statement.features_json = R"({"x":0.1234567890123456,"y":null})";
  statement.created_at = "now";
  StatementRepository statements;
  statements.insert_batch(tx, {statement});
  EXPECT_EQ(statements.count(tx, dataset_id), 1);
  EXPECT_TRUE(statements.keys(tx, dataset_id).contains(std::string("A\x1f") + "2024-12-31"));
}

TEST_P(StoreTest, RepeatedStatementForTheSamePeriodIsAConflict) {
  migrated();
  Transaction tx(*db_);
  const auto dataset_id =
      DatasetRepository().insert(tx, {0, "d", {{"x", "x"}}, {}, {}, "now", "t"});
  const auto company = CompanyRepository().ensure(tx, {{0, "A", "A"}}, "now").at("A");
  StatementRecord statement{0,    company, dataset_id, std::nullopt, "2024-12-31", R"({"x":1})",
                            "now"};
  StatementRepository statements;
  statements.insert_batch(tx, {statement});
  EXPECT_THROW(statements.insert_batch(tx, {statement}), core::Conflict);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::ValuesIn(test::all_backends()),
                         test::BackendName());

TEST(DatabaseUrl, UnsupportedSchemeIsInvalidInput) {
  try {
    Database::open("oracle://u:p@h:1/db");
    FAIL();
  } catch (const core::InvalidInput& error) {
    EXPECT_EQ(error.code(), "bad_db_url");
    EXPECT_NE(std::string(error.what()).find("oracle"), std::string::npos);
    EXPECT_EQ(std::string(error.what()).find(":p@"), std::string::npos) << "password leaked";
  }
}

TEST(DatabaseUrl, MissingDatabaseNameIsInvalidInput) {
  EXPECT_THROW(Database::open("mysql://u:p@127.0.0.1:3306"), core::InvalidInput);
  EXPECT_THROW(Database::open("postgresql://u:p@127.0.0.1:5432/a/b"), core::InvalidInput);
  EXPECT_THROW(Database::open("sqlite://"), core::InvalidInput);
}

TEST(DatabaseUrl, TlsOptionsAreAcceptedAndAnyOtherOptionIsRefusedByName) {
  // Accepted: the connection is tried (nothing listens on port 1), so the error is Unavailable.
  for (const char* url :
       {"mysql://u:p@127.0.0.1:1/db?sslca=/etc/ssl/certs/ca-certificates.crt",
        "postgresql://u:p@127.0.0.1:1/db?sslmode=verify-full&sslrootcert=/etc/ssl/certs/ca.pem"}) {
    EXPECT_THROW(Database::open(url), core::Unavailable) << url;
  }
  for (const auto& [url, named] : std::vector<std::pair<std::string, std::string>>{
           {"mysql://u:p@127.0.0.1:1/db?sslmode=require", "sslmode"},
           {"postgresql://u:p@127.0.0.1:1/db?sslca=/x.pem", "sslca"},
           {"postgresql://u:p@127.0.0.1:1/db?sslmode=always", "always"},
           {"mysql://u:p@127.0.0.1:1/db?sslca=", "sslca"}}) {
    try {
      Database::open(url);
      ADD_FAILURE() << url;
    } catch (const core::InvalidInput& error) {
      EXPECT_EQ(error.code(), "bad_db_url");
      EXPECT_NE(std::string(error.what()).find(named), std::string::npos) << error.what();
    }
  }
}

// Whether the session a transaction leases talks TLS to its server.
bool encrypted(Database& db) {
  Transaction tx(db, Transaction::Mode::read);
  if (db.backend() == Backend::mysql) {
    std::string name, cipher;
    soci::indicator ind = soci::i_ok;
    detail::sql(tx) << "SHOW SESSION STATUS LIKE 'Ssl_cipher'", soci::into(name),
        soci::into(cipher, ind);
    return ind == soci::i_ok && !cipher.empty();
  }
  int ssl = 0;
  detail::sql(tx) << "SELECT CASE WHEN ssl THEN 1 ELSE 0 END FROM pg_stat_ssl "
                     "WHERE pid = pg_backend_pid()",
      soci::into(ssl);
  return ssl == 1;
}

TEST_P(StoreTest, TlsOptionsOfTheUrlReachTheClientLibrary) {
  // The throwaway servers offer TLS with a self-signed certificate for 127.0.0.1
  // (scripts/test-servers.sh), RISKLAB_TEST_TLS_CA.
  if (GetParam() == "sqlite") GTEST_SKIP() << "no TLS for a file";
  const auto ca = test::server_setting("RISKLAB_TEST_TLS_CA");
  if (GetParam() == "mysql") {
    // MariaDB Connector/C 3.3 (through SOCI 4.0) encrypts when the server offers TLS; it does
    // not verify the certificate (docs/OPERATIONS.md says so).
    EXPECT_TRUE(encrypted(*Database::open(test_db_->url() + "?sslca=" + ca)));
    return;
  }
  EXPECT_TRUE(
      encrypted(*Database::open(test_db_->url() + "?sslmode=verify-full&sslrootcert=" + ca)));
  EXPECT_FALSE(encrypted(*Database::open(test_db_->url() + "?sslmode=disable")));
  // A server whose certificate is not signed by the named authority is refused.
  EXPECT_THROW(
      Database::open(test_db_->url() +
                     "?sslmode=verify-full&sslrootcert=/etc/ssl/certs/ca-certificates.crt"),
      core::Unavailable);
}

TEST(DatabaseUrl, UnreachableServerIsUnavailableWithoutThePassword) {
  for (const char* url :
       {"mysql://u:secret@127.0.0.1:1/db", "postgresql://u:secret@127.0.0.1:1/db"}) {
    try {
      Database::open(url);
      ADD_FAILURE() << url;
    } catch (const core::Unavailable& error) {
      EXPECT_EQ(error.code(), "db_unreachable");
      EXPECT_EQ(std::string(error.what()).find("secret"), std::string::npos) << error.what();
    }
  }
}

TEST(DatabaseUrl, SqliteFileInAMissingDirectoryIsUnavailable) {
  EXPECT_THROW(Database::open("sqlite:///nonexistent-dir/x/risklab.db"), core::Unavailable);
}

TEST(SqliteWal, ANewDatabaseHasEightKilobytePagesAndAnOldOneKeepsItsOwn) {
  test::TempDir dir;
  const auto fresh = dir.path() / "fresh.db";
  const auto old = dir.path() / "old.db";
  {
    // A database created elsewhere with SQLite's default 4 KB pages, in WAL mode.
    soci::session sql("sqlite3", "db=" + old.string());
    sql << "PRAGMA journal_mode = WAL";
    sql << "CREATE TABLE t (id INTEGER PRIMARY KEY)";
  }
  const auto page_size = [](Database& db) {
    Transaction tx(db);
    detail::sql(tx) << "CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY)";
    int size = 0;
    detail::sql(tx) << "PRAGMA page_size", soci::into(size);
    tx.commit();
    return size;
  };
  EXPECT_EQ(page_size(*Database::open("sqlite://" + fresh.string(), 1)), 8192);
  EXPECT_EQ(page_size(*Database::open("sqlite://" + old.string(), 1)), 4096);
}

TEST(SqliteWal, CommitsLeaveCheckpointsToTheBackgroundCheckpointerWhichCopiesTheWalIntoTheFile) {
  test::TempDir dir;
  const auto file = dir.path() / "wal.db";
  auto db = Database::open("sqlite://" + file.string(), 2);
  {
    Transaction tx(*db);
    int autocheckpoint = -1;
    detail::sql(tx) << "PRAGMA wal_autocheckpoint", soci::into(autocheckpoint);
    EXPECT_EQ(autocheckpoint, 0) << "a committing writer must never checkpoint";
    detail::sql(tx) << "CREATE TABLE blobs (id INTEGER PRIMARY KEY, body TEXT NOT NULL)";
    tx.commit();
  }
  // 2,000 commits of 4 KB each: many times SQLite's default autocheckpoint of 1,000 pages.
  const std::string body(4000, 'x');
  for (int i = 0; i < 2000; ++i) {
    Transaction tx(*db);
    detail::sql(tx) << "INSERT INTO blobs (body) VALUES (:body)", soci::use(body);
    tx.commit();
  }
  // The checkpointer copies them into the database file, with no connection closing and no
  // commit checkpointing.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::filesystem::file_size(file) < 2000u * 4000u && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_GE(std::filesystem::file_size(file), 2000u * 4000u);
  // And every row reads back, from this process and from a new connection.
  auto again = Database::open("sqlite://" + file.string(), 1);
  for (Database* reader : {db.get(), again.get()}) {
    Transaction tx(*reader, Transaction::Mode::read);
    long long rows = 0;
    detail::sql(tx) << "SELECT COUNT(*) FROM blobs WHERE length(body) = 4000", soci::into(rows);
    EXPECT_EQ(rows, 2000);
  }
}

TEST(SqliteWal, UnderAStreamOfCommitsTheCheckpointerRestartsTheWalOnceItReachesTheCap) {
  // A concurrent PASSIVE checkpoint never catches up with a writer that commits without pause,
  // and SQLite restarts the WAL only after a checkpoint that caught up: without the forced
  // restart the WAL grows by every commit for as long as the stream lasts.
  test::TempDir dir;
  const auto file = dir.path() / "stream.db";
  const std::string connect = "db=" + file.string() + " timeout=30";
  soci::session writer("sqlite3", connect);
  detail::prepare_session(writer, Backend::sqlite);
  writer << "CREATE TABLE blobs (id INTEGER PRIMARY KEY, body TEXT NOT NULL)";
  std::recursive_mutex writers;
  constexpr std::int64_t kCapBytes = 512 * 1024;  // 64 pages of 8 KiB
  detail::WalCheckpointer checkpointer("sqlite3", connect, std::chrono::milliseconds(20), writers,
                                       kCapBytes);
  const auto wal = std::filesystem::path(file.string() + "-wal");
  constexpr int kCommits = 5000;  // ~60 MB of WAL frames (a 4 KB row and its page), back to back
  std::uintmax_t largest = 0;
  for (int i = 0; i < kCommits; ++i) {
    const std::string body(4000, static_cast<char>('a' + i % 26));
    {
      const std::lock_guard lock(writers);  // as a store::Transaction does
      writer << "BEGIN IMMEDIATE";
      writer << "INSERT INTO blobs (body) VALUES (:body)", soci::use(body);
      writer << "COMMIT";
    }
    largest = std::max(largest, std::filesystem::file_size(wal));
  }
  // Without the restart the WAL ends at ~60 MB; with it, it grows until the first rounds catch
  // up (a few MB on an idle machine, more when the checkpointer waits for a core), then restarts
  // over and over.
  EXPECT_LT(largest, 32u * 1024 * 1024) << "the WAL kept every commit instead of restarting";
  long long rows = 0;
  writer << "SELECT COUNT(*) FROM blobs WHERE length(body) = 4000", soci::into(rows);
  EXPECT_EQ(rows, kCommits);
}

TEST(SqliteWal, TheCheckpointerComesEveryIntervalWhileCommitsArriveAndEveryIdleIntervalOtherwise) {
  // Short rounds while the WAL grows (each copies little: a short burst on a core), rare ones
  // on an idle database.
  test::TempDir dir;
  const auto file = dir.path() / "cadence.db";
  const std::string connect = "db=" + file.string() + " timeout=30";
  soci::session writer("sqlite3", connect);
  detail::prepare_session(writer, Backend::sqlite);
  writer << "CREATE TABLE rows (id INTEGER PRIMARY KEY, body TEXT NOT NULL)";
  std::recursive_mutex writers;
  // The checkpointer goes idle only if no commit came for a whole interval: 30 ms, so that a
  // test thread kept off the cores for a few ms (a loaded CI machine) does not make it idle.
  const auto interval = std::chrono::milliseconds(30);
  const auto idle_interval = std::chrono::milliseconds(600);
  detail::WalCheckpointer checkpointer("sqlite3", connect, interval, writers,
                                       detail::kWalRestartBytes, idle_interval);
  const auto rounds_during = [&](std::chrono::milliseconds span, bool commit) {
    const std::uint64_t before = checkpointer.rounds();
    const auto end = std::chrono::steady_clock::now() + span;
    while (std::chrono::steady_clock::now() < end) {
      if (commit) {
        const std::lock_guard lock(writers);
        writer << "INSERT INTO rows (body) VALUES ('a commit')";
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return checkpointer.rounds() - before;
  };
  // Busy: ~66 rounds in 2 s at 30 ms (at 600 ms: 4). Idle: 3 s / 600 ms, and the round or two
  // that still find the last commits (at 30 ms: ~100).
  const std::uint64_t busy = rounds_during(std::chrono::seconds(2), true);
  const std::uint64_t idle = rounds_during(std::chrono::seconds(3), false);
  EXPECT_GE(busy, 20U) << "commits arrived: rounds every " << interval.count() << " ms";
  EXPECT_LE(idle, 8U) << "no commit: rounds every " << idle_interval.count() << " ms";
  long long rows = 0;
  writer << "SELECT COUNT(*) FROM rows", soci::into(rows);
  EXPECT_GT(rows, 100);
}

}  // namespace
}  // namespace risklab::store
