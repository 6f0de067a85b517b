// Scoring's write path on every backend: concurrent scorings share transactions (group commit)
// yet each is stored, with its own audit row in an intact chain, before score() returns; a
// scoring that cannot be stored fails alone.
#include "service/scoring_service.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "core/error.hpp"
#include "service/audit_service.hpp"
#include "service/champion.hpp"
#include "service/registry_service.hpp"
#include "store/assessment_repository.hpp"
#include "store/audit_repository.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"
#include "store/transaction.hpp"
#include "support/backends.hpp"
#include "support/model_fixture.hpp"
#include "support/registry_fixture.hpp"

namespace risklab::service {
namespace {

const core::Actor kAdmin{0, "test-setup", {core::Role::admin}};
const core::Actor kAna{2, "ana", {core::Role::analyst}};
const core::Actor kRita{3, "rita", {core::Role::risk_officer}};

class ScoringServiceTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    test_db_ = std::make_unique<test::TestDatabase>(GetParam());
    db_ = store::Database::open(test_db_->url(), 6);
    store::migrate(*db_);
    RegistryService registry(*db_);
    const auto model = registry.register_artifact(kAdmin, test::reference_model_path());
    test::approve_and_promote(registry, model.id);
    champion_ = std::make_unique<Champion>(*db_);
    champion_->refresh();
    ASSERT_TRUE(champion_->current());
    scoring_ = std::make_unique<ScoringService>(*db_, *champion_);
  }

  // Every model feature, with values that differ per `seed`.
  ScoreInput input(int seed) {
    ScoreInput in;
    in.top_k = static_cast<std::size_t>(seed % 3);
    const auto& names = champion_->current()->model().features;
    for (std::size_t i = 0; i < names.size(); ++i) {
      in.features.add(names[i], 0.01 * static_cast<double>((seed * 7 + static_cast<int>(i)) % 100));
    }
    return in;
  }

  long long assessments() {
    store::Transaction tx(*db_, store::Transaction::Mode::read);
    return store::AssessmentRepository().count(tx);
  }

  std::unique_ptr<test::TestDatabase> test_db_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<Champion> champion_;
  std::unique_ptr<ScoringService> scoring_;
};

TEST_P(ScoringServiceTest, ConcurrentScoringsAreEachStoredWithTheirOwnAuditRow) {
  constexpr int kThreads = 12;
  constexpr int kEach = 15;
  const long long before = assessments();
  std::vector<std::vector<ScoreResult>> results(kThreads);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        try {
          const auto result = scoring_->score(t % 2 ? kAna : kRita, input(t * kEach + i));
          // Stored before score() returned: readable at once, by any connection.
          const auto view = scoring_->get(kAna, result.assessment_id);
          if (view.pd != result.pd || view.created_by != (t % 2 ? "ana" : "rita")) ++failures;
          results[static_cast<std::size_t>(t)].push_back(result);
        } catch (const std::exception& error) {
          ADD_FAILURE() << error.what();
          ++failures;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures, 0);
  std::set<long long> ids;
  for (int t = 0; t < kThreads; ++t) {
    for (std::size_t i = 0; i < results[static_cast<std::size_t>(t)].size(); ++i) {
      const auto& result = results[static_cast<std::size_t>(t)][i];
      ids.insert(result.assessment_id);
      // Each caller got its own scoring back, not a neighbour's from the same batch.
      const auto expected = scoring_->get(kAna, result.assessment_id);
      const auto& name = champion_->current()->model().features.front();
      EXPECT_DOUBLE_EQ(expected.inputs[name].get<double>(),
                       0.01 * ((static_cast<int>(t * kEach + static_cast<int>(i)) * 7) % 100));
      EXPECT_EQ(result.drivers.size(),
                static_cast<std::size_t>((t * kEach + static_cast<int>(i)) % 3));
    }
  }
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kThreads * kEach))
      << "assessment ids are distinct";
  EXPECT_EQ(assessments() - before, kThreads * kEach);

  const auto verified = AuditService(*db_).verify();
  EXPECT_TRUE(verified.ok) << verified.problem;
  store::Transaction tx(*db_, store::Transaction::Mode::read);
  store::AuditQuery query;
  query.action = "assessment.created";
  query.limit = 1000;
  std::set<long long> audited;
  for (const auto& entry : store::AuditRepository().list(tx, query)) {
    audited.insert(std::stoll(entry.entity_id));
    const auto after = nlohmann::json::parse(*entry.after_json);
    EXPECT_TRUE(after.contains("pd") && after.contains("grade") && after.contains("model_version"));
  }
  EXPECT_EQ(audited, ids) << "one audit row per assessment";
}

