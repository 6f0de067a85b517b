#include "service/training_service.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/sha256.hpp"
#include "lake/lake.hpp"
#include "ml/artifact.hpp"
#include "ml/dataset.hpp"
#include "ml/metrics.hpp"
#include "ml/model.hpp"
#include "ml/split.hpp"
#include "ml/validation_report.hpp"
#include "service/audit_service.hpp"
#include "service/champion.hpp"
#include "service/permissions.hpp"
#include "service/snapshot_service.hpp"
#include "store/model_repository.hpp"
#include "store/snapshot_repository.hpp"
#include "store/transaction.hpp"

namespace risklab::service {
namespace {

using nlohmann::json;

const core::Actor kWorkerActor{0, "training-worker", {core::Role::model_developer}};

/// The parsed parameters of a job; parse() names the first bad one.
struct JobParameters {
  std::string family;
  ml::TrainParams rf;
  ml::GbdtParams gbdt;
  double test_fraction = 0.2;
  std::uint64_t seed = 42;
  std::size_t trees = 300;

  static JobParameters parse(const std::string& family, const json& p) {
    if (family != "rf" && family != "gbdt") {
      throw core::InvalidInput("bad_family", "family '" + family + "' is not rf or gbdt");
    }
    if (!p.is_object())
      throw core::InvalidInput("bad_parameters", "'parameters' must be an object");
    JobParameters out;
    out.family = family;
    auto number = [&](const char* key) -> double {
      if (!p[key].is_number())
        throw core::InvalidInput("bad_parameter", std::string("'") + key + "' must be a number");
      return p[key].get<double>();
    };
    auto count = [&](const char* key) -> std::size_t {
      const double value = number(key);
      // Range first: converting a double past size_t's range is undefined (1e300 was).
      constexpr double kTwoTo64 = 18446744073709551616.0;
      if (!(value >= 0 && value < kTwoTo64) ||
          value != static_cast<double>(static_cast<std::size_t>(value))) {
        throw core::InvalidInput("bad_parameter",
                                 std::string("'") + key + "' must be a whole number >= 0");
      }
      return static_cast<std::size_t>(value);
    };
    auto text = [&](const char* key) -> std::string {
      if (!p[key].is_string())
        throw core::InvalidInput("bad_parameter", std::string("'") + key + "' must be a string");
      return p[key].get<std::string>();
    };
    out.gbdt.smote_ratio = 0.0;
    for (const auto& [key, value] : p.items()) {
      const char* k = key.c_str();
      if (key == "trees") {
        out.trees = count(k);
      } else if (key == "seed") {
        out.seed = count(k);
      } else if (key == "test_fraction") {
        out.test_fraction = number(k);
        if (!(out.test_fraction > 0.0 && out.test_fraction < 1.0)) {
          throw core::InvalidInput("bad_parameter", "'test_fraction' must be between 0 and 1");
        }
      } else if (key == "max_depth") {
        out.rf.max_depth = count(k);
        out.gbdt.max_depth = out.rf.max_depth;
      } else if (key == "min_leaf" && family == "rf") {
        out.rf.min_samples_leaf = count(k);
      } else if (key == "max_features" && family == "rf") {
        out.rf.max_features = value.is_string() ? text(k) : std::to_string(count(k));
      } else if (key == "class_weight" && family == "rf") {
        out.rf.class_weight = ml::parse_class_weight(text(k));
      } else if (key == "smote_ratio") {
        out.rf.smote_ratio = number(k);
        out.gbdt.smote_ratio = out.rf.smote_ratio;
      } else if (key == "smote_k") {
        out.rf.smote_k = count(k);
        out.gbdt.smote_k = out.rf.smote_k;
      } else if (key == "calibration") {
        out.rf.calibration = ml::parse_calibration_method(text(k));
        out.gbdt.calibration = out.rf.calibration;
      } else if (key == "learning_rate" && family == "gbdt") {
        out.gbdt.learning_rate = number(k);
      } else if (key == "subsample" && family == "gbdt") {
        out.gbdt.subsample = number(k);
      } else if (key == "colsample" && family == "gbdt") {
        out.gbdt.colsample_bytree = number(k);
      } else if (key == "min_child_weight" && family == "gbdt") {
        out.gbdt.min_child_weight = number(k);
      } else if (key == "lambda" && family == "gbdt") {
        out.gbdt.lambda = number(k);
      } else if (key == "alpha" && family == "gbdt") {
        out.gbdt.alpha = number(k);
      } else if (key == "early_stopping" && family == "gbdt") {
        out.gbdt.early_stopping_rounds = count(k);
      } else {
        throw core::InvalidInput("unknown_parameter",
                                 "'" + key + "' is not a parameter of family " + family);
      }
    }
    if (family == "gbdt" && !p.contains("max_depth"))
      out.gbdt.max_depth = ml::GbdtParams{}.max_depth;
    out.rf.n_trees = out.gbdt.n_trees = out.trees;
    out.rf.seed = out.gbdt.seed = out.seed;
    if (family == "rf") {
      out.rf.validate();
    } else {
      out.gbdt.validate();
    }
    return out;
  }
};

/// Sends heartbeats (stage, trees done) for a running job from its own thread, and learns
/// whether the job was cancelled or taken away from this worker.
class Heartbeat {
 public:
  Heartbeat(store::Database& db, long long job, const WorkerSettings& settings,
            const TrainingService::ProgressFn& progress)
      : db_(db), job_(job), settings_(settings), progress_(progress), thread_([this] { loop(); }) {}
  ~Heartbeat() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  void stage(const std::string& name) {
    {
      std::lock_guard lock(mutex_);
      stage_ = name;
    }
    beat();
  }
  void trees(std::size_t done, std::size_t total) {
    done_ = static_cast<long long>(done);
    total_ = static_cast<long long>(total);
  }
  bool cancelled() const { return cancelled_; }
  bool lost() const { return lost_; }

