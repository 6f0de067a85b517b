#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands/common.hpp"
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
  auto* models = app.add_subcommand("models", "Model registry: register, list, show, promote");
  models->require_subcommand(1);

  auto file = std::make_shared<std::string>();
  auto* reg = models->add_subcommand("register", "Add a .rlm artifact to the registry as a candidate");
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
    nlohmann::json out = {{"id", model.id},          {"version", model.version},
                          {"status", model.status},  {"family", model.family},
                          {"artifact", model.artifact_uri}, {"sha256", model.artifact_sha256},
                          {"features", model.features}, {"metrics", model.metrics}};
    std::cout << out.dump(2) << '\n';
  });

  auto promote_id = std::make_shared<long long>(0);
  auto* promote = models->add_subcommand("promote", "Make a model the champion (servers switch within seconds)");
  promote->add_option("id", *promote_id, "Model id")->required();
  promote->callback([&global, promote_id] {
    auto db = open_database(global);
    const auto model = service::RegistryService(*db).promote(cli_operator(), *promote_id);
    std::cout << "model " << model.id << " (" << model.version << ") is the champion\n";
  });
}

}  // namespace risklab::cli
