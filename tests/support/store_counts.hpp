#pragma once

#include "store/company_repository.hpp"
#include "store/database.hpp"
#include "store/dataset_repository.hpp"
#include "store/outcome_repository.hpp"
#include "store/statement_repository.hpp"
#include "store/transaction.hpp"

namespace risklab::test {

/// Row counts of the domain tables, to prove that a refused change wrote nothing.
struct StoreCounts {
  long long datasets = 0;
  long long companies = 0;
  long long statements = 0;
  long long outcomes = 0;
  long long defaults = 0;

  static StoreCounts of(store::Database& db) {
    store::Transaction tx(db);
    StoreCounts counts;
    const auto datasets = store::DatasetRepository().list(tx);
    counts.datasets = static_cast<long long>(datasets.size());
    for (const auto& dataset : datasets) {
      counts.statements += store::StatementRepository().count(tx, dataset.id);
    }
    counts.companies = store::CompanyRepository().count(tx);
    const auto outcomes = store::OutcomeRepository().count(tx);
    counts.outcomes = outcomes.total;
    counts.defaults = outcomes.defaults;
    return counts;
  }

  bool operator==(const StoreCounts&) const = default;
};

}  // namespace risklab::test