 private:
  void loop() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      wake_.wait_for(lock, settings_.heartbeat_every);
      if (stopping_) break;
      lock.unlock();
      beat();
      lock.lock();
    }
  }
  void beat() {
    std::lock_guard beating(beat_mutex_);  // from the job's thread and the heartbeat thread
    std::string stage;
    {
      std::lock_guard lock(mutex_);
      stage = stage_;
    }
    try {
      bool cancel = false;
      store::Transaction tx(db_);
      const bool mine = store::TrainingJobRepository().heartbeat(
          tx, job_, settings_.name, core::utc_now_iso8601(), stage, done_, total_, cancel);
      tx.commit();
      if (!mine) lost_ = true;
      if (cancel) cancelled_ = true;
      if (progress_) {
        store::Transaction read(db_, store::Transaction::Mode::read);
        if (auto job = store::TrainingJobRepository().find(read, job_)) progress_(*job);
      }
    } catch (const std::exception& error) {
      spdlog::warn("training job {}: heartbeat failed: {}", job_, error.what());
    }
  }

  store::Database& db_;
  long long job_;
  const WorkerSettings& settings_;
  const TrainingService::ProgressFn& progress_;
  std::mutex mutex_;
  std::mutex beat_mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::string stage_ = "claimed";
  std::atomic<long long> done_{0};
  std::atomic<long long> total_{0};
  std::atomic<bool> cancelled_{false};
  std::atomic<bool> lost_{false};
  std::thread thread_;
};

/// Stops a job between stages.
struct Stop {
  std::string status;  // "cancelled" or "lost"
};

}  // namespace

