// The scoring write path of the store on every backend: many assessments with one prepared
// insert, many audit rows chained in one append (the same chain as one by one), the group
// commit's AssessmentAppender (the same rows again), and on SQLite many threads writing at once
// without waiting on SQLite's sleeping busy handler.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/error.hpp"
#include "store/assessment_appender.hpp"
#include "store/assessment_repository.hpp"
#include "store/audit_repository.hpp"
#include "store/database.hpp"
#include "store/detail/session.hpp"
#include "store/migrations.hpp"
#include "store/model_repository.hpp"
#include "store/transaction.hpp"
#include "support/backends.hpp"

namespace risklab::store {
namespace {

class WritePathTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    test_db_ = std::make_unique<test::TestDatabase>(GetParam());
    db_ = Database::open(test_db_->url(), 8);
    migrate(*db_);
    Transaction tx(*db_);
    model_id_ = insert_model(tx);
    tx.commit();
  }

  // The model row every assessment here refers to.
  static long long insert_model(Transaction& tx) {
    ModelRecord model;
    model.version = "rf-test";
    model.family = "rf";
    model.status = "candidate";
    model.artifact_uri = "/nowhere.rlm";
    model.artifact_sha256 = std::string(64, 'a');
    model.features_json = "[\"a\"]";
    model.metrics_json = "{}";
    model.created_at = "2026-11-29T10:00:00Z";
    model.created_by = "test";
    return ModelRepository().insert(tx, model);
  }

  AssessmentRecord assessment(int i) const {
    AssessmentRecord a;
    a.model_id = model_id_;
    if (i % 2) a.company_ref = "company-" + std::to_string(i);
    a.inputs_json = R"({"a":)" + std::to_string(i) + ".5}";
    a.pd = 0.001 * i;
    a.grade = "R" + std::to_string(1 + i % 9);
    a.recommendation = "refer";
    a.drivers_json = "[]";
    a.out_of_range_json = "[]";
    a.created_at = "2026-11-29T10:00:00Z";
    a.created_by = "ana";
    return a;
  }

  static AuditEntry entry(int i) {
    AuditEntry e;
    e.at = "2026-11-29T10:00:00Z";
    e.actor = "ana";
    e.action = "assessment.created";
    e.entity_type = "assessment";
    e.entity_id = std::to_string(i);
    if (i % 3) e.after_json = R"({"pd":)" + std::to_string(i) + "}";
    return e;
  }

  std::unique_ptr<test::TestDatabase> test_db_;
  std::unique_ptr<Database> db_;
  long long model_id_ = 0;
};

TEST_P(WritePathTest, InsertAllStoresEveryAssessmentUnderItsOwnId) {
  std::vector<AssessmentRecord> records;
  for (int i = 0; i < 7; ++i) records.push_back(assessment(i));
  std::vector<long long> ids;
  {
    Transaction tx(*db_);
    ids = AssessmentRepository().insert_all(tx, records);
    tx.commit();
  }
  ASSERT_EQ(ids.size(), records.size());
  Transaction tx(*db_, Transaction::Mode::read);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const auto stored = AssessmentRepository().find(tx, ids[i]);
    ASSERT_TRUE(stored) << ids[i];
    EXPECT_EQ(stored->company_ref, records[i].company_ref);
    EXPECT_FALSE(stored->statement_id);
    EXPECT_DOUBLE_EQ(stored->pd, records[i].pd);
    EXPECT_EQ(stored->grade, records[i].grade);
    EXPECT_EQ(nlohmann::json::parse(stored->inputs_json), nlohmann::json::parse(records[i].inputs_json));
  }
  EXPECT_EQ(AssessmentRepository().count(tx), 7);
}

