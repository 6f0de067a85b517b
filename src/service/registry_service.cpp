#include "service/registry_service.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/sha256.hpp"
#include "lake/lake.hpp"
#include "ml/artifact.hpp"
#include "service/audit_service.hpp"
#include "service/champion.hpp"
#include "service/model_card.hpp"
#include "service/permissions.hpp"
#include "service/snapshot_service.hpp"
#include "store/model_repository.hpp"
#include "store/snapshot_repository.hpp"
#include "store/transaction.hpp"

namespace risklab::service {
namespace {

ModelView view_of(const store::ModelRecord& record,
                  const std::optional<store::ModelReview>& review) {
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
  view.snapshot_id = record.snapshot_id;
  if (review)
    view.review = ReviewView{review->verdict, review->reviewer, review->note, review->reviewed_at};
  return view;
}

nlohmann::json summary(const store::ModelRecord& record) {
  return {{"version", record.version}, {"status", record.status}};
}

constexpr std::size_t kMaxNote = 2000;

store::ModelRecord find_or_throw(store::Transaction& tx, long long id) {
  auto model = store::ModelRepository().find(tx, id);
  if (!model) throw core::NotFound("model_not_found", "no model " + std::to_string(id));
  return *model;
}

std::string model_name(const store::ModelRecord& model) {
  return "model " + std::to_string(model.id) + " (" + model.version + ")";
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
  return view_of(record, std::nullopt);
}

namespace {

/// Refuses approval of anything but a candidate, and by the person who trained it.
void check_approvable(const store::ModelRecord& model, const core::Actor& actor) {
  if (model.status != "candidate") {
    throw core::Conflict("not_candidate", model_name(model) + " is " + model.status +
                                              "; only a candidate can be approved");
  }
  // Four-eyes: the person who started the training job (or registered the file) cannot approve.
  if (model.created_by == actor.name) {
    throw core::Forbidden("four_eyes", "'" + actor.name + "' trained " + model_name(model) +
                                           "; a different risk officer must approve it");
  }
}

}  // namespace

ModelView RegistryService::approve(const core::Actor& actor, long long id,
                                   const std::string& note) {
  require_role(actor, {core::Role::risk_officer}, "approve models");
  if (note.size() > kMaxNote) {
    throw core::InvalidInput("note_too_long", "the approval note has " +
                                                  std::to_string(note.size()) +
                                                  " characters; at most 2000 are allowed");
  }
  store::ModelReview review{id, "approved", actor.name, note, core::utc_now_iso8601(), {}, {}};
  if (lake_ != nullptr) {
    // The model card is frozen at approval: built from the verified artifact and the snapshot
    // record, written create-only under a content-addressed key (an approval that then fails
    // leaves an orphan card no one points to, never a wrong one), then bound in the review.
    store::ModelRecord record;
    std::optional<store::SnapshotRecord> snapshot;
    {
      store::Transaction tx(db_, store::Transaction::Mode::read);
      record = find_or_throw(tx, id);
      check_approvable(record, actor);
      if (record.snapshot_id) snapshot = store::SnapshotRepository().find(tx, *record.snapshot_id);
    }
    const auto loaded = load_verified(record, "approved");
    const auto card = build_model_card(
        {record, &loaded->model(), snapshot, actor.name, review.reviewed_at, note});
    const std::string text = card.dump(1) + "\n";
    const std::string sha = core::Sha256::of(text);
    const std::string prefix = "models/" + record.version + "/model-card-" + sha.substr(0, 16);
    lake_->put_if_absent(prefix + ".json", text);
    lake_->put_if_absent(prefix + ".html", model_card_html(card));
    review.card_key = prefix + ".json";
    review.card_sha256 = sha;
  }
  store::Transaction tx(db_);
  store::ModelRepository models;
  auto model = find_or_throw(tx, id);
  check_approvable(model, actor);  // again, inside the transaction that records the verdict
  const auto before = summary(model);
  models.insert_review(tx, review);
  models.set_status(tx, id, "approved");
  model.status = "approved";
  auto after = summary(model);
  after["trained_by"] = model.created_by;
  after["note"] = note;
  after["model_card"] =
      review.card_key ? nlohmann::json{{"key", *review.card_key}, {"sha256", *review.card_sha256}}
                      : nlohmann::json(nullptr);
  AuditService::record(tx, actor, "model.approved", "model", std::to_string(id), before, after);
  auto stored = models.find_review(tx, id);
  tx.commit();
  return view_of(model, stored);
}

std::string RegistryService::model_card(const core::Actor& /*actor*/, long long id, bool html) {
  std::optional<store::ModelReview> card;
  std::string version;
  {
    store::Transaction tx(db_, store::Transaction::Mode::read);
    store::ModelRepository models;
    version = find_or_throw(tx, id).version;
    for (auto& review : models.list_reviews(tx)) {
      if (review.model_id == id && review.verdict == "approved" && review.card_key)
        card = std::move(review);
    }
  }
  if (!card)
    throw core::NotFound("card_not_found",
                         "model " + version + " has no model card: it was never approved");
  if (lake_ == nullptr)
    throw core::Unavailable("lake_required", "the model card is in the lake; none is configured");
  if (html) {
    const std::string& key = *card->card_key;
    return lake_->get(key.substr(0, key.size() - 5) + ".html");
  }
  const std::string text = lake_->get(*card->card_key);
  if (core::Sha256::of(text) != *card->card_sha256) {
    throw core::Conflict("card_integrity", "the model card of " + version +
                                               " does not match the sha256 recorded at approval");
  }
  return text;
}

ModelView RegistryService::reject(const core::Actor& actor, long long id,
                                  const std::string& reason) {
  require_role(actor, {core::Role::risk_officer}, "reject models");
  if (reason.find_first_not_of(" \t\r\n") == std::string::npos) {
    throw core::InvalidInput("reason_required", "a rejection needs a reason");
  }
  if (reason.size() > kMaxNote) {
    throw core::InvalidInput("note_too_long", "the reason has " + std::to_string(reason.size()) +
                                                  " characters; at most 2000 are allowed");
  }
  store::Transaction tx(db_);
  store::ModelRepository models;
  auto model = find_or_throw(tx, id);
  if (model.status != "candidate" && model.status != "approved") {
    throw core::Conflict("not_reviewable",
                         model_name(model) + " is " + model.status +
                             "; only a candidate or an approved model can be rejected");
  }
  const auto before = summary(model);
  models.insert_review(tx, {id, "rejected", actor.name, reason, core::utc_now_iso8601(), {}, {}});
  models.set_status(tx, id, "rejected");
  model.status = "rejected";
  auto after = summary(model);
  after["reason"] = reason;
  AuditService::record(tx, actor, "model.rejected", "model", std::to_string(id), before, after);
  auto review = models.find_review(tx, id);
  tx.commit();
  return view_of(model, review);
}

std::shared_ptr<const LoadedModel> RegistryService::load_verified(const store::ModelRecord& model,
                                                                  const char* verb) {
  const auto refuse = [&](const core::Error& error) {
    return core::Conflict("artifact_unverified",
                          model_name(model) + " cannot be " + verb + ": " + error.what());
  };
  try {
    return load_registered_model(db_, model.id, lake_);
  } catch (const core::InvalidInput& error) {  // corrupt, or not the registered sha256
    throw refuse(error);
  } catch (const core::NotFound& error) {  // gone from the lake
    throw refuse(error);
  } catch (const core::Conflict& error) {  // the lake's own checksum caught it first
    throw refuse(error);
  } catch (const core::Unavailable& error) {
    // A missing local file is a verification failure; an unreachable lake proves nothing.
    if (model.artifact_uri.rfind("lake:", 0) != 0) throw refuse(error);
    throw;
  }
}

void RegistryService::verify_for_promotion(const core::Actor& actor, long long id) {
  std::optional<store::ModelRecord> model;
  {
    store::Transaction tx(db_, store::Transaction::Mode::read);
    model = find_or_throw(tx, id);
  }
  // The artifact: read again (file or lake) and checked against the SHA-256 in the registry.
  load_verified(*model, "promoted");
  // The snapshot it was trained on: data and manifest re-hashed against the index.
  if (!model->snapshot_id) return;
  if (lake_ == nullptr) {
    throw core::Unavailable("lake_required", model_name(*model) + " was trained on snapshot " +
                                                 *model->snapshot_id +
                                                 "; verifying it needs the lake");
  }
  SnapshotCheck check;
  try {
    check = SnapshotService(db_, *lake_).verify(actor, *model->snapshot_id);
  } catch (const core::NotFound& error) {
    throw core::Conflict("snapshot_unverified",
                         model_name(*model) + " cannot be promoted: " + error.what());
  }
  if (!check.ok) {
    throw core::Conflict("snapshot_unverified",
                         model_name(*model) + " cannot be promoted: snapshot " +
                             *model->snapshot_id + " no longer verifies: " + check.problem);
  }
}

ModelView RegistryService::crown(const core::Actor& actor, long long id, bool rollback) {
  const std::string now = core::utc_now_iso8601();
  store::Transaction tx(db_);
  store::ModelRepository models;
  auto model = find_or_throw(tx, id);
  // Checked again inside the transaction: a concurrent reject, promote or rollback wins cleanly.
  if (rollback) {
    if (model.status != "retired" || !model.promoted_at) {
      throw core::Conflict("not_former_champion",
                           model_name(model) + " is " + model.status +
                               (model.promoted_at ? "" : " and was never champion") +
                               "; a rollback restores a retired former champion");
    }
  } else if (model.status != "approved") {
    throw core::Conflict(
        model.status == "champion" ? "already_champion" : "not_approved",
        model_name(model) + " is " + model.status +
            (model.status == "champion" ? " already"
                                        : "; a risk officer must approve it before promotion"));
  }
  const char* action = rollback ? "model.rolled_back" : "model.promoted";
  std::optional<store::ModelRecord> previous = models.find_champion(tx);
  if (previous) {
    models.set_status(tx, previous->id, "retired");
    AuditService::record(
        tx, actor, "model.retired", "model", std::to_string(previous->id), summary(*previous),
        {{"version", previous->version}, {"status", "retired"}, {"replaced_by", model.version}});
  }
  const auto before = summary(model);
  models.set_status(tx, id, "champion", now, actor.name);
  model = find_or_throw(tx, id);
  auto after = summary(model);
  after["previous_champion"] =
      previous ? nlohmann::json(previous->version) : nlohmann::json(nullptr);
  after["artifact_sha256"] = model.artifact_sha256;
  after["verified"] = {
      {"artifact", true},
      {"snapshot", model.snapshot_id ? nlohmann::json(*model.snapshot_id) : nullptr}};
  AuditService::record(tx, actor, action, "model", std::to_string(id), before, after);
  auto review = models.find_review(tx, id);
  tx.commit();
  return view_of(model, review);
}

ModelView RegistryService::promote(const core::Actor& actor, long long id) {
  require_role(actor, {core::Role::risk_officer, core::Role::admin}, "promote models");
  return check_then_crown(actor, id, false);
}

ModelView RegistryService::rollback(const core::Actor& actor, long long id) {
  require_role(actor, {core::Role::risk_officer, core::Role::admin}, "roll back the champion");
  return check_then_crown(actor, id, true);
}

ModelView RegistryService::check_then_crown(const core::Actor& actor, long long id, bool rollback) {
  // A dry run of crown()'s status checks first (rolled back), so a refused request does not
  // spend seconds re-verifying a snapshot; then the verification outside any transaction
  // (it reads the lake); then crown() checks again and commits.
  bool ready = false;
  {
    store::Transaction tx(db_, store::Transaction::Mode::read);
    const auto model = find_or_throw(tx, id);
    ready = rollback ? model.status == "retired" && model.promoted_at : model.status == "approved";
  }
  if (!ready) return crown(actor, id, rollback);  // throws the precise Conflict, changes nothing
  verify_for_promotion(actor, id);
  return crown(actor, id, rollback);
}

// Every signed-in role may read the registry; the actor is taken for uniformity.
std::vector<ModelView> RegistryService::list(const core::Actor& /*actor*/) {
  store::Transaction tx(db_, store::Transaction::Mode::read);
  store::ModelRepository models;
  std::map<long long, store::ModelReview> latest;
  for (auto& review : models.list_reviews(tx)) latest[review.model_id] = std::move(review);
  std::vector<ModelView> out;
  for (const auto& record : models.list(tx)) {
    const auto it = latest.find(record.id);
    out.push_back(view_of(record, it == latest.end() ? std::nullopt : std::optional(it->second)));
  }
  return out;
}

ModelView RegistryService::get(const core::Actor& /*actor*/, long long id) {
  store::Transaction tx(db_, store::Transaction::Mode::read);
  const auto model = find_or_throw(tx, id);
  return view_of(model, store::ModelRepository().find_review(tx, id));
}

std::optional<ModelView> RegistryService::previous_champion(const core::Actor& /*actor*/) {
  store::Transaction tx(db_, store::Transaction::Mode::read);
  store::ModelRepository models;
  const auto model = models.find_previous_champion(tx);
  if (!model) return std::nullopt;
  return view_of(*model, models.find_review(tx, model->id));
}

}  // namespace risklab::service
