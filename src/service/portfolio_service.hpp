#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/role.hpp"
#include "service/import_service.hpp"
#include "service/scoring_service.hpp"

namespace risklab::store {
class Database;
}

namespace risklab::service {

/// One financial statement typed into a form.
struct StatementEntry {
  std::string dataset;       ///< an existing dataset; its features are the ones to give
  std::string company;       ///< external id (new companies are created)
  std::string company_name;  ///< default: the external id
  std::string period;        ///< YYYY-MM-DD; default today
  FeatureValues features;    ///< by feature name; a feature left out or null is missing
};

/// The portfolio as people change it: CSV imports and single statements, with the role checks
/// the import itself (a tool of the CLI, which acts as an operator) does not make.
class PortfolioService {
 public:
  explicit PortfolioService(store::Database& db) : db_(db) {}

  /// Imports `options.file` as `actor` (recorded on every row). Needs the analyst, data steward
  /// or admin role. Throws what ImportService::import_csv throws (ImportFailed lists the
  /// problems by line and column; nothing is written).
  ImportReport import_statements(const core::Actor& actor, ImportOptions options);

  /// Adds one statement through the same validation as an import (a one-row import, so its
  /// lineage is recorded like any other). Same roles. Throws NotFound (no such dataset),
  /// InvalidInput (unknown feature, bad value or date, duplicate statement).
  ImportReport enter_statement(const core::Actor& actor, const StatementEntry& entry);

  /// Names of the datasets, for a form (any role).
  std::vector<std::string> dataset_names(const core::Actor& actor);
  /// The features of dataset `name` in declared order; NotFound if unknown (any role).
  std::vector<std::string> dataset_features(const core::Actor& actor, const std::string& name);

 private:
  store::Database& db_;
};

}  // namespace risklab::service
