#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ml/hyperparameters.hpp"

namespace risklab::ml {

namespace detail {
struct GbdtState;
class GbdtTrees;
}

/// Every training parameter of the gbdt family (gradient-boosted trees through libxgboost,
/// docs/adr/0004-gbdt-through-libxgboost.md), once, with its default. Stored in the artifact;
/// the thread count is not a parameter (see docs/METHODOLOGY.md on determinism).
struct GbdtParams {
  /// Boosting rounds (one tree each); with early stopping, the most rounds tried.
  std::size_t n_trees = 300;
  /// Maximum tree depth (xgboost max_depth), 1-16.
  std::size_t max_depth = 4;
  /// Shrinkage per round (xgboost eta), in (0, 1].
  double learning_rate = 0.05;
  /// Share of rows drawn (without replacement) per round, in (0, 1].
  double subsample = 0.8;
  /// Share of features drawn per tree, in (0, 1].
  double colsample_bytree = 1.0;
  /// Minimum hessian sum in a child (xgboost min_child_weight), >= 0.
  double min_child_weight = 1.0;
  /// L2 (lambda) and L1 (alpha) penalties on leaf weights, >= 0.
  double lambda = 1.0;
  double alpha = 0.0;
  /// Histogram bins per feature (xgboost max_bin), 2-1024.
  std::size_t max_bin = 256;
  /// Monotone constraints by feature name: +1 (PD never falls as the feature rises) or -1.
  std::vector<std::pair<std::string, int>> monotone;
  /// Stop when the validation log loss has not improved for this many rounds; 0 = never.
  std::size_t early_stopping_rounds = 0;
  /// Share of the training rows (stratified, seeded) held out to pick the round count when
  /// early stopping is on, in (0, 0.5].
  double validation_fraction = 0.2;
  /// Folds of the out-of-fold predictions the calibration is fitted on, 2-20.
  std::size_t calibration_folds = 5;
  CalibrationMethod calibration = CalibrationMethod::isotonic;
  /// SMOTE minority/majority target ratio on each fit's rows; 0 (default) disables it.
  double smote_ratio = 0.0;
  std::size_t smote_k = 5;
  /// The master seed: xgboost's row/column sampling, the folds and the validation split.
  std::uint64_t seed = 42;

  /// Throws core::InvalidInput("param_invalid", ...) naming the first bad parameter.
  void validate() const;
  /// validate() plus: every monotone feature is one of `features`, at most once.
  void validate_for(const std::vector<std::string>& features) const;
  /// The xgboost monotone_constraints string for `features`, e.g. "(1,0,-1)".
  std::string monotone_string(const std::vector<std::string>& features) const;
};

/// Parses "name:+1,other:-1" (signs +1, 1, -1); throws core::InvalidInput("param_invalid").
std::vector<std::pair<std::string, int>> parse_monotone(const std::string& text);

/// SHAP values of a boosted model for one row, on the margin (log-odds) scale, as xgboost's
/// exact path-dependent TreeSHAP (pred_contribs) returns them; bias + sum(contributions) ==
/// margin.
struct GbdtContributions {
  double bias = 0.0;
  std::vector<double> contributions;
};

/// A trained xgboost booster and its serialized bytes (xgboost's UBJSON model format). Rows
/// are raw feature values in model order, NaN for missing (xgboost routes them natively).
/// Copies share one booster. Scoring walks the booster's trees from flat arrays read out of
/// those bytes at load time, bit-identical to xgboost's own prediction and lock-free
/// (docs/adr/0005); so does TreeSHAP (TreeExplainer, tree_shap.hpp), tested against
/// xgboost's own contributions (library_contributions()).
class GbdtBooster {
 public:
  GbdtBooster() = default;
  /// Wraps a loaded booster (gbdt.cpp internals).
  explicit GbdtBooster(std::shared_ptr<const detail::GbdtState> state) : state_(std::move(state)) {}
  /// Loads `bytes` (from bytes()) for `n_features` features. Throws core::InvalidInput
  /// ("model_corrupt") when xgboost refuses them or the feature count differs.
  static GbdtBooster from_bytes(std::string bytes, std::size_t n_features);

  bool empty() const { return state_ == nullptr; }
  const std::string& bytes() const;
  std::size_t n_features() const;
  /// Boosting rounds in the model.
  std::size_t n_trees() const;

  /// P(default) before calibration of one raw row (xgboost's float result). Allocates
  /// nothing after a thread's first call.
  double probability(const double* raw) const;
  /// Log-odds of one raw row (xgboost's float margin).
  double margin(const double* raw) const;
  /// probability() computed by xgboost itself (inplace prediction through the C API): the
  /// reference the tree walk is tested against; slower.
  double library_probability(const double* raw) const;
  /// P(default) of `n_rows` raw rows stored row-major, into `out`.
  void probability_batch(const double* rows, std::size_t n_rows, double* out, std::size_t threads = 1) const;
  /// TreeSHAP contributions of one raw row computed by xgboost itself (pred_contribs through
  /// the C API, serialized by a mutex, float32): the reference TreeExplainer is tested
  /// against; slower.
  GbdtContributions library_contributions(const double* raw) const;
  /// The trees as read out of bytes(), for walking and explaining them.
  const detail::GbdtTrees& trees() const;

 private:
  std::shared_ptr<const detail::GbdtState> state_;
};

/// Fits one booster on raw row-major `rows` (n_rows x features.size(), NaN = missing) and
/// 0/1 `y`: `rounds` rounds, or early stopping against `valid_rows`/`valid_y` when
/// params.early_stopping_rounds > 0 (then the best round count is kept). `threads` 0 = all
/// cores. Throws core::InvalidInput("param_invalid"/"data_invalid") or std::runtime_error
/// with xgboost's message.
struct GbdtFitResult {
  GbdtBooster booster;
  std::size_t best_rounds = 0;
};
GbdtFitResult fit_gbdt_booster(const std::vector<float>& rows, const std::vector<float>& y,
                               const std::vector<std::string>& features, const GbdtParams& params,
                               std::size_t rounds, std::size_t threads,
                               const std::vector<float>* valid_rows = nullptr,
                               const std::vector<float>* valid_y = nullptr);

}  // namespace risklab::ml
