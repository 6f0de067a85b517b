#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands/common.hpp"
#include "lake/lake.hpp"
#include "service/registry_service.hpp"
#include "store/database.hpp"

namespace risklab::cli {
namespace {

void print_model(const service::ModelView& model) {
  std::printf("%-6lld %-20s %-10s %-6s %3zu features  %s  %s\n", model.id, model.version.c_str(),
              model.status.c_str(), model.family.c_str(), model.features.size(),
              model.created_at.c_str(), model.artifact_uri.c_str());
}

}  // namespace

void add_models_command(CLI::App& app, GlobalOptions& global) {
  auto* models = app.add_subcommand(
      "models", "Model registry: register, list, show, approve, reject, promote, rollback");
  models->require_subcommand(1);

  auto file = std::make_shared<std::string>();
  auto* reg =
      models->add_subcommand("register", "Add a .rlm artifact to the registry as a candidate");
  reg->add_option("file", *file, "Model artifact (.rlm)")->required();
  reg->callback([&global, file] {
    auto db = open_database(global);
    const auto model = service::RegistryService(*db).register_artifact(cli_operator(), *file);
    std::cout << "registered model " << model.id << " (" << model.version << ")\n";
  });

  models->add_subcommand("list", "List models, newest first")->callback([&global] {
    auto db = open_database(global);
    for (const auto& model : service::RegistryService(*db).list(cli_operator())) print_model(model);
  });

  auto id = std::make_shared<long long>(0);
  auto* show = models->add_subcommand("show", "One model as JSON");
  show->add_option("id", *id, "Model id")->required();
  show->callback([&global, id] {
    auto db = open_database(global);
    const auto model = service::RegistryService(*db).get(cli_operator(), *id);
    nlohmann::json out = {
        {"id", model.id},
        {"version", model.version},
        {"status", model.status},
        {"family", model.family},
        {"artifact", model.artifact_uri},
        {"sha256", model.artifact_sha256},
        {"created_by", model.created_by},
        {"created_at", model.created_at},
        {"snapshot_id", model.snapshot_id ? nlohmann::json(*model.snapshot_id) : nullptr},
        {"promoted_by", model.promoted_by ? nlohmann::json(*model.promoted_by) : nullptr},
        {"promoted_at", model.promoted_at ? nlohmann::json(*model.promoted_at) : nullptr},
        {"features", model.features},
        {"metrics", model.metrics}};
    if (model.review) {
      out["review"] = {{"verdict", model.review->verdict},
                       {"reviewer", model.review->reviewer},
                       {"note", model.review->note},
                       {"reviewed_at", model.review->reviewed_at}};
    }
    std::cout << out.dump(2) << '\n';
  });

  // The governed life cycle. The CLI acts as the operator "cli:$USER" with every role, so
  // four-eyes holds between people: whoever ran `risklab train` (or `models register`) as
  // cli:alice cannot approve; cli:bob (or a risk officer in the UI/API) can.
  struct Review {
    long long id = 0;
    std::string text;
  };
  auto approve_args = std::make_shared<Review>();
  auto* approve = models->add_subcommand(
      "approve", "Approve a candidate (risk officer; not the person who trained it)");
  approve->add_option("id", approve_args->id, "Model id")->required();
  approve->add_option("--note", approve_args->text,
                      "Why it may go live (kept in the registry and audit log)");
  approve->callback([&global, approve_args] {
    auto db = open_database(global);
    const auto lake = lake::open_lake(global.lake_url);  // the model card is frozen there
    const auto model = service::RegistryService(*db, lake.get())
                           .approve(cli_operator(), approve_args->id, approve_args->text);
    std::cout << "model " << model.id << " (" << model.version << ") approved by "
              << model.review->reviewer << '\n';
  });

  auto reject_args = std::make_shared<Review>();
  auto* reject = models->add_subcommand("reject", "Reject a candidate, or withdraw an approval");
  reject->add_option("id", reject_args->id, "Model id")->required();
  reject->add_option("--reason", reject_args->text, "Why (required)")->required();
  reject->callback([&global, reject_args] {
    auto db = open_database(global);
    const auto model =
        service::RegistryService(*db).reject(cli_operator(), reject_args->id, reject_args->text);
    std::cout << "model " << model.id << " (" << model.version << ") rejected\n";
  });

  auto promote_id = std::make_shared<long long>(0);
  auto* promote = models->add_subcommand(
      "promote",
      "Make an approved model the champion after re-verifying its artifact and snapshot "
      "(servers switch within seconds)");
  promote->add_option("id", *promote_id, "Model id")->required();
  promote->callback([&global, promote_id] {
    auto db = open_database(global);
    const auto lake = lake::open_lake(global.lake_url);
    const auto model =
        service::RegistryService(*db, lake.get()).promote(cli_operator(), *promote_id);
    std::cout << "model " << model.id << " (" << model.version << ") is the champion\n";
  });

  auto rollback_id = std::make_shared<long long>(0);
  auto* rollback = models->add_subcommand(
      "rollback", "Restore a retired former champion (the current champion is retired)");
  rollback->add_option("id", *rollback_id, "Model id of the former champion to restore")
      ->required();
  rollback->callback([&global, rollback_id] {
    auto db = open_database(global);
    const auto lake = lake::open_lake(global.lake_url);
    const auto model =
        service::RegistryService(*db, lake.get()).rollback(cli_operator(), *rollback_id);
    std::cout << "rolled back: model " << model.id << " (" << model.version
              << ") is the champion again\n";
  });
}

}  // namespace risklab::cli
