#include "store/model_repository.hpp"

#include "store/database.hpp"
#include "store/detail/rows.hpp"
#include "store/detail/session.hpp"

namespace risklab::store {
namespace {

constexpr const char* kSelect =
    "SELECT id, version, family, status, artifact_uri, artifact_sha256, features, metrics, "
    "snapshot_id, created_at, created_by, promoted_at, promoted_by FROM models";

ModelRecord from_row(const soci::row& row) {
  return {detail::as_int(row, 0),        row.get<std::string>(1),  row.get<std::string>(2),
          row.get<std::string>(3),       row.get<std::string>(4),  row.get<std::string>(5),
          row.get<std::string>(6),       row.get<std::string>(7),  detail::optional_text(row, 8),
          row.get<std::string>(9),       row.get<std::string>(10), detail::optional_text(row, 11),
          detail::optional_text(row, 12)};
}

std::vector<ModelRecord> select(Transaction& tx, const std::string& where, const char* what,
                                const long long* id = nullptr) {
  try {
    std::vector<ModelRecord> out;
    const std::string sql = std::string(kSelect) + where;
    if (id) {
      soci::rowset<soci::row> rows = (detail::sql(tx).prepare << sql, soci::use(*id));
      for (const auto& row : rows) out.push_back(from_row(row));
    } else {
      soci::rowset<soci::row> rows = (detail::sql(tx).prepare << sql);
      for (const auto& row : rows) out.push_back(from_row(row));
    }
    return out;
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), what);
  }
}

}  // namespace

long long ModelRepository::insert(Transaction& tx, const ModelRecord& model) {
  try {
    return detail::insert_returning_id(
        detail::sql(tx), tx.database().backend(), "models",
        {{"version"},
         {"family"},
         {"status"},
         {"artifact_uri"},
         {"artifact_sha256"},
         {"features", true},
         {"metrics", true},
         {"snapshot_id"},
         {"created_at"},
         {"created_by"}},
        {model.version, model.family, model.status, model.artifact_uri, model.artifact_sha256,
         model.features_json, model.metrics_json, detail::or_null(model.snapshot_id),
         model.created_at, model.created_by});
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "registering model " + model.version);
  }
}

std::optional<ModelRecord> ModelRepository::find(Transaction& tx, long long id) {
  auto rows = select(tx, " WHERE id = :id", "reading a model", &id);
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

std::optional<ModelRecord> ModelRepository::find_champion(Transaction& tx) {
  auto rows = select(tx, " WHERE status = 'champion'", "reading the champion");
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

std::optional<long long> ModelRepository::champion_id(Transaction& tx) {
  long long id = 0;
  soci::indicator ind = soci::i_null;
  try {
    detail::sql(tx) << "SELECT MAX(id) FROM models WHERE status = 'champion'", soci::into(id, ind);
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "reading the champion");
  }
  if (ind != soci::i_ok) return std::nullopt;
  return id;
}

std::vector<ModelRecord> ModelRepository::list(Transaction& tx) {
  return select(tx, " ORDER BY id DESC", "listing models");
}

void ModelRepository::insert_review(Transaction& tx, const ModelReview& review) {
  try {
    detail::insert_rows(
        detail::sql(tx), tx.database().backend(), "model_reviews",
        {{"model_id"},
         {"verdict"},
         {"reviewer"},
         {"note"},
         {"reviewed_at"},
         {"card_key"},
         {"card_sha256"}},
        {{review.model_id, review.verdict, review.reviewer, review.note, review.reviewed_at,
          detail::or_null(review.card_key), detail::or_null(review.card_sha256)}});
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(),
                    "recording the review of model " + std::to_string(review.model_id));
  }
}

namespace {

std::vector<ModelReview> select_reviews(Transaction& tx, const long long* id) {
  try {
    std::vector<ModelReview> out;
    std::string sql =
        "SELECT model_id, verdict, reviewer, note, reviewed_at, card_key, card_sha256 FROM "
        "model_reviews";
    auto add = [&out](const soci::row& row) {
      out.push_back({detail::as_int(row, 0), row.get<std::string>(1), row.get<std::string>(2),
                     row.get<std::string>(3), row.get<std::string>(4),
                     detail::optional_text(row, 5), detail::optional_text(row, 6)});
    };
    if (id) {
      sql += " WHERE model_id = :id ORDER BY id DESC";
      soci::rowset<soci::row> rows = (detail::sql(tx).prepare << sql, soci::use(*id));
      for (const auto& row : rows) add(row);
    } else {
      sql += " ORDER BY id";
      soci::rowset<soci::row> rows = (detail::sql(tx).prepare << sql);
      for (const auto& row : rows) add(row);
    }
    return out;
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "reading model reviews");
  }
}

}  // namespace

std::optional<ModelReview> ModelRepository::find_review(Transaction& tx, long long id) {
  auto rows = select_reviews(tx, &id);
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

std::vector<ModelReview> ModelRepository::list_reviews(Transaction& tx) {
  return select_reviews(tx, nullptr);
}

std::optional<ModelRecord> ModelRepository::find_previous_champion(Transaction& tx) {
  // promoted_at is ISO 8601 UTC, so text order is time order; id breaks ties.
  auto rows = select(
      tx,
      " WHERE status = 'retired' AND promoted_at IS NOT NULL ORDER BY promoted_at DESC, id DESC",
      "reading the previous champion");
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

void ModelRepository::set_status(Transaction& tx, long long id, const std::string& status,
                                 const std::optional<std::string>& promoted_at,
                                 const std::optional<std::string>& promoted_by) {
  try {
    auto& sql = detail::sql(tx);
    if (promoted_by) {
      sql << "UPDATE models SET status = :s, promoted_at = :a, promoted_by = :b WHERE id = :id",
          soci::use(status), soci::use(*promoted_at), soci::use(*promoted_by), soci::use(id);
    } else {
      sql << "UPDATE models SET status = :s WHERE id = :id", soci::use(status), soci::use(id);
    }
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "updating model " + std::to_string(id));
  }
}

}  // namespace risklab::store