TEST_P(ScoringServiceTest, StoredInputsReadBackAsTheScoredNumbers) {
  ScoreInput in = input(1);
  const auto& names = champion_->current()->model().features;
  in.features.add(names[0], 1.0);  // a later value for a name wins
  in.features.add(names[1], 1e-7);
  in.features.add(names[2], -0.1);
  in.features.add(names[3], 123456789.125);
  in.features.add(names[4], std::nullopt);
  in.features.add("not a model feature", 5.0);
  in.features.add("another", 5.0);
  in.features.add("another", 6.0);
  const auto result = scoring_->score(kAna, in);
  EXPECT_EQ(result.ignored_features, (std::vector<std::string>{"another", "not a model feature"}));
  ASSERT_EQ(result.imputed_features, std::vector<std::string>{names[4]});
  const auto view = scoring_->get(kAna, result.assessment_id);
  ASSERT_EQ(view.inputs.size(), names.size());
  EXPECT_TRUE(view.inputs[names[0]].is_number_float()) << "1.0 stays a floating-point number";
  EXPECT_EQ(view.inputs[names[0]].get<double>(), 1.0);
  EXPECT_EQ(view.inputs[names[1]].get<double>(), 1e-7);
  EXPECT_EQ(view.inputs[names[2]].get<double>(), -0.1);
  EXPECT_EQ(view.inputs[names[3]].get<double>(), 123456789.125);
  EXPECT_TRUE(view.inputs[names[4]].is_null());
  EXPECT_FALSE(view.inputs.contains("another"));
}

TEST_P(ScoringServiceTest, FeaturesSentInAnyOrderScoreAndStoreAsInModelOrder) {
  const ScoreInput ordered = input(4);
  ScoreInput shuffled;
  shuffled.top_k = ordered.top_k;
  // Reversed, and a name that is not the model's first where the model's first would be.
  shuffled.features.add("not a model feature", 1.0);
  for (std::size_t i = ordered.features.size(); i-- > 0;) {
    const auto [name, value] = ordered.features.entry(i);
    shuffled.features.add(name, value);
  }
  const auto a = scoring_->score(kAna, ordered);
  const auto b = scoring_->score(kAna, shuffled);
  EXPECT_EQ(a.pd, b.pd);
  EXPECT_EQ(b.ignored_features, std::vector<std::string>{"not a model feature"});
  EXPECT_EQ(scoring_->get(kAna, a.assessment_id).inputs, scoring_->get(kAna, b.assessment_id).inputs);
}

TEST_P(ScoringServiceTest, StoredInputsAreOneValuePerFeatureInModelOrder) {
  ScoreInput in = input(4);
  const auto& names = champion_->current()->model().features;
  in.features.add(names[1], std::nullopt);
  const auto result = scoring_->score(kAna, in);
  store::Transaction tx(*db_, store::Transaction::Mode::read);
  const auto record = store::AssessmentRepository().find(tx, result.assessment_id);
  ASSERT_TRUE(record);
  const auto stored = nlohmann::json::parse(record->inputs_json);
  ASSERT_TRUE(stored.is_array()) << "names live once, in models.features: " << record->inputs_json;
  ASSERT_EQ(stored.size(), names.size());
  EXPECT_TRUE(stored[1].is_null());
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i == 1) continue;
    EXPECT_EQ(stored[i].get<double>(),
              0.01 * static_cast<double>((4 * 7 + static_cast<int>(i)) % 100))
        << names[i];
  }
}

