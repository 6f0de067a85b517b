#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>
#include <thread>

#include "cli/commands/common.hpp"
#include "core/error.hpp"
#include "lake/lake.hpp"
#include "service/training_service.hpp"
#include "store/database.hpp"

namespace risklab::cli {
namespace {

struct TrainOptions {
  std::string snapshot;
  std::string family = "rf";
  std::vector<std::string> params;  // key=value
  std::size_t threads = 0;
};

/// "key=value" pairs as a JSON object: numbers stay numbers, anything else is a string.
nlohmann::json parameters_of(const std::vector<std::string>& pairs) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& pair : pairs) {
    const auto eq = pair.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw core::InvalidInput("bad_parameter", "--param '" + pair + "' is not KEY=VALUE");
    }
    const std::string key = pair.substr(0, eq);
    const std::string value = pair.substr(eq + 1);
    const auto parsed = nlohmann::json::parse(value, nullptr, false);
    out[key] = !parsed.is_discarded() && parsed.is_number() ? parsed : nlohmann::json(value);
  }
  return out;
}

void print_progress(const store::TrainingJobRecord& job) {
  std::cerr << "job " << job.id << ": " << job.stage.value_or(job.status);
  if (job.trees_total > 0) std::cerr << " " << job.trees_done << "/" << job.trees_total << " trees";
  if (const auto eta = service::TrainingService::eta_seconds(job))
    std::cerr << ", ~" << static_cast<int>(*eta) << " s left";
  std::cerr << '\n';
}

}  // namespace

void add_train_command(CLI::App& app, GlobalOptions& global) {
  auto options = std::make_shared<TrainOptions>();
  auto* cmd = app.add_subcommand(
      "train",
      "Queue a training job on a snapshot and run it here (as a worker) until it ends; "
      "the result is a candidate model");
  cmd->add_option("--snapshot", options->snapshot, "Snapshot id")->required();
  cmd->add_option("--family", options->family, "rf (random forest) or gbdt (xgboost)")
      ->capture_default_str();
  cmd->add_option(
      "--param", options->params,
      "KEY=VALUE, repeatable: trees, max_depth, min_leaf, max_features, class_weight, smote_ratio, "
      "smote_k, calibration, seed, test_fraction; gbdt: learning_rate, subsample, colsample, "
      "min_child_weight, lambda, alpha, early_stopping");
  cmd->add_option("--threads", options->threads,
                  "Training threads; 0 = all cores (never changes the model)");
  cmd->callback([&global, options] {
    auto db = open_database(global);
    const auto lake = lake::open_lake(global.lake_url);
    service::TrainingService training(*db, *lake);
    service::TrainingRequest request;
    request.snapshot_id = options->snapshot;
    request.family = options->family;
    request.parameters = parameters_of(options->params);
    const auto job = training.submit(cli_operator(), request);
    std::cout << "queued training job " << job.id << '\n';
    service::WorkerSettings settings;
    settings.name = worker_name();
    settings.threads = options->threads;
    // Run queued jobs (oldest first) until ours has ended, here or in another worker.
    while (true) {
      const auto current = training.get(cli_operator(), job.id);
      if (current.status != "queued" && current.status != "running") {
        if (current.status != "succeeded") {
          throw core::Conflict("training_failed", "training job " + std::to_string(job.id) + " " +
                                                      current.status +
                                                      (current.error ? ": " + *current.error : ""));
        }
        std::cout << "training job " << job.id << " succeeded: candidate model "
                  << *current.model_id << '\n'
                  << service::training_job_json(current).dump(2) << '\n';
        return;
      }
      if (!training.run_next(settings, print_progress))
        std::this_thread::sleep_for(std::chrono::seconds(1));
    }
  });
}

void add_worker_command(CLI::App& app, GlobalOptions& global) {
  auto threads = std::make_shared<std::size_t>(0);
  auto* cmd =
      app.add_subcommand("worker", "Run queued training jobs one at a time until SIGINT/SIGTERM");
  cmd->add_option("--threads", *threads, "Training threads; 0 = all cores");
  cmd->callback([&global, threads] {
    auto db = open_database(global);
    const auto lake = lake::open_lake(global.lake_url);
    service::TrainingService training(*db, *lake);
    service::WorkerSettings settings;
    settings.name = worker_name();
    settings.threads = *threads;
    static volatile std::sig_atomic_t stop = 0;
    std::signal(SIGTERM, [](int) { stop = 1; });
    std::signal(SIGINT, [](int) { stop = 1; });
    std::cout << "worker " << settings.name << " waiting for training jobs" << std::endl;
    while (stop == 0) {
      if (const auto job = training.run_next(settings, print_progress)) {
        std::cout << "job " << job->id << ": " << job->status << '\n';
      } else {
        std::this_thread::sleep_for(std::chrono::seconds(1));
      }
    }
  });
}

}  // namespace risklab::cli