json training_job_json(const store::TrainingJobRecord& job) {
  auto opt = [](const auto& value) { return value ? json(*value) : json(nullptr); };
  json out = {{"id", job.id},
              {"snapshot_id", job.snapshot_id},
              {"family", job.family},
              {"parameters", json::parse(job.parameters_json)},
              {"status", job.status},
              {"stage", opt(job.stage)},
              {"trees_done", job.trees_done},
              {"trees_total", job.trees_total},
              {"progress", job.trees_total > 0 ? static_cast<double>(job.trees_done) /
                                                     static_cast<double>(job.trees_total)
                                               : (job.status == "succeeded" ? 1.0 : 0.0)},
              {"eta_seconds", opt(TrainingService::eta_seconds(job))},
              {"worker", opt(job.worker)},
              {"attempts", job.attempts},
              {"cancel_requested", job.cancel_requested},
              {"heartbeat_at", opt(job.heartbeat_at)},
              {"started_at", opt(job.started_at)},
              {"finished_at", opt(job.finished_at)},
              {"error", opt(job.error)},
              {"model_id", opt(job.model_id)},
              {"created_by", job.created_by},
              {"created_at", job.created_at}};
  if (job.split_json) {
    json split = json::parse(*job.split_json);
    split.erase("test_statement_ids");  // long; kept on the job row and in the lake
    out["split"] = split;
  }
  return out;
}

std::optional<double> TrainingService::eta_seconds(const store::TrainingJobRecord& job) {
  if (job.status != "running" || !job.started_at || job.trees_done <= 0 ||
      job.trees_total <= job.trees_done) {
    return std::nullopt;
  }
  const double elapsed = core::seconds_since(*job.started_at);
  return elapsed / static_cast<double>(job.trees_done) *
         static_cast<double>(job.trees_total - job.trees_done);
}

void check_training_parameters(const TrainingRequest& request) {
  JobParameters::parse(request.family, request.parameters);
}

store::TrainingJobRecord TrainingService::submit(const core::Actor& actor,
                                                 const TrainingRequest& request) {
  require_role(actor, {core::Role::model_developer, core::Role::admin}, "start training jobs");
  check_training_parameters(request);  // refuses bad parameters now
  store::TrainingJobRecord job;
  job.snapshot_id = request.snapshot_id;
  job.family = request.family;
  job.parameters_json = request.parameters.dump();
  job.status = "queued";
  job.created_by = actor.name;
  job.created_at = core::utc_now_iso8601();
  store::Transaction tx(db_);
  if (!store::SnapshotRepository().find(tx, request.snapshot_id)) {
    throw core::NotFound("snapshot_not_found", "no snapshot '" + request.snapshot_id + "'");
  }
  store::TrainingJobRepository jobs;
  job.id = jobs.insert(tx, job);
  AuditService::record(tx, actor, "training_job.queued", "training_job", std::to_string(job.id),
                       nullptr,
                       {{"snapshot_id", job.snapshot_id},
                        {"family", job.family},
                        {"parameters", request.parameters}});
  auto stored = jobs.find(tx, job.id);
  tx.commit();
  return *stored;
}

store::TrainingJobRecord TrainingService::get(const core::Actor& actor, long long id) {
  require_role(actor,
               {core::Role::viewer, core::Role::analyst, core::Role::data_steward,
                core::Role::model_developer, core::Role::risk_officer, core::Role::admin},
               "read training jobs");
  store::Transaction tx(db_, store::Transaction::Mode::read);
  auto job = store::TrainingJobRepository().find(tx, id);
  if (!job) throw core::NotFound("training_job_not_found", "no training job " + std::to_string(id));
  return *job;
}

std::vector<store::TrainingJobRecord> TrainingService::list(const core::Actor& actor) {
  require_role(actor,
               {core::Role::viewer, core::Role::analyst, core::Role::data_steward,
                core::Role::model_developer, core::Role::risk_officer, core::Role::admin},
               "list training jobs");
  store::Transaction tx(db_, store::Transaction::Mode::read);
  return store::TrainingJobRepository().list(tx);
}