TEST_P(ScoringServiceTest, AssessmentsStoredWithNamedInputsStillReadByName) {
  // Rows written before the array form keep their {"name": value} object (they are immutable).
  const auto& loaded = *champion_->current();
  const auto& names = loaded.model().features;
  nlohmann::json object = nlohmann::json::object();
  for (std::size_t i = 0; i < names.size(); ++i) object[names[i]] = 0.5 + static_cast<double>(i);
  object[names[2]] = nullptr;
  store::AssessmentRecord legacy;
  legacy.model_id = loaded.record().id;
  legacy.company_ref = "legacy";
  legacy.inputs_json = object.dump();
  legacy.pd = 0.02;
  legacy.grade = "R3";
  legacy.recommendation = "approve";
  legacy.drivers_json = "[]";
  legacy.out_of_range_json = "[]";
  legacy.created_at = "2026-01-02T03:04:05Z";
  legacy.created_by = "ana";
  long long id = 0;
  {
    store::Transaction tx(*db_);
    id = store::AssessmentRepository().insert(tx, legacy);
    tx.commit();
  }
  const auto view = scoring_->get(kAna, id);
  ASSERT_EQ(view.inputs.size(), names.size());
  EXPECT_EQ(view.inputs[names[0]].get<double>(), 0.5);
  EXPECT_TRUE(view.inputs[names[2]].is_null());
  EXPECT_EQ(view.inputs[names.back()].get<double>(), 0.5 + static_cast<double>(names.size() - 1));
}

TEST_P(ScoringServiceTest, NonFiniteAndMissingFeaturesAreRefusedAndNothingIsStored) {
  const long long before = assessments();
  const auto& names = champion_->current()->model().features;
  ScoreInput in = input(2);
  in.features.add(names[5], std::numeric_limits<double>::infinity());
  try {
    scoring_->score(kAna, in);
    FAIL() << "expected feature_not_finite";
  } catch (const core::InvalidInput& error) {
    EXPECT_EQ(error.code(), "feature_not_finite");
    EXPECT_NE(std::string(error.what()).find(names[5]), std::string::npos);
  }
  in.features.add(names[5], 0.5);  // the last value counts
  EXPECT_NO_THROW(scoring_->score(kAna, in));
  ScoreInput missing;
  for (std::size_t i = 1; i < names.size(); ++i) missing.features.add(names[i], 0.5);
  try {
    scoring_->score(kAna, missing);
    FAIL() << "expected feature_missing";
  } catch (const core::InvalidInput& error) {
    EXPECT_EQ(error.code(), "feature_missing");
  }
  EXPECT_EQ(assessments() - before, 1);
}

