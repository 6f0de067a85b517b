// train_gbdt_model(): the gbdt family's pipeline around fit_gbdt_booster().
#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.hpp"
#include "ml/gbdt.hpp"
#include "ml/imputer.hpp"
#include "ml/metrics.hpp"
#include "ml/model.hpp"
#include "ml/rng.hpp"
#include "ml/smote.hpp"
#include "ml/split.hpp"
#include "ml/standard_scaler.hpp"

namespace risklab::ml {
namespace {

// Streams of derive_seed() for the gbdt family (see ml/rng.hpp for the others).
constexpr std::uint64_t kGbdtFoldStream = 0x6BD7F;
constexpr std::uint64_t kGbdtValidationStream = 0x6BD7A;

// The rows one booster is fitted on: raw, row-major floats (xgboost's own precision).
struct FitSet {
  std::vector<float> rows;
  std::vector<float> y;
  double prior = 0.0;  // positive share of the rows, synthetic ones included
};

FitSet make_fit_set(const Dataset& train, const std::vector<std::size_t>& indices, const GbdtParams& params,
                    std::uint64_t smote_seed) {
  const std::size_t n_cols = train.n_features();
  FitSet set;
  set.rows.reserve(indices.size() * n_cols);
  std::size_t positives = 0;
  for (std::size_t row : indices) {
    for (std::size_t col = 0; col < n_cols; ++col) set.rows.push_back(static_cast<float>(train.at(row, col)));
    set.y.push_back(train.y[row]);
    positives += train.y[row];
  }
  const std::size_t n = indices.size();
  if (params.smote_ratio > 0.0) {
    // SMOTE needs complete, comparable rows: neighbours are found on median-imputed,
    // standardized copies, and the synthetic rows are mapped back to the raw scale.
    const std::uint8_t minority_label = positives <= n - positives ? 1 : 0;
    const std::size_t n_minority = minority_label == 1 ? positives : n - positives;
    const double wanted = params.smote_ratio * static_cast<double>(n - n_minority) - static_cast<double>(n_minority);
    if (wanted >= 1.0) {
      std::vector<double> x(n * n_cols);
      std::vector<std::uint32_t> minority;
      for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t col = 0; col < n_cols; ++col) x[col * n + i] = train.at(indices[i], col);
        if (train.y[indices[i]] == minority_label) minority.push_back(static_cast<std::uint32_t>(i));
      }
      MedianImputer imputer;
      imputer.fit(x, n, n_cols);
      imputer.transform(x, n);
      StandardScaler scaler;
      scaler.fit(x, n, n_cols);
      scaler.transform(x, n);
      const auto count = static_cast<std::size_t>(std::ceil(wanted));
      const SmoteSamples synthetic = smote(x, n, n_cols, minority, params.smote_k, count, smote_seed);
      for (std::size_t i = 0; i < synthetic.n_rows; ++i) {
        for (std::size_t col = 0; col < n_cols; ++col) {
          const double scaled = synthetic.x[col * synthetic.n_rows + i];
          set.rows.push_back(static_cast<float>(scaled * scaler.scale()[col] + scaler.mean()[col]));
        }
        set.y.push_back(minority_label);
        positives += minority_label;
      }
    }
  }
  set.prior = static_cast<double>(positives) / static_cast<double>(set.y.size());
  return set;
}

// Stratified folds: each class is shuffled with the fold stream and dealt round-robin.
std::vector<std::size_t> assign_folds(const std::vector<std::uint8_t>& y, std::size_t folds, std::uint64_t seed) {
  std::vector<std::size_t> fold(y.size());
  Rng rng(seed);
  for (std::uint8_t label : {std::uint8_t{0}, std::uint8_t{1}}) {
    std::vector<std::size_t> rows;
    for (std::size_t row = 0; row < y.size(); ++row) {
      if (y[row] == label) rows.push_back(row);
    }
    for (std::size_t i = rows.size(); i > 1; --i) std::swap(rows[i - 1], rows[rng.uniform_below(i)]);
    for (std::size_t i = 0; i < rows.size(); ++i) fold[rows[i]] = i % folds;
  }
  return fold;
}

std::vector<double> probabilities(const GbdtBooster& booster, const Dataset& data, const std::vector<std::size_t>& rows,
                                  std::size_t threads) {
  const std::size_t n_cols = data.n_features();
  std::vector<double> x(rows.size() * n_cols);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    for (std::size_t col = 0; col < n_cols; ++col) x[i * n_cols + col] = data.at(rows[i], col);
  }
  std::vector<double> out(rows.size());
  booster.probability_batch(x.data(), rows.size(), out.data(), threads);
  return out;
}

}  // namespace

