#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "cli/commands/common.hpp"
#include "service/import_service.hpp"
#include "store/database.hpp"

namespace risklab::cli {

/// Prints what an import did, in one paragraph a person can check.
void print_import_report(const service::ImportReport& report) {
  std::printf("%s %zu statements (%zu features, %zu missing values) and %zu outcomes "
              "(%zu defaults) from %s into dataset '%s'%s in %.2f s\n",
              report.dry_run ? "dry run: would import" : "imported", report.statements,
              report.feature_count, report.missing_values, report.outcomes, report.defaults,
              report.file.c_str(), report.dataset.c_str(),
              report.dataset_created ? " (new dataset)" : "", report.seconds);
  if (!report.dry_run) {
    std::printf("import id %lld, file sha256 %s\n", report.import_id, report.file_sha256.c_str());
  }
}

void add_import_command(CLI::App& app, GlobalOptions& global) {
  auto options = std::make_shared<service::ImportOptions>();
  auto* cmd = app.add_subcommand(
      "import", "Load financial statements (and labels as ground truth) from a CSV file; "
                "all-or-nothing");
  cmd->add_option("file", options->file, "CSV file with a header line")->required();
  cmd->add_option("--dataset", options->dataset,
                  "Dataset name (declares the feature set); default: the file name");
  cmd->add_option("--label", options->label_column, "Column with the 0/1 default flag");
  cmd->add_option("--id", options->id_column,
                  "Column with the company's external id; default <dataset>:<row>");
  cmd->add_option("--name", options->name_column, "Column with the company name");
  cmd->add_option("--period", options->period_column, "Column with the statement date (YYYY-MM-DD)");
  cmd->add_option("--as-of", options->as_of, "Statement date when there is no --period column; "
                                             "default today");
  cmd->add_flag("--dry-run", options->dry_run, "Validate the whole file, write nothing");
  cmd->callback([&global, options] {
    auto db = open_database(global);
    options->actor = cli_actor();
    service::ImportService service(*db);
    try {
      print_import_report(service.import_csv(*options));
    } catch (const service::ImportFailed& failed) {
      const auto lines = failed.lines();
      for (std::size_t i = 1; i < lines.size(); ++i) std::cerr << "  also: " << lines[i] << '\n';
      throw;
    }
  });
}

}  // namespace risklab::cli