// insert_all skips SQLite's CHECK (json_valid(...)) for its own rows only: on the same
// connection, a later statement writing text that is not JSON is still refused.
TEST_P(WritePathTest, InsertAllLeavesTheJsonChecksOnForLaterStatements) {
  Transaction tx(*db_);
  AssessmentRepository().insert_all(tx, {assessment(1), assessment(2)});
  const auto insert_not_json = [&] {
    detail::sql(tx) << "INSERT INTO assessments (model_id, inputs, pd, grade, recommendation, "
                       "drivers, out_of_range, created_at, created_by) VALUES (:m, 'not json', "
                       "0.5, 'R1', 'refer', '[]', '[]', '2026-11-29T10:00:00Z', 'ana')",
        soci::use(model_id_);
  };
  EXPECT_THROW(insert_not_json(), soci::soci_error);
}

TEST_P(WritePathTest, AppendAllChainsExactlyAsAppendingOneByOne) {
  {
    Transaction tx(*db_);
    AuditRepository().append(tx, entry(0));
    std::vector<AuditEntry> many;
    for (int i = 1; i <= 5; ++i) many.push_back(entry(i));
    const auto appended = AuditRepository().append_all(tx, many);
    ASSERT_EQ(appended.size(), 5u);
    EXPECT_EQ(appended.front().id, 2);
    EXPECT_EQ(appended.back().id, 6);
    tx.commit();
  }
  // The same rows, one by one, in a second database: identical hashes.
  test::TestDatabase other_db(GetParam());
  auto other = Database::open(other_db.url());
  migrate(*other);
  for (int i = 0; i <= 5; ++i) {
    Transaction tx(*other);
    AuditRepository().append(tx, entry(i));
    tx.commit();
  }
  Transaction a(*db_, Transaction::Mode::read);
  Transaction b(*other, Transaction::Mode::read);
  AuditQuery all;
  const auto batched = AuditRepository().list(a, all);
  const auto single = AuditRepository().list(b, all);
  ASSERT_EQ(batched.size(), 6u);
  ASSERT_EQ(single.size(), 6u);
  for (std::size_t i = 0; i < batched.size(); ++i) {
    EXPECT_EQ(batched[i].hash, single[i].hash) << "row " << batched[i].id;
    EXPECT_EQ(batched[i].after_json, single[i].after_json);
  }
  EXPECT_TRUE(AuditRepository().verify(a).ok);
}

TEST_P(WritePathTest, ARolledBackAppendAllLeavesTheChainAsItWas) {
  {
    Transaction tx(*db_);
    AuditRepository().append_all(tx, {entry(1), entry(2)});
    tx.commit();
  }
  {
    Transaction tx(*db_);
    AuditRepository().append_all(tx, {entry(3), entry(4)});
  }  // rolled back
  Transaction tx(*db_);
  const auto appended = AuditRepository().append(tx, entry(5));
  EXPECT_EQ(appended.id, 3);
  tx.commit();
  Transaction check(*db_, Transaction::Mode::read);
  const auto verified = AuditRepository().verify(check);
  EXPECT_TRUE(verified.ok) << verified.problem;
  EXPECT_EQ(verified.rows_checked, 3);
}

// 16 threads, 8 connections, 20 write transactions each, every one appending to the audit
// head (the hottest row), while other threads read. On SQLite writers queue on the process's
// writer mutex (before it, waiters slept in SQLite's busy handler, up to 100 ms a try).
TEST_P(WritePathTest, ConcurrentWritersAllCommitWithAnIntactChain) {
  constexpr int kThreads = 16;
  constexpr int kEach = 20;
  std::atomic<int> errors{0};
  const auto started = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        try {
          Transaction tx(*db_);
          const auto id = AssessmentRepository().insert(tx, assessment(t * kEach + i));
          AuditRepository().append(tx, entry(static_cast<int>(id)));
          tx.commit();
        } catch (const std::exception& error) {
          ADD_FAILURE() << error.what();
          ++errors;
        }
      }
    });
  }
  std::atomic<bool> writing{true};
  std::thread reader([&] {
    while (writing) {
      try {
        Transaction read(*db_, Transaction::Mode::read);
        AuditRepository().list(read, {});
      } catch (const std::exception& error) {
        ADD_FAILURE() << error.what();
        ++errors;
        return;
      }
    }
  });
  for (auto& thread : threads) thread.join();
  writing = false;
  reader.join();
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_EQ(errors, 0);
  Transaction tx(*db_, Transaction::Mode::read);
  EXPECT_EQ(AssessmentRepository().count(tx), kThreads * kEach);
  const auto verified = AuditRepository().verify(tx);
  EXPECT_TRUE(verified.ok) << verified.problem;
  EXPECT_EQ(verified.rows_checked, kThreads * kEach);
  RecordProperty("seconds", std::to_string(seconds));
}

