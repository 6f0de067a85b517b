#include "store/snapshot_repository.hpp"

#include "store/database.hpp"
#include "store/detail/rows.hpp"
#include "store/detail/session.hpp"

namespace risklab::store {
namespace {

constexpr const char* kSelect =
    "SELECT s.id, s.seq, s.dataset_id, d.name, s.row_count, s.default_count, s.previous_id, "
    "s.data_key, s.manifest_key, s.manifest_sha256, s.note, s.created_by, s.created_at "
    "FROM snapshots s JOIN datasets d ON d.id = s.dataset_id";

SnapshotRecord from_row(const soci::row& row) {
  SnapshotRecord record;
  record.id = row.get<std::string>(0);
  record.seq = detail::as_int(row, 1);
  record.dataset_id = detail::as_int(row, 2);
  record.dataset = row.get<std::string>(3);
  record.row_count = detail::as_int(row, 4);
  record.default_count = detail::as_int(row, 5);
  record.previous_id = detail::optional_text(row, 6);
  record.data_key = row.get<std::string>(7);
  record.manifest_key = row.get<std::string>(8);
  record.manifest_sha256 = row.get<std::string>(9);
  record.note = detail::optional_text(row, 10);
  record.created_by = row.get<std::string>(11);
  record.created_at = row.get<std::string>(12);
  return record;
}

}  // namespace

long long SnapshotRepository::insert(Transaction& tx, const SnapshotRecord& snapshot) {
  try {
    long long seq = 0;
    soci::indicator ind = soci::i_null;
    detail::sql(tx) << "SELECT MAX(seq) FROM snapshots", soci::into(seq, ind);
    seq = ind == soci::i_ok ? seq + 1 : 1;
    detail::insert_rows(
        detail::sql(tx), tx.database().backend(), "snapshots",
        {{"id"},
         {"seq"},
         {"dataset_id"},
         {"row_count"},
         {"default_count"},
         {"previous_id"},
         {"data_key"},
         {"manifest_key"},
         {"manifest_sha256"},
         {"note"},
         {"created_by"},
         {"created_at"}},
        {{snapshot.id, seq, snapshot.dataset_id, snapshot.row_count, snapshot.default_count,
          detail::or_null(snapshot.previous_id), snapshot.data_key, snapshot.manifest_key,
          snapshot.manifest_sha256, detail::or_null(snapshot.note), snapshot.created_by,
          snapshot.created_at}});
    return seq;
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "recording snapshot " + snapshot.id);
  }
}

std::optional<SnapshotRecord> SnapshotRepository::find(Transaction& tx, const std::string& id) {
  try {
    soci::rowset<soci::row> rows =
        (detail::sql(tx).prepare << std::string(kSelect) + " WHERE s.id = :id", soci::use(id));
    for (const auto& row : rows) return from_row(row);
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "reading snapshot " + id);
  }
  return std::nullopt;
}

std::optional<SnapshotRecord> SnapshotRepository::latest(Transaction& tx, long long dataset_id) {
  try {
    soci::rowset<soci::row> rows =
        (detail::sql(tx).prepare << std::string(kSelect) +
                                        " WHERE s.dataset_id = :d ORDER BY s.seq DESC LIMIT 1",
         soci::use(dataset_id));
    for (const auto& row : rows) return from_row(row);
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "reading the latest snapshot");
  }
  return std::nullopt;
}

std::vector<SnapshotRecord> SnapshotRepository::list(Transaction& tx,
                                                     std::optional<long long> dataset_id) {
  std::vector<SnapshotRecord> out;
  try {
    if (dataset_id) {
      soci::rowset<soci::row> rows =
          (detail::sql(tx).prepare
               << std::string(kSelect) + " WHERE s.dataset_id = :d ORDER BY s.seq DESC",
           soci::use(*dataset_id));
      for (const auto& row : rows) out.push_back(from_row(row));
    } else {
      soci::rowset<soci::row> rows =
          (detail::sql(tx).prepare << std::string(kSelect) + " ORDER BY s.seq DESC");
      for (const auto& row : rows) out.push_back(from_row(row));
    }
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "listing snapshots");
  }
  return out;
}

std::vector<LabelledRow> SnapshotRepository::labelled_rows(Transaction& tx, long long dataset_id) {
  std::vector<LabelledRow> out;
  try {
    // The correlated subquery picks the outcome that counts (see the header); it is served by
    // the outcomes (company_id) index.
    soci::rowset<soci::row> rows =
        (detail::sql(tx).prepare
             << "SELECT s.id, c.external_id, s.period, s.features, o.id, o.defaulted, o.source, "
                "s.import_id FROM statements s "
                "JOIN companies c ON c.id = s.company_id "
                "JOIN outcomes o ON o.id = (SELECT o2.id FROM outcomes o2 "
                "WHERE o2.company_id = s.company_id AND o2.observed_at >= s.period "
                "ORDER BY o2.observed_at DESC, o2.id DESC LIMIT 1) "
                "WHERE s.dataset_id = :d ORDER BY s.id",
         soci::use(dataset_id));
    for (const auto& row : rows) {
      LabelledRow labelled;
      labelled.statement_id = detail::as_int(row, 0);
      labelled.company = row.get<std::string>(1);
      labelled.period = row.get<std::string>(2);
      labelled.features_json = row.get<std::string>(3);
      labelled.outcome_id = detail::as_int(row, 4);
      labelled.defaulted = detail::as_int(row, 5) != 0;
      labelled.outcome_source = row.get<std::string>(6);
      labelled.import_id = detail::optional_int(row, 7);
      out.push_back(std::move(labelled));
    }
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "reading the labelled statements");
  }
  return out;
}

}  // namespace risklab::store
