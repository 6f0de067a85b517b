#include "service/portfolio_service.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "service/auth_service.hpp"
#include "service/permissions.hpp"
#include "store/dataset_repository.hpp"
#include "store/transaction.hpp"

namespace risklab::service {
namespace {

constexpr std::initializer_list<core::Role> kAnyRole = {
    core::Role::viewer,          core::Role::analyst,      core::Role::data_steward,
    core::Role::model_developer, core::Role::risk_officer, core::Role::admin};
constexpr std::initializer_list<core::Role> kEditors = {core::Role::analyst, core::Role::data_steward,
                                                        core::Role::admin};

std::string csv_cell(const std::string& value) {
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string out = "\"";
  for (const char ch : value) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

std::string number(double value) {
  std::ostringstream out;
  out.precision(17);
  out << value;
  return out.str();
}

store::DatasetRecord find_dataset(store::Database& db, const std::string& name) {
  store::Transaction tx(db, store::Transaction::Mode::read);
  auto dataset = store::DatasetRepository().find_by_name(tx, name);
  if (!dataset) throw core::NotFound("dataset_not_found", "no dataset '" + name + "'");
  return *dataset;
}

// A directory that removes itself, for the one-row file of an entered statement.
struct ScratchDir {
  std::filesystem::path path = std::filesystem::temp_directory_path() /
                               ("risklab-entry-" + random_hex_secret().substr(0, 16));
  ScratchDir() { std::filesystem::create_directories(path); }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};

}  // namespace

ImportReport PortfolioService::import_statements(const core::Actor& actor, ImportOptions options) {
  require_role(actor, kEditors, "import statements");
  options.actor = actor.name;
  return ImportService(db_).import_csv(options);
}

ImportReport PortfolioService::enter_statement(const core::Actor& actor, const StatementEntry& entry) {
  require_role(actor, kEditors, "enter statements");
  if (entry.company.empty()) throw core::InvalidInput("field_missing", "the company id is required");
  const auto dataset = find_dataset(db_, entry.dataset);
  std::unordered_map<std::string, std::optional<double>> given;
  for (const auto& [name, value] : entry.features) given[std::string(name)] = value;
  std::string header = "company_id,company_name,period";
  std::string row = csv_cell(entry.company) + "," +
                    csv_cell(entry.company_name.empty() ? entry.company : entry.company_name) + "," +
                    csv_cell(entry.period.empty() ? core::utc_today() : entry.period);
  for (const auto& feature : dataset.features) {
    header += "," + csv_cell(feature.source_name);
    const auto it = given.find(feature.name);
    row += ",";
    if (it != given.end() && it->second) row += number(*it->second);
    if (it != given.end()) given.erase(it);
  }
  if (!given.empty()) {
    throw core::InvalidInput("unknown_feature", "'" + given.begin()->first +
                                                    "' is not a feature of dataset '" +
                                                    entry.dataset + "'");
  }
  ScratchDir scratch;
  const auto file = scratch.path / "form-entry.csv";
  std::ofstream(file) << header << '\n' << row << '\n';
  ImportOptions options;
  options.file = file.string();
  options.dataset = entry.dataset;
  options.id_column = "company_id";
  options.name_column = "company_name";
  options.period_column = "period";
  options.actor = actor.name;
  return ImportService(db_).import_csv(options);
}

std::vector<std::string> PortfolioService::dataset_names(const core::Actor& actor) {
  require_role(actor, kAnyRole, "list datasets");
  store::Transaction tx(db_, store::Transaction::Mode::read);
  std::vector<std::string> out;
  for (const auto& dataset : store::DatasetRepository().list(tx)) out.push_back(dataset.name);
  return out;
}

std::vector<std::string> PortfolioService::dataset_features(const core::Actor& actor,
                                                            const std::string& name) {
  require_role(actor, kAnyRole, "read datasets");
  std::vector<std::string> out;
  for (const auto& feature : find_dataset(db_, name).features) out.push_back(feature.name);
  return out;
}

}  // namespace risklab::service