// The group commit's appender writes exactly the rows the repositories write: the same
// assessments and the same audit chain, hash for hash.
TEST_P(WritePathTest, AppenderStoresTheSameRowsAsTheRepositories) {
  std::vector<AssessmentRecord> records;
  std::vector<AuditEntry> audits;
  for (int i = 0; i < 6; ++i) {
    records.push_back(assessment(i));
    audits.push_back(entry(i));
  }
  std::vector<ScoringRow> rows;
  for (std::size_t i = 0; i < records.size(); ++i) rows.push_back({&records[i], &audits[i]});
  AssessmentAppender appender(*db_);
  bool committing = false;
  const auto first = appender.append({rows.begin(), rows.begin() + 4}, &committing);
  EXPECT_TRUE(committing);
  const auto second = appender.append({rows.begin() + 4, rows.end()});
  ASSERT_EQ(first.size(), 4u);
  ASSERT_EQ(second.size(), 2u);
  std::vector<long long> ids = first;
  ids.insert(ids.end(), second.begin(), second.end());

  test::TestDatabase other_db(GetParam());
  auto other = Database::open(other_db.url());
  migrate(*other);
  {
    Transaction tx(*other);
    ASSERT_EQ(insert_model(tx), model_id_);
    const auto other_ids = AssessmentRepository().insert_all(tx, records);
    ASSERT_EQ(other_ids, ids);
    std::vector<AuditEntry> entries = audits;
    for (std::size_t i = 0; i < entries.size(); ++i) entries[i].entity_id = std::to_string(ids[i]);
    AuditRepository().append_all(tx, entries);
    tx.commit();
  }
  Transaction a(*db_, Transaction::Mode::read);
  Transaction b(*other, Transaction::Mode::read);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const auto mine = AssessmentRepository().find(a, ids[i]);
    const auto theirs = AssessmentRepository().find(b, ids[i]);
    ASSERT_TRUE(mine && theirs) << ids[i];
    EXPECT_EQ(mine->company_ref, theirs->company_ref);
    EXPECT_EQ(mine->company_id, theirs->company_id);
    EXPECT_EQ(mine->statement_id, theirs->statement_id);
    EXPECT_EQ(nlohmann::json::parse(mine->inputs_json), nlohmann::json::parse(theirs->inputs_json));
    EXPECT_DOUBLE_EQ(mine->pd, theirs->pd);
    EXPECT_EQ(mine->grade, theirs->grade);
    EXPECT_EQ(mine->recommendation, theirs->recommendation);
    EXPECT_EQ(mine->created_by, theirs->created_by);
  }
  const auto appended = AuditRepository().list(a, {});
  const auto repository = AuditRepository().list(b, {});
  ASSERT_EQ(appended.size(), 6u);
  ASSERT_EQ(repository.size(), 6u);
  for (std::size_t i = 0; i < appended.size(); ++i) {
    EXPECT_EQ(appended[i].entity_id, std::to_string(ids[i]));
    EXPECT_EQ(appended[i].after_json, repository[i].after_json);
    EXPECT_EQ(appended[i].hash, repository[i].hash) << "row " << appended[i].id;
  }
  const auto verified = AuditRepository().verify(a);
  EXPECT_TRUE(verified.ok) << verified.problem;
}

