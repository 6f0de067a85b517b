#include "ml/forest/random_forest.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <exception>
#include <limits>
#include <mutex>
#include <thread>

#include "core/error.hpp"
#include "ml/detail/binning.hpp"
#include "ml/detail/tree_builder.hpp"
#include "ml/rng.hpp"

namespace risklab::ml {
namespace {

// What one tree contributes; reduced in tree order after all workers joined.
struct TreeResult {
  DecisionTree tree;
  std::vector<double> importance;
  std::vector<std::uint32_t> oob_rows;
  std::vector<double> oob_values;
  double root_value = 0.0;
};

// Leaf values of `tree` for the row-major `rows` listed in `ids`, eight walks interleaved so
// their cache misses overlap.
void oob_leaf_values(const DecisionTree& tree, const double* rows, std::size_t n_features,
                     const std::vector<std::uint32_t>& ids, double* out) {
  constexpr std::size_t kLanes = 8;
  const auto* left = tree.left().data();
  const auto* feature = tree.feature().data();
  const auto* threshold = tree.threshold().data();
  std::int32_t index[kLanes];
  for (std::size_t first = 0; first < ids.size(); first += kLanes) {
    const std::size_t lanes = std::min(kLanes, ids.size() - first);
    std::fill_n(index, lanes, 0);
    for (bool moved = true; moved;) {
      moved = false;
      for (std::size_t lane = 0; lane < lanes; ++lane) {
        const auto n = static_cast<std::size_t>(index[lane]);
        if (left[n] == DecisionTree::kLeaf) continue;
        const double* row = rows + ids[first + lane] * n_features;
        index[lane] = left[n] + (row[feature[n]] > threshold[n] ? 1 : 0);
        moved = true;
      }
    }
    for (std::size_t lane = 0; lane < lanes; ++lane) out[first + lane] = tree.value()[static_cast<std::size_t>(index[lane])];
  }
}

}  // namespace

std::size_t resolve_threads(std::size_t requested) {
  if (requested != 0) return requested;
  return std::max<std::size_t>(1, std::thread::hardware_concurrency());
}

void RandomForest::fit(const ForestTrainingData& data, const TrainParams& params,
                       std::size_t threads, const ProgressFn& progress) {
  params.validate();
  const std::vector<double>& x = *data.x;
  const std::vector<std::uint8_t>& y = *data.y;
  const std::size_t n_rows = data.n_rows;
  const std::size_t n_real = data.n_real;
  if (n_real == 0 || n_rows < n_real) throw core::InvalidInput("data_invalid", "no training rows");
  std::size_t positives = 0;
  for (std::size_t row = 0; row < n_real; ++row) positives += y[row];
  if (positives == 0 || positives == n_real) {
    throw core::InvalidInput("data_invalid", "training data must contain both classes (0 and 1)");
  }

  const detail::BinnedMatrix bins =
      detail::bin_matrix(x, n_rows, data.n_features, params.max_bins, std::min(resolve_threads(threads), params.n_trees));
  const detail::TreeGrowParams grow{params.max_depth, params.min_samples_leaf,
                                    params.resolve_max_features(data.n_features)};

  // The chance that a synthetic row enters a tree: both parents drawn in n_real draws.
  const double in_bag = params.bootstrap
                            ? 1.0 - std::pow(1.0 - 1.0 / static_cast<double>(n_real),
                                             static_cast<double>(n_real))
                            : 1.0;
  const double synthetic_share = in_bag * in_bag;
  std::array<double, 2> class_weight{1.0, 1.0};
  if (params.class_weight == ClassWeight::balanced) {
    std::array<double, 2> expected{0.0, 0.0};
    for (std::size_t row = 0; row < n_rows; ++row) {
      expected[y[row]] += row < n_real ? 1.0 : synthetic_share;
    }
    const double total = expected[0] + expected[1];
    for (int c = 0; c < 2; ++c) class_weight[c] = total / (2.0 * expected[c]);
  }

  // The real rows row-major, so out-of-bag walks read one row's features together.
  std::vector<double> real_rows(n_real * data.n_features);
  for (std::size_t col = 0; col < data.n_features; ++col) {
    for (std::size_t row = 0; row < n_real; ++row) real_rows[row * data.n_features + col] = x[col * n_rows + row];
  }

  std::vector<TreeResult> results(params.n_trees);
  std::atomic<std::size_t> next{0};
  std::mutex progress_mutex;
  std::size_t done = 0;
  std::exception_ptr failure;

  const auto grow_one = [&](std::size_t tree_idx, std::vector<std::uint32_t>& counts,
                            std::vector<double>& weight, std::vector<std::uint32_t>& rows,
                            std::vector<std::uint32_t>& eligible) {
    Rng rng(derive_seed(params.seed, kForestStreamBase + tree_idx));
    std::fill(counts.begin(), counts.end(), 0U);
    if (params.bootstrap) {
      for (std::size_t draw = 0; draw < n_real; ++draw) ++counts[rng.uniform_below(n_real)];
    } else {
      std::fill(counts.begin(), counts.end(), 1U);
    }
    // Synthetic rows whose parents are both in the bag are eligible; with bootstrap they are
    // then drawn with replacement like the real rows, so each tree sees about 63 % of them
    // with integer weights, as sklearn's bootstrap over the resampled set would.
    eligible.clear();
    for (std::size_t s = 0; s < n_rows - n_real; ++s) {
      if (counts[(*data.base)[s]] > 0 && counts[(*data.neighbour)[s]] > 0) {
        eligible.push_back(static_cast<std::uint32_t>(n_real + s));
      }
    }
    std::fill(weight.begin(), weight.end(), 0.0);
    for (std::size_t row = 0; row < n_real; ++row) weight[row] = counts[row];
    if (params.bootstrap) {
      for (std::size_t draw = 0; draw < eligible.size(); ++draw) {
        weight[eligible[rng.uniform_below(eligible.size())]] += 1.0;
      }
    } else {
      for (std::uint32_t row : eligible) weight[row] = 1.0;
    }
    rows.clear();
    for (std::size_t row = 0; row < n_rows; ++row) {
      if (weight[row] > 0.0) rows.push_back(static_cast<std::uint32_t>(row));
    }
    std::array<double, 2> tree_class_weight = class_weight;
    if (params.class_weight == ClassWeight::balanced_subsample) {
      std::array<double, 2> sums{0.0, 0.0};
      for (std::uint32_t row : rows) sums[y[row]] += weight[row];
      for (int c = 0; c < 2; ++c) {
        tree_class_weight[c] = sums[c] > 0.0 ? (sums[0] + sums[1]) / (2.0 * sums[c]) : 1.0;
      }
    }
    if (tree_class_weight[0] != 1.0 || tree_class_weight[1] != 1.0) {
      for (std::uint32_t row : rows) weight[row] *= tree_class_weight[y[row]];
    }
    TreeResult& result = results[tree_idx];
    result.importance.assign(data.n_features, 0.0);
    result.tree = detail::grow_tree(bins, y.data(), weight.data(), rows, grow, rng, result.importance);
    result.root_value = result.tree.value()[0];
    for (std::size_t row = 0; row < n_real; ++row) {
      if (counts[row] == 0) result.oob_rows.push_back(static_cast<std::uint32_t>(row));
    }
    result.oob_values.resize(result.oob_rows.size());
    oob_leaf_values(result.tree, real_rows.data(), data.n_features, result.oob_rows, result.oob_values.data());
  };

  const auto worker = [&]() {
    std::vector<std::uint32_t> counts(n_real);
    std::vector<double> weight(n_rows);
    std::vector<std::uint32_t> rows;
    std::vector<std::uint32_t> eligible;
    rows.reserve(n_rows);
    try {
      for (std::size_t tree_idx = next++; tree_idx < params.n_trees; tree_idx = next++) {
        grow_one(tree_idx, counts, weight, rows, eligible);
        if (progress) {
          const std::lock_guard lock(progress_mutex);
          progress(++done, params.n_trees);
        }
      }
    } catch (...) {
      const std::lock_guard lock(progress_mutex);
      if (!failure) failure = std::current_exception();
      next = params.n_trees;
    }
  };
  const std::size_t n_threads = std::min(resolve_threads(threads), params.n_trees);
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < n_threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& thread : pool) thread.join();
  if (failure) std::rethrow_exception(failure);

