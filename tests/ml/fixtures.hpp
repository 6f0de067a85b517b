#pragma once

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "ml/dataset.hpp"
#include "ml/detail/tree_shap_walk.hpp"
#include "ml/rng.hpp"
#include "support/temp_dir.hpp"

namespace risklab::ml::test {

/// tests/fixtures/ml/<name>, written by tests/fixtures/ml/make_fixtures.py.
inline nlohmann::json load_fixture(const std::string& name) {
  std::ifstream in(risklab::test::source_dir() / "tests" / "fixtures" / "ml" / name);
  return nlohmann::json::parse(in);
}

/// How far a batch's TreeSHAP values may be from a lone row's: the batched walk carries its
/// polynomial values in single precision (xgboost's TreeSHAP precision), a lone row's in double.
/// Measured: at most 6e-8 on these tests' forests of 20 trees and boosted models (outputs in
/// [0, 1] and log-odds), 3.5e-9 on the reference forest of 300 trees; a wrong tree, point or
/// lane would be off by 1e-4 or more.
inline constexpr double kBatchShapTolerance = 1e-6;

/// Makes the TreeExplainers built next take the walk that RISKLAB_TREESHAP=`name` picks; true
/// when that is `kind` (the CPU runs it).
inline bool use_shap_walk(const char* name, detail::ShapWalkKind kind) {
  ::setenv("RISKLAB_TREESHAP", name, 1);
  return detail::chosen_shap_walk() == kind;
}

/// The vector walks of TreeSHAP this CPU runs, each with the RISKLAB_TREESHAP value that picks it.
inline std::vector<std::pair<const char*, detail::ShapWalkKind>> vector_shap_walks() {
  std::vector<std::pair<const char*, detail::ShapWalkKind>> out;
  const std::pair<const char*, detail::ShapWalkKind> all[] = {
      {"avx2", detail::ShapWalkKind::avx2}, {"avx512", detail::ShapWalkKind::avx512}};
  for (const auto& walk : all) {
    if (detail::shap_walk_runs(walk.second)) out.push_back(walk);
  }
  return out;
}

/// A small labelled dataset: default risk rises with x0 and falls with x1; x2 is noise;
/// about `missing_share` of x1 is missing.
inline Dataset synthetic_dataset(std::size_t n_rows, std::uint64_t seed, double missing_share = 0.0) {
  Dataset data;
  data.feature_names = {"x0", "x1", "x2"};
  data.n_rows = n_rows;
  data.x.resize(3 * n_rows);
  Rng rng(seed);
  for (std::size_t row = 0; row < n_rows; ++row) {
    const double x0 = rng.uniform01() * 4 - 2;
    const double x1 = rng.uniform01() * 4 - 2;
    const double x2 = rng.uniform01();
    const double logit = 2.0 * x0 - 1.5 * x1 - 3.0;
    data.y.push_back(rng.uniform01() < 1.0 / (1.0 + std::exp(-logit)) ? 1 : 0);
    data.x[row] = x0;
    data.x[n_rows + row] = rng.uniform01() < missing_share ? std::nan("") : x1;
    data.x[2 * n_rows + row] = x2;
    data.ids.push_back(std::to_string(row + 1));
  }
  return data;
}

inline std::vector<std::uint8_t> labels(const nlohmann::json& values) {
  std::vector<std::uint8_t> out;
  for (const auto& v : values) out.push_back(static_cast<std::uint8_t>(v.get<double>() > 0.5 ? 1 : 0));
  return out;
}

}  // namespace risklab::ml::test
