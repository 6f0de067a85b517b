#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "ml/model.hpp"
#include "store/model_repository.hpp"
#include "store/snapshot_repository.hpp"

namespace risklab::service {

/// Everything a model card says, gathered at approval (issue 9, item 5).
struct ModelCardInput {
  store::ModelRecord record;
  const ml::Model* model = nullptr;
  std::optional<store::SnapshotRecord> snapshot;
  std::string approved_by;
  std::string approved_at;
  std::string note;
};

/// The model card as JSON: purpose, data snapshot, features, method, parameters, metrics,
/// calibration, master scale, limitations, approvals. Deterministic for the same input.
nlohmann::json build_model_card(const ModelCardInput& input);

/// The card as a self-contained HTML page (no script, no external resource; text escaped).
std::string model_card_html(const nlohmann::json& card);

}  // namespace risklab::service
