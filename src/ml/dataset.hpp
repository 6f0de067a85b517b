#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace risklab::ml {

/// A feature matrix with names and (optionally) binary labels. Column-major:
/// `x[col * n_rows + row]`, because split search walks one feature at a time. A missing
/// value is NaN; the model's imputer decides what it becomes.
struct Dataset {
  std::vector<std::string> feature_names;
  std::size_t n_rows = 0;
  std::vector<double> x;
  /// 0/1 per row; empty when the data is unlabelled.
  std::vector<std::uint8_t> y;
  /// One identifier per row (the id column, else the 1-based data row number).
  std::vector<std::string> ids;

  std::size_t n_features() const { return feature_names.size(); }
  double at(std::size_t row, std::size_t col) const { return x[col * n_rows + row]; }
  const double* column(std::size_t col) const { return x.data() + col * n_rows; }

  /// The rows `rows` (in that order) as a new dataset with the same features.
  Dataset select_rows(const std::vector<std::size_t>& rows) const;
};

/// How read_csv() maps the columns of a file.
struct CsvColumns {
  /// The 0/1 label column; empty for unlabelled data (scoring).
  std::string label;
  /// An identifier column copied to Dataset::ids; empty to number the rows.
  std::string id_column;
  /// When non-empty, exactly these features in this order (a model's schema); other columns
  /// are ignored. When empty, every column but the label and id is a feature.
  std::vector<std::string> features;
};

/// Reads a CSV file with a header line (names are trimmed of surrounding spaces). Empty, "NA"
/// and "?" cells are missing (NaN). Throws core::InvalidInput with a stable code and a
/// FILE:LINE message: "feature_missing" (a required feature or the label is not in the
/// header, naming it), "label_invalid" (a label that is not 0 or 1), "value_invalid" (a cell
/// that is not a finite number), "csv_malformed" (wrong field count, duplicate or empty
/// header), "data_empty" (no data rows); "file_unreadable" comes from core::CsvReader.
Dataset read_csv(const std::string& path, const CsvColumns& columns);

}  // namespace risklab::ml