// A company reference longer than its 200-character column is refused (422, on every backend,
// before anything is written; MariaDB and PostgreSQL used to refuse it at insert time, which
// failed the whole group commit): that scoring fails alone, and the others written in the same
// batch by concurrent callers are stored all the same.
TEST_P(ScoringServiceTest, ARefusedScoringFailsAloneInItsBatch) {
  constexpr int kThreads = 8;
  const long long before = assessments();
  std::atomic<int> failed{0};
  std::atomic<int> stored{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 6; ++i) {
        ScoreInput in = input(t * 10 + i);
        in.company = (t == 3 && i == 2) ? std::string(300, 'x') : "company-" + std::to_string(t);
        try {
          scoring_->score(kAna, in);
          ++stored;
        } catch (const core::InvalidInput& error) {
          EXPECT_EQ(error.code(), "company_too_long") << error.what();
          ++failed;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const int expected_failures = 1;
  EXPECT_EQ(failed, expected_failures);
  EXPECT_EQ(stored, kThreads * 6 - expected_failures);
  EXPECT_EQ(assessments() - before, stored.load());
  const auto verified = AuditService(*db_).verify();
  EXPECT_TRUE(verified.ok) << verified.problem;
}

// score_async returns once the scoring is queued; its callback runs once, after the commit
// (the assessment is readable then), and errors found before storing are thrown instead.
TEST_P(ScoringServiceTest, AsyncScoringsAreAnsweredOnceEachAfterTheirCommit) {
  constexpr int kScorings = 40;
  const long long before = assessments();
  std::mutex mutex;
  std::condition_variable all_done;
  std::map<int, long long> ids;  // by input seed
  int calls = 0;
  for (int i = 0; i < kScorings; ++i) {
    scoring_->score_async(kAna, input(i), [&, i](ScoreResult* result, std::exception_ptr error) {
      ASSERT_TRUE(result) << "stored without error";
      ASSERT_FALSE(error);
      // Committed before the callback: any connection reads it.
      const auto view = scoring_->get(kAna, result->assessment_id);
      EXPECT_DOUBLE_EQ(view.pd, result->pd);
      std::lock_guard lock(mutex);
      ids[i] = result->assessment_id;
      if (++calls == kScorings) all_done.notify_one();
    });
  }
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(
        all_done.wait_for(lock, std::chrono::seconds(60), [&] { return calls == kScorings; }));
  }
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kScorings));
  EXPECT_EQ(assessments() - before, kScorings);
  for (int i = 0; i < kScorings; ++i) {
    const auto view = scoring_->get(kAna, ids[i]);
    const auto& name = champion_->current()->model().features.front();
    EXPECT_DOUBLE_EQ(view.inputs[name].get<double>(), 0.01 * ((i * 7) % 100))
        << "each callback got its own scoring";
  }

  bool called = false;
  ScoreInput missing = input(1);
  missing.features = FeatureValues();
  EXPECT_THROW(scoring_->score_async(kAna, missing,
                                     [&](ScoreResult*, std::exception_ptr) { called = true; }),
               core::InvalidInput);
  const core::Actor viewer{5, "vic", {core::Role::viewer}};
  EXPECT_THROW(scoring_->score_async(viewer, input(2),
                                     [&](ScoreResult*, std::exception_ptr) { called = true; }),
               core::Forbidden);
  EXPECT_FALSE(called) << "a refused scoring never reaches the callback";
  EXPECT_EQ(assessments() - before, kScorings);
}

// Scorings with drivers queued together are explained together (one walk of each tree for all
// in flight, the explanation threads taking turns at the trees); each gets the drivers its row
// gets alone, and a batch scoring's rows too.
TEST_P(ScoringServiceTest, ScoringsExplainedTogetherGetTheDriversEachRowGetsAlone) {
  // More than ml::TreeExplainer::kMaxRows: some wait for room in flight.
  constexpr int kScorings = static_cast<int>(ml::TreeExplainer::kMaxRows) + 11;
  const auto loaded = champion_->current();
  ml::Explainer alone(loaded->model());
  const auto expected_drivers = [&](int seed) {
    std::vector<double> raw;
    const ScoreInput in = input(seed);
    for (std::size_t i = 0; i < in.features.size(); ++i)
      raw.push_back(*in.features.entry(i).second);
    return alone.top_drivers(raw.data(), 5);
  };
  const auto expect_same = [&](const std::vector<ScoreDriver>& got, int seed) {
    const auto expected = expected_drivers(seed);
    ASSERT_EQ(got.size(), expected.size()) << "scoring " << seed;
    for (std::size_t d = 0; d < got.size(); ++d) {
      EXPECT_EQ(got[d].feature, expected[d].feature) << "scoring " << seed << ", driver " << d;
      // Rows walked together are explained in single precision (ml::TreeExplainer): within
      // ~1e-8 of a lone row's double-precision walk.
      EXPECT_NEAR(got[d].contribution, expected[d].contribution, 1e-6)
          << "scoring " << seed << ", driver " << d;
    }
  };
  std::mutex mutex;
  std::condition_variable all_done;
  std::map<int, std::vector<ScoreDriver>> drivers;
  for (int i = 0; i < kScorings; ++i) {
    ScoreInput in = input(i);
    in.top_k = 5;
    scoring_->score_async(kAna, in, [&, i](ScoreResult* result, std::exception_ptr error) {
      ASSERT_TRUE(result);
      ASSERT_FALSE(error);
      std::lock_guard lock(mutex);
      drivers[i] = result->drivers;
      if (drivers.size() == kScorings) all_done.notify_one();
    });
  }
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(all_done.wait_for(lock, std::chrono::seconds(60),
                                  [&] { return drivers.size() == kScorings; }));
  }
  for (int i = 0; i < kScorings; ++i) expect_same(drivers[i], i);

  std::vector<ScoreInput> inputs;
  for (int i = 0; i < kScorings; ++i) {
    inputs.push_back(input(i));
    inputs.back().top_k = 5;
  }
  const auto results = scoring_->score_batch(kAna, inputs);
  for (int i = 0; i < kScorings; ++i) expect_same(results[static_cast<std::size_t>(i)].drivers, i);
}

