#pragma once

#include <string>

namespace risklab::store {
class Database;
}
namespace risklab::service {
class AuditService;
class AuthService;
class Champion;
class DecisionService;
class MonitoringService;
class OutboxService;
class OutcomeService;
class RegistryService;
class ScoringService;
class SnapshotService;
class TrainingService;
}  // namespace risklab::service

namespace risklab::web {

/// The services one server instance calls; owned by the caller (cli/commands/serve.cpp).
struct App {
  store::Database& db;
  service::AuthService& auth;
  service::ScoringService& scoring;
  service::DecisionService& decisions;
  service::RegistryService& registry;
  service::AuditService& audit;
  service::Champion& champion;
  service::OutcomeService& outcomes;
  service::OutboxService& outbox;
  bool secure_cookies = false;  ///< add `Secure` to the session cookie (behind HTTPS)
  /// Snapshots need the lake; without one (a test app) their routes answer 503.
  service::SnapshotService* snapshots = nullptr;
  /// The training queue (needs the lake too); without one its routes answer 503.
  service::TrainingService* training = nullptr;
  /// Drift, back-testing, overrides; without it (a test app) its routes answer 503.
  service::MonitoringService* monitoring = nullptr;
};

}  // namespace risklab::web
