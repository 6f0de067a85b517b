#include "service/champion.hpp"

#include <spdlog/spdlog.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.hpp"
#include "core/sha256.hpp"
#include "lake/lake.hpp"
#include "ml/artifact.hpp"
#include "store/transaction.hpp"

namespace risklab::service {

LoadedModel::LoadedModel(store::ModelRecord record, ml::Model model)
    : record_(std::move(record)), model_(std::move(model)), index_(model_.features) {}

std::optional<std::size_t> LoadedModel::feature_index(std::string_view name) const {
  return index_.find(name);
}

LoadedModel::ExplainerLease::ExplainerLease(const LoadedModel& owner,
                                            std::unique_ptr<ml::TreeExplainer> explainer)
    : owner_(owner), explainer_(std::move(explainer)) {}

LoadedModel::ExplainerLease::~ExplainerLease() {
  std::lock_guard lock(owner_.pool_mutex_);
  owner_.pool_.push_back(std::move(explainer_));
}

LoadedModel::ExplainerLease LoadedModel::explainer() const {
  {
    std::lock_guard lock(pool_mutex_);
    if (!pool_.empty()) {
      auto explainer = std::move(pool_.back());
      pool_.pop_back();
      return ExplainerLease(*this, std::move(explainer));
    }
  }
  return ExplainerLease(*this, ml::make_tree_explainer(model_));
}

namespace {

/// The artifact's bytes: a file path, or "lake:KEY" for artifacts written by training jobs (the
/// lake checks its own recorded hash on read; the registry's sha256 is checked below).
std::string read_artifact(const store::ModelRecord& record, lake::Lake* lake) {
  constexpr std::string_view kLake = "lake:";
  if (record.artifact_uri.rfind(kLake, 0) == 0) {
    if (lake == nullptr) {
      throw core::Unavailable("artifact_unreadable", "model " + record.version + " lives in the lake (" +
                                                         record.artifact_uri + ") and no lake is configured");
    }
    return lake->get(record.artifact_uri.substr(kLake.size()));
  }
  std::ifstream in(record.artifact_uri, std::ios::binary);
  if (!in) {
    throw core::Unavailable("artifact_unreadable", "cannot read the artifact " + record.artifact_uri);
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::shared_ptr<const LoadedModel> load_record(const store::ModelRecord& record, lake::Lake* lake) {
  const std::string bytes = read_artifact(record, lake);
  if (core::Sha256::of(bytes) != record.artifact_sha256) {
    throw core::InvalidInput("artifact_mismatch",
                             record.artifact_uri + " does not match the SHA-256 recorded when model " +
                                 record.version + " was registered");
  }
  return std::make_shared<const LoadedModel>(record, ml::deserialize_model(bytes, record.artifact_uri));
}

}  // namespace

std::shared_ptr<const LoadedModel> load_registered_model(store::Database& db, long long id, lake::Lake* lake) {
  std::optional<store::ModelRecord> record;
  {
    store::Transaction tx(db, store::Transaction::Mode::read);
    record = store::ModelRepository().find(tx, id);
  }
  if (!record) throw core::NotFound("model_not_found", "no model " + std::to_string(id));
  return load_record(*record, lake);
}

bool Champion::refresh() {
  std::lock_guard lock(mutex_);
  std::optional<store::ModelRecord> record;
  {
    store::Transaction tx(db_, store::Transaction::Mode::read);
    store::ModelRepository models;
    const auto id = models.champion_id(tx);
    const auto current = current_.load();
    if (!id) {
      if (current) current_.store(nullptr);
      return current != nullptr;
    }
    if (current && current->record().id == *id) return false;
    if (failed_id_ == id) return false;  // do not re-read a broken artifact every second
    record = models.find(tx, *id);
  }
  if (!record) return false;
  try {
    current_.store(load_record(*record, lake_));
    last_error_.clear();
    failed_id_.reset();
    spdlog::info("champion is now model {} ({})", record->id, record->version);
    return true;
  } catch (const std::exception& error) {
    last_error_ = error.what();
    failed_id_ = record->id;
    spdlog::error("cannot load champion model {}: {}; keeping the current model", record->id,
                  error.what());
    return false;
  }
}

std::string Champion::last_error() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}

}  // namespace risklab::service
