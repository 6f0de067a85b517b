#include "ml/artifact.hpp"

#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>

#include "core/error.hpp"
#include "core/sha256.hpp"

namespace risklab::ml {
namespace {

static_assert(std::endian::native == std::endian::little,
              "the .rlm arrays are written with memcpy, which is little-endian only here");

using nlohmann::json;

constexpr char kMagic[8] = {'\x89', 'R', 'L', 'M', '\r', '\n', '\x1a', '\n'};
constexpr std::size_t kPreludeSize = 8 + 4 + 8 + 64;

template <class T>
void put(std::string& out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out.append(bytes, sizeof(T));
}

template <class T>
void put_array(std::string& out, const std::vector<T>& values) {
  out.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
}

template <class T>
T take(std::string_view bytes, std::size_t offset) {
  T value;
  std::memcpy(&value, bytes.data() + offset, sizeof(T));
  return value;
}

// Doubles that may be NaN are stored as JSON null.
json number_or_null(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

json params_to_json(const TrainParams& p) {
  return {{"n_trees", p.n_trees},
          {"max_depth", p.max_depth},
          {"min_samples_leaf", p.min_samples_leaf},
          {"max_features", p.max_features},
          {"class_weight", to_string(p.class_weight)},
          {"bootstrap", p.bootstrap},
          {"max_bins", p.max_bins},
          {"smote_ratio", p.smote_ratio},
          {"smote_k", p.smote_k},
          {"calibration", to_string(p.calibration)},
          {"seed", p.seed}};
}

json gbdt_params_to_json(const GbdtParams& p) {
  json monotone = json::object();
  for (const auto& [name, sign] : p.monotone) monotone[name] = sign;
  return {{"n_trees", p.n_trees},
          {"max_depth", p.max_depth},
          {"learning_rate", p.learning_rate},
          {"subsample", p.subsample},
          {"colsample_bytree", p.colsample_bytree},
          {"min_child_weight", p.min_child_weight},
          {"lambda", p.lambda},
          {"alpha", p.alpha},
          {"max_bin", p.max_bin},
          {"monotone", monotone},
          {"early_stopping_rounds", p.early_stopping_rounds},
          {"validation_fraction", p.validation_fraction},
          {"calibration_folds", p.calibration_folds},
          {"calibration", to_string(p.calibration)},
          {"smote_ratio", p.smote_ratio},
          {"smote_k", p.smote_k},
          {"seed", p.seed}};
}

json profile_to_json(const DataProfile& profile) {
  json features = json::array();
  for (const FeatureProfile& f : profile.features) {
    features.push_back({{"min", f.min},
                        {"max", f.max},
                        {"quantiles", f.quantiles},
                        {"missing_share", f.missing_share},
                        {"psi_edges", f.psi_edges},
                        {"psi_shares", f.psi_shares}});
  }
  return {{"n_rows", profile.n_rows},
          {"n_positive", profile.n_positive},
          {"quantile_levels", std::vector<double>(std::begin(kProfileQuantiles), std::end(kProfileQuantiles))},
          {"features", features},
          {"pd_psi_edges", profile.pd_psi_edges},
          {"pd_psi_shares", profile.pd_psi_shares}};
}

// Header field access that names what is missing or mistyped.
class Reader {
 public:
  Reader(const json& object, std::string path) : object_(object), path_(std::move(path)) {}

  const json& at(const std::string& key) const {
    if (!object_.is_object() || !object_.contains(key)) {
      throw core::InvalidInput("model_corrupt", "model header has no '" + name(key) + "'");
    }
    return object_.at(key);
  }
  Reader child(const std::string& key) const { return Reader(at(key), name(key)); }

  template <class T>
  T get(const std::string& key) const {
    try {
      return at(key).get<T>();
    } catch (const json::exception&) {
      throw core::InvalidInput("model_corrupt", "model header field '" + name(key) + "' has the wrong type");
    }
  }
  double number_or_nan(const std::string& key) const {
    const json& v = at(key);
    if (v.is_null()) return std::numeric_limits<double>::quiet_NaN();
    return get<double>(key);
  }

 private:
  std::string name(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  const json& object_;
  std::string path_;
};

TrainParams params_from_json(const Reader& r) {
  TrainParams p;
  p.n_trees = r.get<std::size_t>("n_trees");
  p.max_depth = r.get<std::size_t>("max_depth");
  p.min_samples_leaf = r.get<std::size_t>("min_samples_leaf");
  p.max_features = r.get<std::string>("max_features");
  p.class_weight = parse_class_weight(r.get<std::string>("class_weight"));
  p.bootstrap = r.get<bool>("bootstrap");
  p.max_bins = r.get<std::size_t>("max_bins");
  p.smote_ratio = r.get<double>("smote_ratio");
  p.smote_k = r.get<std::size_t>("smote_k");
  p.calibration = parse_calibration_method(r.get<std::string>("calibration"));
  p.seed = r.get<std::uint64_t>("seed");
  return p;
}

GbdtParams gbdt_params_from_json(const Reader& r) {
  GbdtParams p;
  p.n_trees = r.get<std::size_t>("n_trees");
  p.max_depth = r.get<std::size_t>("max_depth");
  p.learning_rate = r.get<double>("learning_rate");
  p.subsample = r.get<double>("subsample");
  p.colsample_bytree = r.get<double>("colsample_bytree");
  p.min_child_weight = r.get<double>("min_child_weight");
  p.lambda = r.get<double>("lambda");
  p.alpha = r.get<double>("alpha");
  p.max_bin = r.get<std::size_t>("max_bin");
  for (const auto& [name, sign] : r.get<std::map<std::string, int>>("monotone")) p.monotone.emplace_back(name, sign);
  p.early_stopping_rounds = r.get<std::size_t>("early_stopping_rounds");
  p.validation_fraction = r.get<double>("validation_fraction");
  p.calibration_folds = r.get<std::size_t>("calibration_folds");
  p.calibration = parse_calibration_method(r.get<std::string>("calibration"));
  p.smote_ratio = r.get<double>("smote_ratio");
  p.smote_k = r.get<std::size_t>("smote_k");
  p.seed = r.get<std::uint64_t>("seed");
  return p;
}

DataProfile profile_from_json(const Reader& r) {
  DataProfile profile;
  profile.n_rows = r.get<std::size_t>("n_rows");
  profile.n_positive = r.get<std::size_t>("n_positive");
  profile.pd_psi_edges = r.get<std::vector<double>>("pd_psi_edges");
  profile.pd_psi_shares = r.get<std::vector<double>>("pd_psi_shares");
  const json& features = r.at("features");
  if (!features.is_array()) throw core::InvalidInput("model_corrupt", "model header field 'profile.features' is not an array");
  for (std::size_t i = 0; i < features.size(); ++i) {
    const Reader f(features[i], "profile.features[" + std::to_string(i) + "]");
    FeatureProfile fp;
    fp.min = f.get<double>("min");
    fp.max = f.get<double>("max");
    fp.quantiles = f.get<std::vector<double>>("quantiles");
    fp.missing_share = f.get<double>("missing_share");
    fp.psi_edges = f.get<std::vector<double>>("psi_edges");
    fp.psi_shares = f.get<std::vector<double>>("psi_shares");
    profile.features.push_back(std::move(fp));
  }
  return profile;
}

MasterScale master_scale_from_json(const Reader& ms, const char* code) {
  std::vector<GradeBand> bands;
  const json& grades = ms.at("grades");
  if (!grades.is_array()) throw core::InvalidInput(code, "master_scale.grades is not an array");
  for (std::size_t i = 0; i < grades.size(); ++i) {
    const Reader g(grades[i], "master_scale.grades[" + std::to_string(i) + "]");
    bands.push_back({g.get<std::string>("grade"), g.get<double>("lower_pd"), g.get<double>("upper_pd")});
  }
  return MasterScale(std::move(bands), ms.get<std::string>("default_grade"));
}

}  // namespace

MasterScale parse_master_scale(const std::string& json_text) {
  json parsed;
  try {
    parsed = json::parse(json_text);
  } catch (const json::exception& e) {
    throw core::InvalidInput("master_scale_invalid", std::string("master scale is not valid JSON: ") + e.what());
  }
  try {
    return master_scale_from_json(Reader(parsed, "master_scale"), "master_scale_invalid");
  } catch (const core::InvalidInput& e) {
    if (e.code() == "master_scale_invalid") throw;
    throw core::InvalidInput("master_scale_invalid", e.what());
  }
}

std::string serialize_model(const Model& model) {
  json grades = json::array();
  for (const GradeBand& band : model.master_scale.bands()) {
    grades.push_back({{"grade", band.grade}, {"lower_pd", band.lower_pd}, {"upper_pd", band.upper_pd}});
  }
  const Calibrator& cal = model.calibrator;
  // Keys are sorted on dump, so the order of assignment does not change the bytes.
  json header = {
      {"format", "risklab.model"},
      {"format_version", kArtifactFormatVersion},
      {"features", model.features},
      {"snapshot_id", model.snapshot_id},
      {"calibration",
       {{"method", to_string(cal.method())},
        {"forest_prior", cal.forest_prior()},
        {"base_rate", cal.base_rate()},
        {"pd_floor", cal.pd_floor()},
        {"isotonic", {{"x", cal.isotonic().x_thresholds()}, {"y", cal.isotonic().y_thresholds()}}},
        {"platt", {{"a", cal.platt().a}, {"b", cal.platt().b}}}}},
      {"master_scale", {{"grades", grades}, {"default_grade", model.master_scale.default_grade()}}},
      {"profile", profile_to_json(model.profile)},
      {"metrics", model.metrics}};
  std::string arrays;
  if (model.is_gbdt()) {
    const std::string& bytes = model.booster.bytes();
    header["model_family"] = "gbdt";
    header["params"] = gbdt_params_to_json(model.gbdt_params);
    header["gbdt"] = {{"engine", "xgboost"},
                      {"format", "ubj"},
                      {"n_trees", model.booster.n_trees()},
                      {"n_features", model.booster.n_features()},
                      {"model_bytes", bytes.size()},
                      {"model_sha256", core::Sha256::of(bytes)}};
    arrays = bytes;
  } else {
    const RandomForest& forest = model.forest;
    std::vector<std::size_t> node_counts;
    for (const DecisionTree& tree : forest.trees()) node_counts.push_back(tree.size());
    header["model_family"] = "random_forest";
    header["params"] = params_to_json(model.params);
    header["imputer"] = {{"strategy", "median"}, {"medians", model.imputer.medians()}};
    header["scaler"] = {{"mean", model.scaler.mean()}, {"scale", model.scaler.scale()}};
    header["forest"] = {
        {"n_trees", forest.trees().size()},
        {"n_features", forest.n_features()},
        {"feature_importances", forest.feature_importances()},
        {"oob_score", number_or_null(forest.oob_score())},
        {"training_prior", forest.training_prior()},
        {"node_counts", node_counts},
        {"arrays", "per tree: left, right, feature as int32; threshold, value, cover as float64; little-endian"}};
    for (const DecisionTree& tree : forest.trees()) {
      put_array(arrays, tree.left());
      put_array(arrays, tree.right());
      put_array(arrays, tree.feature());
      put_array(arrays, tree.threshold());
      put_array(arrays, tree.value());
      put_array(arrays, tree.cover());
    }
  }
  const std::string header_text = header.dump();

  std::string payload;
  put<std::uint64_t>(payload, header_text.size());
  payload += header_text;
  payload += arrays;
  std::string out(kMagic, sizeof(kMagic));
  put<std::uint32_t>(out, kArtifactFormatVersion);
  put<std::uint64_t>(out, payload.size());
  out += core::Sha256::of(payload);
  out += payload;
  return out;
}

Model deserialize_model(std::string_view bytes, const std::string& source) {
  const auto fail = [&](const char* code, const std::string& why) {
    return core::InvalidInput(code, source + ": " + why);
  };
  if (bytes.size() < sizeof(kMagic) || std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0) {
    if (bytes.size() < sizeof(kMagic) && std::memcmp(bytes.data(), kMagic, bytes.size()) == 0 && !bytes.empty()) {
      throw fail("model_truncated", "truncated RiskLab model file (" + std::to_string(bytes.size()) + " bytes)");
    }
    throw fail("model_foreign", "not a RiskLab model file (bad magic bytes)");
  }
  if (bytes.size() < 12) throw fail("model_truncated", "truncated RiskLab model file (no format version)");
  const auto version = take<std::uint32_t>(bytes, 8);
  if (version == 0) throw fail("model_corrupt", "invalid model format version 0");
  if (version > kArtifactFormatVersion) {
    throw fail("model_newer", "model format " + std::to_string(version) + " is newer than this build (reads up to " +
                                  std::to_string(kArtifactFormatVersion) + ")");
  }
  if (bytes.size() < kPreludeSize) throw fail("model_truncated", "truncated RiskLab model file (incomplete prelude)");
  const auto payload_size = take<std::uint64_t>(bytes, 12);
  const std::size_t actual = bytes.size() - kPreludeSize;
  if (payload_size > actual) {
    throw fail("model_truncated", "truncated RiskLab model file: payload has " + std::to_string(actual) + " of " +
                                      std::to_string(payload_size) + " bytes");
  }
  if (payload_size < actual) throw fail("model_corrupt", "unexpected bytes after the model payload");
  const std::string_view checksum = bytes.substr(20, 64);
  const std::string_view payload = bytes.substr(kPreludeSize);
  if (core::Sha256::of(payload) != checksum) throw fail("model_corrupt", "checksum mismatch: the model file is corrupt");

  if (payload.size() < 8) throw fail("model_corrupt", "payload has no header length");
  const auto header_size = take<std::uint64_t>(payload, 0);
  if (header_size > payload.size() - 8) throw fail("model_corrupt", "header length exceeds the payload");
  json header;
  try {
    header = json::parse(payload.substr(8, header_size));
  } catch (const json::exception& e) {
    throw fail("model_corrupt", std::string("header is not valid JSON: ") + e.what());
  }
  if (!header.is_object()) throw fail("model_corrupt", "header is not a JSON object");
  const Reader r(header, "");
  if (r.get<std::string>("format") != "risklab.model") throw fail("model_foreign", "header format is not risklab.model");
  const std::string family = r.get<std::string>("model_family");
  if (family != "random_forest" && family != "gbdt") {
    throw fail("model_corrupt", "unknown model family '" + family + "'");
  }
  const bool gbdt = family == "gbdt";

  Model model;
  model.family = gbdt ? kFamilyGbdt : kFamilyRandomForest;
  model.features = r.get<std::vector<std::string>>("features");
  const std::size_t n_features = model.features.size();
  if (n_features == 0) throw fail("model_corrupt", "header lists no features");
  model.snapshot_id = r.get<std::string>("snapshot_id");
  try {
    if (gbdt) {
      model.gbdt_params = gbdt_params_from_json(r.child("params"));
      model.gbdt_params.validate_for(model.features);
    } else {
      model.params = params_from_json(r.child("params"));
      model.params.validate();
    }
  } catch (const core::InvalidInput& e) {
    if (e.code() == "model_corrupt") throw;
    throw fail("model_corrupt", std::string("model params are invalid: ") + e.what());
  }
  const auto sized = [&](std::vector<double> v, const char* what) {
    if (v.size() != n_features) throw fail("model_corrupt", std::string(what) + " does not have one value per feature");
    for (double x : v) {
      if (!std::isfinite(x)) throw fail("model_corrupt", std::string(what) + " has a non-finite value");
    }
    return v;
  };
  model.master_scale = master_scale_from_json(r.child("master_scale"), "model_corrupt");

  const Reader cal = r.child("calibration");
  const CalibrationMethod method = parse_calibration_method(cal.get<std::string>("method"));
  IsotonicRegression iso;
  if (method == CalibrationMethod::isotonic) {
    const Reader isotonic = cal.child("isotonic");
    iso = IsotonicRegression::from_thresholds(isotonic.get<std::vector<double>>("x"), isotonic.get<std::vector<double>>("y"));
  }
  const Reader platt_json = cal.child("platt");
  PlattScaling platt{platt_json.get<double>("a"), platt_json.get<double>("b")};
  const double forest_prior = cal.get<double>("forest_prior");
  const double base_rate = cal.get<double>("base_rate");
  if (!(forest_prior > 0.0 && forest_prior < 1.0) || !(base_rate > 0.0 && base_rate < 1.0)) {
    throw fail("model_corrupt", "calibration priors must be in (0, 1)");
  }
  model.calibrator = Calibrator::from_parts(method, forest_prior, base_rate, cal.get<double>("pd_floor"), std::move(iso), platt);
  model.profile = profile_from_json(r.child("profile"));
  // Drift and range checks index the profile by feature (`risklab ml evaluate` unchecked).
  if (model.profile.features.size() != n_features) {
    throw fail("model_corrupt", "profile.features does not have one entry per feature");
  }
  model.metrics = r.at("metrics");

  if (gbdt) {
    const Reader g = r.child("gbdt");
    if (g.get<std::string>("engine") != "xgboost" || g.get<std::string>("format") != "ubj") {
      throw fail("model_corrupt", "gbdt model is not xgboost UBJSON");
    }
    if (g.get<std::size_t>("n_features") != n_features) throw fail("model_corrupt", "gbdt.n_features differs from the feature list");
    const auto model_bytes = g.get<std::size_t>("model_bytes");
    const std::size_t offset = 8 + header_size;
    if (model_bytes != payload.size() - offset) throw fail("model_corrupt", "gbdt model bytes differ from gbdt.model_bytes");
    std::string booster_bytes(payload.substr(offset));
    if (core::Sha256::of(booster_bytes) != g.get<std::string>("model_sha256")) {
      throw fail("model_corrupt", "gbdt model bytes do not match gbdt.model_sha256");
    }
    try {
      model.booster = GbdtBooster::from_bytes(std::move(booster_bytes), n_features);
    } catch (const core::InvalidInput& e) {
      throw fail("model_corrupt", e.what());
    }
    if (model.booster.n_trees() != g.get<std::size_t>("n_trees")) throw fail("model_corrupt", "gbdt.n_trees differs from the model");
    return model;
  }

  const Reader imputer = r.child("imputer");
  model.imputer = MedianImputer::from_medians(sized(imputer.get<std::vector<double>>("medians"), "imputer.medians"));
  const Reader scaler = r.child("scaler");
  std::vector<double> scale = sized(scaler.get<std::vector<double>>("scale"), "scaler.scale");
  for (double s : scale) {
    if (!(s > 0.0)) throw fail("model_corrupt", "scaler.scale has a non-positive value");
  }
  model.scaler = StandardScaler::from_parameters(sized(scaler.get<std::vector<double>>("mean"), "scaler.mean"), std::move(scale));

  const Reader f = r.child("forest");
  const auto n_trees = f.get<std::size_t>("n_trees");
  const auto node_counts = f.get<std::vector<std::size_t>>("node_counts");
  if (f.get<std::size_t>("n_features") != n_features) throw fail("model_corrupt", "forest.n_features differs from the feature list");
  if (node_counts.size() != n_trees || n_trees == 0) throw fail("model_corrupt", "forest.node_counts does not list every tree");
  std::size_t offset = 8 + header_size;
  constexpr std::size_t kNodeBytes = 3 * sizeof(std::int32_t) + 3 * sizeof(double);
  std::vector<DecisionTree> trees;
  trees.reserve(n_trees);
  for (std::size_t count : node_counts) {
    if (count == 0 || count > (payload.size() - offset) / kNodeBytes) {
      throw fail("model_corrupt", "tree arrays are shorter than forest.node_counts says");
    }
    const auto read = [&]<class T>(std::vector<T>& v) {
      v.resize(count);
      std::memcpy(v.data(), payload.data() + offset, count * sizeof(T));
      offset += count * sizeof(T);
    };
    std::vector<std::int32_t> left, right, feature;
    std::vector<double> threshold, value, cover;
    read(left);
    read(right);
    read(feature);
    read(threshold);
    read(value);
    read(cover);
    trees.push_back(DecisionTree::from_arrays(std::move(left), std::move(right), std::move(feature), std::move(threshold),
                                              std::move(value), std::move(cover), n_features));
  }
  if (offset != payload.size()) throw fail("model_corrupt", "tree arrays are longer than forest.node_counts says");
  model.forest = RandomForest::from_parts(std::move(trees), n_features,
                                          sized(f.get<std::vector<double>>("feature_importances"), "forest.feature_importances"),
                                          f.number_or_nan("oob_score"), f.get<double>("training_prior"));
  return model;
}

void save_model(const Model& model, const std::string& path) {
  const std::string bytes = serialize_model(model);
  const std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) throw core::InvalidInput("file_unwritable", "cannot write model file " + path);
  }
  std::error_code error;
  std::filesystem::rename(temp, path, error);
  if (error) {
    std::filesystem::remove(temp, error);
    throw core::InvalidInput("file_unwritable", "cannot write model file " + path);
  }
}

Model load_model(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw core::InvalidInput("file_unreadable", "cannot read model file " + path);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return deserialize_model(buffer.str(), path);
}

json model_parameters_json(const Model& model) {
  return model.is_gbdt() ? gbdt_params_to_json(model.gbdt_params) : params_to_json(model.params);
}

}  // namespace risklab::ml
