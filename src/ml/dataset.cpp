#include "ml/dataset.hpp"

#include <limits>
#include <unordered_map>

#include "core/csv_reader.hpp"
#include "core/error.hpp"

namespace risklab::ml {

Dataset Dataset::select_rows(const std::vector<std::size_t>& rows) const {
  Dataset out;
  out.feature_names = feature_names;
  out.n_rows = rows.size();
  out.x.resize(rows.size() * n_features());
  for (std::size_t col = 0; col < n_features(); ++col) {
    const double* src = column(col);
    double* dst = out.x.data() + col * out.n_rows;
    for (std::size_t i = 0; i < rows.size(); ++i) dst[i] = src[rows[i]];
  }
  if (!y.empty()) {
    out.y.reserve(rows.size());
    for (std::size_t row : rows) out.y.push_back(y[row]);
  }
  if (!ids.empty()) {
    out.ids.reserve(rows.size());
    for (std::size_t row : rows) out.ids.push_back(ids[row]);
  }
  return out;
}

namespace {

constexpr std::size_t kNoColumn = std::numeric_limits<std::size_t>::max();

std::string where(const std::string& path, std::size_t line) {
  return path + ":" + std::to_string(line) + ": ";
}

}  // namespace

Dataset read_csv(const std::string& path, const CsvColumns& columns) {
  core::CsvReader reader(path);
  core::CsvRecord record;
  if (!reader.next(record)) {
    throw core::InvalidInput("data_empty", path + ": the file is empty (no header line)");
  }
  std::vector<std::string> header;
  std::unordered_map<std::string, std::size_t> position;
  for (std::size_t i = 0; i < record.fields.size(); ++i) {
    std::string name(core::trim(record.fields[i]));
    if (name.empty()) {
      throw core::InvalidInput("csv_malformed", where(path, record.line) + "column " +
                                                    std::to_string(i + 1) + " has no name");
    }
    if (!position.emplace(name, i).second) {
      throw core::InvalidInput("csv_malformed",
                               where(path, record.line) + "duplicate column '" + name + "'");
    }
    header.push_back(std::move(name));
  }
  const auto find = [&](const std::string& name, const char* what) {
    const auto it = position.find(name);
    if (it == position.end()) {
      throw core::InvalidInput("feature_missing", std::string(what) + " '" + name +
                                                      "' is missing from " + path);
    }
    return it->second;
  };
  const std::size_t label_col = columns.label.empty() ? kNoColumn : find(columns.label, "label");
  const std::size_t id_col =
      columns.id_column.empty() ? kNoColumn : find(columns.id_column, "id column");

  Dataset data;
  std::vector<std::size_t> feature_cols;
  if (columns.features.empty()) {
    for (std::size_t i = 0; i < header.size(); ++i) {
      if (i == label_col || i == id_col) continue;
      feature_cols.push_back(i);
      data.feature_names.push_back(header[i]);
    }
  } else {
    for (const auto& name : columns.features) feature_cols.push_back(find(name, "feature"));
    data.feature_names = columns.features;
  }
  if (feature_cols.empty()) {
    throw core::InvalidInput("csv_malformed", path + ": no feature columns");
  }

  std::vector<double> row_major;
  while (reader.next(record)) {
    if (record.fields.size() != header.size()) {
      throw core::InvalidInput("csv_malformed", where(path, record.line) + "expected " +
                                                    std::to_string(header.size()) +
                                                    " fields, got " +
                                                    std::to_string(record.fields.size()));
    }
    for (std::size_t col : feature_cols) {
      const core::Cell cell = core::parse_numeric_cell(record.fields[col]);
      if (cell.kind == core::CellKind::invalid) {
        throw core::InvalidInput("value_invalid", where(path, record.line) + "column '" +
                                                      header[col] + "': '" +
                                                      record.fields[col] + "' is not a number");
      }
      row_major.push_back(cell.kind == core::CellKind::missing
                              ? std::numeric_limits<double>::quiet_NaN()
                              : cell.value);
    }
    if (label_col != kNoColumn) {
      const core::Cell cell = core::parse_numeric_cell(record.fields[label_col]);
      if (cell.kind != core::CellKind::number || (cell.value != 0.0 && cell.value != 1.0)) {
        throw core::InvalidInput("label_invalid", where(path, record.line) + "label '" +
                                                      header[label_col] + "' must be 0 or 1, got '" +
                                                      record.fields[label_col] + "'");
      }
      data.y.push_back(cell.value == 1.0 ? 1 : 0);
    }
    data.ids.push_back(id_col == kNoColumn ? std::to_string(data.n_rows + 1)
                                           : std::string(core::trim(record.fields[id_col])));
    ++data.n_rows;
  }
  if (data.n_rows == 0) throw core::InvalidInput("data_empty", path + ": no data rows");

  const std::size_t n_features = feature_cols.size();
  data.x.resize(row_major.size());
  for (std::size_t row = 0; row < data.n_rows; ++row) {
    for (std::size_t col = 0; col < n_features; ++col) {
      data.x[col * data.n_rows + row] = row_major[row * n_features + col];
    }
  }
  return data;
}

}  // namespace risklab::ml
