#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <unordered_map>

#include "cli/commands/common.hpp"
#include "core/csv_reader.hpp"
#include "core/error.hpp"
#include "lake/lake.hpp"
#include "service/champion.hpp"
#include "service/scoring_service.hpp"
#include "store/database.hpp"

namespace risklab::cli {
namespace {

constexpr std::size_t kChunk = 1000;

struct ScoreOptions {
  std::string data;
  std::optional<long long> model_id;
  std::optional<std::string> id_column;
};

void score_file(const GlobalOptions& global, const ScoreOptions& options) {
  auto db = open_database(global);
  std::shared_ptr<const service::LoadedModel> model;
  const auto lake = lake::open_lake(global.lake_url);
  service::Champion champion(*db, lake.get());
  if (options.model_id) {
    model = service::load_registered_model(*db, *options.model_id, lake.get());
  } else {
    champion.refresh();
    model = champion.current();
    if (!model) throw core::Unavailable("no_champion", "no champion model: pass --model ID");
  }
  core::CsvReader reader(options.data);
  core::CsvRecord header;
  if (!reader.next(header)) throw core::InvalidInput("empty_file", options.data + ": empty file");
  std::unordered_map<std::string, std::size_t> columns;
  for (std::size_t col = 0; col < header.fields.size(); ++col) {
    columns.emplace(std::string(core::trim(header.fields[col])), col);
  }
  for (const auto& feature : model->model().features) {
    if (!columns.contains(feature)) {
      throw core::InvalidInput("feature_missing", options.data + ":1: model " +
                                                      model->record().version +
                                                      " needs feature '" + feature +
                                                      "', which the file does not have");
    }
  }
  std::optional<std::size_t> id_col;
  if (options.id_column) {
    const auto it = columns.find(*options.id_column);
    if (it == columns.end()) {
      throw core::InvalidInput("column_not_found", options.data + ":1: no column '" + *options.id_column + "'");
    }
    id_col = it->second;
  }

  std::vector<service::ScoreInput> inputs;
  std::vector<std::string> ids;
  core::CsvRecord record;
  while (reader.next(record)) {
    if (record.fields.size() != header.fields.size()) {
      throw core::InvalidInput("wrong_field_count", options.data + ":" + std::to_string(record.line) +
                                                        ": wrong number of fields");
    }
    service::ScoreInput input;
    input.top_k = 0;
    for (const auto& feature : model->model().features) {
      const std::size_t col = columns.at(feature);
      const auto cell = core::parse_numeric_cell(record.fields[col]);
      if (cell.kind == core::CellKind::invalid) {
        throw core::InvalidInput("not_a_number", options.data + ":" + std::to_string(record.line) +
                                                     ": column '" + feature + "': '" +
                                                     record.fields[col] + "' is not a finite number");
      }
      input.features[feature] =
          cell.kind == core::CellKind::number ? std::optional<double>(cell.value) : std::nullopt;
    }
    ids.push_back(id_col ? record.fields[*id_col] : std::to_string(record.line - 1));
    if (id_col) input.company = record.fields[*id_col];
    inputs.push_back(std::move(input));
  }
  service::ScoringService scoring(*db, champion);
  std::printf("id,pd,grade,recommendation,assessment_id,model_version\n");
  for (std::size_t start = 0; start < inputs.size(); start += kChunk) {
    const std::vector<service::ScoreInput> chunk(
        inputs.begin() + static_cast<std::ptrdiff_t>(start),
        inputs.begin() + static_cast<std::ptrdiff_t>(std::min(inputs.size(), start + kChunk)));
    const auto results = scoring.score_batch(cli_operator(), *model, chunk);
    for (std::size_t i = 0; i < results.size(); ++i) {
      const auto& r = results[i];
      std::printf("%s,%.10g,%s,%s,%lld,%s\n", ids[start + i].c_str(), r.pd, r.grade.c_str(),
                  r.recommendation.c_str(), r.assessment_id, r.model_version.c_str());
    }
  }
}

}  // namespace

void add_score_command(CLI::App& app, GlobalOptions& global) {
  auto options = std::make_shared<ScoreOptions>();
  auto* cmd = app.add_subcommand(
      "score", "Batch scoring of a CSV with the champion (or --model): CSV on stdout; each row is "
               "stored as an assessment");
  cmd->add_option("--data", options->data, "CSV with the model's feature columns")->required();
  cmd->add_option("--model", options->model_id, "Registered model id (default: the champion)");
  cmd->add_option("--id", options->id_column, "Column to echo as the row id (default: row number)");
  cmd->callback([&global, options] { score_file(global, *options); });
}

}  // namespace risklab::cli
