#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace risklab::store {

class Transaction;

/// Ground truth: whether a company defaulted, as observed on a date, and where that came from.
struct OutcomeRecord {
  long long id = 0;
  long long company_id = 0;
  bool defaulted = false;
  std::string observed_at;  ///< "YYYY-MM-DD"
  std::string source;       ///< "import", "api", ...
  std::optional<long long> import_id;
  std::optional<std::string> note;
  std::string recorded_by;
  std::string recorded_at;
};

/// Outcomes table.
class OutcomeRepository {
 public:
  /// Inserts one outcome and returns its id.
  long long insert(Transaction& tx, const OutcomeRecord& outcome);
  /// Inserts `outcomes` in multi-row batches.
  void insert_batch(Transaction& tx, const std::vector<OutcomeRecord>& outcomes);
  /// The outcomes an import recorded, by id, with their company's external id.
  std::vector<std::pair<OutcomeRecord, std::string>> list_by_import(Transaction& tx, long long import_id);
  /// Number of outcomes, and how many of them are defaults.
  struct Counts {
    long long total = 0;
    long long defaults = 0;
  };
  Counts count(Transaction& tx);
};

}  // namespace risklab::store
