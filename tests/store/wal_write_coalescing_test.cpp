// The WAL write-gathering VFS layer (store/detail/wal_write_coalescing): a commit's frames reach
// the WAL in a few writes, and everything SQLite guarantees still holds: another connection sees
// each commit as soon as it returns, a rolled-back transaction that spilled frames leaves no
// trace, pages rewritten inside a transaction (checksums recomputed in place) commit intact,
// and a process killed in the middle of a transaction leaves the last commit readable.
#include "store/detail/wal_write_coalescing.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace risklab::store::detail {
namespace {

namespace fs = std::filesystem;

class Connection {
 public:
  explicit Connection(const fs::path& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) {
      ADD_FAILURE() << "open: " << sqlite3_errmsg(db_);
    }
    exec("PRAGMA busy_timeout = 5000");
  }
  ~Connection() { sqlite3_close(db_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void exec(const std::string& sql) {
    char* error = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
    EXPECT_EQ(rc, SQLITE_OK) << sql << ": " << (error ? error : "");
    sqlite3_free(error);
  }

  long long integer(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sql;
    long long value = -1;
    if (sqlite3_step(st) == SQLITE_ROW) value = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return value;
  }

  std::string text(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sql;
    std::string value;
    if (sqlite3_step(st) == SQLITE_ROW) {
      const auto* p = sqlite3_column_text(st, 0);
      if (p != nullptr) value = reinterpret_cast<const char*>(p);
    }
    sqlite3_finalize(st);
    return value;
  }

 private:
  sqlite3* db_ = nullptr;
};

class WalWriteCoalescingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    install_wal_write_coalescing();
    dir_ = fs::temp_directory_path() /
           ("risklab-walgather-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = dir_ / "t.db";
    Connection c(path_);
    c.exec("PRAGMA page_size = 8192");
    c.exec("PRAGMA journal_mode = WAL");
    c.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
    c.exec("CREATE INDEX t_body ON t (body)");
  }
  void TearDown() override { fs::remove_all(dir_); }

  static void prepare(Connection& c) {
    c.exec("PRAGMA synchronous = NORMAL");
    c.exec("PRAGMA wal_autocheckpoint = 0");
  }

  // INSERTs `n` rows of ~2 KB, ids from `first`, in one transaction.
  static void insert_rows(Connection& c, int first, int n) {
    c.exec("BEGIN");
    for (int i = first; i < first + n; ++i) {
      c.exec("INSERT INTO t (id, body) VALUES (" + std::to_string(i) +
             ", printf('%.2000c-%d', 'x', " + std::to_string(i) + "))");
    }
    c.exec("COMMIT");
  }

  // Begins a transaction of `n` ~3 KB rows from `first` that a cache of 8 pages makes spill
  // frames to the WAL before any commit, and leaves it open.
  static void begin_spilling(Connection& c, int first, int n) {
    c.exec("PRAGMA cache_size = 8");
    c.exec("BEGIN");
    for (int i = first; i < first + n; ++i) {
      c.exec("INSERT INTO t (id, body) VALUES (" + std::to_string(i) + ", printf('%.3000c', 'y'))");
    }
  }

  fs::path dir_;
  fs::path path_;
};

TEST_F(WalWriteCoalescingTest, IsTheDefaultVfs) {
  ASSERT_NE(sqlite3_vfs_find(nullptr), nullptr);
  EXPECT_STREQ(sqlite3_vfs_find(nullptr)->zName, "risklab-wal-gather");
}

TEST_F(WalWriteCoalescingTest, ACommitsFramesReachTheWalInOneWritePer120KiB) {
  Connection writer(path_);
  prepare(writer);
  insert_rows(writer, 1, 1);  // the WAL exists and has its header
  const auto before = wal_write_stats();
  insert_rows(writer, 100, 40);  // ~80 KB of rows: ~12 pages of table, index pages
  const auto after = wal_write_stats();
  const auto asked = after.writes_gathered - before.writes_gathered;
  const auto issued = after.system_writes - before.system_writes;
  // Two writes per frame asked for (header, page), at least 10 frames.
  EXPECT_GE(asked, 20u);
  EXPECT_EQ(asked % 2, 0u);
  // 8,216-byte frames: at most 15 in 120 KiB; the frames of this commit fit in a few writes.
  const auto frames = asked / 2;
  EXPECT_LE(issued, frames / 14 + 1) << asked << " writes gathered into " << issued;
  EXPECT_EQ(after.barrier_flushes, before.barrier_flushes);
  EXPECT_EQ(writer.integer("SELECT COUNT(*) FROM t"), 41);
}

TEST_F(WalWriteCoalescingTest, AnotherConnectionSeesEachCommitAsSoonAsItReturns) {
  Connection writer(path_);
  Connection reader(path_);
  prepare(writer);
  const auto before = wal_write_stats();
  int rows = 0;
  for (int commit = 0; commit < 30; ++commit) {
    const int n = 1 + commit % 7;  // one-frame transactions too
    insert_rows(writer, 1000 * (commit + 1), n);
    rows += n;
    ASSERT_EQ(reader.integer("SELECT COUNT(*) FROM t"), rows) << "after commit " << commit;
    ASSERT_EQ(reader.text("SELECT substr(body, 2000) FROM t WHERE id = " +
                          std::to_string(1000 * (commit + 1) + n - 1)),
              "x-" + std::to_string(1000 * (commit + 1) + n - 1));
  }
  EXPECT_EQ(wal_write_stats().barrier_flushes, before.barrier_flushes);
  EXPECT_EQ(reader.text("PRAGMA integrity_check"), "ok");
}

TEST_F(WalWriteCoalescingTest, SpilledFramesOfARolledBackTransactionLeaveNoTrace) {
  Connection writer(path_);
  Connection reader(path_);
  prepare(writer);
  insert_rows(writer, 1, 20);
  begin_spilling(writer, 100, 300);
  EXPECT_EQ(reader.integer("SELECT COUNT(*) FROM t"), 20);  // nothing visible yet
  writer.exec("ROLLBACK");
  EXPECT_EQ(writer.integer("SELECT COUNT(*) FROM t"), 20);
  EXPECT_EQ(reader.integer("SELECT COUNT(*) FROM t"), 20);
  insert_rows(writer, 500, 5);  // overwrites the rolled-back frames
  EXPECT_EQ(reader.integer("SELECT COUNT(*) FROM t"), 25);
  EXPECT_EQ(reader.text("PRAGMA integrity_check"), "ok");
}

TEST_F(WalWriteCoalescingTest, PagesRewrittenAfterASpillCommitIntact) {
  Connection writer(path_);
  Connection reader(path_);
  prepare(writer);
  insert_rows(writer, 1, 50);
  writer.exec("PRAGMA cache_size = 8");
  const auto before = wal_write_stats();
  // Spills, then rewrites the same pages in the same transaction: SQLite overwrites the spilled
  // frames in place and recomputes the checksums of the frames after the first rewritten one.
  writer.exec("BEGIN");
  for (int round = 0; round < 4; ++round) {
    writer.exec("UPDATE t SET body = printf('%.2000c-%d-" + std::to_string(round) + "', 'z', id)");
  }
  writer.exec("COMMIT");
  EXPECT_EQ(reader.integer("SELECT COUNT(*) FROM t WHERE body LIKE '%-3'"), 50);
  EXPECT_EQ(reader.text("PRAGMA integrity_check"), "ok");
  EXPECT_EQ(wal_write_stats().barrier_flushes, before.barrier_flushes);
  writer.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  EXPECT_EQ(reader.integer("SELECT COUNT(*) FROM t WHERE body LIKE '%-3'"), 50);
}

TEST_F(WalWriteCoalescingTest, AProcessKilledMidTransactionLeavesTheLastCommitReadable) {
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    {
      Connection writer(path_);
      prepare(writer);
      insert_rows(writer, 1, 30);
      begin_spilling(writer, 100, 200);
      ::_exit(0);  // no COMMIT, no close: as if the process died here
    }
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  Connection reader(path_);
  EXPECT_EQ(reader.integer("SELECT COUNT(*) FROM t"), 30);
  EXPECT_EQ(reader.text("PRAGMA integrity_check"), "ok");
  insert_rows(reader, 1000, 3);
  EXPECT_EQ(reader.integer("SELECT COUNT(*) FROM t"), 33);
}

}  // namespace
}  // namespace risklab::store::detail
