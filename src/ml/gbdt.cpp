#include "ml/gbdt.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "core/error.hpp"
#include "ml/detail/gbdt_handles.hpp"
#include "ml/detail/gbdt_trees.hpp"
#include "ml/forest/random_forest.hpp"

namespace risklab::ml {
namespace detail {

void xgb_check(int status, const char* what) {
  if (status != 0) throw std::runtime_error(std::string("xgboost: ") + what + ": " + XGBGetLastError());
}

DMatrix::DMatrix(const float* rows, std::size_t n_rows, std::size_t n_cols) {
  xgb_check(XGDMatrixCreateFromMat(rows, static_cast<bst_ulong>(n_rows), static_cast<bst_ulong>(n_cols),
                                   std::numeric_limits<float>::quiet_NaN(), &handle_),
            "XGDMatrixCreateFromMat");
}

DMatrix::~DMatrix() {
  if (handle_ != nullptr) XGDMatrixFree(handle_);
}

void DMatrix::set_labels(const std::vector<float>& y) {
  xgb_check(XGDMatrixSetFloatInfo(handle_, "label", y.data(), static_cast<bst_ulong>(y.size())),
            "XGDMatrixSetFloatInfo(label)");
}

Booster::Booster(const std::vector<DMatrixHandle>& cache) {
  xgb_check(XGBoosterCreate(cache.empty() ? nullptr : cache.data(), static_cast<bst_ulong>(cache.size()), &handle_),
            "XGBoosterCreate");
}

Booster::~Booster() {
  if (handle_ != nullptr) XGBoosterFree(handle_);
}

void Booster::set_param(const std::string& name, const std::string& value) {
  xgb_check(XGBoosterSetParam(handle_, name.c_str(), value.c_str()), ("XGBoosterSetParam(" + name + ")").c_str());
}

/// A loaded booster shared by the copies of a GbdtBooster.
struct GbdtState {
  Booster booster;
  std::string bytes;
  std::size_t n_features = 0;
  std::size_t n_trees = 0;
  /// The same trees as flat arrays: scoring walks these instead of calling the C API.
  GbdtTrees trees;
  /// Serializes the DMatrix prediction path (its prediction cache is not thread-safe).
  mutable std::mutex contributions_mutex;
};

}  // namespace detail

namespace {

[[noreturn]] void bad(const std::string& message) { throw core::InvalidInput("param_invalid", message); }

// "[12]\tvalid-logloss:0.1234" -> 0.1234
double parse_eval(const char* text) {
  const std::string s(text);
  const auto colon = s.rfind(':');
  if (colon == std::string::npos) throw std::runtime_error("xgboost: unexpected evaluation output '" + s + "'");
  return std::strtod(s.c_str() + colon + 1, nullptr);
}

std::string format_double(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.17g", v);
  return buffer;
}

// One row as a numpy __array_interface__ for inplace prediction.
std::string array_interface(const double* rows, std::size_t n_rows, std::size_t n_cols) {
  return "{\"data\":[" + std::to_string(reinterpret_cast<std::uintptr_t>(rows)) + ",true],\"shape\":[" +
         std::to_string(n_rows) + "," + std::to_string(n_cols) + "],\"typestr\":\"<f8\",\"version\":3}";
}

constexpr const char* kProbabilityConfig =
    R"({"type":0,"training":false,"iteration_begin":0,"iteration_end":0,"strict_shape":false,"cache_id":0,"missing":NaN})";
constexpr const char* kContribConfig =
    R"({"type":2,"training":false,"iteration_begin":0,"iteration_end":0,"strict_shape":false})";

void predict_dense(const detail::GbdtState& state, const char* config, const double* rows, std::size_t n_rows,
                   double* out) {
  const std::string values = array_interface(rows, n_rows, state.n_features);
  bst_ulong const* shape = nullptr;
  bst_ulong dim = 0;
  const float* result = nullptr;
  detail::xgb_check(XGBoosterPredictFromDense(state.booster.get(), values.c_str(), config, nullptr, &shape, &dim, &result),
                    "XGBoosterPredictFromDense");
  for (std::size_t row = 0; row < n_rows; ++row) out[row] = result[row];
}

}  // namespace

void GbdtParams::validate() const {
  if (n_trees < 1 || n_trees > 100000) bad("trees must be between 1 and 100000");
  if (max_depth < 1 || max_depth > 16) bad("max_depth must be between 1 and 16 for gbdt");
  if (!(learning_rate > 0.0 && learning_rate <= 1.0)) bad("learning_rate must be in (0, 1]");
  if (!(subsample > 0.0 && subsample <= 1.0)) bad("subsample must be in (0, 1]");
  if (!(colsample_bytree > 0.0 && colsample_bytree <= 1.0)) bad("colsample must be in (0, 1]");
  if (!(min_child_weight >= 0.0 && std::isfinite(min_child_weight))) bad("min_child_weight must be >= 0");
  if (!(lambda >= 0.0 && std::isfinite(lambda))) bad("lambda must be >= 0");
  if (!(alpha >= 0.0 && std::isfinite(alpha))) bad("alpha must be >= 0");
  if (max_bin < 2 || max_bin > 1024) bad("max_bin must be between 2 and 1024");
  if (early_stopping_rounds > n_trees) bad("early_stopping_rounds must not exceed trees");
  if (!(validation_fraction > 0.0 && validation_fraction <= 0.5)) bad("validation_fraction must be in (0, 0.5]");
  if (calibration_folds < 2 || calibration_folds > 20) bad("calibration_folds must be between 2 and 20");
  if (!(smote_ratio >= 0.0 && smote_ratio <= 1.0)) bad("smote_ratio must be in [0, 1] (0 disables SMOTE)");
  if (smote_k < 1 || smote_k > 100) bad("smote_k must be between 1 and 100");
  for (const auto& [name, sign] : monotone) {
    if (sign != 1 && sign != -1) bad("monotone constraint of '" + name + "' must be +1 or -1");
  }
}

void GbdtParams::validate_for(const std::vector<std::string>& features) const {
  validate();
  std::set<std::string> seen;
  for (const auto& [name, sign] : monotone) {
    if (std::find(features.begin(), features.end(), name) == features.end()) {
      bad("monotone constraint names '" + name + "', which is not a feature");
    }
    if (!seen.insert(name).second) bad("monotone constraint of '" + name + "' is given twice");
  }
}

std::string GbdtParams::monotone_string(const std::vector<std::string>& features) const {
  std::string out = "(";
  for (std::size_t col = 0; col < features.size(); ++col) {
    int sign = 0;
    for (const auto& [name, s] : monotone) {
      if (name == features[col]) sign = s;
    }
    if (col > 0) out += ",";
    out += std::to_string(sign);
  }
  return out + ")";
}

std::vector<std::pair<std::string, int>> parse_monotone(const std::string& text) {
  std::vector<std::pair<std::string, int>> out;
  std::size_t begin = 0;
  while (begin < text.size()) {
    std::size_t end = text.find(',', begin);
    if (end == std::string::npos) end = text.size();
    const std::string item = text.substr(begin, end - begin);
    const auto colon = item.rfind(':');
    if (colon == std::string::npos || colon == 0) bad("monotone constraint '" + item + "' is not name:+1 or name:-1");
    const std::string sign = item.substr(colon + 1);
    int value = 0;
    if (sign == "+1" || sign == "1") {
      value = 1;
    } else if (sign == "-1") {
      value = -1;
    } else {
      bad("monotone constraint '" + item + "' must end in :+1 or :-1");
    }
    out.emplace_back(item.substr(0, colon), value);
    begin = end + 1;
  }
  return out;
}

GbdtBooster GbdtBooster::from_bytes(std::string bytes, std::size_t n_features) {
  auto state = std::make_shared<detail::GbdtState>();
  if (XGBoosterLoadModelFromBuffer(state->booster.get(), bytes.data(), static_cast<bst_ulong>(bytes.size())) != 0) {
    throw core::InvalidInput("model_corrupt", std::string("the xgboost model is corrupt: ") + XGBGetLastError());
  }
  bst_ulong features = 0;
  int rounds = 0;
  detail::xgb_check(XGBoosterGetNumFeature(state->booster.get(), &features), "XGBoosterGetNumFeature");
  detail::xgb_check(XGBoosterBoostedRounds(state->booster.get(), &rounds), "XGBoosterBoostedRounds");
  if (features != n_features) {
    throw core::InvalidInput("model_corrupt", "the xgboost model has " + std::to_string(features) +
                                                  " features, the header lists " + std::to_string(n_features));
  }
  if (rounds < 1) throw core::InvalidInput("model_corrupt", "the xgboost model has no trees");
  state->trees = detail::GbdtTrees::from_ubjson(bytes, n_features);
  if (state->trees.n_trees() != static_cast<std::size_t>(rounds)) {
    throw core::InvalidInput("model_corrupt", "the xgboost model has " + std::to_string(state->trees.n_trees()) +
                                                  " trees for " + std::to_string(rounds) + " rounds");
  }
  // One thread per call: the C API now only serves TreeSHAP and library_probability().
  state->booster.set_param("nthread", "1");
  state->bytes = std::move(bytes);
  state->n_features = n_features;
  state->n_trees = static_cast<std::size_t>(rounds);
  // Configure the learner now: its lazy configuration on first use is not thread-safe.
  std::vector<double> zero(n_features, 0.0);
  double sink = 0.0;
  predict_dense(*state, kProbabilityConfig, zero.data(), 1, &sink);
  return GbdtBooster(std::move(state));
}

const std::string& GbdtBooster::bytes() const {
  static const std::string kEmpty;
  return state_ ? state_->bytes : kEmpty;
}

std::size_t GbdtBooster::n_features() const { return state_ ? state_->n_features : 0; }

std::size_t GbdtBooster::n_trees() const { return state_ ? state_->n_trees : 0; }

double GbdtBooster::probability(const double* raw) const { return state_->trees.probability(raw); }

double GbdtBooster::margin(const double* raw) const { return state_->trees.margin(raw); }

double GbdtBooster::library_probability(const double* raw) const {
  double out = 0.0;
  predict_dense(*state_, kProbabilityConfig, raw, 1, &out);
  return out;
}

void GbdtBooster::probability_batch(const double* rows, std::size_t n_rows, double* out, std::size_t threads) const {
  if (n_rows == 0) return;
  const std::size_t n_threads = std::min(resolve_threads(threads), std::max<std::size_t>(1, n_rows / 256));
  const std::size_t chunk = (n_rows + n_threads - 1) / n_threads;
  const std::size_t n_cols = state_->n_features;
  const auto run = [&](std::size_t begin, std::size_t end) {
    if (begin < end) state_->trees.probability_batch(rows + begin * n_cols, end - begin, out + begin);
  };
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < n_threads; ++t) {
    pool.emplace_back(run, std::min(t * chunk, n_rows), std::min((t + 1) * chunk, n_rows));
  }
  run(0, std::min(chunk, n_rows));
  for (auto& thread : pool) thread.join();
}

