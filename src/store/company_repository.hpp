#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace risklab::store {

class Transaction;

/// A company in the portfolio, known by the bank's external id.
struct CompanyRecord {
  long long id = 0;
  std::string external_id;
  std::string name;
};

/// Companies table.
class CompanyRepository {
 public:
  /// Returns the ids of the given companies (external id → id), inserting those that do not
  /// exist yet with the given name and `created_at`. Existing companies keep their name.
  std::unordered_map<std::string, long long> ensure(Transaction& tx,
                                                    const std::vector<CompanyRecord>& companies,
                                                    const std::string& created_at);
  /// The company with this external id, if any.
  std::optional<CompanyRecord> find_by_external_id(Transaction& tx, const std::string& external_id);
  /// Number of companies.
  long long count(Transaction& tx);
};

}  // namespace risklab::store
