#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace risklab::store {
class Database;
}

namespace risklab::service {

/// What to import and how to read the file's columns. Every column that is not the id, label,
/// name or period column is a feature.
struct ImportOptions {
  std::string file;
  std::string dataset;                        ///< default: the file name without extension
  std::optional<std::string> label_column;    ///< 0/1 default flag, stored as outcomes
  std::optional<std::string> id_column;       ///< company external id; default "<dataset>:<row>"
  std::optional<std::string> name_column;     ///< company name; default the external id
  std::optional<std::string> period_column;   ///< statement date, YYYY-MM-DD
  std::string as_of;                          ///< period when there is no period column; default today
  bool dry_run = false;                       ///< validate everything, write nothing
  std::string actor = "system";               ///< who imports (recorded on every row)
};

/// One problem found in the file: where and what.
struct ImportProblem {
  std::string code;                   ///< e.g. "not_a_number", "duplicate_id"
  std::size_t line = 0;               ///< physical line in the file (header = 1)
  std::optional<std::string> column;  ///< trimmed column name, if the problem is in one cell
  std::string message;
};

/// The outcome of an import (or of a dry run).
struct ImportReport {
  std::string file;
  std::string dataset;
  bool dataset_created = false;
  bool dry_run = false;
  long long import_id = 0;  ///< 0 for a dry run
  std::size_t feature_count = 0;
  std::size_t statements = 0;
  std::size_t outcomes = 0;
  std::size_t defaults = 0;
  std::size_t missing_values = 0;
  std::string file_sha256;
  double seconds = 0.0;
  std::size_t problem_count = 0;
  std::vector<ImportProblem> problems;  ///< the first 20
};

/// An import refused because of problems in the file; nothing was written. what() names the
/// first problem as FILE:LINE: column 'X': reason; lines() lists up to 20.
class ImportFailed : public core::InvalidInput {
 public:
  explicit ImportFailed(ImportReport report);
  const ImportReport& report() const { return report_; }
  std::vector<std::string> lines() const;

 private:
  static std::string summary(const ImportReport& report);
  ImportReport report_;
};

/// Imports financial statements (and labels as outcomes) from CSV: streaming, validated cell
/// by cell, all-or-nothing in one transaction.
class ImportService {
 public:
  explicit ImportService(store::Database& db);

  /// Imports `options.file`. Throws ImportFailed listing the problems (nothing written),
  /// InvalidInput for an unreadable file or bad options, Unavailable if the database fails.
  ImportReport import_csv(const ImportOptions& options);

 private:
  store::Database& db_;
};

}  // namespace risklab::service
