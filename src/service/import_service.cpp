#include "service/import_service.hpp"

#include <charconv>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <unordered_set>

#include "core/clock.hpp"
#include "core/csv_reader.hpp"
#include "core/error.hpp"
#include "core/utf8.hpp"
#include "service/audit_service.hpp"
#include "service/outcome_service.hpp"
#include "store/company_repository.hpp"
#include "store/database.hpp"
#include "store/dataset_repository.hpp"
#include "store/import_repository.hpp"
#include "store/outbox_repository.hpp"
#include "store/outcome_repository.hpp"
#include "store/statement_repository.hpp"
#include "store/transaction.hpp"

namespace risklab::service {
namespace {

constexpr std::size_t kMaxProblemsListed = 20;
constexpr std::size_t kBatchRows = 1000;

// Where each CSV column goes.
enum class Role { feature, id, label, name, period };

struct Layout {
  std::vector<std::string> header;  // as written
  std::vector<Role> roles;
  std::vector<std::size_t> feature_of;  // column -> index into the dataset's features
  std::optional<std::size_t> id, label, name, period;
};

class Problems {
 public:
  explicit Problems(ImportReport& report) : report_(report) {}
  void add(std::string code, std::size_t line, std::optional<std::string> column,
           std::string message) {
    ++report_.problem_count;
    if (report_.problems.size() < kMaxProblemsListed) {
      // Messages quote the file, which may not be UTF-8; the report goes out as JSON.
      if (column) column = core::valid_utf8(*column);
      report_.problems.push_back(
          {std::move(code), line, std::move(column), core::valid_utf8(message)});
    }
  }
  bool any() const { return report_.problem_count > 0; }

