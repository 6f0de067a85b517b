#include "service/scoring_service.hpp"

#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <limits>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <unordered_map>
#include <utility>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/json_number.hpp"
#include "core/json_text.hpp"
#include "core/scheduling.hpp"
#include "ml/master_scale.hpp"
#include "service/audit_service.hpp"
#include "service/champion.hpp"
#include "service/permissions.hpp"
#include "service/stored_inputs.hpp"
#include "store/assessment_appender.hpp"
#include "store/assessment_repository.hpp"
#include "store/audit_repository.hpp"
#include "store/model_repository.hpp"
#include "store/statement_repository.hpp"
#include "store/transaction.hpp"

namespace risklab::service {
namespace {

std::size_t grade_position(const ml::MasterScale& scale, const std::string& grade) {
  const auto& bands = scale.bands();
  for (std::size_t i = 0; i < bands.size(); ++i) {
    if (bands[i].grade == grade) return i;
  }
  if (grade == scale.default_grade()) return bands.size();
  throw core::InvalidInput("bad_policy",
                           "grade '" + grade + "' is not on the model's master scale");
}

// Features of a stored statement, as the import wrote them (null = missing).
FeatureValues statement_features(const std::string& json_text) {
  FeatureValues out;
  const auto document = nlohmann::json::parse(json_text);
  out.reserve(document.size());
  for (const auto& [name, value] : document.items()) {
    out.add(name, value.is_number() ? std::optional<double>(value.get<double>()) : std::nullopt);
  }
  return out;
}

struct Prepared {
  std::vector<double> raw;
  std::vector<std::string_view> texts;  // raw's JSON text as the caller wrote it, if known
  std::vector<std::string> ignored;
  std::vector<std::string> imputed;
};

Prepared prepare(const LoadedModel& loaded, const FeatureValues& features) {
  const auto& names = loaded.model().features;
  Prepared prepared;
  prepared.raw.assign(names.size(), std::numeric_limits<double>::quiet_NaN());
  prepared.texts.assign(names.size(), std::string_view());
  std::vector<bool> seen(names.size(), false);
  std::vector<bool> not_finite(names.size(), false);
  for (std::size_t i = 0; i < features.size(); ++i) {  // a later value for a name wins
    const auto [name, value] = features.entry(i);
    const auto index = loaded.feature_index(name, i);  // clients send the model's order
    if (!index) {
      prepared.ignored.emplace_back(name);
      continue;
    }
    seen[*index] = true;
    prepared.raw[*index] = value ? *value : std::numeric_limits<double>::quiet_NaN();
    prepared.texts[*index] = features.text(i);
    not_finite[*index] = value && !std::isfinite(*value);
  }
  // Errors name the first offending feature by name.
  const std::string* first_not_finite = nullptr;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (not_finite[i] && (!first_not_finite || names[i] < *first_not_finite))
      first_not_finite = &names[i];
  }
  if (first_not_finite) {
    throw core::InvalidInput("feature_not_finite",
                             "feature '" + *first_not_finite + "' is not a finite number");
  }
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!seen[i]) {
      throw core::InvalidInput("feature_missing",
                               "feature '" + names[i] + "' is missing (the model needs " +
                                   std::to_string(names.size()) +
                                   " features; send null for a known missing value)");
    }
    if (std::isnan(prepared.raw[i])) prepared.imputed.push_back(names[i]);
  }
  std::sort(prepared.ignored.begin(), prepared.ignored.end());
  prepared.ignored.erase(std::unique(prepared.ignored.begin(), prepared.ignored.end()),
                         prepared.ignored.end());
  return prepared;
}

}  // namespace

nlohmann::json drivers_json(const std::vector<ScoreDriver>& drivers) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& driver : drivers) {
    out.push_back({{"feature", driver.feature},
                   {"value", driver.value ? nlohmann::json(*driver.value) : nullptr},
                   {"contribution", driver.contribution},
                   {"direction", driver.direction}});
  }
  return out;
}

nlohmann::json out_of_range_json(const std::vector<OutOfRange>& items) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& item : items) {
    out.push_back(
        {{"feature", item.feature}, {"value", item.value}, {"min", item.min}, {"max", item.max}});
  }
  return out;
}