const detail::GbdtTrees& GbdtBooster::trees() const { return state_->trees; }

GbdtContributions GbdtBooster::library_contributions(const double* raw) const {
  const std::size_t n_cols = state_->n_features;
  std::vector<float> row(raw, raw + n_cols);
  std::lock_guard lock(state_->contributions_mutex);
  detail::DMatrix matrix(row.data(), 1, n_cols);
  bst_ulong const* shape = nullptr;
  bst_ulong dim = 0;
  const float* result = nullptr;
  detail::xgb_check(XGBoosterPredictFromDMatrix(state_->booster.get(), matrix.get(), kContribConfig, &shape, &dim, &result),
                    "XGBoosterPredictFromDMatrix(pred_contribs)");
  GbdtContributions out;
  out.contributions.assign(result, result + n_cols);
  out.bias = result[n_cols];
  return out;
}

GbdtFitResult fit_gbdt_booster(const std::vector<float>& rows, const std::vector<float>& y,
                               const std::vector<std::string>& features, const GbdtParams& params, std::size_t rounds,
                               std::size_t threads, const std::vector<float>* valid_rows,
                               const std::vector<float>* valid_y) {
  params.validate_for(features);
  const std::size_t n_cols = features.size();
  if (n_cols == 0 || y.empty() || rows.size() != y.size() * n_cols) {
    throw core::InvalidInput("data_invalid", "gbdt training rows and labels do not match");
  }
  const bool early = params.early_stopping_rounds > 0 && valid_rows != nullptr && valid_y != nullptr;
  detail::DMatrix train(rows.data(), y.size(), n_cols);
  train.set_labels(y);
  std::unique_ptr<detail::DMatrix> valid;
  std::vector<DMatrixHandle> cache{train.get()};
  if (early) {
    valid = std::make_unique<detail::DMatrix>(valid_rows->data(), valid_y->size(), n_cols);
    valid->set_labels(*valid_y);
    cache.push_back(valid->get());
  }
  detail::Booster booster(cache);
  booster.set_param("verbosity", "0");
  booster.set_param("booster", "gbtree");
  booster.set_param("objective", "binary:logistic");
  booster.set_param("eval_metric", "logloss");
  booster.set_param("tree_method", "hist");
  booster.set_param("max_depth", std::to_string(params.max_depth));
  booster.set_param("eta", format_double(params.learning_rate));
  booster.set_param("subsample", format_double(params.subsample));
  booster.set_param("colsample_bytree", format_double(params.colsample_bytree));
  booster.set_param("min_child_weight", format_double(params.min_child_weight));
  booster.set_param("lambda", format_double(params.lambda));
  booster.set_param("alpha", format_double(params.alpha));
  booster.set_param("max_bin", std::to_string(params.max_bin));
  booster.set_param("seed", std::to_string(params.seed % 2147483648ULL));
  booster.set_param("nthread", std::to_string(resolve_threads(threads)));
  if (!params.monotone.empty()) booster.set_param("monotone_constraints", params.monotone_string(features));

  std::size_t best_rounds = rounds;
  double best_loss = std::numeric_limits<double>::infinity();
  for (std::size_t iter = 0; iter < rounds; ++iter) {
    detail::xgb_check(XGBoosterUpdateOneIter(booster.get(), static_cast<int>(iter), train.get()), "XGBoosterUpdateOneIter");
    if (!early) continue;
    DMatrixHandle sets[] = {valid->get()};
    const char* names[] = {"valid"};
    const char* eval = nullptr;
    detail::xgb_check(XGBoosterEvalOneIter(booster.get(), static_cast<int>(iter), sets, names, 1, &eval),
                      "XGBoosterEvalOneIter");
    const double loss = parse_eval(eval);
    if (loss < best_loss) {
      best_loss = loss;
      best_rounds = iter + 1;
    } else if (iter + 1 - best_rounds >= params.early_stopping_rounds) {
      break;
    }
  }

  BoosterHandle to_save = booster.get();
  BoosterHandle sliced = nullptr;
  int done = 0;
  detail::xgb_check(XGBoosterBoostedRounds(booster.get(), &done), "XGBoosterBoostedRounds");
  if (static_cast<std::size_t>(done) > best_rounds) {
    detail::xgb_check(XGBoosterSlice(booster.get(), 0, static_cast<int>(best_rounds), 1, &sliced), "XGBoosterSlice");
    to_save = sliced;
  }
  bst_ulong length = 0;
  const char* buffer = nullptr;
  const int status = XGBoosterSaveModelToBuffer(to_save, R"({"format":"ubj"})", &length, &buffer);
  std::string bytes = status == 0 ? std::string(buffer, length) : std::string();
  if (sliced != nullptr) XGBoosterFree(sliced);
  detail::xgb_check(status, "XGBoosterSaveModelToBuffer");
  return {GbdtBooster::from_bytes(std::move(bytes), n_cols), best_rounds};
}

}  // namespace risklab::ml
