#include "service/registry_service.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/sha256.hpp"
#include "ml/artifact.hpp"
#include "service/audit_service.hpp"
#include "service/permissions.hpp"
#include "store/model_repository.hpp"
#include "store/transaction.hpp"

namespace risklab::service {
namespace {

ModelView view_of(const store::ModelRecord& record) {
  ModelView view;
  view.id = record.id;
  view.version = record.version;
  view.family = record.family;
  view.status = record.status;
  view.artifact_uri = record.artifact_uri;
  view.artifact_sha256 = record.artifact_sha256;
  view.features = nlohmann::json::parse(record.features_json).get<std::vector<std::string>>();
  view.metrics = nlohmann::json::parse(record.metrics_json);
  view.created_at = record.created_at;
  view.created_by = record.created_by;
  view.promoted_at = record.promoted_at;
  view.promoted_by = record.promoted_by;
  return view;
}

nlohmann::json summary(const store::ModelRecord& record) {
  return {{"version", record.version}, {"status", record.status}};
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw core::InvalidInput("file_unreadable", path + ": cannot open file for reading");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace

ModelView RegistryService::register_artifact(const core::Actor& actor, const std::string& path) {
  require_role(actor, {core::Role::admin}, "register models");
  const std::string bytes = read_file(path);
  const ml::Model model = ml::deserialize_model(bytes, path);
  store::ModelRecord record;
  record.artifact_sha256 = core::Sha256::of(bytes);
  record.family = model.family;
  record.version = model.family + "-" + record.artifact_sha256.substr(0, 12);
  record.status = "candidate";
  record.artifact_uri = std::filesystem::absolute(path).lexically_normal().string();
  record.features_json = nlohmann::json(model.features).dump();
  record.metrics_json = model.metrics.dump();
  if (!model.snapshot_id.empty()) record.snapshot_id = model.snapshot_id;
  record.created_at = core::utc_now_iso8601();
  record.created_by = actor.name;

  store::Transaction tx(db_);
  store::ModelRepository models;
  for (const auto& existing : models.list(tx)) {
    if (existing.artifact_sha256 == record.artifact_sha256) {
      throw core::Conflict("model_exists", path + " is already registered as model " +
                                               std::to_string(existing.id) + " (" +
                                               existing.version + ")");
    }
  }
  record.id = models.insert(tx, record);
  AuditService::record(tx, actor, "model.registered", "model", std::to_string(record.id), nullptr,
                       {{"version", record.version},
                        {"artifact_uri", record.artifact_uri},
                        {"artifact_sha256", record.artifact_sha256}});
  tx.commit();
  return view_of(record);
}

ModelView RegistryService::promote(const core::Actor& actor, long long id) {
  require_role(actor, {core::Role::admin}, "promote models");
  store::Transaction tx(db_);
  store::ModelRepository models;
  auto model = models.find(tx, id);
  if (!model) throw core::NotFound("model_not_found", "no model " + std::to_string(id));
  if (model->status == "champion") {
    throw core::Conflict("already_champion", "model " + std::to_string(id) + " is the champion already");
  }
  if (model->status == "rejected") {
    throw core::Conflict("model_rejected", "model " + std::to_string(id) + " was rejected");
  }
  const std::string now = core::utc_now_iso8601();
  if (auto champion = models.find_champion(tx)) {
    models.set_status(tx, champion->id, "retired");
    AuditService::record(tx, actor, "model.retired", "model", std::to_string(champion->id),
                         summary(*champion), {{"version", champion->version}, {"status", "retired"}});
  }
  const auto before = summary(*model);
  models.set_status(tx, id, "champion", now, actor.name);
  model = models.find(tx, id);
  AuditService::record(tx, actor, "model.promoted", "model", std::to_string(id), before,
                       summary(*model));
  tx.commit();
  return view_of(*model);
}

// Every signed-in role may read the registry; the actor is taken for uniformity.
std::vector<ModelView> RegistryService::list(const core::Actor& /*actor*/) {
  store::Transaction tx(db_);
  std::vector<ModelView> out;
  for (const auto& record : store::ModelRepository().list(tx)) out.push_back(view_of(record));
  return out;
}

ModelView RegistryService::get(const core::Actor& /*actor*/, long long id) {
  store::Transaction tx(db_);
  const auto model = store::ModelRepository().find(tx, id);
  if (!model) throw core::NotFound("model_not_found", "no model " + std::to_string(id));
  return view_of(*model);
}

}  // namespace risklab::service
