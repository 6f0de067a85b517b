#include "ml/detail/gbdt_trees.hpp"

#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "ml/forest/decision_tree.hpp"

namespace risklab::ml::detail {
namespace {

using nlohmann::json;

[[noreturn]] void corrupt(const std::string& why) {
  throw core::InvalidInput("model_corrupt", "the xgboost model cannot be read: " + why);
}

const json& member(const json& object, const char* key) {
  if (!object.is_object() || !object.contains(key)) corrupt(std::string("no '") + key + "'");
  return object.at(key);
}

// xgboost writes its learner parameters as strings ("5E-1", "95").
double number_param(const json& object, const char* key) {
  const json& value = member(object, key);
  if (!value.is_string()) corrupt(std::string("'") + key + "' is not a string");
  const std::string& text = value.get_ref<const std::string&>();
  char* end = nullptr;
  const double parsed = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size()) corrupt(std::string("'") + key + "' is not a number");
  return parsed;
}

template <class T>
std::vector<T> numbers(const json& tree, const char* key, std::size_t n) {
  const json& array = member(tree, key);
  if (!array.is_array() || array.size() != n) corrupt(std::string("tree array '") + key + "' has the wrong length");
  std::vector<T> out;
  out.reserve(n);
  for (const json& v : array) {
    if (!v.is_number()) corrupt(std::string("tree array '") + key + "' holds a non-number");
    out.push_back(v.get<T>());
  }
  return out;
}

constexpr std::size_t kLanes = 8;

inline std::int32_t step(const GbdtTrees::Node* nodes, std::int32_t index, const float* row) {
  const GbdtTrees::Node& n = nodes[index];
  const float v = row[n.feature];
  const std::uint32_t right = std::isnan(v) ? n.default_right : (v < n.threshold ? 0U : 1U);
  return n.left + static_cast<std::int32_t>(right);
}

}  // namespace

GbdtTrees GbdtTrees::from_ubjson(const std::string& bytes, std::size_t n_features) {
  json model;
  try {
    model = json::from_ubjson(bytes);
  } catch (const json::exception& error) {
    corrupt(error.what());
  }
  const json& learner = member(model, "learner");
  const json& objective = member(member(learner, "objective"), "name");
  if (objective != "binary:logistic") corrupt("objective " + objective.dump() + " is not binary:logistic");
  const json& booster = member(learner, "gradient_booster");
  if (member(booster, "name") != "gbtree") corrupt("booster " + member(booster, "name").dump() + " is not gbtree");
  const json& params = member(learner, "learner_model_param");
  if (number_param(params, "num_feature") != static_cast<double>(n_features)) corrupt("the feature count differs");
  const double base_score = number_param(params, "base_score");
  if (!(base_score > 0.0 && base_score < 1.0)) corrupt("base_score is outside (0, 1)");

  GbdtTrees out;
  out.n_features_ = n_features;
  // xgboost's LogisticRegression::ProbToMargin, in float as xgboost computes it.
  const auto base = static_cast<float>(base_score);
  out.base_margin_ = -std::log(1.0f / base - 1.0f);

  const json& trees = member(member(booster, "model"), "trees");
  if (!trees.is_array() || trees.empty()) corrupt("no trees");
  for (const json& tree : trees) {
    const json& left_json = member(tree, "left_children");
    if (!left_json.is_array() || left_json.empty()) corrupt("a tree has no nodes");
    const std::size_t n = left_json.size();
    const auto left = numbers<std::int64_t>(tree, "left_children", n);
    const auto right = numbers<std::int64_t>(tree, "right_children", n);
    const auto feature = numbers<std::int64_t>(tree, "split_indices", n);
    const auto condition = numbers<float>(tree, "split_conditions", n);
    const auto default_left = numbers<int>(tree, "default_left", n);
    const auto sum_hessian = numbers<float>(tree, "sum_hessian", n);
    if (tree.contains("split_type")) {
      for (int type : numbers<int>(tree, "split_type", n)) {
        if (type != 0) corrupt("a tree has a categorical split");
      }
    }
    // Breadth first from the root, children side by side (right = left + 1); every node is
    // reached at most once, so a malformed tree cannot loop.
    const auto base_index = static_cast<std::int32_t>(out.nodes_.size());
    out.roots_.push_back(base_index);
    std::vector<std::pair<std::int64_t, std::size_t>> queue{{0, 0}};  // (xgboost node, depth)
    std::vector<char> seen(n, 0);
    seen[0] = 1;
    out.nodes_.emplace_back();
    out.leaf_value_.push_back(0.0f);
    out.cover_.push_back(0.0f);
    for (std::size_t head = 0; head < queue.size(); ++head) {
      const auto [node, depth] = queue[head];
      const auto self = base_index + static_cast<std::int32_t>(head);
      const auto i = static_cast<std::size_t>(node);
      if (!(sum_hessian[i] >= 0.0f) || std::isinf(sum_hessian[i]))
        corrupt("a node's sum_hessian is not a finite number >= 0");
      out.cover_[static_cast<std::size_t>(self)] = sum_hessian[i];
      if (left[i] == -1) {
        if (right[i] != -1) corrupt("a leaf has a right child");
        out.nodes_[static_cast<std::size_t>(self)] = {std::numeric_limits<float>::quiet_NaN(), 0, self - 1, 1};
        out.leaf_value_[static_cast<std::size_t>(self)] = condition[i];
        out.depth_ = std::max(out.depth_, depth);
        continue;
      }
      for (const std::int64_t child : {left[i], right[i]}) {
        if (child <= 0 || child >= static_cast<std::int64_t>(n) || seen[static_cast<std::size_t>(child)] != 0) {
          corrupt("a child index is out of range or shared");
        }
        seen[static_cast<std::size_t>(child)] = 1;
      }
      if (feature[i] < 0 || feature[i] >= static_cast<std::int64_t>(n_features)) corrupt("a split feature is out of range");
      if (std::isnan(condition[i])) corrupt("a split threshold is NaN");
      const auto first_child = base_index + static_cast<std::int32_t>(queue.size());
      out.nodes_[static_cast<std::size_t>(self)] = {condition[i], static_cast<std::uint32_t>(feature[i]), first_child,
                                                    default_left[i] != 0 ? 0U : 1U};
      if (depth + 1 > DecisionTree::kMaxDepth) {
        corrupt("a tree is deeper than " + std::to_string(DecisionTree::kMaxDepth) + " levels");
      }
      queue.emplace_back(left[i], depth + 1);
      queue.emplace_back(right[i], depth + 1);
      out.nodes_.resize(out.nodes_.size() + 2);
      out.leaf_value_.resize(out.leaf_value_.size() + 2, 0.0f);
      out.cover_.resize(out.cover_.size() + 2, 0.0f);
    }
  }
  return out;
}

