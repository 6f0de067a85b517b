#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ml/calibration.hpp"
#include "ml/dataset.hpp"
#include "ml/forest/random_forest.hpp"
#include "ml/gbdt.hpp"
#include "ml/hyperparameters.hpp"
#include "ml/imputer.hpp"
#include "ml/master_scale.hpp"
#include "ml/standard_scaler.hpp"
#include "ml/tree_shap.hpp"

namespace risklab::ml {

/// Training distribution of one raw feature (before imputation), for monitoring.
struct FeatureProfile {
  double min = 0.0;
  double max = 0.0;
  /// At kProfileQuantiles.
  std::vector<double> quantiles;
  double missing_share = 0.0;
  /// Frozen PSI bin edges (training deciles) and the training share in each bin.
  std::vector<double> psi_edges;
  std::vector<double> psi_shares;
};

/// The quantiles a FeatureProfile records.
inline constexpr double kProfileQuantiles[] = {0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99};

/// What the model was trained on: sizes, per-feature profiles and the PD distribution of
/// the out-of-bag training predictions (frozen PSI bins for score drift).
struct DataProfile {
  std::size_t n_rows = 0;
  std::size_t n_positive = 0;
  std::vector<FeatureProfile> features;
  std::vector<double> pd_psi_edges;
  std::vector<double> pd_psi_shares;
};

/// One scored row.
struct Scoring {
  double score = 0.0;  ///< raw model output: forest score or gbdt probability, before calibration
  double pd = 0.0;     ///< calibrated probability of default
  std::string grade;
};

/// The model families: "rf" (imputer -> scaler -> forest) and "gbdt" (xgboost on the raw
/// features, missing values routed natively).
inline constexpr const char* kFamilyRandomForest = "rf";
inline constexpr const char* kFamilyGbdt = "gbdt";

/// A trained pipeline: (imputer -> scaler -> forest) or (gbdt booster), then calibration ->
/// master scale, with the parameters, data profile and metrics that describe it. Rows passed
/// in are raw feature values in `features` order, NaN for missing.
struct Model {
  /// kFamilyRandomForest or kFamilyGbdt; the rf parts are empty for gbdt and vice versa.
  std::string family = kFamilyRandomForest;
  std::vector<std::string> features;
  MedianImputer imputer;
  StandardScaler scaler;
  RandomForest forest;
  Calibrator calibrator;
  MasterScale master_scale = MasterScale::standard();
  TrainParams params;
  GbdtParams gbdt_params;
  GbdtBooster booster;
  DataProfile profile;
  /// Training metrics (out-of-bag); a JSON object.
  nlohmann::json metrics = nlohmann::json::object();
  /// The dataset snapshot the model was trained on (empty for offline training).
  std::string snapshot_id;

  bool is_gbdt() const { return family == kFamilyGbdt; }
  /// Imputes and scales `raw` (features.size() values) into `prepared`.
  void prepare(const double* raw, double* prepared) const;
  /// Score, PD and grade of one raw row.
  Scoring score(const double* raw) const;
  /// PDs of every row of `data`, whose features must be this model's, in order (read it with
  /// CsvColumns::features = features). Rows are split over `threads` threads (0 = all
  /// cores); the result does not depend on the count. Throws core::InvalidInput
  /// ("feature_missing") if data's features differ.
  std::vector<Scoring> score_all(const Dataset& data, std::size_t threads = 1) const;
};

/// Options of train_model() that are not model parameters.
struct TrainOptions {
  std::size_t threads = 0;  ///< 0 = all cores; never changes the model
  ProgressFn progress;
  std::string snapshot_id;
  /// The PD bands stored in the model; its floor is the lowest PD the model gives.
  MasterScale master_scale = MasterScale::standard();
};

/// Trains the whole pipeline on `train` (labelled): median imputer and scaler fitted on the
/// training rows, SMOTE on the scaled training rows only, forest, then the prior correction
/// and calibration on the out-of-bag predictions of the real training rows. Throws
/// core::InvalidInput: "param_invalid", "data_invalid" (unlabelled, one class, too few
/// rows), "smote_impossible".
Model train_model(const Dataset& train, const TrainParams& params, const TrainOptions& options = {});

/// The training-data profile of `train` (per-feature ranges, quantiles, missing shares, PSI
/// bins; n_rows and n_positive when labelled), shared by both families.
DataProfile profile_dataset(const Dataset& train);

/// Trains the gbdt family on `train` (labelled, raw features, NaN = missing): the round
/// count (params.n_trees, or early stopping on a stratified validation share of `train`),
/// k-fold out-of-fold predictions for the calibration, then the final booster on every
/// training row (docs/METHODOLOGY.md). Throws core::InvalidInput: "param_invalid",
/// "data_invalid", "smote_impossible".
Model train_gbdt_model(const Dataset& train, const GbdtParams& params, const TrainOptions& options = {});

/// A ranked driver: a feature and its SHAP contribution to the model's raw output (the forest
/// score for rf, the log-odds for gbdt).
struct Driver {
  std::string feature;
  double contribution = 0.0;
};

/// A TreeExplainer for `model` of either family (on model.forest or model.booster), which
/// must outlive it.
std::unique_ptr<TreeExplainer> make_tree_explainer(const Model& model);

/// The row that make_tree_explainer(model)'s explainer takes for raw row `raw`
/// (features.size() values each): imputed and scaled for a forest, raw (NaN = missing) for gbdt.
void explainer_row(const Model& model, const double* raw, double* out);

/// The `k` features with the largest |contribution| (ties by model order), from one row's
/// TreeSHAP contributions (features.size(), in model order).
std::vector<Driver> rank_drivers(const Model& model, const std::vector<double>& contributions,
                                 std::size_t k);

/// The `k` features with the largest |SHAP contribution| for one raw row (ties by model
/// order). `explainer` must come from make_tree_explainer(model).
std::vector<Driver> top_drivers(const Model& model, TreeExplainer& explainer, const double* raw,
                                std::size_t k);
/// The same for many raw rows at once (TreeExplainer::explain_batch: the rows share each walk
/// of the trees, several times cheaper per row): row i gets its top ks[i] drivers.
std::vector<std::vector<Driver>> top_drivers(const Model& model, TreeExplainer& explainer,
                                             const std::vector<const double*>& raws,
                                             const std::vector<std::size_t>& ks);

/// Explains rows of either family with its own TreeExplainer. Like TreeExplainer, one
/// Explainer must not be shared between threads.
class Explainer {
 public:
  /// `model` must outlive the explainer.
  explicit Explainer(const Model& model);
  /// The top `k` drivers of one raw row, as top_drivers().
  std::vector<Driver> top_drivers(const double* raw, std::size_t k);
  /// The same for many raw rows, explained together (several times cheaper per row).
  std::vector<std::vector<Driver>> top_drivers(const std::vector<const double*>& raws,
                                               std::size_t k);

 private:
  const Model& model_;
  std::unique_ptr<TreeExplainer> explainer_;
};

}  // namespace risklab::ml
