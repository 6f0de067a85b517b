#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "ml/detail/forest_predictor.hpp"
#include "ml/forest/decision_tree.hpp"
#include "ml/hyperparameters.hpp"

namespace risklab::ml {

/// The training rows of a forest: column-major `x` (n_rows x n_features, scaled, no NaN),
/// labels, and which rows are real. Rows [0, n_real) are real; row n_real + s is SMOTE's
/// synthetic row s, made from real rows base[s] and neighbour[s].
struct ForestTrainingData {
  const std::vector<double>* x = nullptr;
  std::size_t n_rows = 0;
  std::size_t n_features = 0;
  const std::vector<std::uint8_t>* y = nullptr;
  std::size_t n_real = 0;
  const std::vector<std::uint32_t>* base = nullptr;
  const std::vector<std::uint32_t>* neighbour = nullptr;
};

/// Called as trees finish: (trees done, trees in total). May be called from any thread,
/// never concurrently.
using ProgressFn = std::function<void(std::size_t, std::size_t)>;

/// Random forest classifier with sklearn's semantics (bootstrap, gini, max_features,
/// max_depth, min_samples_leaf, class_weight; P(default) = mean of the trees' leaf class
/// fractions; OOB score; impurity importances). Hand-written: no Debian C++ package offers
/// a random forest. Splits are searched over quantile bins (docs/adr/0001).
///
/// Synthetic rows are bagged with their parents: a tree sees synthetic row s only if both
/// real rows it was made from are in the tree's bootstrap sample. So a real row's
/// out-of-bag prediction comes from trees that saw neither the row nor any SMOTE point made
/// from it, which makes OOB predictions honest enough to calibrate on (docs/METHODOLOGY.md).
class RandomForest {
 public:
  /// Grows params.n_trees trees on `threads` threads (0 = all cores). Tree i draws from
  /// Rng(derive_seed(params.seed, kForestStreamBase + i)) and results are reduced in tree
  /// order, so the model is identical for any thread count. Throws core::InvalidInput
  /// ("param_invalid") for bad parameters and ("data_invalid") for data with one class.
  void fit(const ForestTrainingData& data, const TrainParams& params, std::size_t threads,
           const ProgressFn& progress = {});

  /// P(class 1) for one scaled row (the model's features in order): the mean of the trees'
  /// leaf values, summed in tree order. Allocates nothing after a thread's first call.
  double predict(const double* row) const { return predictor_.predict(row); }
  /// predict() for `n_rows` scaled rows stored row-major in `rows`, into `out`: tree by tree
  /// over blocks of rows, bit-identical to predict() for every row (docs/adr/0005).
  void predict_batch(const double* rows, std::size_t n_rows, double* out) const {
    predictor_.predict_batch(rows, n_rows, out);
  }

  const std::vector<DecisionTree>& trees() const { return trees_; }
  std::size_t n_features() const { return n_features_; }
  /// Mean decrease in impurity per feature, normalised per tree and overall as sklearn does
  /// (sums to 1 unless every tree is a single leaf).
  const std::vector<double>& feature_importances() const { return importances_; }
  /// Per real training row: the mean prediction of the trees that did not see it, or NaN
  /// if every tree saw it. Empty after from_parts().
  const std::vector<double>& oob_prediction() const { return oob_prediction_; }
  /// Accuracy of the 0.5-thresholded OOB predictions over rows that have one (sklearn's
  /// oob_score_), or NaN when no row has one.
  double oob_score() const { return oob_score_; }
  /// The class-1 share of the (weighted) rows the trees were grown on, averaged over trees:
  /// the prior that the forest's scores carry.
  double training_prior() const { return training_prior_; }

  /// Restores a fitted forest (artifact reader).
  static RandomForest from_parts(std::vector<DecisionTree> trees, std::size_t n_features,
                                 std::vector<double> importances, double oob_score,
                                 double training_prior);

 private:
  detail::ForestPredictor predictor_;
  std::vector<DecisionTree> trees_;
  std::size_t n_features_ = 0;
  std::vector<double> importances_;
  std::vector<double> oob_prediction_;
  double oob_score_ = 0.0;
  double training_prior_ = 0.0;
};

/// The worker count to use for `requested` threads (0 = hardware concurrency, at least 1).
std::size_t resolve_threads(std::size_t requested);

}  // namespace risklab::ml
