#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/role.hpp"
#include "ml/dataset.hpp"
#include "store/snapshot_repository.hpp"

namespace risklab::lake {
class Lake;
}
namespace risklab::store {
class Database;
}

namespace risklab::service {

/// What `snapshot create` freezes and how (docs/LAKE.md, "Snapshots").
struct SnapshotRequest {
  std::optional<std::string> dataset;  ///< default: the only dataset, if there is exactly one
  std::optional<std::string> note;
};

struct CreatedSnapshot {
  store::SnapshotRecord snapshot;
  /// False when the labelled data was identical to an existing snapshot's: that one is
  /// returned and nothing is written.
  bool created = false;
};

/// The result of re-reading and re-hashing one snapshot.
struct SnapshotCheck {
  std::string id;
  bool ok = false;
  std::string problem;  ///< what is wrong, naming the object; empty when ok
};

/// A snapshot read back for training: its data and manifest, both verified.
struct VerifiedSnapshot {
  store::SnapshotRecord snapshot;
  nlohmann::json manifest;
  std::string data;  ///< the canonical CSV (docs/LAKE.md)
};

/// The index row of a snapshot as JSON (the API's and the audit log's form).
nlohmann::json snapshot_json(const store::SnapshotRecord& snapshot);

/// How ml::read_csv() reads a snapshot's data file: its label, id and feature columns as the
/// manifest names them (the lineage columns are left out).
ml::CsvColumns snapshot_columns(const nlohmann::json& manifest);

/// Immutable, content-addressed training snapshots in the lake. A snapshot is the labelled
/// data of one dataset at one moment: every statement joined to the outcome that counts for
/// it (store::SnapshotRepository::labelled_rows), written as canonical CSV whose sha256 is the
/// snapshot id, plus a JSON manifest (schema, counts, lineage, creator). The lake objects are
/// written first (create-only, so a retry or a racing creator is harmless), then the index row
/// and its audit row in one transaction; a lake outage fails the request and changes nothing.
class SnapshotService {
 public:
  SnapshotService(store::Database& db, lake::Lake& lake) : db_(db), lake_(lake) {}

  /// Freezes the labelled data. Needs the data steward, model developer or admin role.
  /// Throws NotFound (no such dataset), InvalidInput (no dataset named while several exist;
  /// no labelled statement; a note over 2000 characters), Unavailable (lake or database down).
  CreatedSnapshot create(const core::Actor& actor, const SnapshotRequest& request);

  /// Every snapshot, newest first (only `dataset`'s when given). Any role.
  std::vector<store::SnapshotRecord> list(const core::Actor& actor,
                                          const std::optional<std::string>& dataset = {});

  /// The snapshot and its manifest, read from the lake and checked against the recorded hash.
  /// Any role. Throws NotFound, Conflict("snapshot_integrity").
  std::pair<store::SnapshotRecord, nlohmann::json> show(const core::Actor& actor,
                                                        const std::string& id);

  /// Re-reads and re-hashes the data and manifest of `id` and checks them against the index.
  /// A failure is returned (not thrown) and recorded in the audit log. Needs the data steward,
  /// model developer, risk officer or admin role. Throws NotFound for an unknown id and
  /// Unavailable if the lake cannot be reached (that proves nothing either way).
  SnapshotCheck verify(const core::Actor& actor, const std::string& id);
  /// verify() for every snapshot, oldest first.
  std::vector<SnapshotCheck> verify_all(const core::Actor& actor);

  /// The verified data and manifest, for training. Throws Conflict("snapshot_integrity")
  /// naming the object on any mismatch (and records it in the audit log), NotFound, Unavailable.
  VerifiedSnapshot read(const core::Actor& actor, const std::string& id);

 private:
  /// Reads and checks; returns the problem instead of throwing integrity failures.
  std::optional<std::string> check(const store::SnapshotRecord& snapshot, nlohmann::json* manifest,
                                   std::string* data);
  void record_failure(const core::Actor& actor, const std::string& id, const std::string& problem);

  store::Database& db_;
  lake::Lake& lake_;
};

}  // namespace risklab::service
