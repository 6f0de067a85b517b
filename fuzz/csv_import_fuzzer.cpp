// Fuzzes CSV import end to end: core::CsvReader (libcsv, line tracking, BOM), the numeric cell
// parser, and service::ImportService::import_csv on a real SQLite database, as
// `risklab import` and the upload page run it. The first byte picks the options:
//   bit 0  write for real (else a dry run); the statements written are read back and their
//          features_json must be a JSON object with one finite number or null per feature
//   bit 1  into the existing dataset "seeded" (declared features, existing keys) or a new one
//   bits 2, 7 the --label column: none, "label", "Bankrupt?" (Taiwan), "class" (Polish)
//   bits 3-5  --id id, --name name, --period period
//   bit 6  instead of importing, read every record and check that csv_field() writes each
//          field so that CsvReader reads it back unchanged
// The rest is the file. Only core::Error may escape the code under test, and an import's
// problems must be fit for a JSON response.
#include <sqlite3.h>
#include <unistd.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/csv_reader.hpp"
#include "core/error.hpp"
#include "service/import_service.hpp"
#include "store/database.hpp"
#include "store/dataset_repository.hpp"
#include "store/migrations.hpp"
#include "store/statement_repository.hpp"
#include "store/transaction.hpp"

namespace {

namespace fs = std::filesystem;
using risklab::service::ImportOptions;

// The real file the seeded dataset comes from (and one of the corpus seeds).
constexpr std::string_view kSeedCsv =
    "id,name,period,label,X1,X2\n"
    "c1,Alpha,2024-12-31,0,0.5,1.25\n"
    "c2,\"Beta, Ltd\",2024-12-31,1,NA,-3\n";
// Written imports before the database is recreated, so it stays small over millions of runs.
constexpr int kWritesPerDatabase = 2000;

[[noreturn]] void fail(const std::string& why) {
  std::fprintf(stderr, "csv_import: %s\n", why.c_str());
  std::abort();
}

void write_file(const fs::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) fail("cannot write " + path.string());
}