std::string DecisionPolicy::recommend(const ml::MasterScale& scale,
                                      const std::string& grade) const {
  const std::size_t approve = grade_position(scale, approve_up_to);
  const std::size_t decline = grade_position(scale, decline_from);
  if (approve >= decline) {
    throw core::InvalidInput("bad_policy", "approve_up_to (" + approve_up_to +
                                               ") must be a better grade than decline_from (" +
                                               decline_from + ")");
  }
  const std::size_t position = grade_position(scale, grade);
  if (position <= approve) return "approve";
  if (position >= decline) return "decline";
  return "refer";
}

std::optional<double>& FeatureValues::operator[](std::string_view name) {
  for (auto it = slots_.rbegin(); it != slots_.rend(); ++it) {
    if (std::string_view(names_).substr(it->offset, it->length) == name) {
      it->text_length = 0;
      return it->value;
    }
  }
  add(name, std::nullopt);
  return slots_.back().value;
}

namespace detail {

// A scoring computed but not yet stored.
struct Computed {
  ScoreResult result;
  store::AssessmentRecord record;
  std::string audit_after_json;  // the audit row's "after", made here rather than by the writer
  /// The model's raw features (NaN = missing), kept while the drivers are still to come.
  std::vector<double> raw;
  std::size_t top_k = 0;  ///< drivers still to add (add_drivers)
};

}  // namespace detail

