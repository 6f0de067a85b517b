#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "core/role.hpp"

namespace risklab::store {
class Database;
}

namespace risklab::service {

/// A registered model as people see it.
struct ModelView {
  long long id = 0;
  std::string version;
  std::string family;
  std::string status;
  std::string artifact_uri;
  std::string artifact_sha256;
  std::vector<std::string> features;
  nlohmann::json metrics;
  std::string created_at;
  std::string created_by;
  std::optional<std::string> promoted_at;
  std::optional<std::string> promoted_by;
};

/// The model registry. Until governed retraining exists (issue 7), an admin registers an
/// artifact file and promotes it to champion.
class RegistryService {
 public:
  explicit RegistryService(store::Database& db) : db_(db) {}

  /// Checks the artifact (refuses a corrupt, truncated, foreign or newer file with
  /// InvalidInput), records it as a candidate, and returns it. Admin only. Conflict if the
  /// same artifact (by SHA-256) is already registered.
  ModelView register_artifact(const core::Actor& actor, const std::string& path);
  /// Makes model `id` the champion; the previous champion is retired. Admin only. NotFound for
  /// an unknown id, Conflict if it is the champion already or was rejected.
  ModelView promote(const core::Actor& actor, long long id);
  /// Every model, newest first (any signed-in role).
  std::vector<ModelView> list(const core::Actor& actor);
  /// One model; NotFound if unknown.
  ModelView get(const core::Actor& actor, long long id);

 private:
  store::Database& db_;
};

}  // namespace risklab::service
