#include "service/scoring_service.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "ml/master_scale.hpp"
#include "service/audit_service.hpp"
#include "service/champion.hpp"
#include "service/permissions.hpp"
#include "store/assessment_repository.hpp"
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
  throw core::InvalidInput("bad_policy", "grade '" + grade + "' is not on the model's master scale");
}

// Features of a stored statement, as the import wrote them (null = missing).
std::map<std::string, std::optional<double>> statement_features(const std::string& json_text) {
  std::map<std::string, std::optional<double>> out;
  const auto document = nlohmann::json::parse(json_text);
  for (const auto& [name, value] : document.items()) {
    if (value.is_number()) {
      out[name] = value.get<double>();
    } else {
      out[name] = std::nullopt;
    }
  }
  return out;
}

struct Prepared {
  std::vector<double> raw;
  nlohmann::json inputs = nlohmann::json::object();
  std::vector<std::string> ignored;
  std::vector<std::string> imputed;
};

Prepared prepare(const LoadedModel& loaded, const std::map<std::string, std::optional<double>>& features) {
  const auto& names = loaded.model().features;
  Prepared prepared;
  prepared.raw.assign(names.size(), std::numeric_limits<double>::quiet_NaN());
  std::vector<bool> seen(names.size(), false);
  for (const auto& [name, value] : features) {
    const auto index = loaded.feature_index(name);
    if (!index) {
      prepared.ignored.push_back(name);
      continue;
    }
    seen[*index] = true;
    if (value && !std::isfinite(*value)) {
      throw core::InvalidInput("feature_not_finite", "feature '" + name + "' is not a finite number");
    }
    if (value) prepared.raw[*index] = *value;
  }
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!seen[i]) {
      throw core::InvalidInput("feature_missing",
                               "feature '" + names[i] + "' is missing (the model needs " +
                                   std::to_string(names.size()) +
                                   " features; send null for a known missing value)");
    }
    if (std::isnan(prepared.raw[i])) {
      prepared.imputed.push_back(names[i]);
      prepared.inputs[names[i]] = nullptr;
    } else {
      prepared.inputs[names[i]] = prepared.raw[i];
    }
  }
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

std::string DecisionPolicy::recommend(const ml::MasterScale& scale, const std::string& grade) const {
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

namespace {

// A scoring computed but not yet stored.
struct Computed {
  ScoreResult result;
  store::AssessmentRecord record;
};

// Everything but the writes: the model, TreeSHAP and the JSON run outside any write
// transaction, so on SQLite they never hold the database's single writer lock.
Computed compute(store::Database& db, const core::Actor& actor, const LoadedModel& loaded,
                 const DecisionPolicy& policy, const ScoreInput& input) {
  store::AssessmentRecord record;
  record.model_id = loaded.record().id;
  record.company_ref = input.company;
  std::map<std::string, std::optional<double>> features = input.features;
  if (input.statement_id) {
    store::Transaction tx(db, store::Transaction::Mode::read);
    const auto statement = store::StatementRepository().find(tx, *input.statement_id);
    if (!statement) {
      throw core::NotFound("statement_not_found",
                           "no statement " + std::to_string(*input.statement_id));
    }
    record.statement_id = statement->id;
    record.company_id = statement->company_id;
    features = statement_features(statement->features_json);
  }
  const Prepared prepared = prepare(loaded, features);
  const ml::Model& model = loaded.model();
  const ml::Scoring scoring = model.score(prepared.raw.data());

  ScoreResult result;
  result.model_id = loaded.record().id;
  result.model_version = loaded.record().version;
  result.pd = scoring.pd;
  result.grade = scoring.grade;
  result.recommendation = policy.recommend(model.master_scale, scoring.grade);
  result.ignored_features = prepared.ignored;
  result.imputed_features = prepared.imputed;
  for (std::size_t i = 0; i < model.features.size(); ++i) {
    const double value = prepared.raw[i];
    if (std::isnan(value) || i >= model.profile.features.size()) continue;
    const auto& profile = model.profile.features[i];
    if (value < profile.min || value > profile.max) {
      result.out_of_range.push_back({model.features[i], value, profile.min, profile.max});
    }
  }
  if (input.top_k > 0) {
    auto lease = loaded.explainer();
    for (const auto& driver : ml::top_drivers(model, lease.get(), prepared.raw.data(), input.top_k)) {
      const auto index = loaded.feature_index(driver.feature);
      std::optional<double> value;
      if (index && !std::isnan(prepared.raw[*index])) value = prepared.raw[*index];
      result.drivers.push_back({driver.feature, value, driver.contribution,
                                driver.contribution >= 0 ? "increases_risk" : "decreases_risk"});
    }
  }

  record.inputs_json = prepared.inputs.dump();
  record.pd = result.pd;
  record.grade = result.grade;
  record.recommendation = result.recommendation;
  record.drivers_json = drivers_json(result.drivers).dump();
  record.out_of_range_json = out_of_range_json(result.out_of_range).dump();
  record.created_at = core::utc_now_iso8601();
  record.created_by = actor.name;
  result.created_at = record.created_at;
  return {std::move(result), std::move(record)};
}

// Stores the assessment and its audit row in `tx`.
ScoreResult persist(store::Transaction& tx, const core::Actor& actor, Computed computed) {
  ScoreResult& result = computed.result;
  result.assessment_id = store::AssessmentRepository().insert(tx, computed.record);
  AuditService::record(tx, actor, "assessment.created", "assessment",
                       std::to_string(result.assessment_id), nullptr,
                       {{"model_version", result.model_version},
                        {"pd", result.pd},
                        {"grade", result.grade},
                        {"recommendation", result.recommendation}});
  return std::move(result);
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

ScoreResult ScoringService::score(const core::Actor& actor, const ScoreInput& input) {
  require_role(actor, {core::Role::analyst, core::Role::risk_officer}, "score companies");
  const auto loaded = require_champion(champion_);
  Computed computed = compute(db_, actor, *loaded, policy_, input);
  store::Transaction tx(db_);
  auto result = persist(tx, actor, std::move(computed));
  tx.commit();
  return result;
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
      computed.push_back(compute(db_, actor, model, policy_, inputs[i]));
    } catch (const core::InvalidInput& error) {
      throw core::InvalidInput(error.code(), "row " + std::to_string(i) + ": " + error.what());
    } catch (const core::NotFound& error) {
      throw core::NotFound(error.code(), "row " + std::to_string(i) + ": " + error.what());
    }
  }
  std::vector<ScoreResult> results;
  results.reserve(inputs.size());
  store::Transaction tx(db_);
  for (auto& item : computed) results.push_back(persist(tx, actor, std::move(item)));
  tx.commit();
  return results;
}

}  // namespace risklab::service

namespace risklab::service {

// Every signed-in role may read assessments; the actor is taken for uniformity.
AssessmentView ScoringService::get(const core::Actor& /*actor*/, long long id) {
  store::Transaction tx(db_, store::Transaction::Mode::read);
  const auto record = store::AssessmentRepository().find(tx, id);
  if (!record) throw core::NotFound("assessment_not_found", "no assessment " + std::to_string(id));
  return {record->id,
          record->model_id,
          record->statement_id,
          record->company_ref,
          record->pd,
          record->grade,
          record->recommendation,
          nlohmann::json::parse(record->inputs_json),
          nlohmann::json::parse(record->drivers_json),
          nlohmann::json::parse(record->out_of_range_json),
          record->created_at,
          record->created_by};
}

}  // namespace risklab::service