namespace {

using detail::Computed;

// Sets the scoring's drivers from the top ones TreeSHAP found for its raw row.
void add_drivers(Computed& computed, const LoadedModel& loaded,
                 const std::vector<ml::Driver>& top) {
  ScoreResult& result = computed.result;
  for (const auto& driver : top) {
    const auto index = loaded.feature_index(driver.feature);
    std::optional<double> value;
    if (index && !std::isnan(computed.raw[*index])) value = computed.raw[*index];
    result.drivers.push_back({driver.feature, value, driver.contribution,
                              driver.contribution >= 0 ? "increases_risk" : "decreases_risk"});
  }
  computed.record.drivers_json = drivers_json(result.drivers).dump();
  computed.top_k = 0;
  computed.raw = {};
}

// Adds their drivers to scorings of one model (explained together: ml::top_drivers of many
// rows shares each walk of the trees among them).
void explain_all(const LoadedModel& loaded, const std::vector<Computed*>& scorings) {
  std::vector<const double*> raws;
  std::vector<std::size_t> ks;
  for (const Computed* computed : scorings) {
    raws.push_back(computed->raw.data());
    ks.push_back(computed->top_k);
  }
  auto lease = loaded.explainer();
  const auto top = ml::top_drivers(loaded.model(), lease.get(), raws, ks);
  for (std::size_t i = 0; i < scorings.size(); ++i) add_drivers(*scorings[i], loaded, top[i]);
}

// Everything but the writes: the model, the JSON and (unless `defer_drivers`, when the caller
// explains the row later with others: Computed::top_k > 0) TreeSHAP run outside any write
// transaction, so on SQLite they never hold the database's single writer lock.
Computed compute(store::Database& db, const core::Actor& actor, const LoadedModel& loaded,
                 const DecisionPolicy& policy, const ScoreInput& input,
                 bool defer_drivers = false) {
  // assessments.company_ref holds 200 characters. A longer reference is the caller's mistake
  // (422) caught here, not a database error (503 on MariaDB and PostgreSQL) that would also
  // fail every other scoring sharing its group commit.
  if (input.company && input.company->size() > 200) {
    throw core::InvalidInput("company_too_long", "'company' must have at most 200 characters");
  }
  store::AssessmentRecord record;
  record.model_id = loaded.record().id;
  record.company_ref = input.company;
  const FeatureValues* features = &input.features;
  FeatureValues stored;
  if (input.statement_id) {
    store::Transaction tx(db, store::Transaction::Mode::read);
    const auto statement = store::StatementRepository().find(tx, *input.statement_id);
    if (!statement) {
      throw core::NotFound("statement_not_found",
                           "no statement " + std::to_string(*input.statement_id));
    }
    record.statement_id = statement->id;
    record.company_id = statement->company_id;
    stored = statement_features(statement->features_json);
    features = &stored;
  }
  Prepared prepared = prepare(loaded, *features);
  const ml::Model& model = loaded.model();
  const ml::Scoring scoring = model.score(prepared.raw.data());

  ScoreResult result;
  result.model_id = loaded.record().id;
  result.model_version = loaded.record().version;
  result.pd = scoring.pd;
  result.grade = scoring.grade;
  result.recommendation = policy.recommend(model.master_scale, scoring.grade);
  result.ignored_features = std::move(prepared.ignored);
  result.imputed_features = std::move(prepared.imputed);
  for (std::size_t i = 0; i < model.features.size(); ++i) {
    const double value = prepared.raw[i];
    if (std::isnan(value) || i >= model.profile.features.size()) continue;
    const auto& profile = model.profile.features[i];
    if (value < profile.min || value > profile.max) {
      result.out_of_range.push_back({model.features[i], value, profile.min, profile.max});
    }
  }
  record.inputs_json = encode_stored_inputs(prepared.raw, prepared.texts);
  record.pd = result.pd;
  record.grade = result.grade;
  record.recommendation = result.recommendation;
  // Most scorings have neither (drivers come later, if asked for): no JSON value to build.
  record.drivers_json = result.drivers.empty() ? "[]" : drivers_json(result.drivers).dump();
  record.out_of_range_json =
      result.out_of_range.empty() ? "[]" : out_of_range_json(result.out_of_range).dump();
  record.created_at = core::utc_now_iso8601();
  record.created_by = actor.name;
  result.created_at = record.created_at;
  // The object nlohmann would dump (keys in its order), written by hand: building it was most
  // of the JSON work left on a scoring (PERFORMANCE.md, "Session 22").
  std::string audit_after = "{\"grade\":";
  core::append_json_string(audit_after, result.grade);
  audit_after += ",\"model_version\":";
  core::append_json_string(audit_after, result.model_version);
  audit_after += ",\"pd\":";
  audit_after += nlohmann::json(result.pd).dump();  // nlohmann's number format, as before
  audit_after += ",\"recommendation\":";
  core::append_json_string(audit_after, result.recommendation);
  audit_after += '}';
  Computed computed{std::move(result), std::move(record), std::move(audit_after), {}, 0};
  if (input.top_k > 0) {
    computed.raw = std::move(prepared.raw);
    computed.top_k = input.top_k;
    if (!defer_drivers) explain_all(loaded, {&computed});
  }
  return computed;
}

// One scoring to store, by whom.
struct ToStore {
  const std::string* actor;  // the user name
  Computed* computed;
};

// The audit row recording a new assessment (its entity_id is the assessment's id, known once
// stored): the row AuditService::record writes for a state change.
store::AuditEntry assessment_created(const std::string& actor, const Computed& computed,
                                     const std::string& now) {
  store::AuditEntry entry;
  entry.at = now;
  entry.actor = actor;
  entry.action = "assessment.created";
  entry.entity_type = "assessment";
  entry.after_json = computed.audit_after_json;  // kept for a retry
  return entry;
}

// Stores the assessments and their audit rows in `tx`, in order: one prepared INSERT for the
// assessments, then their audit rows chained in one append. Sets each result's assessment id.
void persist_all(store::Transaction& tx, const std::vector<ToStore>& items) {
  std::vector<store::AssessmentRecord> records;
  records.reserve(items.size());
  for (const auto& item : items) records.push_back(item.computed->record);  // kept for a retry
  const auto ids = store::AssessmentRepository().insert_all(tx, records);
  const std::string now = core::utc_now_iso8601();
  std::vector<store::AuditEntry> entries;
  entries.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    items[i].computed->result.assessment_id = ids[i];
    entries.push_back(assessment_created(*items[i].actor, *items[i].computed, now));
    entries.back().entity_id = std::to_string(ids[i]);
  }
  store::AuditRepository().append_all(tx, std::move(entries));
}

// Gives the calling thread (the group-commit writer) precedence over the request threads: every
// stored scoring waits for the writer, and under saturation it waited for a core behind
// requests that can only queue more work for it (~15 % of the two cores idle at 64 clients;
// with the writer at nice -5 that fell to ~12 % and throughput rose ~10 %, PERFORMANCE.md).
// Needs CAP_SYS_NICE or an RLIMIT_NICE that allows it (systemd LimitNICE=-5); without, the
// writer keeps the default priority and the log says so once.
constexpr int kWriterNice = -5;

// It also asks for short time slices (core::prefer_short_slices): woken with a batch while the
// explanation threads keep the cores busy, it starts at once.
void raise_writer_priority() {
  const bool raised = setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), kWriterNice) == 0;
  core::prefer_short_slices();
  if (raised) return;
  static std::once_flag told;
  std::call_once(told, [error = errno] {
    spdlog::info(
        "group commit: the writer thread keeps the default priority (nice {} refused: {}; "
        "needs CAP_SYS_NICE or RLIMIT_NICE)",
        kWriterNice, std::strerror(error));
  });
}

