// RiskLab side of bench/ml_vs_sklearn: trains the pipeline on a train file, then measures
// fit time, batch and single-row scoring, TreeSHAP per row, peak RSS and quality on a test
// file. Prints one JSON object (the keys reference_sklearn.py prints too).
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <numeric>
#include <string>

#include <nlohmann/json.hpp>

#include "ml/artifact.hpp"
#include "ml/metrics.hpp"
#include "ml/model.hpp"
#include "ml/split.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double percentile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  return risklab::ml::quantile_sorted(values, q);
}

}  // namespace

int main(int argc, char** argv) {
  // `risklab_ml_bench split DATA LABEL SEED TRAIN_OUT TEST_OUT`: the split `risklab ml split`
  // makes (same library call), so run.sh does not need the full binary.
  if (argc == 7 && std::string(argv[1]) == "split") {
    try {
      const auto report = risklab::ml::split_csv(argv[2], argv[3], 0.2, std::stoull(argv[4]), argv[5], argv[6]);
      std::cerr << "split " << argv[2] << ": " << report.train_rows << " train, " << report.test_rows << " test rows ("
                << report.test_defaults << " defaults)\n";
      return 0;
    } catch (const std::exception& error) {
      std::cerr << "risklab_ml_bench: " << error.what() << '\n';
      return 2;
    }
  }
  std::string train_path, test_path, label, model_out, model_in;
  risklab::ml::TrainParams params;
  risklab::ml::GbdtParams gbdt;
  std::string family = "rf";
  std::size_t threads = 2;
  std::size_t shap_rows = 200;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--train") train_path = value;
    else if (flag == "--test") test_path = value;
    else if (flag == "--label") label = value;
    else if (flag == "--trees") params.n_trees = gbdt.n_trees = std::stoul(value);
    else if (flag == "--family") family = value;
    else if (flag == "--max-depth") gbdt.max_depth = std::stoul(value);
    else if (flag == "--learning-rate") gbdt.learning_rate = std::stod(value);
    else if (flag == "--subsample") gbdt.subsample = std::stod(value);
    else if (flag == "--colsample") gbdt.colsample_bytree = std::stod(value);
    else if (flag == "--threads") threads = std::stoul(value);
    else if (flag == "--seed") params.seed = gbdt.seed = std::stoull(value);
    else if (flag == "--calibration") params.calibration = risklab::ml::parse_calibration_method(value);
    else if (flag == "--max-bins") params.max_bins = std::stoul(value);
    else if (flag == "--shap-rows") shap_rows = std::stoul(value);
    else if (flag == "--out") model_out = value;
    else if (flag == "--model") model_in = value;
    else {
      std::cerr << "unknown flag " << flag << '\n';
      return 2;
    }
  }
  if (train_path.empty() || test_path.empty() || label.empty()) {
    std::cerr << "usage: risklab_ml_bench --train F --test F --label COL [--trees N --threads T --out M --model M]\n";
    return 2;
  }
  try {
    const auto train = risklab::ml::read_csv(train_path, {label, "", {}});
    const auto fit_start = Clock::now();
    risklab::ml::TrainOptions options;
    options.threads = threads;
    // --model scores a saved artifact instead of training (fit time 0): for iterating on the
    // scoring paths without paying for a fit each time.
    const risklab::ml::Model model = !model_in.empty() ? risklab::ml::load_model(model_in)
                                     : family == "gbdt" ? risklab::ml::train_gbdt_model(train, gbdt, options)
                                                        : risklab::ml::train_model(train, params, options);
    const bool is_gbdt = model.is_gbdt();
    const double fit_seconds = seconds_since(fit_start);
    if (!model_out.empty()) risklab::ml::save_model(model, model_out);

    const auto test = risklab::ml::read_csv(test_path, {label, "", model.features});
    // Median of 5 calls, as reference.py does.
    std::vector<double> batch_times;
    std::vector<risklab::ml::Scoring> scored;
    for (int call = 0; call < 5; ++call) {
      const auto batch_start = Clock::now();
      scored = model.score_all(test, threads);
      batch_times.push_back(seconds_since(batch_start));
    }
    const double batch_seconds = percentile(batch_times, 0.5);

    std::vector<double> pd(test.n_rows);
    std::vector<double> raw_score(test.n_rows);
    for (std::size_t i = 0; i < test.n_rows; ++i) {
      pd[i] = scored[i].pd;
      raw_score[i] = scored[i].score;
    }
    std::vector<double> raw(model.features.size());
    std::vector<double> latency_us;
    double sink = 0.0;
    for (int pass = 0; pass < 3; ++pass) {
      for (std::size_t row = 0; row < test.n_rows; ++row) {
        for (std::size_t col = 0; col < raw.size(); ++col) raw[col] = test.at(row, col);
        const auto start = Clock::now();
        sink += model.score(raw.data()).pd;
        latency_us.push_back(seconds_since(start) * 1e6);
      }
    }
    const auto explainer = risklab::ml::make_tree_explainer(model);
    std::vector<double> shap_ms;
    std::vector<double> prepared(raw.size());
    double worst_additivity = 0.0;
    for (std::size_t row = 0; row < std::min(shap_rows, test.n_rows); ++row) {
      for (std::size_t col = 0; col < raw.size(); ++col) raw[col] = test.at(row, col);
      const auto start = Clock::now();
      if (is_gbdt) {
        // The raw row, on the log-odds; additivity against the (float) margin.
        const auto shap = explainer->explain(raw.data());
        shap_ms.push_back(seconds_since(start) * 1e3);
        const double total = std::accumulate(shap.contributions.begin(), shap.contributions.end(),
                                             shap.expected_value);
        worst_additivity = std::max(worst_additivity, std::fabs(total - model.booster.margin(raw.data())));
        continue;
      }
      model.prepare(raw.data(), prepared.data());
      const auto shap = explainer->explain(prepared.data());
      shap_ms.push_back(seconds_since(start) * 1e3);
      const double total = std::accumulate(shap.contributions.begin(), shap.contributions.end(), shap.expected_value);
      worst_additivity = std::max(worst_additivity, std::fabs(total - model.forest.predict(prepared.data())));
    }
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    std::size_t depth = 0, nodes = 0;
    for (const auto& tree : model.forest.trees()) {
      depth = std::max(depth, tree.depth());
      nodes += tree.size();
    }
    const double base_rate = static_cast<double>(std::count(test.y.begin(), test.y.end(), 1)) / static_cast<double>(test.n_rows);
    const nlohmann::json out = {
        {"engine", is_gbdt ? "risklab gbdt" : "risklab"},
        {"trees", is_gbdt ? model.booster.n_trees() : params.n_trees},
        {"threads", threads},
        {"train_rows", train.n_rows},
        {"test_rows", test.n_rows},
        {"fit_seconds", fit_seconds},
        {"batch_rows_per_second", static_cast<double>(test.n_rows) / batch_seconds},
        {"single_row_p50_us", percentile(latency_us, 0.5)},
        {"single_row_p99_us", percentile(latency_us, 0.99)},
        {"shap_p50_ms", percentile(shap_ms, 0.5)},
        {"shap_p99_ms", percentile(shap_ms, 0.99)},
        {"shap_max_additivity_error", worst_additivity},
        {"peak_rss_mb", static_cast<double>(usage.ru_maxrss) / 1024.0},
        {"auc", risklab::ml::roc_auc(test.y, pd)},
        {"auc_raw_score", risklab::ml::roc_auc(test.y, raw_score)},
        {"ece", risklab::ml::expected_calibration_error(test.y, pd)},
        {"brier", risklab::ml::brier_score(test.y, pd)},
        {"mean_pd", std::accumulate(pd.begin(), pd.end(), 0.0) / static_cast<double>(pd.size())},
        {"base_rate", base_rate},
        {"max_depth", is_gbdt ? gbdt.max_depth : depth},
        {"mean_nodes_per_tree", is_gbdt ? 0.0 : static_cast<double>(nodes) / static_cast<double>(params.n_trees)},
        {"oob", model.metrics},
        {"sink", sink > 0 ? 1 : 0}};
    std::cout << out.dump() << '\n';
  } catch (const std::exception& error) {
    std::cerr << "risklab_ml_bench: " << error.what() << '\n';
    return 2;
  }
  return 0;
}
