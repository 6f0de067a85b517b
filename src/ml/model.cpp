#include "ml/model.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <numeric>
#include <thread>

#include "core/error.hpp"
#include "ml/metrics.hpp"
#include "ml/rng.hpp"
#include "ml/smote.hpp"

namespace risklab::ml {

void Model::prepare(const double* raw, double* prepared) const {
  std::copy(raw, raw + features.size(), prepared);
  imputer.transform_row(prepared);
  scaler.transform_row(prepared);
}

Scoring Model::score(const double* raw) const {
  Scoring out;
  if (is_gbdt()) {
    out.score = booster.probability(raw);
  } else {
    // Per-thread scratch: a scoring call allocates nothing once its thread has scored a row.
    thread_local std::vector<double> row;
    row.resize(features.size());
    prepare(raw, row.data());
    out.score = forest.predict(row.data());
  }
  out.pd = calibrator.pd(out.score);
  out.grade = master_scale.grade(out.pd);
  return out;
}

std::vector<Scoring> Model::score_all(const Dataset& data, std::size_t threads) const {
  if (data.feature_names != features) {
    for (const auto& name : features) {
      if (std::find(data.feature_names.begin(), data.feature_names.end(), name) ==
          data.feature_names.end()) {
        throw core::InvalidInput("feature_missing", "feature '" + name + "' is missing from the data");
      }
    }
    throw core::InvalidInput("feature_missing", "the data's features are not in the model's order");
  }
  std::vector<Scoring> out(data.n_rows);
  const std::size_t n_features = features.size();
  if (is_gbdt()) {
    std::vector<double> rows(data.n_rows * n_features);
    for (std::size_t row = 0; row < data.n_rows; ++row) {
      for (std::size_t col = 0; col < n_features; ++col) rows[row * n_features + col] = data.at(row, col);
    }
    std::vector<double> scores(data.n_rows);
    booster.probability_batch(rows.data(), data.n_rows, scores.data(), threads);
    for (std::size_t row = 0; row < data.n_rows; ++row) {
      out[row].score = scores[row];
      out[row].pd = calibrator.pd(scores[row]);
      out[row].grade = master_scale.grade(out[row].pd);
    }
    return out;
  }
  // Threads take blocks of rows from a shared counter, so a thread slowed down by other work
  // on the machine scores fewer blocks instead of holding up the call; about four blocks per
  // thread keep the last one short. A block is prepared row-major, then scored tree by tree.
  const std::size_t wanted_threads = resolve_threads(threads);
  const std::size_t rows_per_task =
      std::clamp<std::size_t>((data.n_rows + 4 * wanted_threads - 1) / (4 * wanted_threads), 32, 256);
  const std::size_t n_tasks = (data.n_rows + rows_per_task - 1) / rows_per_task;
  std::atomic<std::size_t> next_task{0};
  const auto work = [&] {
    std::vector<double> rows(rows_per_task * n_features);
    std::vector<double> raw(n_features);
    std::vector<double> scores(rows_per_task);
    for (std::size_t task = next_task++; task < n_tasks; task = next_task++) {
      const std::size_t begin = task * rows_per_task;
      const std::size_t end = std::min(begin + rows_per_task, data.n_rows);
      for (std::size_t row = begin; row < end; ++row) {
        for (std::size_t col = 0; col < n_features; ++col) raw[col] = data.at(row, col);
        prepare(raw.data(), rows.data() + (row - begin) * n_features);
      }
      forest.predict_batch(rows.data(), end - begin, scores.data());
      for (std::size_t row = begin; row < end; ++row) {
        Scoring& s = out[row];
        s.score = scores[row - begin];
        s.pd = calibrator.pd(s.score);
        s.grade = master_scale.grade(s.pd);
      }
    }
  };
  const std::size_t n_threads = std::min(wanted_threads, std::max<std::size_t>(1, n_tasks));
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < n_threads; ++t) pool.emplace_back(work);
  work();
  for (auto& thread : pool) thread.join();
  return out;
}

namespace {

FeatureProfile profile_feature(const double* values, std::size_t n_rows) {
  FeatureProfile profile;
  std::vector<double> present;
  present.reserve(n_rows);
  for (std::size_t row = 0; row < n_rows; ++row) {
    if (!std::isnan(values[row])) present.push_back(values[row]);
  }
  profile.missing_share = 1.0 - static_cast<double>(present.size()) / static_cast<double>(n_rows);
  std::sort(present.begin(), present.end());
  if (!present.empty()) {
    profile.min = present.front();
    profile.max = present.back();
    for (double q : kProfileQuantiles) profile.quantiles.push_back(quantile_sorted(present, q));
  }
  profile.psi_edges = quantile_edges(present);
  profile.psi_shares = bin_shares(present, profile.psi_edges);
  return profile;
}

}  // namespace

