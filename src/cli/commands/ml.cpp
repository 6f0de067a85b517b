// `risklab ml train|eval|predict|split`: offline ML on CSV files, no database.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <numeric>
#include <set>
#include <sstream>

#include "cli/commands/commands.hpp"
#include "core/csv_reader.hpp"
#include "core/error.hpp"
#include "core/sha256.hpp"
#include "ml/artifact.hpp"
#include "ml/metrics.hpp"
#include "ml/model.hpp"
#include "ml/split.hpp"

namespace risklab::cli {
namespace {

struct TrainArgs {
  std::string data;
  std::string label;
  std::string id_column;
  std::string ignore;  // comma-separated columns that are neither features nor label nor id
  std::string out;
  std::string max_features = "sqrt";
  std::string class_weight = "none";
  std::string calibration = "isotonic";
  std::string master_scale;
  std::string snapshot_id;
  ml::TrainParams params;
  std::size_t threads = 0;
  std::string family = "rf";
  std::string monotone;
  std::size_t max_depth = 0;
  ml::GbdtParams gbdt;
};

/// The features of a training file: every header column but the label, the id and --ignore;
/// empty (= all but label and id) when nothing is ignored.
std::vector<std::string> features_except(const std::string& path, const TrainArgs& args) {
  if (args.ignore.empty()) return {};
  std::set<std::string> ignored;
  std::stringstream list(args.ignore);
  for (std::string name; std::getline(list, name, ',');) ignored.insert(std::string(core::trim(name)));
  core::CsvReader reader(path);
  core::CsvRecord header;
  if (!reader.next(header)) throw core::InvalidInput("data_empty", path + ": the file is empty");
  std::vector<std::string> features;
  for (const auto& field : header.fields) {
    const std::string name(core::trim(field));
    if (ignored.erase(name) == 0 && name != args.label && name != args.id_column) features.push_back(name);
  }
  if (!ignored.empty()) {
    throw core::InvalidInput("feature_missing", path + ": --ignore names column '" + *ignored.begin() +
                                                    "', which is not in the header");
  }
  return features;
}

struct EvalArgs {
  std::string model;
  std::string data;
  std::string label;
  std::string compare;
  std::size_t threads = 0;
};

struct PredictArgs {
  std::string model;
  std::string data;
  std::string id_column;
  std::size_t explain = 0;
  std::size_t threads = 0;
};

struct SplitArgs {
  std::string data;
  std::string label;
  double test = 0.2;
  std::uint64_t seed = 42;
  std::string train_out;
  std::string test_out;
};

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw core::InvalidInput("file_unreadable", "cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// A one-line progress bar on stderr, only when stderr is a terminal.
ml::ProgressFn progress_bar(const char* what) {
  if (isatty(STDERR_FILENO) == 0) return {};
  return [what](std::size_t done, std::size_t total) {
    constexpr std::size_t kWidth = 30;
    const std::size_t filled = done * kWidth / total;
    std::fprintf(stderr, "\r%s [%s%s] %zu/%zu", what, std::string(filled, '#').c_str(),
                 std::string(kWidth - filled, ' ').c_str(), done, total);
    if (done == total) std::fputc('\n', stderr);
    std::fflush(stderr);
  };
}

void train(TrainArgs& args) {
  const bool gbdt = args.family == "gbdt";
  if (!gbdt && args.family != "rf") {
    throw core::InvalidInput("param_invalid", "family must be rf or gbdt, got '" + args.family + "'");
  }
  args.params.max_features = args.max_features;
  args.params.class_weight = ml::parse_class_weight(args.class_weight);
  args.params.calibration = ml::parse_calibration_method(args.calibration);
  args.params.max_depth = args.max_depth;
  if (gbdt) {
    // Shared flags: --trees, --seed, --calibration, --smote-ratio (0 unless given), --smote-k.
    args.gbdt.n_trees = args.params.n_trees;
    args.gbdt.seed = args.params.seed;
    args.gbdt.calibration = args.params.calibration;
    args.gbdt.smote_k = args.params.smote_k;
    if (args.max_depth != 0) args.gbdt.max_depth = args.max_depth;
    if (!args.monotone.empty()) args.gbdt.monotone = ml::parse_monotone(args.monotone);
    args.gbdt.validate();
  } else {
    args.params.validate();
  }
  ml::TrainOptions options;
  options.threads = args.threads;
  options.snapshot_id = args.snapshot_id;
  options.progress = progress_bar("training");
  if (!args.master_scale.empty()) options.master_scale = ml::parse_master_scale(read_text(args.master_scale));
  const auto start = std::chrono::steady_clock::now();
  const ml::Dataset data =
      ml::read_csv(args.data, {args.label, args.id_column, features_except(args.data, args)});
  const ml::Model model =
      gbdt ? ml::train_gbdt_model(data, args.gbdt, options) : ml::train_model(data, args.params, options);
  ml::save_model(model, args.out);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("trained %zu %strees on %zu rows x %zu features (%zu defaults) in %.2f s\n",
              gbdt ? model.booster.n_trees() : model.forest.trees().size(), gbdt ? "gbdt " : "", data.n_rows,
              data.n_features(),
              static_cast<std::size_t>(model.profile.n_positive), seconds);
  if (model.metrics.contains("oob_auc")) {
    std::printf(gbdt ? "out-of-fold AUC %.4f, mean out-of-fold PD %.4f (base rate %.4f)\n"
                     : "out-of-bag AUC %.4f, mean out-of-bag PD %.4f (base rate %.4f)\n",
                model.metrics["oob_auc"].get<double>(), model.metrics["oob_mean_pd"].get<double>(),
                model.metrics["base_rate"].get<double>());
  }
  std::printf("wrote %s (sha256 %s)\n", args.out.c_str(), core::Sha256::of(read_text(args.out)).c_str());
}

std::vector<double> pds_of(const ml::Model& model, const ml::Dataset& data, std::size_t threads) {
  const auto scored = model.score_all(data, threads);
  std::vector<double> pd(scored.size());
  for (std::size_t i = 0; i < scored.size(); ++i) pd[i] = scored[i].pd;
  return pd;
}

void evaluate(const EvalArgs& args) {
  const ml::Model model = ml::load_model(args.model);
  const ml::Dataset data = ml::read_csv(args.data, {args.label, "", model.features});
  const std::vector<double> pd = pds_of(model, data, args.threads);
  const auto& y = data.y;
  const double defaults = std::accumulate(y.begin(), y.end(), 0.0);
  nlohmann::json out;
  out["model"] = args.model;
  out["data"] = args.data;
  out["rows"] = data.n_rows;
  out["defaults"] = defaults;
  out["base_rate"] = defaults / static_cast<double>(data.n_rows);
  out["mean_pd"] = std::accumulate(pd.begin(), pd.end(), 0.0) / static_cast<double>(pd.size());
  if (defaults > 0 && defaults < static_cast<double>(data.n_rows)) {
    const auto auc = ml::delong_auc(y, pd);
    out["auc"] = auc.auc;
    out["auc_delong_variance"] = auc.variance;
    out["auc_ci95"] = {auc.auc - 1.959963984540054 * std::sqrt(auc.variance),
                       auc.auc + 1.959963984540054 * std::sqrt(auc.variance)};
    out["gini"] = 2.0 * auc.auc - 1.0;
    out["ks"] = ml::ks_statistic(y, pd);
  }
  out["brier"] = ml::brier_score(y, pd);
  out["log_loss"] = ml::log_loss(y, pd);
  out["ece"] = ml::expected_calibration_error(y, pd);
  if (data.n_rows >= 10) {
    const auto hl = ml::hosmer_lemeshow(y, pd);
    out["hosmer_lemeshow"] = {{"statistic", hl.statistic}, {"df", hl.df}, {"p_value", hl.p_value}};
  }
  nlohmann::json grades = nlohmann::json::array();
  for (const auto& g : ml::grade_report(y, pd, model.master_scale)) {
    grades.push_back({{"grade", g.grade},
                      {"count", g.count},
                      {"defaults", g.defaults},
                      {"mean_pd", g.mean_pd},
                      {"observed_default_rate", g.observed_rate},
                      {"binomial_p", g.binomial_p},
                      {"jeffreys_p", g.jeffreys_p}});
  }
  out["grades"] = grades;
  out["psi_pd"] = ml::psi(model.profile.pd_psi_shares, ml::bin_shares(pd, model.profile.pd_psi_edges));
  nlohmann::json feature_psi = nlohmann::json::object();
  for (std::size_t col = 0; col < model.features.size(); ++col) {
    const auto& profile = model.profile.features[col];
    const std::vector<double> values(data.column(col), data.column(col) + data.n_rows);
    feature_psi[model.features[col]] = ml::psi(profile.psi_shares, ml::bin_shares(values, profile.psi_edges));
  }
  out["psi_features"] = feature_psi;
  if (!args.compare.empty()) {
    const ml::Model other = ml::load_model(args.compare);
    const ml::Dataset other_data = ml::read_csv(args.data, {args.label, "", other.features});
    const auto test = ml::delong_test(y, pd, pds_of(other, other_data, args.threads));
    out["compare"] = {{"model", args.compare}, {"auc", test.auc_b}, {"delong_z", test.z}, {"delong_p", test.p_value}};
  }
  std::cout << out.dump(2) << '\n';
}

void predict(const PredictArgs& args) {
  const ml::Model model = ml::load_model(args.model);
  const ml::Dataset data = ml::read_csv(args.data, {"", args.id_column, model.features});
  const auto scored = model.score_all(data, args.threads);
  std::printf("id,pd,grade");
  for (std::size_t k = 1; k <= args.explain; ++k) std::printf(",driver_%zu,contribution_%zu", k, k);
  std::printf("\n");
  std::unique_ptr<ml::Explainer> explainer;
  if (args.explain > 0) explainer = std::make_unique<ml::Explainer>(model);
  // Rows are explained in chunks: one walk of the trees serves up to kMaxRows rows.
  const std::size_t width = model.features.size();
  constexpr std::size_t kChunk = ml::TreeExplainer::kMaxRows;
  std::vector<double> raw(kChunk * width);
  for (std::size_t first = 0; first < data.n_rows; first += kChunk) {
    const std::size_t n = std::min(kChunk, data.n_rows - first);
    std::vector<std::vector<ml::Driver>> drivers(n);
    if (explainer) {
      std::vector<const double*> rows;
      for (std::size_t r = 0; r < n; ++r) {
        for (std::size_t col = 0; col < width; ++col)
          raw[r * width + col] = data.at(first + r, col);
        rows.push_back(raw.data() + r * width);
      }
      drivers = explainer->top_drivers(rows, args.explain);
    }
    for (std::size_t r = 0; r < n; ++r) {
      const std::size_t row = first + r;
      std::printf("%s,%.17g,%s", core::csv_field(data.ids[row]).c_str(), scored[row].pd,
                  core::csv_field(scored[row].grade).c_str());
      for (const auto& driver : drivers[r]) {
        std::printf(",%s,%.6g", core::csv_field(driver.feature).c_str(), driver.contribution);
      }
      std::printf("\n");
    }
  }
}

void split(SplitArgs& args) {
  const std::string stem = std::filesystem::path(args.data).stem().string();
  if (args.train_out.empty()) args.train_out = stem + "_train.csv";
  if (args.test_out.empty()) args.test_out = stem + "_test.csv";
  const ml::SplitReport report = ml::split_csv(args.data, args.label, args.test, args.seed, args.train_out, args.test_out);
  std::printf("wrote %s (%zu rows) and %s (%zu rows, %zu defaults); seed %llu\n", args.train_out.c_str(),
              report.train_rows, args.test_out.c_str(), report.test_rows, report.test_defaults,
              static_cast<unsigned long long>(args.seed));
}

}  // namespace

void add_ml_command(CLI::App& app, GlobalOptions& /*global*/) {
  auto* ml_cmd = app.add_subcommand("ml", "Offline ML on CSV files (no database): train, eval, predict, split");
  ml_cmd->require_subcommand(1);

  auto t = std::make_shared<TrainArgs>();
  auto* train_cmd = ml_cmd->add_subcommand("train", "Train imputer -> scaler -> SMOTE -> random forest (rf) or "
                                                    "xgboost gradient-boosted trees (gbdt) -> PD calibration "
                                                    "and write a .rlm model");
  train_cmd->add_option("--data", t->data, "Training CSV with a header line")->required();
  train_cmd->add_option("--label", t->label, "The 0/1 default column")->required();
  train_cmd->add_option("--out", t->out, "Model file to write (.rlm)")->required();
  train_cmd->add_option("--id", t->id_column, "An identifier column that is not a feature");
  train_cmd->add_option("--ignore", t->ignore, "Comma-separated columns that are not features (e.g. a snapshot's company,period,outcome_id,outcome_source)");
  train_cmd->add_option("--family", t->family, "Model family: rf (random forest) or gbdt (xgboost)")
      ->capture_default_str();
  train_cmd->add_option("--trees", t->params.n_trees, "Trees in the forest / boosting rounds")->capture_default_str();
  train_cmd
      ->add_option("--max-depth", t->max_depth,
                   "Maximum depth; 0 = until pure (at most 1000) for rf, 4 for gbdt")
      ->capture_default_str();
  train_cmd->add_option("--min-leaf", t->params.min_samples_leaf, "Minimum rows per leaf")->capture_default_str();
  train_cmd->add_option("--max-features", t->max_features, "Features per split: sqrt, log2, all, a count or a fraction")
      ->capture_default_str();
  train_cmd->add_option("--class-weight", t->class_weight, "none, balanced or balanced_subsample")->capture_default_str();
  train_cmd->add_option("--max-bins", t->params.max_bins, "Candidate thresholds per feature (2-256)")->capture_default_str();
  train_cmd->add_option("--smote-ratio", t->params.smote_ratio, "SMOTE minority/majority target; 0 disables")
      ->capture_default_str();
  train_cmd->add_option("--smote-k", t->params.smote_k, "SMOTE nearest neighbours")->capture_default_str();
  train_cmd->add_option("--calibration", t->calibration, "isotonic, platt or none")->capture_default_str();
  train_cmd->add_option("--master-scale", t->master_scale, "JSON file with the PD bands (default: the standard scale)");
  train_cmd->add_option("--snapshot-id", t->snapshot_id, "Dataset snapshot id to record in the model");
  train_cmd->add_option("--seed", t->params.seed, "Master seed")->capture_default_str();
  train_cmd->add_option("--learning-rate", t->gbdt.learning_rate, "gbdt: shrinkage per round (eta)")
      ->capture_default_str();
  train_cmd->add_option("--subsample", t->gbdt.subsample, "gbdt: share of rows per round")->capture_default_str();
  train_cmd->add_option("--colsample", t->gbdt.colsample_bytree, "gbdt: share of features per tree")
      ->capture_default_str();
  train_cmd->add_option("--min-child-weight", t->gbdt.min_child_weight, "gbdt: minimum hessian sum per child")
      ->capture_default_str();
  train_cmd->add_option("--lambda", t->gbdt.lambda, "gbdt: L2 penalty on leaf weights")->capture_default_str();
  train_cmd->add_option("--alpha", t->gbdt.alpha, "gbdt: L1 penalty on leaf weights")->capture_default_str();
  train_cmd->add_option("--early-stopping", t->gbdt.early_stopping_rounds,
                        "gbdt: stop after this many rounds without validation improvement; 0 = off")
      ->capture_default_str();
  train_cmd->add_option("--calibration-folds", t->gbdt.calibration_folds,
                        "gbdt: folds of the out-of-fold predictions the calibration is fitted on")
      ->capture_default_str();
  train_cmd->add_option("--gbdt-smote-ratio", t->gbdt.smote_ratio, "gbdt: SMOTE ratio; 0 (default) disables")
      ->capture_default_str();
  train_cmd->add_option("--monotone", t->monotone, "gbdt: monotone constraints, e.g. debt_ratio:+1,income:-1");
  train_cmd->add_option("--threads", t->threads, "Worker threads; 0 = all cores (never changes the model)")
      ->capture_default_str();
  train_cmd->callback([t] { train(*t); });

  auto e = std::make_shared<EvalArgs>();
  auto* eval_cmd = ml_cmd->add_subcommand("eval", "Metrics of a model on labelled data, as JSON");
  eval_cmd->add_option("--model", e->model, "Model file (.rlm)")->required();
  eval_cmd->add_option("--data", e->data, "Labelled CSV")->required();
  eval_cmd->add_option("--label", e->label, "The 0/1 default column")->required();
  eval_cmd->add_option("--compare", e->compare, "A second model: adds its AUC and the DeLong test");
  eval_cmd->add_option("--threads", e->threads, "Worker threads; 0 = all cores")->capture_default_str();
  eval_cmd->callback([e] { evaluate(*e); });

  auto p = std::make_shared<PredictArgs>();
  auto* predict_cmd = ml_cmd->add_subcommand("predict", "PD and grade per row as CSV on stdout");
  predict_cmd->add_option("--model", p->model, "Model file (.rlm)")->required();
  predict_cmd->add_option("--data", p->data, "CSV holding every model feature")->required();
  predict_cmd->add_option("--id", p->id_column, "Column to copy as the id; default: the row number");
  predict_cmd->add_option("--explain", p->explain, "Add the top K TreeSHAP drivers per row")->capture_default_str();
  predict_cmd->add_option("--threads", p->threads, "Worker threads; 0 = all cores")->capture_default_str();
  predict_cmd->callback([p] { predict(*p); });

  auto s = std::make_shared<SplitArgs>();
  auto* split_cmd = ml_cmd->add_subcommand("split", "Stratified train/test split of a labelled CSV");
  split_cmd->add_option("--data", s->data, "Labelled CSV")->required();
  split_cmd->add_option("--label", s->label, "The 0/1 default column")->required();
  split_cmd->add_option("--test", s->test, "Share of rows for the test file")->capture_default_str();
  split_cmd->add_option("--seed", s->seed, "Seed of the shuffle")->capture_default_str();
  split_cmd->add_option("--train-out", s->train_out, "Train file; default <name>_train.csv");
  split_cmd->add_option("--test-out", s->test_out, "Test file; default <name>_test.csv");
  split_cmd->callback([s] { split(*s); });
}

}  // namespace risklab::cli
