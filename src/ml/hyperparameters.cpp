#include "ml/hyperparameters.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

#include "core/error.hpp"
#include "ml/forest/decision_tree.hpp"

namespace risklab::ml {
namespace {

[[noreturn]] void bad(const std::string& message) {
  throw core::InvalidInput("param_invalid", message);
}

// max_features as a number: an integer count (no '.') or a fraction. Returns false for the
// named forms.
bool parse_max_features_number(const std::string& text, double& value, bool& is_fraction) {
  if (text.empty()) return false;
  char* end = nullptr;
  value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(value)) return false;
  is_fraction = text.find_first_of(".eE") != std::string::npos;
  return true;
}

}  // namespace

void TrainParams::validate() const {
  if (n_trees < 1 || n_trees > 100000) bad("trees must be between 1 and 100000");
  if (max_depth > DecisionTree::kMaxDepth) {
    bad("max_depth must be 0 (unlimited) or at most " + std::to_string(DecisionTree::kMaxDepth));
  }
  if (min_samples_leaf < 1) bad("min_samples_leaf must be at least 1");
  if (max_bins < 2 || max_bins > 256) bad("max_bins must be between 2 and 256");
  if (!(smote_ratio >= 0.0 && smote_ratio <= 1.0)) {
    bad("smote_ratio must be in [0, 1] (0 disables SMOTE)");
  }
  if (smote_k < 1 || smote_k > 100) bad("smote_k must be between 1 and 100");
  if (max_features == "sqrt" || max_features == "log2" || max_features == "all") return;
  double value = 0.0;
  bool is_fraction = false;
  if (!parse_max_features_number(max_features, value, is_fraction)) {
    bad("max_features must be sqrt, log2, all, a count or a fraction, got '" + max_features +
        "'");
  }
  if (is_fraction ? !(value > 0.0 && value <= 1.0) : !(value >= 1.0 && value == std::floor(value))) {
    bad("max_features must be a count >= 1 or a fraction in (0, 1], got '" + max_features + "'");
  }
}

std::size_t TrainParams::resolve_max_features(std::size_t n_features) const {
  const auto n = static_cast<double>(n_features);
  double wanted = n;
  if (max_features == "sqrt") {
    wanted = std::floor(std::sqrt(n));
  } else if (max_features == "log2") {
    wanted = std::floor(std::log2(n));
  } else if (max_features != "all") {
    double value = 0.0;
    bool is_fraction = false;
    if (parse_max_features_number(max_features, value, is_fraction)) {
      wanted = is_fraction ? std::floor(value * n) : value;
    }
  }
  return std::clamp<std::size_t>(static_cast<std::size_t>(std::max(wanted, 1.0)), 1,
                                 std::max<std::size_t>(n_features, 1));
}

std::string to_string(ClassWeight value) {
  switch (value) {
    case ClassWeight::none: return "none";
    case ClassWeight::balanced: return "balanced";
    case ClassWeight::balanced_subsample: return "balanced_subsample";
  }
  return "none";
}

std::string to_string(CalibrationMethod value) {
  switch (value) {
    case CalibrationMethod::isotonic: return "isotonic";
    case CalibrationMethod::platt: return "platt";
    case CalibrationMethod::none: return "none";
  }
  return "none";
}

ClassWeight parse_class_weight(const std::string& text) {
  if (text == "none") return ClassWeight::none;
  if (text == "balanced") return ClassWeight::balanced;
  if (text == "balanced_subsample") return ClassWeight::balanced_subsample;
  bad("class_weight must be none, balanced or balanced_subsample, got '" + text + "'");
}

CalibrationMethod parse_calibration_method(const std::string& text) {
  if (text == "isotonic") return CalibrationMethod::isotonic;
  if (text == "platt") return CalibrationMethod::platt;
  if (text == "none") return CalibrationMethod::none;
  bad("calibration must be isotonic, platt or none, got '" + text + "'");
}

}  // namespace risklab::ml
