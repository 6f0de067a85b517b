// Google Benchmark micro-benchmarks of the scoring hot paths on the reference data:
// one row (impute + scale + 300 trees + calibration), a batch, one row's exact TreeSHAP (forest
// and gbdt), and training.
//   build/bench/bench/ml_benchmarks [--benchmark_filter=...]
// RISKLAB_DATA (default ../shared/data/taiwan_bankruptcy.csv) and RISKLAB_LABEL select the data.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "ml/model.hpp"
#include "ml/split.hpp"

namespace {

using namespace risklab::ml;

struct Fixture {
  Dataset train;
  Dataset test;
  Model model;
};

const Fixture& fixture() {
  static const Fixture f = [] {
    const char* path = std::getenv("RISKLAB_DATA");
    const char* label = std::getenv("RISKLAB_LABEL");
    const Dataset all =
        read_csv(path ? path : RISKLAB_SOURCE_DIR "/../shared/data/taiwan_bankruptcy.csv",
                 {label ? label : "Bankrupt?", "", {}});
    const SplitIndices split = stratified_split(all.y, 0.2, 42);
    Fixture out{all.select_rows(split.train), all.select_rows(split.test), {}};
    out.model = train_model(out.train, TrainParams{}, {2, {}, ""});
    return out;
  }();
  return f;
}

std::vector<double> test_row(const Fixture& f, std::size_t row) {
  std::vector<double> raw(f.model.features.size());
  for (std::size_t col = 0; col < raw.size(); ++col) raw[col] = f.test.at(row % f.test.n_rows, col);
  return raw;
}

void BM_ScoreOneRow(benchmark::State& state) {
  const Fixture& f = fixture();
  std::size_t row = 0;
  for (auto _ : state) {
    const auto raw = test_row(f, row++);
    benchmark::DoNotOptimize(f.model.score(raw.data()));
  }
}
BENCHMARK(BM_ScoreOneRow);

// The whole test file through Model::score_all on one thread (impute, scale, the forest's
// block walk, calibration, grades): items/s is rows/s.
void BM_ScoreBatch(benchmark::State& state) {
  const Fixture& f = fixture();
  for (auto _ : state) benchmark::DoNotOptimize(f.model.score_all(f.test, 1));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(f.test.n_rows));
}
BENCHMARK(BM_ScoreBatch)->Unit(benchmark::kMillisecond);

void BM_TreeShapOneRow(benchmark::State& state) {
  const Fixture& f = fixture();
  TreeExplainer explainer(f.model.forest);
  std::vector<double> prepared(f.model.features.size());
  std::size_t row = 0;
  for (auto _ : state) {
    const auto raw = test_row(f, row++);
    f.model.prepare(raw.data(), prepared.data());
    benchmark::DoNotOptimize(explainer.explain(prepared.data()));
  }
  state.SetLabel("300 trees, exact");
}
BENCHMARK(BM_TreeShapOneRow)->Unit(benchmark::kMillisecond);

// explain_batch over 4, 16, 32 or 64 prepared rows (one walk of each tree shares the per-edge work
// among them), as /score's drivers are explained under load: items/s is rows/s.
void BM_TreeShapBatch(benchmark::State& state) {
  const Fixture& f = fixture();
  TreeExplainer explainer(f.model.forest);
  const auto n = static_cast<std::size_t>(state.range(0));
  const std::size_t width = f.model.features.size();
  std::vector<double> prepared(n * width);
  std::size_t row = 0;
  for (auto _ : state) {
    for (std::size_t r = 0; r < n; ++r) {
      f.model.prepare(test_row(f, row++).data(), prepared.data() + r * width);
    }
    benchmark::DoNotOptimize(explainer.explain_batch(prepared.data(), n));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
  state.SetLabel("300 trees, exact");
}
BENCHMARK(BM_TreeShapBatch)->Arg(4)->Arg(16)->Arg(32)->Arg(64)->Unit(benchmark::kMillisecond);

// The gbdt family (default parameters) on the same split: its exact TreeSHAP by our
// TreeExplainer (what /score's drivers use) and by xgboost's pred_contribs through the C API.
const Model& gbdt_model() {
  static const Model model = [] {
    TrainOptions options;
    options.threads = 2;
    return train_gbdt_model(fixture().train, GbdtParams{}, options);
  }();
  return model;
}

void BM_GbdtTreeShapOneRow(benchmark::State& state) {
  const Model& model = gbdt_model();
  const auto explainer = make_tree_explainer(model);
  std::size_t row = 0;
  for (auto _ : state) {
    const auto raw = test_row(fixture(), row++);
    benchmark::DoNotOptimize(explainer->explain(raw.data()));
  }
  state.SetLabel(std::to_string(model.booster.n_trees()) + " trees, exact (TreeExplainer)");
}
BENCHMARK(BM_GbdtTreeShapOneRow)->Unit(benchmark::kMicrosecond);

void BM_GbdtTreeShapBatch(benchmark::State& state) {
  const Model& model = gbdt_model();
  const auto explainer = make_tree_explainer(model);
  const auto n = static_cast<std::size_t>(state.range(0));
  const std::size_t width = model.features.size();
  std::vector<double> raw(n * width);
  std::size_t row = 0;
  for (auto _ : state) {
    for (std::size_t r = 0; r < n; ++r) {
      const auto one = test_row(fixture(), row++);
      std::copy(one.begin(), one.end(), raw.begin() + static_cast<std::ptrdiff_t>(r * width));
    }
    benchmark::DoNotOptimize(explainer->explain_batch(raw.data(), n));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
  state.SetLabel(std::to_string(model.booster.n_trees()) + " trees, exact (TreeExplainer)");
}
BENCHMARK(BM_GbdtTreeShapBatch)->Arg(16)->Unit(benchmark::kMicrosecond);

void BM_GbdtXgboostShapOneRow(benchmark::State& state) {
  const Model& model = gbdt_model();
  std::size_t row = 0;
  for (auto _ : state) {
    const auto raw = test_row(fixture(), row++);
    benchmark::DoNotOptimize(model.booster.library_contributions(raw.data()));
  }
  state.SetLabel(std::to_string(model.booster.n_trees()) + " trees, exact (xgboost pred_contribs)");
}
BENCHMARK(BM_GbdtXgboostShapOneRow)->Unit(benchmark::kMicrosecond);

void BM_TrainPipeline(benchmark::State& state) {
  const Fixture& f = fixture();
  TrainParams params;
  params.n_trees = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(train_model(f.train, params, {2, {}, ""}));
}
BENCHMARK(BM_TrainPipeline)->Arg(300)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