DataProfile profile_dataset(const Dataset& train) {
  DataProfile profile;
  profile.n_rows = train.n_rows;
  for (auto label : train.y) profile.n_positive += label;
  for (std::size_t col = 0; col < train.n_features(); ++col) {
    profile.features.push_back(profile_feature(train.column(col), train.n_rows));
  }
  return profile;
}

Model train_model(const Dataset& train, const TrainParams& params, const TrainOptions& options) {
  params.validate();
  const std::size_t n = train.n_rows;
  const std::size_t n_features = train.n_features();
  if (train.y.size() != n) throw core::InvalidInput("data_invalid", "training data needs a label per row");
  if (n_features == 0 || train.x.size() != n * n_features) {
    throw core::InvalidInput("data_invalid", "training data has no features");
  }
  std::size_t n_positive = 0;
  for (auto label : train.y) n_positive += label;
  if (n_positive < 2 || n - n_positive < 2) {
    throw core::InvalidInput("data_invalid", "training data needs at least 2 rows of each class, has " +
                                                 std::to_string(n_positive) + " defaults and " +
                                                 std::to_string(n - n_positive) + " non-defaults");
  }

  Model model;
  model.features = train.feature_names;
  model.params = params;
  model.snapshot_id = options.snapshot_id;
  model.master_scale = options.master_scale;
  model.profile = profile_dataset(train);

  std::vector<double> x = train.x;
  model.imputer.fit(x, n, n_features);
  model.imputer.transform(x, n);
  model.scaler.fit(x, n, n_features);
  model.scaler.transform(x, n);

  // SMOTE on the scaled training rows only. With bootstrap a synthetic row joins a tree only
  // when both its parents do (probability about 0.632^2), so the pool is enlarged by that
  // factor to give each tree the target ratio on average.
  const std::uint8_t minority_label = n_positive <= n - n_positive ? 1 : 0;
  std::vector<std::uint32_t> minority;
  for (std::size_t row = 0; row < n; ++row) {
    if (train.y[row] == minority_label) minority.push_back(static_cast<std::uint32_t>(row));
  }
  const auto n_majority = static_cast<double>(n - minority.size());
  const double wanted = params.smote_ratio * n_majority - static_cast<double>(minority.size());
  SmoteSamples synthetic;
  if (params.smote_ratio > 0.0 && wanted >= 1.0) {
    const double in_bag = params.bootstrap ? 1.0 - std::pow(1.0 - 1.0 / static_cast<double>(n), static_cast<double>(n))
                                           : 1.0;
    const auto pool = static_cast<std::size_t>(std::ceil(wanted / (in_bag * in_bag)));
    synthetic = smote(x, n, n_features, minority, params.smote_k, pool, derive_seed(params.seed, kSmoteStream));
  }
  const std::size_t n_total = n + synthetic.n_rows;
  std::vector<double> x_all(n_total * n_features);
  std::vector<std::uint8_t> y_all(train.y);
  y_all.resize(n_total, minority_label);
  for (std::size_t col = 0; col < n_features; ++col) {
    std::copy_n(x.data() + col * n, n, x_all.data() + col * n_total);
    std::copy_n(synthetic.x.data() + col * synthetic.n_rows, synthetic.n_rows, x_all.data() + col * n_total + n);
  }
  x.clear();
  x.shrink_to_fit();

  ForestTrainingData data;
  data.x = &x_all;
  data.n_rows = n_total;
  data.n_features = n_features;
  data.y = &y_all;
  data.n_real = n;
  data.base = &synthetic.base;
  data.neighbour = &synthetic.neighbour;
  model.forest.fit(data, params, options.threads, options.progress);

  std::vector<double> oob_score;
  std::vector<double> oob_label;
  std::vector<std::uint8_t> oob_y;
  for (std::size_t row = 0; row < n; ++row) {
    const double s = model.forest.oob_prediction()[row];
    if (std::isnan(s)) continue;
    oob_score.push_back(s);
    oob_label.push_back(train.y[row]);
    oob_y.push_back(train.y[row]);
  }
  const double base_rate = static_cast<double>(n_positive) / static_cast<double>(n);
  model.calibrator.fit(params.calibration, model.forest.training_prior(), base_rate,
                       model.master_scale.pd_floor(), oob_score, oob_label);

  std::vector<double> oob_pd(oob_score.size());
  for (std::size_t i = 0; i < oob_score.size(); ++i) oob_pd[i] = model.calibrator.pd(oob_score[i]);
  model.profile.pd_psi_edges = quantile_edges(oob_pd);
  model.profile.pd_psi_shares = bin_shares(oob_pd, model.profile.pd_psi_edges);

  nlohmann::json& m = model.metrics;
  m["train_rows"] = n;
  m["train_defaults"] = n_positive;
  m["base_rate"] = base_rate;
  m["smote_pool_rows"] = synthetic.n_rows;
  m["forest_prior"] = model.forest.training_prior();
  m["oob_rows"] = oob_score.size();
  m["oob_accuracy"] = model.forest.oob_score();
  const bool both = std::count(oob_y.begin(), oob_y.end(), 1) > 0 && std::count(oob_y.begin(), oob_y.end(), 0) > 0;
  if (both) {
    m["oob_auc"] = roc_auc(oob_y, oob_score);
    m["oob_mean_pd"] = std::accumulate(oob_pd.begin(), oob_pd.end(), 0.0) / static_cast<double>(oob_pd.size());
  }
  return model;
}