std::shared_ptr<const LoadedModel> require_champion(Champion& champion) {
  auto loaded = champion.current();
  if (!loaded) {
    const auto why = champion.last_error();
    throw core::Unavailable("no_champion", "no champion model is being served" +
                                               (why.empty() ? std::string() : ": " + why));
  }
  return loaded;
}

}  // namespace

namespace detail {

// Group commit: concurrent scorings each need one small write transaction (assessment + audit
// row); on SQLite those are serialised by the single writer lock, and every commit costs a WAL
// append and lock round trip. Instead each scoring is queued, computed, and one writer thread
// stores everything queued (up to kMaxBatch) in one transaction, then reports each scoring's
// outcome to its callback, and goes on with whatever arrived meanwhile. A lone scoring is
// written at once; under load the batch is whatever arrived while the previous one was being
// written, plus the scorings that were being computed and, if fewer than last time, those
// still on their way (the writer waits at most kGather). A scoring's callback runs only after
// the transaction
// holding its assessment has committed. Callers do not wait for their turn (score_async), so
// a request thread is free as soon as its scoring is queued. See
// docs/adr/0006-group-commit-for-scorings.md.
class GroupCommit {
 public:
  static constexpr std::size_t kMaxBatch = 128;
  /// How long the writer waits, at most, for scorings still being computed to join its batch.
  static constexpr std::chrono::microseconds kGather{1000};
  /// A batch this large means many concurrent callers: the next one waits for as many.
  static constexpr std::size_t kBusy = 8;

  /// Counts a scoring being computed for this writer, from before its computation until it is
  /// queued (submit() and store() end the count) or its computation failed (the destructor):
  /// the writer waits for such scorings to join its next batch. See run().
  class Computing {
   public:
    explicit Computing(GroupCommit& owner) : owner_(owner) {
      const std::lock_guard lock(owner_.mutex_);
      ++owner_.computing_;
    }
    ~Computing() {
      bool wake = false;
      {
        const std::lock_guard lock(owner_.mutex_);
        wake = end_locked();
      }
      if (wake) owner_.wake_.notify_one();
    }
    Computing(const Computing&) = delete;
    Computing& operator=(const Computing&) = delete;

   private:
    friend class GroupCommit;
    // Ends the count once, holding owner_.mutex_; true if the gathering writer should look.
    bool end_locked() {
      if (!counting_) return false;
      counting_ = false;
      --owner_.computing_;
      return owner_.gathering_ && owner_.gathered();
    }

    GroupCommit& owner_;
    bool counting_ = true;
  };

  explicit GroupCommit(store::Database& db) : appender_(db), writer_([this] { run(); }) {}

  // Stores what is still queued, then stops the writer.
  ~GroupCommit() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    writer_.join();
  }

  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  // Queues `computed` (with its audit row) for the writer, who calls `done` once.
  // Ends `computing`'s count in the same step.
  void submit(Computing& computing, const std::string& actor, Computed computed,
              ScoreCallback done) {
    auto pending = std::make_unique<Pending>(Pending{actor, std::move(computed), std::move(done)});
    bool wake = false;
    {
      std::lock_guard lock(mutex_);
      queue_.push_back(std::move(pending));
      computing.end_locked();
      wake = idle_ || (gathering_ && gathered());
    }
    if (wake) wake_.notify_one();  // a busy writer looks at the queue again anyway
  }

  // Stores `computed` and returns its result once committed; throws what storing threw.
  // Ends `computing`'s count once queued, before waiting for the commit.
  ScoreResult store(Computing& computing, const std::string& actor, Computed computed) {
    std::mutex mutex;
    std::condition_variable stored;
    bool done = false;
    ScoreResult result;
    std::exception_ptr failure;
    submit(computing, actor, std::move(computed), [&](ScoreResult* r, std::exception_ptr error) {
      // Notified under the lock: this caller cannot see `done`, return and destroy the
      // condition variable before notify_one() has returned.
      std::lock_guard lock(mutex);
      if (r) result = std::move(*r);
      failure = error;
      done = true;
      stored.notify_one();
    });
    std::unique_lock lock(mutex);
    stored.wait(lock, [&] { return done; });
    if (failure) std::rethrow_exception(failure);
    return result;
  }