 private:
  ImportReport& report_;
};

std::string describe(const std::string& file, const ImportProblem& problem) {
  std::string out = file + ":" + std::to_string(problem.line) + ": ";
  if (problem.column) out += "column '" + *problem.column + "': ";
  return out + problem.message;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// True if `text` is a number in JSON's grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
bool is_json_number(std::string_view text) {
  std::size_t i = 0;
  auto digits = [&] {
    const std::size_t start = i;
    while (i < text.size() && is_digit(text[i])) ++i;
    return i - start;
  };
  if (i < text.size() && text[i] == '-') ++i;
  if (i < text.size() && text[i] == '0') {
    ++i;
  } else if (digits() == 0) {
    return false;
  }
  if (i < text.size() && text[i] == '.') {
    ++i;
    if (digits() == 0) return false;
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    if (digits() == 0) return false;
  }
  return i == text.size();
}

std::optional<std::size_t> find_column(const std::vector<std::string>& header,
                                       const std::string& wanted, const std::string& file,
                                       const char* flag) {
  for (std::size_t col = 0; col < header.size(); ++col) {
    if (header[col] == wanted || core::trim(header[col]) == core::trim(wanted)) return col;
  }
  throw core::InvalidInput("column_not_found", file + ":1: " + flag + " column '" + wanted +
                                                   "' is not in the header");
}

/// Queues the import's labels for the lake as one JSON-lines ground-truth file, in the
/// import's transaction: imported labels take the same outbox path as outcomes posted later.
void enqueue_imported_outcomes(store::Transaction& tx, long long import_id, const std::string& now) {
  std::string payload;
  for (const auto& [outcome, company] : store::OutcomeRepository().list_by_import(tx, import_id)) {
    payload += ground_truth_json(outcome, company).dump();
    payload += '\n';
  }
  store::OutboxEvent event;
  event.event_type = "outcomes.imported";
  event.entity_id = std::to_string(import_id);
  event.lake_key = "ground_truth/date=" + now.substr(0, 10) + "/import-" + std::to_string(import_id) + ".jsonl";
  event.payload = std::move(payload);
  event.created_at = now;
  store::OutboxRepository().enqueue(tx, event);
}

}  // namespace

std::string ImportFailed::summary(const ImportReport& report) {
  std::string message = report.problems.empty() ? report.file + ": import failed"
                                                : describe(report.file, report.problems.front());
  if (report.problem_count > 1) {
    message += " (and " + std::to_string(report.problem_count - 1) + " more problem" +
               (report.problem_count > 2 ? "s" : "") + "; nothing was imported)";
  } else {
    message += " (nothing was imported)";
  }
  return message;
}

ImportFailed::ImportFailed(ImportReport report)
    : core::InvalidInput(report.problems.empty() ? "import_failed" : report.problems.front().code,
                         summary(report)),
      report_(std::move(report)) {}

std::vector<std::string> ImportFailed::lines() const {
  std::vector<std::string> out;
  for (const auto& problem : report_.problems) out.push_back(describe(report_.file, problem));
  return out;
}

ImportService::ImportService(store::Database& db) : db_(db) {}

ImportReport ImportService::import_csv(const ImportOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  ImportReport report;
  report.file = options.file;
  report.dry_run = options.dry_run;
  report.dataset = options.dataset.empty()
                       ? std::filesystem::path(options.file).stem().string()
                       : options.dataset;
  if (report.dataset.empty() || report.dataset.size() > 200 ||
      !core::is_valid_utf8(report.dataset)) {
    throw core::InvalidInput("bad_dataset_name",
                             "dataset name must have 1 to 200 characters of UTF-8");
  }
  const std::string as_of = options.as_of.empty() ? core::utc_today() : options.as_of;
  if (!core::is_iso_date(as_of)) {
    throw core::InvalidInput("bad_date", "--as-of '" + as_of + "' is not a date (YYYY-MM-DD)");
  }
  Problems problems(report);

  core::CsvReader reader(options.file);
  core::CsvRecord record;
  if (!reader.next(record)) {
    throw core::InvalidInput("empty_file", options.file + ": the file is empty (no header line)");
  }
  Layout layout;
  layout.header = record.fields;
  layout.roles.assign(layout.header.size(), Role::feature);
  auto assign = [&](const std::optional<std::string>& wanted, const char* flag, Role role,
                    std::optional<std::size_t>& slot) {
    if (!wanted) return;
    slot = find_column(layout.header, *wanted, options.file, flag);
    layout.roles[*slot] = role;
  };
  assign(options.id_column, "--id", Role::id, layout.id);
  assign(options.label_column, "--label", Role::label, layout.label);
  assign(options.name_column, "--name", Role::name, layout.name);
  assign(options.period_column, "--period", Role::period, layout.period);

  std::unordered_map<std::string, std::size_t> seen_names;
  for (std::size_t col = 0; col < layout.header.size(); ++col) {
    const std::string name(core::trim(layout.header[col]));
    if (name.empty()) {
      problems.add("empty_column_name", 1, std::nullopt, "column " + std::to_string(col + 1) + " has an empty name");
    } else if (!core::is_valid_utf8(layout.header[col])) {
      problems.add("bad_column_name", 1, std::nullopt,
                   "the name of column " + std::to_string(col + 1) + " is not valid UTF-8");
    } else if (auto [it, inserted] = seen_names.emplace(name, col); !inserted) {
      problems.add("duplicate_column", 1, name, "duplicate column name (also column " +
                                std::to_string(it->second + 1) + ")");
    }
  }

  store::Transaction tx(db_);
  store::DatasetRepository datasets;
  store::CompanyRepository companies;
  store::ImportRepository imports;
  store::StatementRepository statements;
  store::OutcomeRepository outcomes;

  auto dataset = datasets.find_by_name(tx, report.dataset);
  report.dataset_created = !dataset.has_value();
  std::unordered_set<std::string> existing_keys;
  layout.feature_of.assign(layout.header.size(), 0);
  if (dataset) {
    std::unordered_map<std::string, std::size_t> declared;
    for (std::size_t i = 0; i < dataset->features.size(); ++i) {
      declared.emplace(dataset->features[i].name, i);
    }
    for (std::size_t col = 0; col < layout.header.size(); ++col) {
      if (layout.roles[col] != Role::feature) continue;
      const std::string name(core::trim(layout.header[col]));
      if (auto it = declared.find(name); it != declared.end()) {
        layout.feature_of[col] = it->second;
      } else if (!name.empty()) {
        problems.add("unknown_column", 1, name, "not a declared feature of dataset '" + report.dataset +
                                  "' (pass --label/--id/--name/--period for other columns, or "
                                  "import into a new --dataset)");
      }
    }
    if (options.label_column && dataset->label_column &&
        core::trim(*options.label_column) != *dataset->label_column) {
      problems.add("label_mismatch", 1, *options.label_column,
                   "dataset '" + report.dataset + "' declares label column '" +
                       *dataset->label_column + "'");
    }
    existing_keys = statements.keys(tx, dataset->id);
  } else {
    dataset = store::DatasetRecord{};
    dataset->name = report.dataset;
    for (std::size_t col = 0; col < layout.header.size(); ++col) {
      if (layout.roles[col] != Role::feature) continue;
      layout.feature_of[col] = dataset->features.size();
      dataset->features.push_back({std::string(core::trim(layout.header[col])), layout.header[col]});
    }
    if (options.label_column) dataset->label_column = std::string(core::trim(*options.label_column));
    if (options.id_column) dataset->id_column = std::string(core::trim(*options.id_column));
    dataset->created_at = core::utc_now_iso8601();
    dataset->created_by = options.actor;
    if (dataset->features.empty()) {
      problems.add("no_features", 1, std::nullopt, "no feature columns (every column is an id, label, name or period)");
    }
  }
  report.feature_count = dataset->features.size();
  // Each statement's JSON is written directly (not through a DOM): the keys are escaped once.
  std::vector<std::string> json_keys;
  for (const auto& feature : dataset->features) {
    // An ill-formed name is a problem already (nothing is written); replace keeps dump() quiet.
    json_keys.push_back(nlohmann::json(feature.name)
                            .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
                        ":");
  }

  const std::string now = core::utc_now_iso8601();
  long long import_id = 0;
  const bool writing = !options.dry_run && !problems.any();
  if (writing) {
    if (report.dataset_created) dataset->id = datasets.insert(tx, *dataset);
    import_id = imports.insert(tx, {0, dataset->id, options.file, "", 0, 0, now, options.actor});
  }

  std::vector<store::CompanyRecord> batch_companies;
  std::vector<store::StatementRecord> batch_statements;
  std::vector<std::pair<std::string, store::OutcomeRecord>> batch_outcomes;  // by external id
  auto flush = [&] {
    if (options.dry_run || problems.any() || batch_statements.empty()) {
      batch_companies.clear();
      batch_statements.clear();
      batch_outcomes.clear();
      return;
    }
    const auto ids = companies.ensure(tx, batch_companies, now);
    for (std::size_t i = 0; i < batch_statements.size(); ++i) {
      batch_statements[i].company_id = ids.at(batch_companies[i].external_id);
    }
    statements.insert_batch(tx, batch_statements);
    std::vector<store::OutcomeRecord> rows;
    for (auto& [external_id, outcome] : batch_outcomes) {
      outcome.company_id = ids.at(external_id);
      rows.push_back(std::move(outcome));
    }
    outcomes.insert_batch(tx, rows);
    batch_companies.clear();
    batch_statements.clear();
    batch_outcomes.clear();
  };

  std::unordered_map<std::string, std::size_t> first_line_of_key;
  std::size_t row_number = 0;
  while (reader.next(record)) {
    ++row_number;
    if (record.fields.size() != layout.header.size()) {
      problems.add("wrong_field_count", record.line, std::nullopt,
                   "wrong number of fields: expected " + std::to_string(layout.header.size()) +
                       ", found " + std::to_string(record.fields.size()));
      continue;
    }
    std::string features = "{";
    std::string external_id = report.dataset + ":" + std::to_string(row_number);
    std::string name;
    std::string period = as_of;
    std::optional<bool> defaulted;
    bool row_ok = true;
    for (std::size_t col = 0; col < record.fields.size(); ++col) {
      const std::string& text = record.fields[col];
      switch (layout.roles[col]) {
        case Role::feature: {
          const auto cell = core::parse_numeric_cell(text);
          const std::size_t feature = layout.feature_of[col];
          if (cell.kind == core::CellKind::invalid) {
            problems.add("not_a_number", record.line, dataset->features[feature].name,
                         "'" + text + "' is not a finite number");
            row_ok = false;
            break;
          }
          if (features.size() > 1) features.push_back(',');
          features += json_keys[feature];
          if (cell.kind == core::CellKind::missing) {
            features += "null";
            ++report.missing_values;
          } else if (const auto trimmed = core::trim(text); is_json_number(trimmed)) {
            features += trimmed;  // the file's own digits: exact, and no formatting cost
          } else {
            // Shortest text that reads back as the same double, so values round-trip exactly.
            char buffer[32];
            const auto result = std::to_chars(buffer, buffer + sizeof buffer, cell.value);
            features.append(buffer, result.ptr);
          }
          break;
        }
        case Role::id:
          external_id = std::string(core::trim(text));
          if (external_id.empty() || external_id.size() > 200 ||
              !core::is_valid_utf8(external_id)) {
            problems.add("bad_id", record.line, layout.header[col],
                         "id must have 1 to 200 characters of UTF-8");
            row_ok = false;
          }
          break;
        case Role::label: {
          const auto label = core::trim(text);
          if (label == "0" || label == "1") {
            defaulted = label == "1";
          } else {
            problems.add("bad_label", record.line, std::string(core::trim(layout.header[col])),
                         "label '" + text + "' is not 0 or 1");
            row_ok = false;
          }
          break;
        }
        case Role::name:
          name = std::string(core::trim(text));
          if (!core::is_valid_utf8(name)) {
            problems.add("bad_name", record.line, layout.header[col], "name is not valid UTF-8");
            row_ok = false;
          }
          break;
        case Role::period:
          period = std::string(core::trim(text));
          if (!core::is_iso_date(period)) {
            problems.add("bad_date", record.line, layout.header[col],
                         "'" + text + "' is not a date (YYYY-MM-DD)");
            row_ok = false;
          }
          break;
      }
    }
    const std::string key = external_id + '\x1f' + period;
    if (auto [it, inserted] = first_line_of_key.emplace(key, record.line); !inserted) {
      problems.add("duplicate_id", record.line, options.id_column,
                   "duplicate id '" + external_id + "' for period " + period + " (first on line " +
                       std::to_string(it->second) + ")");
      row_ok = false;
    } else if (existing_keys.contains(key)) {
      problems.add("statement_exists", record.line, options.id_column,
                   "company '" + external_id + "' already has a statement for " + period +
                       " in dataset '" + report.dataset + "'");
      row_ok = false;
    }
    if (!row_ok) continue;
    ++report.statements;
    batch_companies.push_back({0, external_id, name.empty() ? external_id : name});
    store::StatementRecord statement;
    statement.dataset_id = dataset->id;
    statement.import_id = import_id;
    statement.period = period;
    features.push_back('}');
    statement.features_json = std::move(features);
    statement.created_at = now;
    batch_statements.push_back(std::move(statement));
    if (defaulted) {
      ++report.outcomes;
      if (*defaulted) ++report.defaults;
      store::OutcomeRecord outcome;
      outcome.defaulted = *defaulted;
      outcome.observed_at = period;
      outcome.source = "import";
      outcome.import_id = import_id;
      outcome.recorded_by = options.actor;
      outcome.recorded_at = now;
      batch_outcomes.emplace_back(external_id, std::move(outcome));
    }
    if (batch_statements.size() >= kBatchRows) flush();
  }
  if (row_number == 0 && !problems.any()) {
    problems.add("no_rows", 2, std::nullopt, "no data rows after the header");
  }
  if (problems.any()) throw ImportFailed(std::move(report));  // the transaction rolls back
  flush();
  report.file_sha256 = reader.sha256_hex();
  if (!options.dry_run) {
    imports.finish(tx, import_id, static_cast<long long>(report.statements),
                   static_cast<long long>(report.outcomes), report.file_sha256);
    const core::Actor actor{0, options.actor, {}};
    if (report.outcomes > 0) enqueue_imported_outcomes(tx, import_id, now);
    AuditService::record(tx, actor, "import.completed", "import", std::to_string(import_id), nullptr,
                         {{"file", options.file},
                          {"file_sha256", report.file_sha256},
                          {"dataset", report.dataset},
                          {"statements", report.statements},
                          {"outcomes", report.outcomes},
                          {"defaults", report.defaults}});
    tx.commit();
    report.import_id = import_id;
  }
  report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

}  // namespace risklab::service
