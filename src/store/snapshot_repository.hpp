#pragma once

#include <optional>
#include <string>
#include <vector>

namespace risklab::store {

class Transaction;

/// A frozen, labelled training set. The data and its manifest live in the lake; this row is
/// the index that lists them and records where they are and what their hashes must be.
struct SnapshotRecord {
  std::string id;     ///< sha256 of the data file: the snapshot is content-addressed
  long long seq = 0;  ///< creation order, 1, 2, ...
  long long dataset_id = 0;
  std::string dataset;  ///< the dataset's name (read through a join)
  long long row_count = 0;
  long long default_count = 0;
  std::optional<std::string> previous_id;  ///< the dataset's snapshot before this one
  std::string data_key;
  std::string manifest_key;
  std::string manifest_sha256;
  std::optional<std::string> note;
  std::string created_by;
  std::string created_at;
};

/// One labelled statement as a snapshot freezes it: a statement joined to the outcome that
/// counts for it (see SnapshotRepository::labelled_rows).
struct LabelledRow {
  long long statement_id = 0;
  std::string company;  ///< external id
  std::string period;
  std::string features_json;
  long long outcome_id = 0;
  bool defaulted = false;
  std::string outcome_source;
  std::optional<long long> import_id;  ///< the statement's import
};

/// Snapshots table, and the query that selects what a snapshot freezes.
class SnapshotRepository {
 public:
  /// Inserts `snapshot` (its seq is assigned here: one more than the largest) and returns the
  /// seq. Conflict if the id exists.
  long long insert(Transaction& tx, const SnapshotRecord& snapshot);
  std::optional<SnapshotRecord> find(Transaction& tx, const std::string& id);
  /// The latest snapshot of `dataset_id`, if any.
  std::optional<SnapshotRecord> latest(Transaction& tx, long long dataset_id);
  /// Every snapshot, newest first; only `dataset_id`'s when given.
  std::vector<SnapshotRecord> list(Transaction& tx, std::optional<long long> dataset_id = {});

  /// Every statement of `dataset_id` that has an outcome that counts, ordered by statement id.
  /// The outcome that counts for a statement is the company's latest outcome observed on or
  /// after the statement's period: greatest observed_at, then greatest id (the one recorded
  /// last). Statements without such an outcome are unlabelled and left out.
  std::vector<LabelledRow> labelled_rows(Transaction& tx, long long dataset_id);
};

}  // namespace risklab::store
