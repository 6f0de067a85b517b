#include "service/snapshot_service.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <charconv>
#include <cmath>
#include <map>
#include <set>

#include "core/clock.hpp"
#include "core/csv_reader.hpp"
#include "core/error.hpp"
#include "core/sha256.hpp"
#include "lake/lake.hpp"
#include "service/audit_service.hpp"
#include "service/permissions.hpp"
#include "store/dataset_repository.hpp"
#include "store/transaction.hpp"

namespace risklab::service {
namespace {

using nlohmann::json;

constexpr std::initializer_list<core::Role> kAnyRole = {
    core::Role::viewer,          core::Role::analyst,      core::Role::data_steward,
    core::Role::model_developer, core::Role::risk_officer, core::Role::admin};
constexpr const char* kFormat = "risklab-snapshot/1";
constexpr const char* kOutcomeRule =
    "each statement is labelled with its company's latest outcome observed on or after the "
    "statement's period (greatest observed_at, then the one recorded last); statements without "
    "such an outcome are left out";
// The columns before the features, in order; the label comes right after them.
constexpr std::array<const char*, 6> kLeadColumns = {"statement_id", "company",        "period",
                                                     "outcome_id",   "outcome_source", "defaulted"};

std::string shortest(double value) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

/// The canonical text of one feature value: shortest round-trip decimal, empty when missing.
/// Going through double makes the text independent of how the backend stored the JSON
/// (PostgreSQL's JSONB, for one, rewrites numbers and reorders keys).
std::string canonical_value(const json& value, const std::string& statement,
                            const std::string& name) {
  if (value.is_null()) return "";
  if (!value.is_number()) {
    throw core::Conflict("statement_corrupt", "statement " + statement + ": feature '" + name +
                                                  "' holds " + value.dump() + ", not a number");
  }
  const double number = value.get<double>();
  if (!std::isfinite(number)) return "";
  return shortest(number == 0.0 ? 0.0 : number);  // one text for -0 and 0
}

struct Frozen {
  std::string data;
  long long rows = 0;
  long long defaults = 0;
  json outcome_ids = json::array();
  std::map<std::string, long long> by_source;
  std::set<long long> imports;
};

Frozen freeze(const store::DatasetRecord& dataset, const std::vector<store::LabelledRow>& rows) {
  Frozen frozen;
  std::string& out = frozen.data;
  for (std::size_t i = 0; i < kLeadColumns.size(); ++i) {
    out += (i ? "," : "");
    out += kLeadColumns[i];
  }
  for (const auto& feature : dataset.features) {
    out += ',';
    out += core::csv_field(feature.name);
  }
  out += '\n';
  for (const auto& row : rows) {
    const std::string statement = std::to_string(row.statement_id);
    const json features = json::parse(row.features_json);
    out += statement;
    out += ',';
    out += core::csv_field(row.company);
    out += ',';
    out += row.period;
    out += ',';
    out += std::to_string(row.outcome_id);
    out += ',';
    out += row.outcome_source;
    out += row.defaulted ? ",1" : ",0";
    for (const auto& feature : dataset.features) {
      out += ',';
      const auto it = features.find(feature.name);
      if (it != features.end()) out += canonical_value(*it, statement, feature.name);
    }
    out += '\n';
    ++frozen.rows;
    if (row.defaulted) ++frozen.defaults;
    frozen.outcome_ids.push_back(row.outcome_id);
    ++frozen.by_source[row.outcome_source];
    if (row.import_id) frozen.imports.insert(*row.import_id);
  }
  return frozen;
}

std::string lake_prefix(const std::string& id) { return "snapshots/" + id + "/"; }

}  // namespace

json snapshot_json(const store::SnapshotRecord& s) {
  return {{"id", s.id},
          {"dataset", s.dataset},
          {"rows", s.row_count},
          {"defaults", s.default_count},
          {"previous", s.previous_id ? json(*s.previous_id) : json(nullptr)},
          {"data_key", s.data_key},
          {"manifest_key", s.manifest_key},
          {"manifest_sha256", s.manifest_sha256},
          {"note", s.note ? json(*s.note) : json(nullptr)},
          {"created_by", s.created_by},
          {"created_at", s.created_at}};
}

ml::CsvColumns snapshot_columns(const json& manifest) {
  ml::CsvColumns columns;
  columns.label = manifest["data"]["label_column"].get<std::string>();
  columns.id_column = manifest["data"]["id_column"].get<std::string>();
  for (const auto& feature : manifest["features"]) columns.features.push_back(feature["name"]);
  return columns;
}

CreatedSnapshot SnapshotService::create(const core::Actor& actor, const SnapshotRequest& request) {
  require_role(actor, {core::Role::data_steward, core::Role::model_developer, core::Role::admin},
               "create snapshots");
  if (request.note && request.note->size() > 2000) {
    throw core::InvalidInput("bad_note", "the note has more than 2000 characters");
  }
  // 1. Read what to freeze in one consistent read transaction.
  store::DatasetRecord dataset;
  std::vector<store::LabelledRow> rows;
  std::optional<store::SnapshotRecord> previous;
  {
    store::Transaction tx(db_, store::Transaction::Mode::read);
    store::DatasetRepository datasets;
    if (request.dataset) {
      auto found = datasets.find_by_name(tx, *request.dataset);
      if (!found)
        throw core::NotFound("dataset_not_found", "no dataset '" + *request.dataset + "'");
      dataset = std::move(*found);
    } else {
      auto all = datasets.list(tx);
      if (all.empty()) throw core::InvalidInput("no_dataset", "no dataset yet: import one first");
      if (all.size() > 1) {
        std::string names;
        for (const auto& d : all) names += (names.empty() ? "" : ", ") + d.name;
        throw core::InvalidInput("dataset_required",
                                 "name the dataset to snapshot (one of: " + names + ")");
      }
      dataset = std::move(all.front());
    }
    store::SnapshotRepository snapshots;
    rows = snapshots.labelled_rows(tx, dataset.id);
    previous = snapshots.latest(tx, dataset.id);
  }
  if (rows.empty()) {
    throw core::InvalidInput("no_labelled_data",
                             "dataset '" + dataset.name + "' has no statement with an outcome yet");
  }

  // 2. The canonical data and its id.
  Frozen frozen = freeze(dataset, rows);
  const std::string id = core::Sha256::of(frozen.data);
  {
    store::Transaction tx(db_, store::Transaction::Mode::read);
    if (auto existing = store::SnapshotRepository().find(tx, id))
      return {std::move(*existing), false};
  }

  // 3. The manifest.
  store::SnapshotRecord record;
  record.id = id;
  record.dataset_id = dataset.id;
  record.dataset = dataset.name;
  record.row_count = frozen.rows;
  record.default_count = frozen.defaults;
  if (previous) record.previous_id = previous->id;
  record.data_key = lake_prefix(id) + "data.csv";
  record.manifest_key = lake_prefix(id) + "manifest.json";
  record.note = request.note;
  record.created_by = actor.name;
  record.created_at = core::utc_now_iso8601();

  json columns = json::array();
  for (const char* column : kLeadColumns) columns.push_back(column);
  json features = json::array();
  for (const auto& feature : dataset.features) {
    columns.push_back(feature.name);
    features.push_back({{"name", feature.name}, {"source_name", feature.source_name}});
  }
  json imports = json::array();
  for (const long long import : frozen.imports) imports.push_back(import);
  const json manifest = {
      {"format", kFormat},
      {"id", id},
      {"dataset", dataset.name},
      {"data",
       {{"key", record.data_key},
        {"sha256", id},
        {"bytes", frozen.data.size()},
        {"media_type", "text/csv"},
        {"columns", columns},
        {"id_column", "statement_id"},
        {"label_column", "defaulted"}}},
      {"rows", frozen.rows},
      {"defaults", frozen.defaults},
      {"default_rate", static_cast<double>(frozen.defaults) / static_cast<double>(frozen.rows)},
      {"features", features},
      {"outcome_rule", kOutcomeRule},
      {"lineage",
       {{"previous_snapshot", previous ? json(previous->id) : json(nullptr)},
        {"imports", imports},
        {"outcomes_by_source", frozen.by_source},
        {"outcome_ids", frozen.outcome_ids}}},
      {"note", request.note ? json(*request.note) : json(nullptr)},
      {"created_by", record.created_by},
      {"created_at", record.created_at}};
  const std::string manifest_text = manifest.dump(2) + "\n";
  record.manifest_sha256 = core::Sha256::of(manifest_text);

  // 4. Lake first (create-only, content-addressed data: a retry or a racing creator is
  // harmless), then the index row and the audit row together.
  lake_.put_if_absent(record.data_key, frozen.data);
  try {
    lake_.put_if_absent(record.manifest_key, manifest_text);
  } catch (const core::Conflict&) {
    // A creator that lost a race (or crashed before indexing) wrote another manifest for the
    // same data. If it indexed its snapshot, that one stands; otherwise the orphan manifest
    // is not ours to replace.
    store::Transaction tx(db_, store::Transaction::Mode::read);
    if (auto existing = store::SnapshotRepository().find(tx, id))
      return {std::move(*existing), false};
    throw core::Conflict("snapshot_manifest_exists",
                         "the lake already holds a different, unindexed manifest at " +
                             record.manifest_key +
                             " (left by an interrupted create; an admin "
                             "must remove it before this snapshot can be created)");
  }
  store::Transaction tx(db_);
  store::SnapshotRepository snapshots;
  if (auto existing = snapshots.find(tx, id)) return {std::move(*existing), false};
  record.seq = snapshots.insert(tx, record);
  json after = snapshot_json(record);
  after.erase("note");
  AuditService::record(tx, actor, "snapshot.created", "snapshot", id, nullptr, after);
  tx.commit();
  spdlog::info("snapshot {} of dataset '{}': {} rows, {} defaults", id, dataset.name,
               record.row_count, record.default_count);
  return {std::move(record), true};
}

std::vector<store::SnapshotRecord> SnapshotService::list(
    const core::Actor& actor, const std::optional<std::string>& dataset) {
  require_role(actor, kAnyRole, "list snapshots");
  store::Transaction tx(db_, store::Transaction::Mode::read);
  if (!dataset) return store::SnapshotRepository().list(tx);
  const auto found = store::DatasetRepository().find_by_name(tx, *dataset);
  if (!found) throw core::NotFound("dataset_not_found", "no dataset '" + *dataset + "'");
  return store::SnapshotRepository().list(tx, found->id);
}

std::optional<std::string> SnapshotService::check(const store::SnapshotRecord& snapshot,
                                                  json* manifest, std::string* data) {
  std::string manifest_text;
  std::string bytes;
  try {
    manifest_text = lake_.get(snapshot.manifest_key);
  } catch (const core::NotFound&) {
    return "manifest " + snapshot.manifest_key + " is missing from the lake";
  } catch (const core::Conflict& error) {
    return error.what();  // names the object and both hashes
  }
  if (core::Sha256::of(manifest_text) != snapshot.manifest_sha256) {
    return "manifest " + snapshot.manifest_key + " does not match the sha256 recorded at creation";
  }
  try {
    bytes = lake_.get(snapshot.data_key);
  } catch (const core::NotFound&) {
    return "data " + snapshot.data_key + " is missing from the lake";
  } catch (const core::Conflict& error) {
    return error.what();
  }
  if (core::Sha256::of(bytes) != snapshot.id) {
    return "data " + snapshot.data_key + " does not hash to the snapshot id";
  }
  json parsed = json::parse(manifest_text, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object() || parsed.value("id", "") != snapshot.id ||
      parsed.value("rows", -1LL) != snapshot.row_count) {
    return "manifest " + snapshot.manifest_key + " does not describe this snapshot";
  }
  if (manifest) *manifest = std::move(parsed);
  if (data) *data = std::move(bytes);
  return std::nullopt;
}

void SnapshotService::record_failure(const core::Actor& actor, const std::string& id,
                                     const std::string& problem) {
  spdlog::error("snapshot {} failed verification: {}", id, problem);
  store::Transaction tx(db_);
  AuditService::record(tx, actor, "snapshot.verify_failed", "snapshot", id, nullptr,
                       {{"problem", problem}});
  tx.commit();
}

std::pair<store::SnapshotRecord, json> SnapshotService::show(const core::Actor& actor,
                                                             const std::string& id) {
  require_role(actor, kAnyRole, "read snapshots");
  std::optional<store::SnapshotRecord> snapshot;
  {
    store::Transaction tx(db_, store::Transaction::Mode::read);
    snapshot = store::SnapshotRepository().find(tx, id);
  }
  if (!snapshot) throw core::NotFound("snapshot_not_found", "no snapshot '" + id + "'");
  const std::string text = lake_.get(snapshot->manifest_key);
  if (core::Sha256::of(text) != snapshot->manifest_sha256) {
    throw core::Conflict(
        "snapshot_integrity",
        "manifest " + snapshot->manifest_key + " does not match the sha256 recorded at creation");
  }
  return {std::move(*snapshot), json::parse(text)};
}

SnapshotCheck SnapshotService::verify(const core::Actor& actor, const std::string& id) {
  require_role(actor,
               {core::Role::data_steward, core::Role::model_developer, core::Role::risk_officer,
                core::Role::admin},
               "verify snapshots");
  std::optional<store::SnapshotRecord> snapshot;
  {
    store::Transaction tx(db_, store::Transaction::Mode::read);
    snapshot = store::SnapshotRepository().find(tx, id);
  }
  if (!snapshot) throw core::NotFound("snapshot_not_found", "no snapshot '" + id + "'");
  SnapshotCheck result{id, true, ""};
  if (auto problem = check(*snapshot, nullptr, nullptr)) {
    result.ok = false;
    result.problem = *problem;
    record_failure(actor, id, *problem);
  }
  return result;
}

std::vector<SnapshotCheck> SnapshotService::verify_all(const core::Actor& actor) {
  require_role(actor,
               {core::Role::data_steward, core::Role::model_developer, core::Role::risk_officer,
                core::Role::admin},
               "verify snapshots");
  std::vector<store::SnapshotRecord> all;
  {
    store::Transaction tx(db_, store::Transaction::Mode::read);
    all = store::SnapshotRepository().list(tx);
  }
  std::vector<SnapshotCheck> results;
  for (auto it = all.rbegin(); it != all.rend(); ++it) results.push_back(verify(actor, it->id));
  return results;
}

VerifiedSnapshot SnapshotService::read(const core::Actor& actor, const std::string& id) {
  require_role(actor, {core::Role::model_developer, core::Role::admin},
               "read snapshots for training");
  VerifiedSnapshot out;
  {
    store::Transaction tx(db_, store::Transaction::Mode::read);
    auto snapshot = store::SnapshotRepository().find(tx, id);
    if (!snapshot) throw core::NotFound("snapshot_not_found", "no snapshot '" + id + "'");
    out.snapshot = std::move(*snapshot);
  }
  if (auto problem = check(out.snapshot, &out.manifest, &out.data)) {
    record_failure(actor, id, *problem);
    throw core::Conflict("snapshot_integrity", "snapshot " + id + " refused: " + *problem);
  }
  return out;
}

}  // namespace risklab::service
