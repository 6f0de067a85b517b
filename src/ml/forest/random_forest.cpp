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
  build_flat();
}

void RandomForest::build_flat() {
  flat_.clear();
  leaf_value_.clear();
  roots_.clear();
  for (const DecisionTree& tree : trees_) {
    const auto base = static_cast<std::int32_t>(flat_.size());
    roots_.push_back(base);
    for (std::size_t n = 0; n < tree.size(); ++n) {
      const auto self = base + static_cast<std::int32_t>(n);
      if (tree.left()[n] == DecisionTree::kLeaf) {
        flat_.push_back({std::numeric_limits<double>::infinity(), 0, self});
        leaf_value_.push_back(tree.value()[n]);
      } else {
        flat_.push_back({tree.threshold()[n], tree.feature()[n], base + tree.left()[n]});
        leaf_value_.push_back(0.0);
      }
    }
  }
}

namespace {

// Walks `n_items` root-to-leaf paths, kLanes at a time so that their dependent loads
// overlap; a lane that reaches its leaf (a node pointing at itself) takes the next item at
// once. `start(item)` gives an item's root and row, `finish(item, leaf)` receives its leaf.
template <class Node, class Start, class Finish>
void walk_items(const Node* nodes, std::size_t n_items, Start start, Finish finish) {
  constexpr std::size_t kLanes = RandomForest::kLanes;
  std::int32_t node[kLanes];
  const double* row[kLanes];
  std::size_t item[kLanes];
  std::size_t next = 0;
  std::size_t active = 0;
  for (std::size_t lane = 0; lane < kLanes && next < n_items; ++lane, ++active) {
    item[lane] = next;
    start(next++, node[lane], row[lane]);
  }
  while (active > 0) {
    for (std::size_t lane = 0; lane < active; ++lane) {
      const Node& n = nodes[node[lane]];
      const std::int32_t following = n.left + (row[lane][n.feature] > n.threshold ? 1 : 0);
      if (following != node[lane]) {
        node[lane] = following;
        continue;
      }
      finish(item[lane], following);
      if (next < n_items) {
        item[lane] = next;
        start(next++, node[lane], row[lane]);
      } else {
        // Retire the lane: move the last active lane into its place.
        --active;
        node[lane] = node[active];
        row[lane] = row[active];
        item[lane] = item[active];
        --lane;
      }
    }
  }
}

}  // namespace

double RandomForest::predict(const double* row) const {
  // Trees finish out of order; their values are summed in tree order afterwards.
  std::vector<double> values(roots_.size());
  walk_items(
      flat_.data(), roots_.size(),
      [&](std::size_t tree, std::int32_t& node, const double*& lane_row) {
        node = roots_[tree];
        lane_row = row;
      },
      [&](std::size_t tree, std::int32_t leaf) { values[tree] = leaf_value_[static_cast<std::size_t>(leaf)]; });
  double sum = 0.0;
  for (double v : values) sum += v;
  return sum / static_cast<double>(trees_.size());
}

void RandomForest::predict_batch(const double* rows, std::size_t n_rows, double* out) const {
  std::fill_n(out, n_rows, 0.0);
  for (const std::int32_t root : roots_) {
    walk_items(
        flat_.data(), n_rows,
        [&](std::size_t row, std::int32_t& node, const double*& lane_row) {
          node = root;
          lane_row = rows + row * n_features_;
        },
        [&](std::size_t row, std::int32_t leaf) { out[row] += leaf_value_[static_cast<std::size_t>(leaf)]; });
  }
  for (std::size_t row = 0; row < n_rows; ++row) out[row] /= static_cast<double>(trees_.size());
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
  forest.build_flat();
  return forest;
}

}  // namespace risklab::ml