 private:
  struct Pending {
    std::string actor;
    Computed computed;
    ScoreCallback done;
    std::exception_ptr error = nullptr;
  };

  // Whether the writer has waited enough for its next batch: 128 scorings, or none still being
  // computed and, after a batch of kBusy or more, at least as many as that one held (callers
  // answered together come back together). Below kBusy it does not wait for callers still on
  // their way: with 2 or 4 clients that cost up to 18 % of their throughput.
  bool gathered() const {
    const std::size_t expected = last_batch_ >= kBusy ? last_batch_ : 1;
    return queue_.size() >= kMaxBatch || (computing_ == 0 && queue_.size() >= expected);
  }

  void run() {
    raise_writer_priority();
    std::unique_lock lock(mutex_);
    while (true) {
      if (queue_.empty()) {
        if (stopping_) return;
        idle_ = true;
        wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        idle_ = false;
        continue;
      }
      // Gather (ADR 0006): wait at most kGather for the scorings being computed and for as
      // many as the last batch held. Under load that makes batches ~2x larger and each stored
      // scoring ~10-15 % cheaper (fewer commits: each rewrites the last page of the table, its
      // indexes and the audit chain); a lone scoring is written at once.
      if (!stopping_ && !gathered()) {
        gathering_ = true;
        wake_.wait_for(lock, kGather, [this] { return stopping_ || gathered(); });
        gathering_ = false;
      }
      const std::size_t take = std::min(queue_.size(), kMaxBatch);
      last_batch_ = take;
      std::vector<std::unique_ptr<Pending>> batch;
      batch.reserve(take);
      for (std::size_t i = 0; i < take; ++i) batch.push_back(std::move(queue_[i]));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(take));
      lock.unlock();
      write(batch);
      for (auto& pending : batch) {
        try {
          if (pending->error) {
            pending->done(nullptr, pending->error);
          } else {
            pending->done(&pending->computed.result, nullptr);
          }
        } catch (const std::exception& error) {  // a callback must not stop the writer
          spdlog::error("group commit: a scoring callback failed: {}", error.what());
        }
      }
      lock.lock();
    }
  }

  // One transaction for the batch. If a write fails before the commit, nothing was stored, so
  // each scoring is retried alone and only those that fail again get the error; a failed
  // commit is reported to all (its outcome is the database's to tell, not ours to guess).
  void write(const std::vector<std::unique_ptr<Pending>>& batch) {
    const std::string now = core::utc_now_iso8601();
    std::vector<store::AuditEntry> audits;
    audits.reserve(batch.size());
    std::vector<store::ScoringRow> rows;
    rows.reserve(batch.size());
    for (const auto& pending : batch) {
      audits.push_back(assessment_created(pending->actor, pending->computed, now));
      rows.push_back({&pending->computed.record, &audits.back()});
    }
    const auto stored = [&](std::size_t first, const std::vector<long long>& ids) {
      for (std::size_t i = 0; i < ids.size(); ++i)
        batch[first + i]->computed.result.assessment_id = ids[i];
    };
    bool committing = false;
    try {
      stored(0, appender_.append(rows, &committing));
      spdlog::debug("group commit: {} scorings in one transaction", batch.size());
      return;
    } catch (...) {
      if (committing || batch.size() == 1) {
        for (const auto& pending : batch) pending->error = std::current_exception();
        return;
      }
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
      try {
        stored(i, appender_.append({rows[i]}));
      } catch (...) {
        batch[i]->error = std::current_exception();
      }
    }
  }

  store::AssessmentAppender appender_;  // used by the writer thread only
  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<std::unique_ptr<Pending>> queue_;  // oldest first
  bool idle_ = false;                            // the writer sleeps on wake_
  bool gathering_ = false;      // the writer waits for its batch to gather (gathered())
  std::size_t last_batch_ = 0;  // scorings in the writer's last batch
  std::size_t computing_ = 0;   // scorings being computed for this writer (Computing)
  bool stopping_ = false;
  std::thread writer_;  // last: started once everything above exists
};