class Harness {
 public:
  Harness() {
    const char* shm = "/dev/shm";
    const fs::path base = fs::is_directory(shm) ? fs::path(shm) : fs::temp_directory_path();
    dir_ = base / ("risklab-fuzz-csv-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    input_ = dir_ / "input.csv";
    copy_ = dir_ / "copy.csv";
    reset_database();
  }
  ~Harness() {
    db_.reset();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  void run(unsigned flags, std::string_view file) {
    write_file(input_, file);
    if (flags & 64U) {
      round_trip();
      return;
    }
    ImportOptions options;
    options.file = input_.string();
    options.dataset = flags & 2U ? "seeded" : "fuzz" + std::to_string(++imports_);
    options.dry_run = !(flags & 1U);
    options.as_of = "2025-06-30";
    constexpr const char* kLabels[] = {nullptr, "label", "Bankrupt?", "class"};
    if (const char* label = kLabels[((flags >> 2) & 1U) | ((flags >> 6) & 2U)])
      options.label_column = label;
    if (flags & 8U) options.id_column = "id";
    if (flags & 16U) options.name_column = "name";
    if (flags & 32U) options.period_column = "period";
    if (!options.dry_run && ++writes_ > kWritesPerDatabase) reset_database();
    risklab::service::ImportReport report;
    try {
      report = risklab::service::ImportService(*db_).import_csv(options);
    } catch (const risklab::service::ImportFailed& failed) {
      // The report goes out as JSON (API, upload page): dump() throws on ill-formed UTF-8.
      nlohmann::json problems = nlohmann::json::array();
      for (const auto& problem : failed.report().problems) {
        problems.push_back({{"code", problem.code},
                            {"line", problem.line},
                            {"column", problem.column ? nlohmann::json(*problem.column) : nullptr},
                            {"message", problem.message}});
      }
      (void)nlohmann::json({{"message", failed.what()}, {"problems", problems}}).dump();
      return;
    } catch (const risklab::core::Error&) {
      return;
    }
    if (!options.dry_run) check_written(report);
  }

 private:
  void reset_database() {
    db_.reset();
    const fs::path file = dir_ / "fuzz.db";
    std::error_code ignored;
    fs::remove(file, ignored);
    db_ = risklab::store::Database::open("sqlite://" + file.string(), 1);
    risklab::store::migrate(*db_);
    write_file(input_, kSeedCsv);
    ImportOptions seed;
    seed.file = input_.string();
    seed.dataset = "seeded";
    seed.label_column = "label";
    seed.id_column = "id";
    seed.name_column = "name";
    seed.period_column = "period";
    risklab::service::ImportService(*db_).import_csv(seed);
    next_statement_ = 3;
    writes_ = 0;
  }

  // Every statement just written holds one finite number or null per declared feature.
  void check_written(const risklab::service::ImportReport& report) {
    risklab::store::Transaction tx(*db_);
    const auto dataset = risklab::store::DatasetRepository().find_by_name(tx, report.dataset);
    if (!dataset) fail("the imported dataset '" + report.dataset + "' cannot be found");
    risklab::store::StatementRepository statements;
    for (std::size_t i = 0; i < report.statements; ++i, ++next_statement_) {
      const auto statement = statements.find(tx, next_statement_);
      if (!statement) fail("statement " + std::to_string(next_statement_) + " was not written");
      const auto features = nlohmann::json::parse(statement->features_json, nullptr, false);
      if (!features.is_object())
        fail("features_json is not a JSON object: " + statement->features_json);
      for (const auto& [name, value] : features.items()) {
        if (!value.is_null() && !(value.is_number() && std::isfinite(value.get<double>()))) {
          fail("feature '" + name + "' is neither a finite number nor null");
        }
      }
      if (features.size() > dataset->features.size()) fail("a statement has undeclared features");
    }
  }

  // What CsvReader reads, csv_field() writes back so that CsvReader reads the same fields.
  void round_trip() {
    std::vector<std::vector<std::string>> records;
    try {
      risklab::core::CsvReader reader(input_.string());
      risklab::core::CsvRecord record;
      std::size_t last_line = 0;
      while (reader.next(record)) {
        if (record.line < last_line) fail("record lines go backwards");
        last_line = record.line;
        for (const auto& field : record.fields) (void)risklab::core::parse_numeric_cell(field);
        records.push_back(std::move(record.fields));
      }
      (void)reader.sha256_hex();
    } catch (const risklab::core::InvalidInput&) {
      return;
    }
    std::string text;
    for (const auto& fields : records) {
      // A record of one empty field would be a blank line, which readers skip; writers of
      // one-column files must quote it (no RiskLab file has a single column).
      if (fields.size() == 1 && fields[0].empty()) {
        text += "\"\"\n";
        continue;
      }
      for (std::size_t col = 0; col < fields.size(); ++col) {
        if (col > 0) text += ',';
        text += risklab::core::csv_field(fields[col]);
      }
      text += '\n';
    }
    write_file(copy_, text);
    risklab::core::CsvReader again(copy_.string());
    risklab::core::CsvRecord record;
    std::size_t index = 0;
    while (again.next(record)) {
      if (index >= records.size() || record.fields != records[index]) {
        fail("record " + std::to_string(index) + " does not survive csv_field() and CsvReader");
      }
      ++index;
    }
    if (index != records.size()) fail("records lost in the csv_field() round trip");
  }

  fs::path dir_, input_, copy_;
  std::unique_ptr<risklab::store::Database> db_;
  long long next_statement_ = 0;
  long long imports_ = 0;
  int writes_ = 0;
};

Harness* harness = nullptr;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // SQLite's page cache takes pages from malloc one at a time as the fuzz database grows and
  // keeps them; libFuzzer, seeing more mallocs than frees in such an input, re-runs it under a
  // full LeakSanitizer scan, which took half of all the time. A fixed page-cache buffer (the
  // default cache of 2,000 KiB in 4 KiB pages, and spare) takes those pages off the heap, so
  // the per-input leak check is left for inputs that really keep memory.
  int header = 0;
  if (sqlite3_config(SQLITE_CONFIG_PCACHE_HDRSZ, &header) != SQLITE_OK) fail("PCACHE_HDRSZ");
  constexpr int kPages = 640;
  const int page_size = 4096 + header;
  static std::vector<std::byte> page_cache(static_cast<std::size_t>(page_size) * kPages);
  if (sqlite3_config(SQLITE_CONFIG_PAGECACHE, page_cache.data(), page_size, kPages) != SQLITE_OK)
    fail("SQLITE_CONFIG_PAGECACHE");
  harness = new Harness();
  std::atexit([] { delete harness; });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  harness->run(data[0], std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  return 0;
}
