#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands/common.hpp"
#include "core/error.hpp"
#include "lake/lake.hpp"
#include "service/outcome_service.hpp"
#include "store/database.hpp"

namespace risklab::cli {

void add_outcomes_command(CLI::App& app, GlobalOptions& global) {
  auto* outcomes = app.add_subcommand("outcomes", "Ground truth: verified default outcomes");
  outcomes->require_subcommand(1);
  struct AddOptions {
    service::OutcomeInput input;
    int defaulted = -1;
    std::string note;
  };
  auto add = std::make_shared<AddOptions>();
  auto* add_cmd = outcomes->add_subcommand(
      "add", "Record one outcome (stored now; shipped to the lake through the outbox)");
  add_cmd->add_option("--company", add->input.company, "Company external id")->required();
  add_cmd->add_option("--defaulted", add->defaulted, "1 if it defaulted within the horizon, else 0")
      ->required()
      ->check(CLI::IsMember({0, 1}));
  add_cmd->add_option("--observed-at", add->input.observed_at, "Date observed (YYYY-MM-DD); default today");
  add_cmd->add_option("--note", add->note, "Evidence");
  add_cmd->callback([&global, add] {
    auto db = open_database(global);
    add->input.defaulted = add->defaulted == 1;
    if (!add->note.empty()) add->input.note = add->note;
    const auto recorded = service::OutcomeService(*db).record(cli_operator(), {add->input});
    std::cout << "recorded outcome " << recorded.front().id << " for '" << recorded.front().company
              << "'; queued for the lake as " << recorded.front().lake_key << '\n';
  });

  auto file = std::make_shared<std::string>();
  auto* import_cmd = outcomes->add_subcommand(
      "import", "Record every outcome of a CSV file (company,defaulted[,observed_at][,note]), all or nothing");
  import_cmd->add_option("file", *file, "CSV file")->required();
  import_cmd->callback([&global, file] {
    auto db = open_database(global);
    const auto recorded = service::OutcomeService(*db).record_csv(cli_operator(), *file);
    long long defaults = 0;
    for (const auto& outcome : recorded) defaults += outcome.defaulted ? 1 : 0;
    std::cout << "recorded " << recorded.size() << " outcomes (" << defaults
              << " defaults) from " << *file << "; queued for the lake\n";
  });
}

void add_outbox_command(CLI::App& app, GlobalOptions& global) {
  auto* outbox = app.add_subcommand("outbox", "Pending lake writes");
  outbox->require_subcommand(1);
  outbox->add_subcommand("drain", "Ship every due outbox row to the lake now; exit 6 if the lake is down")
      ->callback([&global] {
        auto db = open_database(global);
        const auto lake = lake::open_lake(global.lake_url);
        service::OutboxService service(*db, *lake);
        const auto result = service.drain(1'000'000);
        const auto backlog = service.backlog();
        std::cout << "shipped " << result.shipped << ", already in the lake " << result.already_there
                  << ", failed " << result.failed << "; " << backlog.pending << " pending\n";
        if (result.failed > 0) {
          throw core::Unavailable("lake_unavailable", "outbox not drained: " + result.last_error);
        }
      });
}

}  // namespace risklab::cli