Model train_gbdt_model(const Dataset& train, const GbdtParams& params, const TrainOptions& options) {
  params.validate_for(train.feature_names);
  const std::size_t n = train.n_rows;
  const std::size_t n_features = train.n_features();
  if (train.y.size() != n) throw core::InvalidInput("data_invalid", "training data needs a label per row");
  if (n_features == 0 || train.x.size() != n * n_features) {
    throw core::InvalidInput("data_invalid", "training data has no features");
  }
  const auto n_positive = static_cast<std::size_t>(std::count(train.y.begin(), train.y.end(), 1));
  if (n_positive < params.calibration_folds || n - n_positive < params.calibration_folds) {
    throw core::InvalidInput("data_invalid", "gbdt training needs at least " + std::to_string(params.calibration_folds) +
                                                 " rows of each class (one per calibration fold), has " +
                                                 std::to_string(n_positive) + " defaults and " +
                                                 std::to_string(n - n_positive) + " non-defaults");
  }

  Model model;
  model.family = kFamilyGbdt;
  model.features = train.feature_names;
  model.gbdt_params = params;
  model.snapshot_id = options.snapshot_id;
  model.master_scale = options.master_scale;
  model.profile = profile_dataset(train);

  const std::size_t steps = params.calibration_folds + 1 + (params.early_stopping_rounds > 0 ? 1 : 0);
  std::size_t done = 0;
  const auto step = [&] {
    if (options.progress) options.progress(++done, steps);
  };
  const std::uint64_t smote_seed = derive_seed(params.seed, kSmoteStream);

  // The round count: fixed, or picked by early stopping on a stratified validation share.
  std::size_t rounds = params.n_trees;
  if (params.early_stopping_rounds > 0) {
    const SplitIndices split =
        stratified_split(train.y, params.validation_fraction, derive_seed(params.seed, kGbdtValidationStream));
    const FitSet fit = make_fit_set(train, split.train, params, smote_seed);
    GbdtParams no_smote = params;
    no_smote.smote_ratio = 0.0;
    const FitSet valid = make_fit_set(train, split.test, no_smote, smote_seed);
    rounds = fit_gbdt_booster(fit.rows, fit.y, model.features, params, params.n_trees, options.threads, &valid.rows,
                              &valid.y)
                 .best_rounds;
    step();
  }

  // Out-of-fold probabilities: every training row is predicted by a booster that never saw it.
  const std::vector<std::size_t> fold = assign_folds(train.y, params.calibration_folds,
                                                     derive_seed(params.seed, kGbdtFoldStream));
  std::vector<double> oof(n);
  for (std::size_t k = 0; k < params.calibration_folds; ++k) {
    std::vector<std::size_t> fit_rows;
    std::vector<std::size_t> held_out;
    for (std::size_t row = 0; row < n; ++row) (fold[row] == k ? held_out : fit_rows).push_back(row);
    const FitSet fit = make_fit_set(train, fit_rows, params, derive_seed(smote_seed, k + 1));
    const GbdtBooster booster = fit_gbdt_booster(fit.rows, fit.y, model.features, params, rounds, options.threads).booster;
    const std::vector<double> p = probabilities(booster, train, held_out, options.threads);
    for (std::size_t i = 0; i < held_out.size(); ++i) oof[held_out[i]] = p[i];
    step();
  }

  std::vector<std::size_t> all(n);
  std::iota(all.begin(), all.end(), std::size_t{0});
  const FitSet fit = make_fit_set(train, all, params, smote_seed);
  model.booster = fit_gbdt_booster(fit.rows, fit.y, model.features, params, rounds, options.threads).booster;
  step();

  const double base_rate = static_cast<double>(n_positive) / static_cast<double>(n);
  // Without SMOTE the booster learns the real base rate, so the prior correction is the identity.
  const double prior = params.smote_ratio > 0.0 ? fit.prior : base_rate;
  const std::vector<double> labels(train.y.begin(), train.y.end());
  model.calibrator.fit(params.calibration, prior, base_rate, model.master_scale.pd_floor(), oof, labels);

  std::vector<double> oof_pd(n);
  for (std::size_t row = 0; row < n; ++row) oof_pd[row] = model.calibrator.pd(oof[row]);
  model.profile.pd_psi_edges = quantile_edges(oof_pd);
  model.profile.pd_psi_shares = bin_shares(oof_pd, model.profile.pd_psi_edges);

  nlohmann::json& m = model.metrics;
  m["train_rows"] = n;
  m["train_defaults"] = n_positive;
  m["base_rate"] = base_rate;
  m["gbdt_rounds"] = rounds;
  m["gbdt_prior"] = prior;
  m["smote_rows"] = fit.y.size() - n;
  m["calibration_folds"] = params.calibration_folds;
  m["oof_rows"] = n;
  m["oob_auc"] = roc_auc(train.y, oof);
  m["oob_mean_pd"] = std::accumulate(oof_pd.begin(), oof_pd.end(), 0.0) / static_cast<double>(n);
  return model;
}

}  // namespace risklab::ml
