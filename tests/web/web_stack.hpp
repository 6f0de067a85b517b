#pragma once

// A served RiskLab for web tests: a migrated database of one backend, a file lake, every
// service, the App and a Server on a free port of 127.0.0.1 running on its own thread until
// the stack is destroyed. Shared by the API, UI and security fixtures, which add their users
// and data on top.
#include <httplib.h>

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

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
#include "support/backends.hpp"
#include "web/server.hpp"

namespace risklab::test {

struct WebStackOptions {
  /// Snapshots, training jobs and monitoring configured in the App (else their routes answer
  /// that the service is not configured, as a server without a lake does).
  bool optional_services = false;
  /// The server's request body limit; 0 keeps ServerOptions' default.
  std::size_t max_body_bytes = 0;
};

class WebStack {
 public:
  /// `backend` as for TestDatabase; the lake lives in `dir`/lake.
  WebStack(const std::string& backend, const std::filesystem::path& dir,
           WebStackOptions options = {})
      : test_db(std::make_unique<TestDatabase>(backend)),
        db(store::Database::open(test_db->url(), 8)) {
    store::migrate(*db);
    lake = lake::open_lake("file://" + (dir / "lake").string());
    lake->create_container();
    auth = std::make_unique<service::AuthService>(*db);
    champion = std::make_unique<service::Champion>(*db, lake.get());
    scoring = std::make_unique<service::ScoringService>(*db, *champion);
    decisions = std::make_unique<service::DecisionService>(*db);
    registry = std::make_unique<service::RegistryService>(*db, lake.get());
    audit = std::make_unique<service::AuditService>(*db);
    outcomes = std::make_unique<service::OutcomeService>(*db);
    outbox = std::make_unique<service::OutboxService>(*db, *lake);
    app = std::make_unique<web::App>(web::App{*db, *auth, *scoring, *decisions, *registry, *audit,
                                              *champion, *outcomes, *outbox, false});
    if (options.optional_services) {
      snapshots = std::make_unique<service::SnapshotService>(*db, *lake);
      training = std::make_unique<service::TrainingService>(*db, *lake);
      monitoring = std::make_unique<service::MonitoringService>(*db, lake.get());
      app->snapshots = snapshots.get();
      app->training = training.get();
      app->monitoring = monitoring.get();
    }
    web::ServerOptions server_options;
    server_options.port = 0;
    server_options.threads = 4;
    if (options.max_body_bytes > 0) server_options.max_body_bytes = options.max_body_bytes;
    server = std::make_unique<web::Server>(*app, server_options);
    port = server->bind();
    thread_ = std::thread([this] { server->run(); });
  }
  ~WebStack() {
    server->stop();
    thread_.join();
  }
  WebStack(const WebStack&) = delete;
  WebStack& operator=(const WebStack&) = delete;

  /// A client of this server (30 s read timeout: sanitizer builds are slow).
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(30, 0);
    return c;
  }

  std::unique_ptr<TestDatabase> test_db;
  std::unique_ptr<store::Database> db;
  std::unique_ptr<lake::Lake> lake;
  std::unique_ptr<service::AuthService> auth;
  std::unique_ptr<service::Champion> champion;
  std::unique_ptr<service::ScoringService> scoring;
  std::unique_ptr<service::DecisionService> decisions;
  std::unique_ptr<service::RegistryService> registry;
  std::unique_ptr<service::AuditService> audit;
  std::unique_ptr<service::OutcomeService> outcomes;
  std::unique_ptr<service::OutboxService> outbox;
  std::unique_ptr<service::SnapshotService> snapshots;
  std::unique_ptr<service::TrainingService> training;
  std::unique_ptr<service::MonitoringService> monitoring;
  std::unique_ptr<web::App> app;
  std::unique_ptr<web::Server> server;
  int port = 0;

 private:
  std::thread thread_;
};

}  // namespace risklab::test
