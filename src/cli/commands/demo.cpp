#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/commands/common.hpp"
#include "core/error.hpp"
#include "lake/lake.hpp"
#include "ml/artifact.hpp"
#include "ml/dataset.hpp"
#include "ml/model.hpp"
#include "service/auth_service.hpp"
#include "service/import_service.hpp"
#include "service/outcome_service.hpp"
#include "service/snapshot_service.hpp"
#include "service/registry_service.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"

namespace risklab::cli {

void print_import_report(const service::ImportReport& report);
void serve_database(const GlobalOptions& global, int port);

namespace {

struct DemoOptions {
  std::string dir;
  std::string data;
  std::size_t trees = 300;
  int port = 8080;
  bool serve = true;
};

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

std::filesystem::path demo_dir(const std::string& wanted) {
  std::filesystem::path dir = wanted;
  if (dir.empty()) {
    std::string pattern = (std::filesystem::temp_directory_path() / "risklab-demo-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      throw core::Unavailable("demo_dir", "cannot create a temporary directory");
    }
    dir = pattern;
  }
  std::filesystem::create_directories(dir / "models");
  return std::filesystem::absolute(dir);
}

void run_demo(const GlobalOptions& global, const DemoOptions& options) {
  const auto dir = demo_dir(options.dir);
  const std::string data = options.data.empty() ? find_reference_data() : options.data;
  GlobalOptions demo = global;
  demo.db_url = "sqlite://" + (dir / "risklab.db").string();
  demo.lake_url = "file://" + (dir / "lake").string();
  const core::Actor operator_actor = cli_operator();

  std::cout << "RiskLab demo in " << dir.string() << '\n';
  auto db = open_database(demo, /*check_schema=*/false);
  const auto applied = store::migrate(*db);
  lake::open_lake(demo.lake_url)->create_container();
  std::cout << "1. database " << db->display_url() << ": schema at version "
            << store::schema_version(*db) << " (" << applied.size()
            << " migrations applied); data lake " << demo.lake_url << '\n';

  service::ImportOptions import;
  import.file = data;
  import.dataset = "taiwan";
  import.label_column = "Bankrupt?";
  import.actor = "demo";
  // The reference file has no dates; one fixed period keeps a re-run in the same --dir from
  // importing the rows a second time (it then reports that they are there already).
  import.as_of = "2009-12-31";
  std::cout << "2. ";
  try {
    print_import_report(service::ImportService(*db).import_csv(import));
  } catch (const service::ImportFailed& error) {
    std::cout << "reference data not imported again: " << error.what() << '\n';
  }

  // The imported labels go to the lake's ground truth (the server's outbox worker would do it
  // too), then the labelled data is frozen into a snapshot and the demo model trained on it.
  const auto lake = lake::open_lake(demo.lake_url);
  service::OutboxService(*db, *lake).drain(1'000'000);
  service::SnapshotService snapshots(*db, *lake);
  const auto snapshot = snapshots.create(operator_actor, {"taiwan", "demo: the reference data as imported"});
  std::cout << "3. snapshot " << snapshot.snapshot.id << (snapshot.created ? "" : " (existing)") << ": "
            << snapshot.snapshot.row_count << " labelled statements, " << snapshot.snapshot.default_count
            << " defaults, in " << demo.lake_url << '/' << snapshot.snapshot.data_key << '\n';

  service::RegistryService registry(*db);
  bool has_champion = false;
  for (const auto& model : registry.list(operator_actor)) has_champion |= model.status == "champion";
  if (has_champion) {
    std::cout << "4. a champion model is already registered\n";
  } else {
    // Training reads the snapshot back from the lake, verified against its id.
    const auto verified = snapshots.read(operator_actor, snapshot.snapshot.id);
    const auto data_file = dir / "models" / ("snapshot-" + snapshot.snapshot.id + ".csv");
    std::ofstream(data_file, std::ios::binary | std::ios::trunc) << verified.data;
    const auto dataset = ml::read_csv(data_file.string(), service::snapshot_columns(verified.manifest));
    std::filesystem::remove(data_file);
    ml::TrainParams params;
    params.n_trees = options.trees;
    ml::TrainOptions train_options;
    train_options.snapshot_id = snapshot.snapshot.id;
    const auto model = ml::train_model(dataset, params, train_options);
    const auto path = dir / "models" / "demo-rf.rlm";
    ml::save_model(model, path.string());
    const auto registered = registry.register_artifact(operator_actor, path.string());
    registry.promote(operator_actor, registered.id);
    std::cout << "4. trained a " << options.trees << "-tree random forest on the snapshot's " << dataset.n_rows
              << " rows (out-of-bag AUC " << model.metrics.value("oob_auc", 0.0)
              << "), registered and promoted it: champion " << registered.version << '\n';
  }

  service::AuthService auth(*db);
  if (auth.user_count() == 0) {
    // Demo accounts only ever exist in a demo database; their password is random and shown once.
    const std::string password = "demo-" + service::random_hex_secret().substr(0, 12);
    auth.create_user(operator_actor, "analyst", "Demo analyst", password, "analyst");
    auth.create_user(operator_actor, "officer", "Demo risk officer", password, "risk_officer");
    auth.create_user(operator_actor, "admin", "Demo admin", password, "admin");
    std::cout << "5. demo accounts analyst, officer and admin, password " << password << '\n';
  } else {
    std::cout << "5. demo accounts exist already\n";
  }
  if (!options.serve) return;
  std::cout << "6. serving on http://127.0.0.1:" << options.port << " (Ctrl-C to stop). Try:\n"
            << "   curl -c jar -d '{\"username\":\"analyst\",\"password\":\"...\"}' "
               "http://127.0.0.1:"
            << options.port << "/api/v1/session\n";
  db.reset();
  serve_database(demo, options.port);
}

}  // namespace

void add_demo_command(CLI::App& app, GlobalOptions& global) {
  auto options = std::make_shared<DemoOptions>();
  auto* cmd = app.add_subcommand(
      "demo", "From zero: SQLite database, reference data imported, a model trained and promoted, "
              "demo accounts, the API served");
  cmd->add_option("--dir", options->dir, "Directory for the demo database; default a new temp dir");
  cmd->add_option("--data", options->data,
                  "Reference CSV; default ../shared/data/taiwan_bankruptcy.csv");
  cmd->add_option("--trees", options->trees, "Trees in the demo model")->capture_default_str();
  cmd->add_option("--port", options->port, "Port to serve on")->capture_default_str();
  cmd->add_flag("!--no-serve", options->serve, "Set everything up, then exit instead of serving");
  cmd->callback([&global, options] { run_demo(global, *options); });
}

}  // namespace risklab::cli