// Scorings still queued when the service goes away are stored first (nothing accepted is lost).
TEST_P(ScoringServiceTest, QueuedScoringsAreStoredBeforeTheServiceStops) {
  const long long before = assessments();
  std::atomic<int> stored{0};
  for (int i = 0; i < 30; ++i) {
    scoring_->score_async(kAna, input(i), [&](ScoreResult* result, std::exception_ptr) {
      if (result) ++stored;
    });
  }
  scoring_.reset();
  EXPECT_EQ(stored.load(), 30);
  EXPECT_EQ(assessments() - before, 30);
}

// Threads of this process at `nice` (field 19 of /proc/self/task/TID/stat).
int threads_at_nice(int nice) {
  int count = 0;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream stat(task.path() / "stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    std::istringstream fields(text.substr(text.rfind(')') + 2));  // after "pid (comm) "
    std::string field;
    for (int i = 3; i <= 19 && fields >> field; ++i) {
    }
    if (field == std::to_string(nice)) ++count;
  }
  return count;
}

// threads_at_nice(nice) once it equals `expected`, or after 5 s: the writer thread sets its
// priority when it starts, and a joined thread may linger in /proc for a moment.
int threads_at_nice_once(int nice, int expected) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  int count = threads_at_nice(nice);
  while (count != expected && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    count = threads_at_nice(nice);
  }
  return count;
}

TEST_P(ScoringServiceTest, TheGroupCommitWriterRunsAtNiceMinus5WhereTheSystemAllowsIt) {
  bool allowed = false;
  std::thread probe(
      [&allowed] { allowed = setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), -5) == 0; });
  probe.join();
  if (!allowed) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the writer has started
    EXPECT_EQ(threads_at_nice(-5), 0) << "without CAP_SYS_NICE the writer keeps nice 0";
    return;
  }
  EXPECT_EQ(threads_at_nice_once(-5, 1), 1) << "the writer, and only it";
  scoring_.reset();
  EXPECT_EQ(threads_at_nice_once(-5, 0), 0) << "it was the service's writer";
}

TEST_P(ScoringServiceTest, BatchScoringStoresEveryRowInOrder) {
  std::vector<ScoreInput> inputs;
  for (int i = 0; i < 25; ++i) inputs.push_back(input(i));
  const auto results = scoring_->score_batch(kAna, inputs);
  ASSERT_EQ(results.size(), inputs.size());
  for (std::size_t i = 1; i < results.size(); ++i) {
    EXPECT_GT(results[i].assessment_id, results[i - 1].assessment_id);
  }
  const auto verified = AuditService(*db_).verify();
  EXPECT_TRUE(verified.ok) << verified.problem;
  EXPECT_EQ(verified.rows_checked, 3 + 25) << "register + approve + promote + one row per scoring";
}

INSTANTIATE_TEST_SUITE_P(Backends, ScoringServiceTest, ::testing::ValuesIn(test::all_backends()),
                         test::BackendName());

}  // namespace
}  // namespace risklab::service