// Explains queued scorings on its own threads, then queues each for the group commit. TreeSHAP
// is by far the dearest part of a scoring with drivers (a forest of deep trees takes
// milliseconds a row); rows explained together share each walk of a tree, which costs several
// times less per row. Up to TreeExplainer::kMaxRows scorings of one model are in flight at once
// (continuous batching, ml::ContinuousExplainer): between two trees a thread lets in what has
// queued meanwhile, oldest first, and hands on each scoring that every tree has explained. So
// a scoring waits for no batch to finish: it is explained in one turn of the trees, shared with
// whatever else is in flight, and a lone scoring at once. The threads take turns at the trees
// of every scoring in flight, rather than each keeping scorings of its own: when the system
// gives one thread less of the CPU for a while, no scoring waits on that thread alone. See
// docs/adr/0011-batched-explanations.md.
class Explanations {
 public:
  struct Job {
    std::shared_ptr<const LoadedModel> loaded;
    std::string actor;
    Computed computed;  // top_k > 0 and raw set: everything but the drivers
    ScoreCallback done;
  };

  explicit Explanations(GroupCommit& commits) : commits_(commits) {}

  // Explains and queues for storing whatever is still queued or in flight, then stops the
  // threads.
  ~Explanations() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      ++epoch_;
    }
    wake_.notify_all();
    for (auto& thread : threads_) thread.join();
  }

  Explanations(const Explanations&) = delete;
  Explanations& operator=(const Explanations&) = delete;

  void submit(Job job) {
    {
      std::lock_guard lock(mutex_);
      // Threads start with the first scoring that needs them, one per core.
      if (threads_.empty()) {
        const std::size_t n = std::max(1U, std::thread::hardware_concurrency());
        for (std::size_t i = 0; i < n; ++i) threads_.emplace_back([this, i, n] { run(i, n); });
      }
      queue_.push_back(std::move(job));
      changed_locked();
    }
  }

 private:
  // The scorings in flight: all of one model, walked by every thread.
  struct Flight {
    std::shared_ptr<const LoadedModel> loaded;
    std::unique_ptr<LoadedModel::ExplainerLease> lease;  // the explainer `walk` reads
    std::unique_ptr<ml::ContinuousExplainer> walk;       // after `lease`: destroyed first
    std::unordered_map<std::uint64_t, Job> jobs;         // by row id, under mutex_
    std::uint64_t next_id = 0;
  };

  // Something a waiting thread may act on: scorings queued, joined or done, or stopping.
  void changed_locked() {
    ++epoch_;
    if (waiting_ > 0) wake_.notify_all();
  }

  void run(std::size_t thread, std::size_t threads) {
    core::prefer_long_slices();  // CPU-bound, started from a request thread
    std::vector<std::pair<std::uint64_t, ml::ShapValues>> done;
    std::vector<std::pair<Job, ml::ShapValues*>> finished;
    std::vector<double> row;
    for (;;) {
      std::shared_ptr<Flight> flight;
      std::uint64_t seen = 0;
      {
        std::unique_lock lock(mutex_);
        for (;;) {
          admit_locked(threads, row);
          if (flight_ && !flight_->jobs.empty()) break;
          if (stopping_ && queue_.empty()) return;
          wait_locked(lock, epoch_);
        }
        flight = flight_;
        seen = epoch_;
      }
      done.clear();
      bool walked = false;
      try {
        walked = flight->walk->step(thread, done);
      } catch (...) {
        fail(flight, std::current_exception());
        continue;
      }
      if (!done.empty()) {
        std::lock_guard lock(mutex_);
        for (auto& [id, values] : done) {
          const auto it = flight->jobs.find(id);
          if (it == flight->jobs.end()) continue;  // failed meanwhile
          finished.emplace_back(std::move(it->second), &values);
          flight->jobs.erase(it);
        }
        changed_locked();  // room for queued scorings
      }
      if (!finished.empty()) {
        // Counted as being computed until all are queued: the writer stores the scorings that
        // leave together in one transaction.
        std::deque<GroupCommit::Computing> counts;
        for (std::size_t i = 0; i < finished.size(); ++i) counts.emplace_back(commits_);
        for (std::size_t i = 0; i < finished.size(); ++i) {
          store(finished[i].first, *finished[i].second, counts[i]);
        }
        finished.clear();
      }
      if (!walked) {
        // The scorings in flight have their last trees on other threads: nothing to do until
        // one joins or leaves (the flight is not held meanwhile).
        flight.reset();
        std::unique_lock lock(mutex_);
        wait_locked(lock, seen);
      }
    }
  }

  void wait_locked(std::unique_lock<std::mutex>& lock, std::uint64_t seen) {
    ++waiting_;
    wake_.wait(lock, [&] { return epoch_ != seen; });
    --waiting_;
  }

  // Starts a flight for the oldest queued scoring's model once the last one has emptied, and
  // lets queued scorings of the flight's model join it while there is room, oldest first (a
  // champion swap: scorings of the new model wait for those of the old one to leave).
  void admit_locked(std::size_t threads, std::vector<double>& row) {
    if (flight_ && flight_->jobs.empty() &&
        (queue_.empty() || queue_.front().loaded != flight_->loaded)) {
      flight_.reset();
    }
    if (!flight_ && !queue_.empty()) {
      try {
        auto flight = std::make_shared<Flight>();
        flight->loaded = queue_.front().loaded;
        flight->lease.reset(new LoadedModel::ExplainerLease(flight->loaded->explainer()));
        // Scorings joining within a twentieth of a turn start, and leave, together: fewer
        // group commits (and wake-ups of the writer), for a wait of ~2.5 % of a turn (at most
        // 5 %). A tenth (session 12) waited twice as long: under the 64-connection benchmark
        // (rf, drivers) p99 above 30 ms in 4 of 9 interleaved runs against 1 of 9, p99/p50
        // 1.62-2.44 against 1.60-1.89 (PERFORMANCE.md, session 14).
        const ml::TreeExplainer& explainer = flight->lease->get();
        flight->walk = std::make_unique<ml::ContinuousExplainer>(
            explainer, threads, std::max<std::size_t>(explainer.n_trees() / 20, 1));
        flight_ = std::move(flight);
      } catch (...) {
        // Nothing stored: the scoring gets the error, as if storing had failed.
        Job job = std::move(queue_.front());
        queue_.pop_front();
        job.done(nullptr, std::current_exception());
        return;
      }
    }
    bool joined = false;
    while (flight_ && !queue_.empty() && queue_.front().loaded == flight_->loaded &&
           flight_->jobs.size() < flight_->walk->max_rows()) {
      Job& job = queue_.front();
      const ml::Model& model = flight_->loaded->model();
      row.resize(model.features.size());
      ml::explainer_row(model, job.computed.raw.data(), row.data());
      const std::uint64_t id = flight_->next_id++;
      if (!flight_->walk->join(id, row.data())) break;
      flight_->jobs.emplace(id, std::move(job));
      queue_.pop_front();
      joined = true;
    }
    if (joined) changed_locked();  // the other threads take the new rows at their next tree
  }

  // Adds the drivers of a scoring that every tree has explained and queues it for storing,
  // ending `computing`.
  void store(Job& job, const ml::ShapValues& values, GroupCommit::Computing& computing) {
    try {
      add_drivers(job.computed, *job.loaded,
                  ml::rank_drivers(job.loaded->model(), values.contributions, job.computed.top_k));
    } catch (...) {
      job.done(nullptr, std::current_exception());
      return;
    }
    commits_.submit(computing, job.actor, std::move(job.computed), std::move(job.done));
  }

  // Ends every scoring of `flight` with `error` (nothing stored) and drops the flight: its rows
  // in flight are lost. Other threads may still be in its step(); they find no scoring to hand
  // on.
  void fail(const std::shared_ptr<Flight>& flight, const std::exception_ptr& error) {
    std::vector<Job> failed;
    {
      std::lock_guard lock(mutex_);
      for (auto& [id, job] : flight->jobs) failed.push_back(std::move(job));
      flight->jobs.clear();
      if (flight_ == flight) flight_.reset();
      changed_locked();
    }
    for (Job& job : failed) job.done(nullptr, error);
  }

  GroupCommit& commits_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> queue_;
  std::shared_ptr<Flight> flight_;
  std::uint64_t epoch_ = 0;  // counts changes (changed_locked)
  std::size_t waiting_ = 0;  // threads waiting on wake_
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace detail

