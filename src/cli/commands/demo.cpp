#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include "cli/commands/common.hpp"
#include "core/error.hpp"
#include "lake/lake.hpp"
#include "service/auth_service.hpp"
#include "service/import_service.hpp"
#include "service/outcome_service.hpp"
#include "service/registry_service.hpp"
#include "service/snapshot_service.hpp"
#include "service/training_service.hpp"
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
  std::filesystem::create_directories(dir);
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
  const auto snapshot =
      snapshots.create(operator_actor, {"taiwan", "demo: the reference data as imported"});
  std::cout << "3. snapshot " << snapshot.snapshot.id << (snapshot.created ? "" : " (existing)")
            << ": " << snapshot.snapshot.row_count << " labelled statements, "
            << snapshot.snapshot.default_count << " defaults, in " << demo.lake_url << '/'
            << snapshot.snapshot.data_key << '\n';

  // Demo accounts only ever exist in a demo database; their password is random and shown once.
  service::AuthService auth(*db);
  if (auth.user_count() == 0) {
    const std::string password = "demo-" + service::random_hex_secret().substr(0, 12);
    auth.create_user(operator_actor, "analyst", "Demo credit analyst", password, "analyst");
    auth.create_user(operator_actor, "steward", "Demo data steward", password, "data_steward");
    auth.create_user(operator_actor, "developer", "Demo model developer", password,
                     "model_developer");
    auth.create_user(operator_actor, "officer", "Demo risk officer", password, "risk_officer");
    auth.create_user(operator_actor, "admin", "Demo admin", password, "admin");
    std::cout << "4. demo accounts analyst, steward, developer, officer and admin, password "
              << password << '\n';
  } else {
    std::cout << "4. demo accounts exist already\n";
  }
  // The actors of the governed path: one person trains, another approves (four-eyes).
  std::map<std::string, long long> user_ids;
  for (const auto& user : auth.list_users(operator_actor)) user_ids[user.username] = user.id;
  const core::Actor developer{user_ids["developer"], "developer", {core::Role::model_developer}};
  const core::Actor officer{user_ids["officer"], "officer", {core::Role::risk_officer}};

  service::RegistryService registry(*db, lake.get());
  bool has_champion = false;
  for (const auto& model : registry.list(operator_actor))
    has_champion |= model.status == "champion";
  if (has_champion) {
    std::cout << "5. a champion model is already registered\n";
  } else {
    // The governed path, run in-process: a training job on the snapshot (the same worker code
    // `risklab serve` runs), a candidate with its validation report in the lake, approved by a
    // second person and promoted.
    service::TrainingService training(*db, *lake);
    service::TrainingRequest request;
    request.snapshot_id = snapshot.snapshot.id;
    request.parameters = {{"trees", options.trees}};
    const auto job = training.submit(developer, request);
    service::WorkerSettings settings;
    settings.name = "demo";
    const auto ran = training.run_next(settings);
    if (!ran || ran->status != "succeeded" || !ran->model_id) {
      throw core::Unavailable("demo_training_failed",
                              "the demo training job " + std::to_string(job.id) +
                                  " did not succeed" +
                                  (ran && ran->error ? ": " + *ran->error : std::string()));
    }
    const auto candidate = registry.get(operator_actor, *ran->model_id);
    registry.approve(officer, candidate.id, "demo: approved by the demo risk officer (four-eyes)");
    const auto champion = registry.promote(officer, candidate.id);
    std::cout << "5. training job " << job.id << " (as 'developer'): " << options.trees
              << "-tree random forest on the snapshot (out-of-bag AUC "
              << candidate.metrics.value("oob_auc", 0.0)
              << ", validation report in the lake); approved and promoted by 'officer' "
                 "(four-eyes): champion "
              << champion.version << '\n';
  }

  if (!options.serve) return;
  std::cout << "6. open http://127.0.0.1:" << options.port
            << "/ in a browser (Ctrl-C to stop) and sign in as one of the demo accounts:\n"
               "   analyst (scores and decides), steward (outcomes, snapshots), developer (retraining),\n"
               "   officer (approves and promotes models, monitoring, audit), admin; the API is under /api/v1\n";
  db.reset();
  serve_database(demo, options.port);
}

}  // namespace

void add_demo_command(CLI::App& app, GlobalOptions& global) {
  auto options = std::make_shared<DemoOptions>();
  auto* cmd = app.add_subcommand(
      "demo",
      "From zero: SQLite database, reference data imported, a model trained and promoted, "
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
