#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <condition_variable>
#include <csignal>
#include <iostream>
#include <mutex>
#include <thread>

#include "cli/commands/common.hpp"
#include "lake/lake.hpp"
#include "service/audit_service.hpp"
#include "service/auth_service.hpp"
#include "service/champion.hpp"
#include "service/decision_service.hpp"
#include "service/monitoring_service.hpp"
#include "service/outcome_service.hpp"
#include "service/registry_service.hpp"
#include "service/scoring_service.hpp"
#include "service/snapshot_service.hpp"
#include "service/training_service.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"
#include "web/access_log.hpp"
#include "web/server.hpp"

#ifdef RISKLAB_WITH_MIMALLOC
#include <mimalloc.h>
#endif

namespace risklab::cli {
namespace {

struct ServeOptions {
  web::ServerOptions server;
  std::size_t pool = 0;
  bool secure_cookies = false;
  std::string approve_up_to = "R6";
  std::string decline_from = "R9";
  bool worker = true;
  int job_timeout = 60;
};

// Blocks SIGINT/SIGTERM in every thread and waits for one on a dedicated thread, which then
// stops the server: in-flight requests finish, new connections are refused.
void serve(const GlobalOptions& global, const ServeOptions& options) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  web::install_access_log();
#ifdef RISKLAB_WITH_MIMALLOC
  spdlog::debug("memory allocator: mimalloc {}", mi_version());
#else
  spdlog::debug("memory allocator: the C library's");
#endif

  const std::size_t threads = options.server.threads ? options.server.threads : web::default_request_threads();
  auto db = store::Database::open(global.db_url, options.pool ? options.pool : threads + 3);
  store::check_schema(*db);
  service::AuthService auth(*db);
  const auto lake = lake::open_lake(global.lake_url);
  service::Champion champion(*db, lake.get());
  service::ScoringService scoring(*db, champion, {options.approve_up_to, options.decline_from});
  service::DecisionService decisions(*db);
  service::RegistryService registry(*db, lake.get());
  service::AuditService audit(*db);
  service::OutcomeService outcomes(*db);
  service::OutboxService outbox(*db, *lake);
  champion.refresh();
  if (!champion.current()) {
    spdlog::warn("no champion model yet: /score answers 503 until one is promoted");
  }
  service::SnapshotService snapshots(*db, *lake);
  service::TrainingService training(*db, *lake);
  service::MonitoringService monitoring(*db, lake.get());
  web::App app{*db,      auth,     scoring, decisions, registry, audit,
               champion, outcomes, outbox,  options.secure_cookies, &snapshots};
  app.training = &training;
  app.monitoring = &monitoring;
  web::Server server(app, options.server);
  const int port = server.bind();
  std::cout << "risklab serving on http://" << options.server.bind << ":" << port << std::endl;

  std::atomic<bool> stopping{false};
  std::mutex mutex;
  std::condition_variable wake;
  // Every replica polls the registry, so a champion promoted anywhere is served within ~1 s,
  // and ships the outbox to the lake every two seconds (idempotent across replicas).
  std::thread poller([&] {
    std::unique_lock lock(mutex);
    for (int tick = 0; !stopping; ++tick) {
      wake.wait_for(lock, std::chrono::seconds(1));
      if (stopping) break;
      try {
        champion.refresh();
        if (tick % 2 == 0) outbox.drain(500);
      } catch (const std::exception& error) {
        spdlog::warn("background refresh failed: {}", error.what());
      }
    }
  });
  // One training job at a time per replica: claim the oldest queued job, run it, repeat.
  // SIGTERM lets the running job finish; a killed replica's job is re-queued by another
  // worker once its heartbeat is a minute old.
  std::thread worker;
  if (options.worker) {
    worker = std::thread([&] {
      service::WorkerSettings settings;
      settings.name = worker_name();
      settings.stale_after = std::chrono::seconds(options.job_timeout);
      while (!stopping) {
        std::optional<store::TrainingJobRecord> ran;
        try {
          ran = training.run_next(settings);
        } catch (const std::exception& error) {
          spdlog::warn("training worker: {}", error.what());
        }
        if (ran) continue;
        std::unique_lock lock(mutex);
        wake.wait_for(lock, std::chrono::seconds(2));
      }
    });
  }
  std::thread signal_waiter([&] {
    int signal = 0;
    sigwait(&signals, &signal);
    if (!stopping) spdlog::info("signal {} received: finishing in-flight requests", signal);
    server.stop();
  });
  server.run();
  {
    std::lock_guard lock(mutex);
    stopping = true;
  }
  wake.notify_all();
  poller.join();
  if (worker.joinable()) worker.join();
  // Release the signal waiter if the server stopped for another reason.
  pthread_kill(signal_waiter.native_handle(), SIGTERM);
  signal_waiter.join();
  spdlog::info("stopped");  // flushes the access log's last lines too (same stderr buffer)
}

}  // namespace

/// Serves `global.db_url` on `port` with default settings (used by `risklab demo`).
void serve_database(const GlobalOptions& global, int port) {
  ServeOptions options;
  options.server.port = port;
  serve(global, options);
}

void add_serve_command(CLI::App& app, GlobalOptions& global) {
  auto options = std::make_shared<ServeOptions>();
  auto* cmd = app.add_subcommand("serve", "Serve the REST API (and UI) over HTTP");
  cmd->add_option("--port", options->server.port, "TCP port (0 = any free port)")
      ->envname("RISKLAB_PORT")
      ->capture_default_str();
  cmd->add_option("--bind", options->server.bind, "Address to listen on")
      ->envname("RISKLAB_BIND")
      ->capture_default_str();
  cmd->add_option("--threads", options->server.threads, "Request worker threads (default 2 per core, at least 4)")
      ->envname("RISKLAB_THREADS");
  cmd->add_option("--io-threads", options->server.io_threads,
                  "Threads reading and writing connections (default one per core, at most 2)")
      ->envname("RISKLAB_IO_THREADS");
  cmd->add_option("--db-pool", options->pool, "Database connections (default threads + 3)")
      ->envname("RISKLAB_DB_POOL");
  cmd->add_option("--max-body", options->server.max_body_bytes, "Largest request body in bytes")
      ->capture_default_str();
  cmd->add_flag("--secure-cookies", options->secure_cookies,
                "Mark the session cookie Secure (when served behind HTTPS)");
  cmd->add_option("--approve-up-to", options->approve_up_to,
                  "Worst grade the model recommends approving")
      ->capture_default_str();
  cmd->add_option("--decline-from", options->decline_from,
                  "Best grade the model recommends declining")
      ->capture_default_str();
  cmd->add_flag("!--no-worker", options->worker, "Do not run training jobs in this replica");
  cmd->add_option("--job-timeout", options->job_timeout,
                  "Seconds without a heartbeat after which a running training job counts as lost and is re-queued")
      ->check(CLI::Range(2, 86400))
      ->capture_default_str();
  cmd->callback([&global, options] { serve(global, *options); });
}

}  // namespace risklab::cli