  // Reduce in tree order: the result does not depend on which thread grew which tree.
  trees_.clear();
  n_features_ = data.n_features;
  importances_.assign(data.n_features, 0.0);
  std::vector<double> oob_sum(n_real, 0.0);
  std::vector<std::uint32_t> oob_count(n_real, 0);
  double prior_sum = 0.0;
  std::size_t trees_with_splits = 0;
  for (TreeResult& result : results) {
    double total = 0.0;
    for (double v : result.importance) total += v;
    if (total > 0.0) {
      for (std::size_t f = 0; f < data.n_features; ++f) importances_[f] += result.importance[f] / total;
      ++trees_with_splits;
    }
    for (std::size_t i = 0; i < result.oob_rows.size(); ++i) {
      oob_sum[result.oob_rows[i]] += result.oob_values[i];
      ++oob_count[result.oob_rows[i]];
    }
    prior_sum += result.root_value;
    trees_.push_back(std::move(result.tree));
  }
  if (trees_with_splits > 0) {
    double total = 0.0;
    for (double& v : importances_) total += (v /= static_cast<double>(trees_with_splits));
    if (total > 0.0) {
      for (double& v : importances_) v /= total;
    }
  }
  training_prior_ = prior_sum / static_cast<double>(trees_.size());
  oob_prediction_.assign(n_real, std::numeric_limits<double>::quiet_NaN());
  std::size_t scored = 0;
  std::size_t correct = 0;
  for (std::size_t row = 0; row < n_real; ++row) {
    if (oob_count[row] == 0) continue;
    oob_prediction_[row] = oob_sum[row] / oob_count[row];
    ++scored;
    correct += (oob_prediction_[row] > 0.5 ? 1 : 0) == y[row] ? 1 : 0;
  }
  oob_score_ = scored == 0 ? std::numeric_limits<double>::quiet_NaN()
                           : static_cast<double>(correct) / static_cast<double>(scored);
  predictor_.build(trees_, n_features_);
}

RandomForest RandomForest::from_parts(std::vector<DecisionTree> trees, std::size_t n_features,
                                      std::vector<double> importances, double oob_score,
                                      double training_prior) {
  RandomForest forest;
  forest.trees_ = std::move(trees);
  forest.n_features_ = n_features;
  forest.importances_ = std::move(importances);
  forest.oob_score_ = oob_score;
  forest.training_prior_ = training_prior;
  forest.predictor_.build(forest.trees_, forest.n_features_);
  return forest;
}

}  // namespace risklab::ml