void explainer_row(const Model& model, const double* raw, double* out) {
  // A boosted model explains the raw row (NaN routed natively); a forest the prepared one.
  if (model.is_gbdt()) {
    std::copy_n(raw, model.features.size(), out);
  } else {
    model.prepare(raw, out);
  }
}

std::vector<Driver> rank_drivers(const Model& model, const std::vector<double>& contributions, std::size_t k) {
  std::vector<std::size_t> order(contributions.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  // Largest magnitude first, ties in feature order; only the first k are sorted (a stable sort
  // of every feature did the same work for all 95 of them on each scoring with drivers).
  const std::size_t top = std::min(k, order.size());
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(top), order.end(),
                    [&](std::size_t a, std::size_t b) {
                      const double x = std::fabs(contributions[a]);
                      const double y = std::fabs(contributions[b]);
                      return x > y || (x == y && a < b);
                    });
  std::vector<Driver> drivers;
  drivers.reserve(top);
  for (std::size_t i = 0; i < top; ++i) {
    drivers.push_back({model.features[order[i]], contributions[order[i]]});
  }
  return drivers;
}

std::unique_ptr<TreeExplainer> make_tree_explainer(const Model& model) {
  if (model.is_gbdt()) return std::make_unique<TreeExplainer>(model.booster);
  return std::make_unique<TreeExplainer>(model.forest);
}

std::vector<Driver> top_drivers(const Model& model, TreeExplainer& explainer, const double* raw, std::size_t k) {
  const std::vector<const double*> raws{raw};
  const std::vector<std::size_t> ks{k};
  return std::move(top_drivers(model, explainer, raws, ks).front());
}

std::vector<std::vector<Driver>> top_drivers(const Model& model, TreeExplainer& explainer,
                                             const std::vector<const double*>& raws,
                                             const std::vector<std::size_t>& ks) {
  const std::size_t width = model.features.size();
  std::vector<double> rows(raws.size() * width);
  for (std::size_t r = 0; r < raws.size(); ++r)
    explainer_row(model, raws[r], rows.data() + r * width);
  const std::vector<ShapValues> values = explainer.explain_batch(rows.data(), raws.size());
  std::vector<std::vector<Driver>> out;
  out.reserve(raws.size());
  for (std::size_t r = 0; r < raws.size(); ++r) {
    out.push_back(rank_drivers(model, values[r].contributions, ks.at(r)));
  }
  return out;
}

Explainer::Explainer(const Model& model) : model_(model), explainer_(make_tree_explainer(model)) {}

std::vector<Driver> Explainer::top_drivers(const double* raw, std::size_t k) {
  return ml::top_drivers(model_, *explainer_, raw, k);
}

std::vector<std::vector<Driver>> Explainer::top_drivers(const std::vector<const double*>& raws,
                                                        std::size_t k) {
  return ml::top_drivers(model_, *explainer_, raws, std::vector<std::size_t>(raws.size(), k));
}

}  // namespace risklab::ml
