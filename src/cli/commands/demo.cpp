#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "cli/commands/common.hpp"
#include "core/error.hpp"
#include "service/import_service.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"

namespace risklab::cli {

void print_import_report(const service::ImportReport& report);

namespace {

// The reference data sits beside the repository (../shared/data); look there from the current
// directory and from the source tree this binary was built from.
std::string find_reference_data() {
  const std::filesystem::path relative = "shared/data/taiwan_bankruptcy.csv";
  for (const std::filesystem::path& base :
       {std::filesystem::current_path().parent_path(),
        std::filesystem::path(RISKLAB_SOURCE_DIR).parent_path()}) {
    if (std::filesystem::exists(base / relative)) return (base / relative).string();
  }
  throw core::InvalidInput("demo_data_missing",
                           "cannot find ../shared/data/taiwan_bankruptcy.csv; pass --data FILE");
}

}  // namespace

void add_demo_command(CLI::App& app, GlobalOptions& global) {
  struct Options {
    std::string dir;
    std::string data;
  };
  auto options = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "demo", "From zero: a SQLite database in a fresh directory, with the reference data imported");
  cmd->add_option("--dir", options->dir, "Directory for the demo database; default a new temp dir");
  cmd->add_option("--data", options->data,
                  "Reference CSV; default ../shared/data/taiwan_bankruptcy.csv");
  cmd->callback([&global, options] {
    std::filesystem::path dir = options->dir;
    if (dir.empty()) {
      std::string pattern = (std::filesystem::temp_directory_path() / "risklab-demo-XXXXXX").string();
      if (mkdtemp(pattern.data()) == nullptr) {
        throw core::Unavailable("demo_dir", "cannot create a temporary directory");
      }
      dir = pattern;
    }
    std::filesystem::create_directories(dir);
    const std::string data = options->data.empty() ? find_reference_data() : options->data;
    GlobalOptions demo = global;
    demo.db_url = "sqlite://" + (std::filesystem::absolute(dir) / "risklab.db").string();

    std::cout << "RiskLab demo in " << dir.string() << '\n';
    auto db = open_database(demo, /*check_schema=*/false);
    const auto applied = store::migrate(*db);
    std::cout << "1. database " << db->display_url() << ": schema at version "
              << store::schema_version(*db) << " (" << applied.size() << " migrations applied)\n";

    service::ImportOptions import;
    import.file = data;
    import.dataset = "taiwan";
    import.label_column = "Bankrupt?";
    import.actor = "demo";
    // The reference file has no dates; one fixed period keeps a re-run in the same --dir from
    // importing the rows a second time (it then reports that they are there already).
    import.as_of = "2009-12-31";
    service::ImportService service(*db);
    std::cout << "2. ";
    try {
      print_import_report(service.import_csv(import));
    } catch (const core::InvalidInput& error) {
      // A second run in the same --dir finds the data already there; that is fine for a demo.
      std::cout << "reference data not imported again: " << error.what() << '\n';
    }
    std::cout << "\nNext: risklab --db " << demo.db_url
              << " import OTHER.csv --label COL   (any CSV of numeric ratios)\n";
  });
}

}  // namespace risklab::cli