store::TrainingJobRecord TrainingService::cancel(const core::Actor& actor, long long id) {
  require_role(actor, {core::Role::model_developer, core::Role::admin}, "cancel training jobs");
  store::Transaction tx(db_);
  store::TrainingJobRepository jobs;
  const auto before = jobs.find(tx, id);
  if (!before)
    throw core::NotFound("training_job_not_found", "no training job " + std::to_string(id));
  if (before->status != "queued" && before->status != "running") {
    throw core::Conflict("training_job_finished",
                         "training job " + std::to_string(id) + " is " + before->status);
  }
  jobs.request_cancel(tx, id, core::utc_now_iso8601());
  AuditService::record(tx, actor, "training_job.cancel_requested", "training_job",
                       std::to_string(id), {{"status", before->status}}, nullptr);
  auto after = jobs.find(tx, id);
  tx.commit();
  return *after;
}

std::string TrainingService::report(const core::Actor& actor, long long model_id, bool html) {
  require_role(actor,
               {core::Role::viewer, core::Role::analyst, core::Role::data_steward,
                core::Role::model_developer, core::Role::risk_officer, core::Role::admin},
               "read validation reports");
  std::optional<store::ModelRecord> model;
  {
    store::Transaction tx(db_, store::Transaction::Mode::read);
    model = store::ModelRepository().find(tx, model_id);
  }
  if (!model) throw core::NotFound("model_not_found", "no model " + std::to_string(model_id));
  const json metrics = json::parse(model->metrics_json);
  if (!metrics.contains("validation_report")) {
    throw core::NotFound("report_not_found",
                         "model " + model->version +
                             " was not trained by a training job and has no validation report");
  }
  const json& where = metrics["validation_report"];
  const std::string text = lake_.get(where[html ? "html" : "json"].get<std::string>());
  if (!html && core::Sha256::of(text) != where["sha256"].get<std::string>()) {
    throw core::Conflict("report_integrity",
                         "the validation report of model " + model->version +
                             " does not match the sha256 recorded at registration");
  }
  return text;
}

