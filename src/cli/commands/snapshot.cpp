#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/commands/common.hpp"
#include "core/error.hpp"
#include "lake/lake.hpp"
#include "service/snapshot_service.hpp"
#include "store/database.hpp"

namespace risklab::cli {
namespace {

void print_row(const store::SnapshotRecord& s) {
  std::cout << s.id << "  " << s.created_at << "  " << s.dataset << "  " << s.row_count << " rows, "
            << s.default_count << " defaults  by " << s.created_by;
  if (s.note) std::cout << "  \"" << *s.note << '"';
  std::cout << '\n';
}

}  // namespace

void add_snapshot_command(CLI::App& app, GlobalOptions& global) {
  auto* snapshot = app.add_subcommand("snapshot", "Immutable training snapshots in the lake");
  snapshot->require_subcommand(1);

  struct CreateOptions {
    std::string dataset;
    std::string note;
  };
  auto create = std::make_shared<CreateOptions>();
  auto* create_cmd = snapshot->add_subcommand(
      "create", "Freeze the labelled data of a dataset into the lake (an identical one is reused)");
  create_cmd->add_option("--dataset", create->dataset, "Dataset name; default: the only one");
  create_cmd->add_option("--note", create->note, "Why this snapshot (kept in the manifest)");
  create_cmd->callback([&global, create] {
    auto db = open_database(global);
    const auto lake = lake::open_lake(global.lake_url);
    service::SnapshotRequest request;
    if (!create->dataset.empty()) request.dataset = create->dataset;
    if (!create->note.empty()) request.note = create->note;
    const auto result = service::SnapshotService(*db, *lake).create(cli_operator(), request);
    const auto& s = result.snapshot;
    std::cout << (result.created ? "created snapshot " : "unchanged data: existing snapshot ")
              << s.id << "\n  dataset " << s.dataset << ", " << s.row_count << " rows, "
              << s.default_count << " defaults\n  data     " << s.data_key << "\n  manifest "
              << s.manifest_key << '\n';
    if (s.previous_id) std::cout << "  previous " << *s.previous_id << '\n';
  });

  auto list_dataset = std::make_shared<std::string>();
  auto* list_cmd = snapshot->add_subcommand("list", "Snapshots, newest first");
  list_cmd->add_option("--dataset", *list_dataset, "Only this dataset's");
  list_cmd->callback([&global, list_dataset] {
    auto db = open_database(global);
    const auto lake = lake::open_lake(global.lake_url);
    std::optional<std::string> dataset;
    if (!list_dataset->empty()) dataset = *list_dataset;
    for (const auto& s : service::SnapshotService(*db, *lake).list(cli_operator(), dataset))
      print_row(s);
  });

  auto show_id = std::make_shared<std::string>();
  auto* show_cmd = snapshot->add_subcommand("show", "A snapshot's manifest (JSON)");
  show_cmd->add_option("id", *show_id, "Snapshot id")->required();
  show_cmd->callback([&global, show_id] {
    auto db = open_database(global);
    const auto lake = lake::open_lake(global.lake_url);
    const auto [record, manifest] =
        service::SnapshotService(*db, *lake).show(cli_operator(), *show_id);
    std::cout << manifest.dump(2) << '\n';
  });

  struct VerifyOptions {
    std::string id;
    bool all = false;
  };
  auto verify = std::make_shared<VerifyOptions>();
  auto* verify_cmd = snapshot->add_subcommand(
      "verify", "Re-read and re-hash snapshots from the lake; exit 4 if any is damaged");
  auto* verify_id = verify_cmd->add_option("id", verify->id, "Snapshot id");
  verify_cmd->add_flag("--all", verify->all, "Every snapshot")->excludes(verify_id);
  verify_cmd->callback([&global, verify] {
    if (verify->id.empty() && !verify->all) {
      throw core::InvalidInput("snapshot_required", "name a snapshot id or pass --all");
    }
    auto db = open_database(global);
    const auto lake = lake::open_lake(global.lake_url);
    service::SnapshotService service(*db, *lake);
    const auto checks = verify->all ? service.verify_all(cli_operator())
                                    : std::vector{service.verify(cli_operator(), verify->id)};
    std::size_t failed = 0;
    for (const auto& check : checks) {
      if (check.ok) {
        std::cout << "ok      " << check.id << '\n';
      } else {
        ++failed;
        std::cout << "DAMAGED " << check.id << ": " << check.problem << '\n';
      }
    }
    if (failed > 0) {
      throw core::Conflict("snapshot_integrity",
                           std::to_string(failed) + " of " + std::to_string(checks.size()) +
                               " snapshots failed verification (recorded in the audit log)");
    }
    std::cout << checks.size() << " snapshot(s) verified\n";
  });

  struct ExportOptions {
    std::string id;
    std::string out;
  };
  auto exported = std::make_shared<ExportOptions>();
  auto* export_cmd = snapshot->add_subcommand(
      "export", "Write a verified snapshot's data (CSV) to a file, e.g. for `risklab ml train`");
  export_cmd->add_option("id", exported->id, "Snapshot id")->required();
  export_cmd->add_option("--out", exported->out, "File to write")->required();
  export_cmd->callback([&global, exported] {
    auto db = open_database(global);
    const auto lake = lake::open_lake(global.lake_url);
    const auto verified = service::SnapshotService(*db, *lake).read(cli_operator(), exported->id);
    const std::filesystem::path tmp = exported->out + ".part";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out << verified.data;
      out.close();
      if (!out) throw core::InvalidInput("file_unwritable", "cannot write " + tmp.string());
    }
    std::filesystem::rename(tmp, exported->out);
    std::cout
        << "wrote " << verified.snapshot.row_count << " rows to " << exported->out
        << "; train on it with: risklab ml train --data " << exported->out
        << " --label defaulted --id statement_id --ignore company,period,outcome_id,outcome_source"
           " --snapshot-id "
        << exported->id << " --out MODEL.rlm\n";
  });
}

}  // namespace risklab::cli
