#include "store/dataset_repository.hpp"

#include <nlohmann/json.hpp>

#include "store/detail/rows.hpp"
#include "store/detail/session.hpp"

namespace risklab::store {
namespace {

constexpr const char* kSelect =
    "SELECT id, name, features, label_column, id_column, created_at, created_by FROM datasets";

DatasetRecord from_row(const soci::row& row) {
  DatasetRecord dataset;
  dataset.id = detail::as_int(row, 0);
  dataset.name = row.get<std::string>(1);
  for (const auto& feature : nlohmann::json::parse(row.get<std::string>(2))) {
    dataset.features.push_back({feature.at("name"), feature.at("source_name")});
  }
  if (row.get_indicator(3) == soci::i_ok) dataset.label_column = row.get<std::string>(3);
  if (row.get_indicator(4) == soci::i_ok) dataset.id_column = row.get<std::string>(4);
  dataset.created_at = row.get<std::string>(5);
  dataset.created_by = row.get<std::string>(6);
  return dataset;
}

}  // namespace

std::optional<DatasetRecord> DatasetRepository::find_by_name(Transaction& tx,
                                                             const std::string& name) {
  try {
    soci::rowset<soci::row> rows =
        (detail::sql(tx).prepare << std::string(kSelect) + " WHERE name = :name", soci::use(name));
    for (const auto& row : rows) return from_row(row);
    return std::nullopt;
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "reading dataset '" + name + "'");
  }
}

std::vector<DatasetRecord> DatasetRepository::list(Transaction& tx) {
  try {
    std::vector<DatasetRecord> out;
    soci::rowset<soci::row> rows = (detail::sql(tx).prepare << std::string(kSelect) + " ORDER BY name");
    for (const auto& row : rows) out.push_back(from_row(row));
    return out;
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "listing datasets");
  }
}

long long DatasetRepository::insert(Transaction& tx, const DatasetRecord& dataset) {
  nlohmann::json features = nlohmann::json::array();
  for (const auto& feature : dataset.features) {
    features.push_back({{"name", feature.name}, {"source_name", feature.source_name}});
  }
  try {
    return detail::insert_returning_id(
        detail::sql(tx), tx.database().backend(), "datasets",
        {{"name"}, {"features"}, {"label_column"}, {"id_column"}, {"created_at"}, {"created_by"}},
        {dataset.name, features.dump(), detail::or_null(dataset.label_column),
         detail::or_null(dataset.id_column), dataset.created_at, dataset.created_by});
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "creating dataset '" + dataset.name + "'");
  }
}

}  // namespace risklab::store