float GbdtTrees::margin_of(const float* row) const {
  const Node* nodes = nodes_.data();
  const std::size_t n_trees = roots_.size();
  float margin = base_margin_;
  std::size_t tree = 0;
  // kLanes trees at a time, each walked exactly depth_ steps (leaves step onto themselves), so
  // the lanes' loads overlap and no branch depends on the data; the leaves are then added in
  // tree order, as xgboost adds them.
  for (; tree + kLanes <= n_trees; tree += kLanes) {
    std::int32_t index[kLanes];
    for (std::size_t lane = 0; lane < kLanes; ++lane) index[lane] = roots_[tree + lane];
    for (std::size_t s = 0; s < depth_; ++s) {
      for (std::size_t lane = 0; lane < kLanes; ++lane) index[lane] = step(nodes, index[lane], row);
    }
    for (std::size_t lane = 0; lane < kLanes; ++lane) margin += leaf_value_[static_cast<std::size_t>(index[lane])];
  }
  for (; tree < n_trees; ++tree) {
    std::int32_t index = roots_[tree];
    for (std::size_t s = 0; s < depth_; ++s) index = step(nodes, index, row);
    margin += leaf_value_[static_cast<std::size_t>(index)];
  }
  return margin;
}

float GbdtTrees::margin(const double* raw) const {
  thread_local std::vector<float> row;
  row.resize(n_features_);
  for (std::size_t col = 0; col < n_features_; ++col) row[col] = static_cast<float>(raw[col]);
  return margin_of(row.data());
}

float GbdtTrees::probability(const double* raw) const {
  // xgboost 1.7's common::Sigmoid.
  return 1.0f / (1.0f + std::exp(-margin(raw)));
}

void GbdtTrees::probability_batch(const double* rows, std::size_t n_rows, double* out) const {
  std::vector<float> row(n_features_);
  for (std::size_t r = 0; r < n_rows; ++r) {
    const double* raw = rows + r * n_features_;
    for (std::size_t col = 0; col < n_features_; ++col) row[col] = static_cast<float>(raw[col]);
    out[r] = 1.0f / (1.0f + std::exp(-margin_of(row.data())));
  }
}

}  // namespace risklab::ml::detail