std::optional<store::TrainingJobRecord> TrainingService::run_next(const WorkerSettings& settings,
                                                                  const ProgressFn& progress) {
  std::optional<store::TrainingJobRecord> job;
  {
    const auto now = std::chrono::system_clock::now();
    store::Transaction tx(db_);
    store::TrainingJobRepository jobs;
    for (const long long id : jobs.reap(tx, core::to_iso8601(now - settings.stale_after),
                                        core::to_iso8601(now), settings.max_attempts)) {
      spdlog::warn("training job {}: its worker stopped sending heartbeats; re-queued or failed",
                   id);
    }
    job = jobs.claim(tx, settings.name, core::to_iso8601(now));
    tx.commit();
  }
  if (!job) return std::nullopt;
  spdlog::info("training job {} claimed by {}: {} on snapshot {}", job->id, settings.name,
               job->family, job->snapshot_id);

  std::optional<std::string> error;
  std::optional<long long> model_id;
  std::string status = "succeeded";
  std::string temp_file;
  try {
    Heartbeat heartbeat(db_, job->id, settings, progress);
    auto stage = [&](const std::string& name) {
      if (heartbeat.lost()) throw Stop{"lost"};
      if (heartbeat.cancelled()) throw Stop{"cancelled"};
      heartbeat.stage(name);
      if (heartbeat.lost()) throw Stop{"lost"};
      if (heartbeat.cancelled()) throw Stop{"cancelled"};
    };
    const JobParameters params =
        JobParameters::parse(job->family, json::parse(job->parameters_json));

    stage("verifying snapshot");
    const auto snapshot = SnapshotService(db_, lake_).read(kWorkerActor, job->snapshot_id);
    temp_file =
        (std::filesystem::temp_directory_path() /
         ("risklab-job-" + std::to_string(job->id) + "-" + std::to_string(::getpid()) + ".csv"))
            .string();
    std::ofstream(temp_file, std::ios::binary | std::ios::trunc) << snapshot.data;
    const ml::CsvColumns columns = snapshot_columns(snapshot.manifest);
    const ml::Dataset data = ml::read_csv(temp_file, columns);

    stage("splitting");
    const auto split = ml::stratified_split(data.y, params.test_fraction, params.seed);
    const ml::Dataset train = data.select_rows(split.train);
    const ml::Dataset test = data.select_rows(split.test);
    json test_ids = json::array();
    for (const auto& id : test.ids) test_ids.push_back(std::stoll(id));
    const json split_json = {{"method", "stratified"},
                             {"seed", params.seed},
                             {"test_fraction", params.test_fraction},
                             {"train_rows", train.n_rows},
                             {"test_rows", test.n_rows},
                             {"test_statement_ids", test_ids}};
    {
      store::Transaction tx(db_);
      store::TrainingJobRepository().set_split(tx, job->id, split_json.dump());
      tx.commit();
    }

    stage("training");
    ml::TrainOptions options;
    options.threads = settings.threads;
    options.snapshot_id = job->snapshot_id;
    options.progress = [&heartbeat](std::size_t done, std::size_t total) {
      heartbeat.trees(done, total);
    };
    ml::Model model = params.family == "rf" ? ml::train_model(train, params.rf, options)
                                            : ml::train_gbdt_model(train, params.gbdt, options);

    stage("evaluating on the holdout");
    const auto scored = model.score_all(test, settings.threads);
    std::vector<double> pd;
    for (const auto& s : scored) pd.push_back(s.pd);
    const auto auc = ml::delong_auc(test.y, pd);
    const double half_width = 1.959963984540054 * std::sqrt(auc.variance);  // 95 % normal interval
    model.metrics["holdout"] = {{"rows", test.n_rows},
                                {"auc", auc.auc},
                                {"auc_ci_low", std::max(0.0, auc.auc - half_width)},
                                {"auc_ci_high", std::min(1.0, auc.auc + half_width)},
                                {"brier", ml::brier_score(test.y, pd)},
                                {"log_loss", ml::log_loss(test.y, pd)},
                                {"ece", ml::expected_calibration_error(test.y, pd)}};

    const std::string bytes = ml::serialize_model(model);
    const std::string sha = core::Sha256::of(bytes);
    store::ModelRecord record;
    record.family = model.family;
    record.version = model.family + "-" + sha.substr(0, 12);
    record.status = "candidate";
    const std::string prefix = "models/" + record.version + "/";

    stage("validating against the champion");
    ml::ValidationReportInput report_input;
    report_input.metadata = {job->snapshot_id, params.seed, core::utc_now_iso8601()};
    report_input.y = test.y;
    report_input.candidate = ml::report_model_input(model, record.version, scored);
    report_input.candidate_importances = ml::feature_importances(model);
    json champion_note = nullptr;
    std::optional<store::ModelRecord> champion_record;
    {
      store::Transaction tx(db_, store::Transaction::Mode::read);
      champion_record = store::ModelRepository().find_champion(tx);
    }
    if (champion_record) {
      // The champion scores the same holdout rows, read with its own feature list.
      try {
        const auto champion = load_registered_model(db_, champion_record->id, &lake_);
        ml::CsvColumns champion_columns = columns;
        champion_columns.features = champion->model().features;
        const ml::Dataset champion_test =
            ml::read_csv(temp_file, champion_columns).select_rows(split.test);
        report_input.champion =
            ml::report_model_input(champion->model(), champion_record->version,
                                   champion->model().score_all(champion_test, settings.threads));
      } catch (const core::Error& failure) {
        champion_note = "the champion " + champion_record->version +
                        " could not score this holdout: " + failure.what();
        spdlog::warn("training job {}: {}", job->id, champion_note.get<std::string>());
      }
    }
    const ml::ValidationReport report = ml::build_validation_report(report_input);
    json report_json = report.to_json();
    if (!champion_note.is_null()) report_json["champion_note"] = champion_note;
    const std::string report_text = report_json.dump(2) + "\n";

    stage("registering candidate");
    const std::string key = prefix + "model.rlm";
    lake_.put_if_absent(key, bytes);
    lake_.put_if_absent(prefix + "split.json", split_json.dump() + "\n");
    const auto report_put = lake_.put_if_absent(
        prefix + "report-job-" + std::to_string(job->id) + ".json", report_text);
    lake_.put_if_absent(prefix + "report-job-" + std::to_string(job->id) + ".html",
                        report.to_html());
    record.artifact_uri = "lake:" + key;
    record.artifact_sha256 = sha;
    record.features_json = json(model.features).dump();
    // The registry's metrics add the frozen report's place and hash (not in the artifact, whose
    // bytes depend only on the snapshot and the parameters).
    json registry_metrics = model.metrics;
    registry_metrics["validation_report"] = {
        {"json", prefix + "report-job-" + std::to_string(job->id) + ".json"},
        {"html", prefix + "report-job-" + std::to_string(job->id) + ".html"},
        {"sha256", report_put.sha256},
        {"champion", champion_record ? json(champion_record->version) : json(nullptr)},
        {"summary", report_json.value("summary", json(nullptr))}};
    record.metrics_json = registry_metrics.dump();
    record.snapshot_id = job->snapshot_id;
    record.created_at = core::utc_now_iso8601();
    record.created_by = job->created_by;
    if (heartbeat.lost()) throw Stop{"lost"};
    if (heartbeat.cancelled()) throw Stop{"cancelled"};
    store::Transaction tx(db_);
    store::ModelRepository models;
    for (const auto& existing : models.list(tx)) {
      if (existing.artifact_sha256 == sha) model_id = existing.id;  // a re-run of the same job
    }
    if (!model_id) {
      model_id = models.insert(tx, record);
      AuditService::record(tx, kWorkerActor, "model.trained", "model", std::to_string(*model_id),
                           nullptr,
                           {{"version", record.version},
                            {"artifact_uri", record.artifact_uri},
                            {"artifact_sha256", sha},
                            {"snapshot_id", job->snapshot_id},
                            {"training_job", job->id},
                            {"parameters", json::parse(job->parameters_json)},
                            {"holdout_auc", auc.auc}});
    }
    store::TrainingJobRepository().finish(tx, job->id, settings.name, "succeeded",
                                          core::utc_now_iso8601(), std::nullopt, model_id);
    tx.commit();
  } catch (const Stop& stop) {
    status = stop.status;
  } catch (const std::exception& failure) {
    status = "failed";
    error = failure.what();
  }
  if (!temp_file.empty()) std::filesystem::remove(temp_file);
  if (status == "lost") {
    spdlog::warn("training job {}: taken away from this worker (its heartbeat was late); stopped",
                 job->id);
  } else if (status != "succeeded") {
    store::Transaction tx(db_);
    store::TrainingJobRepository().finish(tx, job->id, settings.name, status,
                                          core::utc_now_iso8601(), error, std::nullopt);
    AuditService::record(tx, kWorkerActor, "training_job." + status, "training_job",
                         std::to_string(job->id), nullptr,
                         {{"error", error ? json(*error) : json(nullptr)}});
    tx.commit();
    spdlog::log(status == "failed" ? spdlog::level::err : spdlog::level::info,
                "training job {} {}{}", job->id, status, error ? ": " + *error : "");
  } else {
    spdlog::info("training job {} succeeded: candidate model {}", job->id, *model_id);
  }
  store::Transaction tx(db_, store::Transaction::Mode::read);
  return store::TrainingJobRepository().find(tx, job->id);
}

}  // namespace risklab::service