ScoringService::ScoringService(store::Database& db, Champion& champion, DecisionPolicy policy)
    : db_(db),
      champion_(champion),
      policy_(std::move(policy)),
      commits_(std::make_unique<detail::GroupCommit>(db)),
      explanations_(std::make_unique<detail::Explanations>(*commits_)) {}

ScoringService::~ScoringService() = default;

ScoreResult ScoringService::score(const core::Actor& actor, const ScoreInput& input) {
  require_role(actor, {core::Role::analyst, core::Role::risk_officer}, "score companies");
  const auto loaded = require_champion(champion_);
  detail::GroupCommit::Computing computing(*commits_);
  return commits_->store(computing, actor.name, compute(db_, actor, *loaded, policy_, input));
}

void ScoringService::score_async(const core::Actor& actor, const ScoreInput& input,
                                 ScoreCallback done) {
  require_role(actor, {core::Role::analyst, core::Role::risk_officer}, "score companies");
  auto loaded = require_champion(champion_);
  if (input.top_k > 0) {
    // Explained with whatever other scorings are waiting for their drivers.
    Computed computed = compute(db_, actor, *loaded, policy_, input, /*defer_drivers=*/true);
    explanations_->submit({std::move(loaded), actor.name, std::move(computed), std::move(done)});
    return;
  }
  detail::GroupCommit::Computing computing(*commits_);
  commits_->submit(computing, actor.name, compute(db_, actor, *loaded, policy_, input),
                   std::move(done));
}