// A batch with one row the database refuses (a model that does not exist) stores none of its
// rows and leaves the chain where it was; the appender goes on working.
TEST_P(WritePathTest, AppenderBatchWithARefusedRowStoresNothing) {
  std::vector<AssessmentRecord> records = {assessment(1), assessment(2), assessment(3)};
  records[2].model_id = model_id_ + 1000;
  const std::vector<AuditEntry> audits = {entry(1), entry(2), entry(3)};
  std::vector<ScoringRow> rows;
  for (std::size_t i = 0; i < records.size(); ++i) rows.push_back({&records[i], &audits[i]});
  AssessmentAppender appender(*db_);
  bool committing = false;
  EXPECT_THROW(appender.append(rows, &committing), core::Conflict);
  EXPECT_FALSE(committing);
  {
    Transaction tx(*db_, Transaction::Mode::read);
    EXPECT_EQ(AssessmentRepository().count(tx), 0);
    EXPECT_TRUE(AuditRepository().list(tx, {}).empty());
  }
  const auto ids = appender.append({rows[0], rows[1]});
  ASSERT_EQ(ids.size(), 2u);
  Transaction tx(*db_, Transaction::Mode::read);
  EXPECT_EQ(AssessmentRepository().count(tx), 2);
  const auto chain = AuditRepository().list(tx, {});
  ASSERT_EQ(chain.size(), 2u);
  EXPECT_EQ(chain.front().id, 1);
  EXPECT_EQ(chain.front().prev_hash, std::string(64, '0'));
  EXPECT_TRUE(AuditRepository().verify(tx).ok);
}

// The appender's own connection skips the JSON checks for its rows only: the pool's
// connections still refuse text that is not JSON.
TEST_P(WritePathTest, AppenderLeavesTheJsonChecksOnForOtherConnections) {
  const AssessmentRecord record = assessment(1);
  const AuditEntry audit = entry(1);
  AssessmentAppender appender(*db_);
  appender.append({{&record, &audit}});
  Transaction tx(*db_);
  const auto insert_not_json = [&] {
    detail::sql(tx) << "INSERT INTO assessments (model_id, inputs, pd, grade, recommendation, "
                       "drivers, out_of_range, created_at, created_by) VALUES (:m, 'not json', "
                       "0.5, 'R1', 'refer', '[]', '[]', '2026-11-29T10:00:00Z', 'ana')",
        soci::use(model_id_);
  };
  EXPECT_THROW(insert_not_json(), soci::soci_error);
}

// The appender's transactions and the repositories' (other request threads) interleave on one
// chain without a fork or a gap: on SQLite both queue on the process's writer mutex.
TEST_P(WritePathTest, AppenderAndTransactionsWriteOneIntactChain) {
  constexpr int kBatches = 20;
  constexpr int kBatch = 5;
  constexpr int kThreads = 4;
  constexpr int kEach = 10;
  std::atomic<int> errors{0};
  std::thread appending([&] {
    AssessmentAppender appender(*db_);
    for (int b = 0; b < kBatches; ++b) {
      std::vector<AssessmentRecord> records;
      std::vector<AuditEntry> audits;
      for (int i = 0; i < kBatch; ++i) {
        records.push_back(assessment(b * kBatch + i));
        audits.push_back(entry(b * kBatch + i));
      }
      std::vector<ScoringRow> rows;
      for (int i = 0; i < kBatch; ++i) rows.push_back({&records[i], &audits[i]});
      try {
        appender.append(rows);
      } catch (const std::exception& error) {
        ADD_FAILURE() << error.what();
        ++errors;
      }
    }
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        try {
          Transaction tx(*db_);
          const auto id = AssessmentRepository().insert(tx, assessment(1000 + t * kEach + i));
          AuditRepository().append(tx, entry(static_cast<int>(id)));
          tx.commit();
        } catch (const std::exception& error) {
          ADD_FAILURE() << error.what();
          ++errors;
        }
      }
    });
  }
  appending.join();
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(errors, 0);
  Transaction tx(*db_, Transaction::Mode::read);
  const int total = kBatches * kBatch + kThreads * kEach;
  EXPECT_EQ(AssessmentRepository().count(tx), total);
  const auto verified = AuditRepository().verify(tx);
  EXPECT_TRUE(verified.ok) << verified.problem;
  EXPECT_EQ(verified.rows_checked, total);
}

INSTANTIATE_TEST_SUITE_P(Backends, WritePathTest, ::testing::ValuesIn(test::all_backends()),
                         test::BackendName());

}  // namespace
}  // namespace risklab::store
