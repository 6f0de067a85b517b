#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace risklab::ml {

/// sklearn's class_weight: none, "balanced" (n / (2 n_class) over the training rows) or
/// "balanced_subsample" (the same, recomputed on each tree's bootstrap sample).
enum class ClassWeight { none, balanced, balanced_subsample };

/// How forest scores become PDs after the prior correction (docs/METHODOLOGY.md).
enum class CalibrationMethod { isotonic, platt, none };

/// Every training parameter of the pipeline (imputer -> scaler -> SMOTE -> forest ->
/// calibration), once, with its default. Stored in the artifact; the thread count is not a
/// parameter because it never changes the model.
struct TrainParams {
  /// Trees in the forest.
  std::size_t n_trees = 300;
  /// Maximum tree depth; 0 grows until leaves are pure or too small (sklearn's None), to at
  /// most DecisionTree::kMaxDepth (1000) levels.
  std::size_t max_depth = 0;
  /// Minimum training rows (distinct, as sklearn counts them) in each leaf.
  std::size_t min_samples_leaf = 1;
  /// Features tried per split: "sqrt" (default), "log2", "all", an integer count or a
  /// fraction in (0, 1] of the features.
  std::string max_features = "sqrt";
  ClassWeight class_weight = ClassWeight::none;
  /// Draw each tree's rows with replacement (sklearn's bootstrap=True).
  bool bootstrap = true;
  /// Candidate thresholds per feature: quantile bins (docs/adr/0001-histogram-splits.md).
  std::size_t max_bins = 256;
  /// SMOTE target ratio minority / majority after resampling (imblearn's float
  /// sampling_strategy); 0 disables SMOTE.
  double smote_ratio = 1.0;
  /// SMOTE nearest minority neighbours.
  std::size_t smote_k = 5;
  CalibrationMethod calibration = CalibrationMethod::isotonic;
  /// The master seed: per-tree, SMOTE and split streams derive from it.
  std::uint64_t seed = 42;

  /// Throws core::InvalidInput("param_invalid", ...) naming the first bad parameter.
  void validate() const;
  /// max_features resolved for `n_features` columns (at least 1, at most n_features).
  std::size_t resolve_max_features(std::size_t n_features) const;
};

std::string to_string(ClassWeight value);
std::string to_string(CalibrationMethod value);
/// Parse the names above; throw core::InvalidInput("param_invalid") on anything else.
ClassWeight parse_class_weight(const std::string& text);
CalibrationMethod parse_calibration_method(const std::string& text);

}  // namespace risklab::ml