std::vector<ScoreResult> ScoringService::score_batch(const core::Actor& actor,
                                                     const std::vector<ScoreInput>& inputs) {
  require_role(actor, {core::Role::analyst, core::Role::risk_officer}, "score companies");
  if (inputs.empty() || inputs.size() > 10000) {
    throw core::InvalidInput("bad_batch", "a batch holds 1 to 10000 rows");
  }
  return score_batch(actor, *require_champion(champion_), inputs);
}

std::vector<ScoreResult> ScoringService::score_batch(const core::Actor& actor,
                                                     const LoadedModel& model,
                                                     const std::vector<ScoreInput>& inputs) {
  require_role(actor, {core::Role::analyst, core::Role::risk_officer}, "score companies");
  std::vector<Computed> computed;
  computed.reserve(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    try {
      computed.push_back(compute(db_, actor, model, policy_, inputs[i], /*defer_drivers=*/true));
    } catch (const core::InvalidInput& error) {
      throw core::InvalidInput(error.code(), "row " + std::to_string(i) + ": " + error.what());
    } catch (const core::NotFound& error) {
      throw core::NotFound(error.code(), "row " + std::to_string(i) + ": " + error.what());
    }
  }
  // The rows that want drivers, explained together.
  std::vector<Computed*> to_explain;
  for (auto& item : computed) {
    if (item.top_k > 0) to_explain.push_back(&item);
  }
  for (std::size_t first = 0; first < to_explain.size(); first += ml::TreeExplainer::kMaxRows) {
    const auto last = std::min(to_explain.size(), first + ml::TreeExplainer::kMaxRows);
    explain_all(model,
                std::vector<Computed*>(to_explain.begin() + static_cast<std::ptrdiff_t>(first),
                                       to_explain.begin() + static_cast<std::ptrdiff_t>(last)));
  }
  std::vector<ToStore> items;
  items.reserve(computed.size());
  for (auto& item : computed) items.push_back({&actor.name, &item});
  store::Transaction tx(db_);
  persist_all(tx, items);
  tx.commit();
  std::vector<ScoreResult> results;
  results.reserve(computed.size());
  for (auto& item : computed) results.push_back(std::move(item.result));
  return results;
}

}  // namespace risklab::service

namespace risklab::service {

// Every signed-in role may read assessments; the actor is taken for uniformity.
AssessmentView ScoringService::get(const core::Actor& /*actor*/, long long id) {
  store::Transaction tx(db_, store::Transaction::Mode::read);
  const auto record = store::AssessmentRepository().find(tx, id);
  if (!record) throw core::NotFound("assessment_not_found", "no assessment " + std::to_string(id));
  // The stored inputs are the model's features by position (stored_inputs.hpp): named here.
  const auto model = store::ModelRepository().find(tx, record->model_id);
  if (!model) {
    throw core::NotFound("model_not_found", "no model " + std::to_string(record->model_id) +
                                                " (of assessment " + std::to_string(id) + ")");
  }
  const auto features = nlohmann::json::parse(model->features_json).get<std::vector<std::string>>();
  return {record->id,
          record->model_id,
          record->statement_id,
          record->company_ref,
          record->pd,
          record->grade,
          record->recommendation,
          stored_inputs_object(record->inputs_json, features),
          nlohmann::json::parse(record->drivers_json),
          nlohmann::json::parse(record->out_of_range_json),
          record->created_at,
          record->created_by};
}

}  // namespace risklab::service
