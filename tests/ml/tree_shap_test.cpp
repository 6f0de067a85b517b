#include "ml/tree_shap.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

#include "core/error.hpp"
#include "fixtures.hpp"
#include "ml/model.hpp"
#include "ml/split.hpp"

namespace risklab::ml {
namespace {

// The path-dependent value function of one tree for coalition `mask` (Lundberg et al.
// 2018, Algorithm 1): follow the row on features in the coalition, otherwise average the
// children by training cover.
double coalition_value(const DecisionTree& tree, std::size_t node, const double* row, unsigned mask) {
  if (tree.left()[node] == DecisionTree::kLeaf) return tree.value()[node];
  const auto f = static_cast<unsigned>(tree.feature()[node]);
  const auto left = static_cast<std::size_t>(tree.left()[node]);
  const auto right = static_cast<std::size_t>(tree.right()[node]);
  if (mask & (1U << f)) {
    return coalition_value(tree, row[f] <= tree.threshold()[node] ? left : right, row, mask);
  }
  return (tree.cover()[left] * coalition_value(tree, left, row, mask) +
          tree.cover()[right] * coalition_value(tree, right, row, mask)) /
         tree.cover()[node];
}

double forest_value(const RandomForest& forest, const double* row, unsigned mask) {
  double sum = 0.0;
  for (const auto& tree : forest.trees()) sum += coalition_value(tree, 0, row, mask);
  return sum / static_cast<double>(forest.trees().size());
}

// Shapley values by enumerating every coalition: exponential, fine for 3 features.
std::vector<double> brute_force_shap(const RandomForest& forest, const double* row) {
  const std::size_t m = forest.n_features();
  std::vector<double> phi(m, 0.0);
  std::vector<double> factorial(m + 1, 1.0);
  for (std::size_t i = 1; i <= m; ++i) factorial[i] = factorial[i - 1] * static_cast<double>(i);
  for (std::size_t i = 0; i < m; ++i) {
    for (unsigned mask = 0; mask < (1U << m); ++mask) {
      if (mask & (1U << i)) continue;
      const auto s = static_cast<std::size_t>(__builtin_popcount(mask));
      const double weight = factorial[s] * factorial[m - s - 1] / factorial[m];
      phi[i] += weight * (forest_value(forest, row, mask | (1U << i)) - forest_value(forest, row, mask));
    }
  }
  return phi;
}

// A second exact reference, by another route than the explainer's: enumerate every leaf,
// combine the path's fractions per distinct feature (z: share of cover kept, o: does the row
// follow), and integrate prod_{j != i} (z_j (1 - t) + o_j t) over [0, 1] in the Bernstein
// basis. Every coefficient stays non-negative, so nothing cancels at any depth (unlike
// Algorithm 2 of Lundberg et al., whose UNWIND loses all digits beyond ~40 features).
struct Fraction {
  int feature;
  double zero;
  double one;
};

double bernstein_integral(const std::vector<Fraction>& path, std::size_t skip) {
  std::vector<double> c{1.0};
  for (std::size_t j = 0; j < path.size(); ++j) {
    if (j == skip) continue;
    const std::size_t m = c.size() - 1;
    std::vector<double> d(m + 2, 0.0);
    for (std::size_t k = 0; k <= m + 1; ++k) {
      const double up = k == 0 ? 0.0 : c[k - 1] * path[j].one * static_cast<double>(k);
      const double stay = k == m + 1 ? 0.0 : c[k] * path[j].zero * static_cast<double>(m + 1 - k);
      d[k] = (up + stay) / static_cast<double>(m + 1);
    }
    c = std::move(d);
  }
  double sum = 0.0;
  for (double v : c) sum += v;
  return sum / static_cast<double>(c.size());
}

void leaf_formula(const DecisionTree& tree, std::size_t node, const double* row, std::vector<Fraction> path,
                  std::vector<double>& phi) {
  if (tree.left()[node] == DecisionTree::kLeaf) {
    for (std::size_t i = 0; i < path.size(); ++i) {
      phi[static_cast<std::size_t>(path[i].feature)] +=
          (path[i].one - path[i].zero) * tree.value()[node] * bernstein_integral(path, i);
    }
    return;
  }
  const int split = tree.feature()[node];
  const auto left = static_cast<std::size_t>(tree.left()[node]);
  const auto right = static_cast<std::size_t>(tree.right()[node]);
  const std::size_t hot = row[split] <= tree.threshold()[node] ? left : right;
  for (const std::size_t child : {left, right}) {
    std::vector<Fraction> next = path;
    const double z = tree.cover()[child] / tree.cover()[node];
    const double o = child == hot ? 1.0 : 0.0;
    bool found = false;
    for (Fraction& f : next) {
      if (f.feature != split) continue;
      f.zero *= z;
      f.one *= o;
      found = true;
    }
    if (!found) next.push_back({split, z, o});
    leaf_formula(tree, child, row, std::move(next), phi);
  }
}

std::vector<double> leaf_formula_shap(const RandomForest& forest, const double* row) {
  std::vector<double> phi(forest.n_features(), 0.0);
  for (const auto& tree : forest.trees()) leaf_formula(tree, 0, row, {}, phi);
  for (double& v : phi) v /= static_cast<double>(forest.trees().size());
  return phi;
}

Model small_model(std::size_t trees, std::size_t max_depth) {
  TrainParams params;
  params.n_trees = trees;
  params.max_depth = max_depth;
  params.max_features = "all";
  return train_model(test::synthetic_dataset(300, 21, 0.1), params, {1, {}, ""});
}

}  // namespace

TEST(TreeShap, EqualsBruteForceShapleyValuesWithRepeatedFeaturesOnPaths) {
  // Deep trees on 3 features split on the same feature many times along a path.
  const Model model = small_model(6, 0);
  TreeExplainer explainer(model.forest);
  const Dataset rows = test::synthetic_dataset(25, 99, 0.1);
  std::vector<double> raw(3), prepared(3);
  for (std::size_t row = 0; row < rows.n_rows; ++row) {
    for (std::size_t col = 0; col < 3; ++col) raw[col] = rows.at(row, col);
    model.prepare(raw.data(), prepared.data());
    const ShapValues shap = explainer.explain(prepared.data());
    const auto expected = brute_force_shap(model.forest, prepared.data());
    for (std::size_t f = 0; f < 3; ++f) EXPECT_NEAR(shap.contributions[f], expected[f], 1e-12) << row << " " << f;
    EXPECT_NEAR(shap.expected_value, forest_value(model.forest, prepared.data(), 0U), 1e-12);
  }
}

TEST(TreeShap, LeafFormulaReferenceAgreesWithBruteForce) {
  const Model model = small_model(4, 0);
  const Dataset rows = test::synthetic_dataset(10, 98, 0.1);
  std::vector<double> raw(3), prepared(3);
  for (std::size_t row = 0; row < rows.n_rows; ++row) {
    for (std::size_t col = 0; col < 3; ++col) raw[col] = rows.at(row, col);
    model.prepare(raw.data(), prepared.data());
    const auto reference = leaf_formula_shap(model.forest, prepared.data());
    const auto expected = brute_force_shap(model.forest, prepared.data());
    for (std::size_t f = 0; f < 3; ++f) EXPECT_NEAR(reference[f], expected[f], 1e-12) << row << " " << f;
  }
}

// A caterpillar tree: one spine of `splits` splits (split k on split(k) = {feature, threshold}),
// a leaf hanging off each and a last one at the end (leaf k = 0..splits: {value, cover}), the
// splits' covers the sums of their children's.
template <class Split, class Leaf>
DecisionTree caterpillar(std::size_t splits, std::size_t n_features, Split split, Leaf leaf) {
  std::vector<std::int32_t> left, right, feature;
  std::vector<double> threshold, value, cover;
  const auto add_leaf = [&](std::size_t k) {
    const auto [v, c] = leaf(k);
    left.push_back(DecisionTree::kLeaf);
    right.push_back(DecisionTree::kLeaf);
    feature.push_back(-1);
    threshold.push_back(0.0);
    value.push_back(v);
    cover.push_back(c);
  };
  for (std::size_t k = 0; k < splits; ++k) {
    const auto [f, t] = split(k);
    left.push_back(static_cast<std::int32_t>(2 * k + 1));
    right.push_back(static_cast<std::int32_t>(2 * k + 2));
    feature.push_back(f);
    threshold.push_back(t);
    value.push_back(0.5);
    cover.push_back(0.0);
    add_leaf(k);
  }
  add_leaf(splits);
  for (std::size_t k = splits; k-- > 0;) cover[2 * k] = cover[2 * k + 1] + cover[2 * k + 2];
  return DecisionTree::from_arrays(left, right, feature, threshold, value, cover, n_features);
}

TEST(TreeShap, PathsWithMoreThan64DistinctFeaturesStayExact) {
  // Caterpillar trees: splits down one spine on features k % distinct, a leaf hanging off
  // each split. 60 distinct features use the compiled point counts, 75 (38 points) the
  // run-time one; features repeat along the spine; features >= 75 are never used.
  constexpr std::size_t kFeatures = 80;
  for (const int distinct : {60, 75}) {
    const int splits = distinct + 15;
    Rng rng(17);
    const auto n_splits = static_cast<std::size_t>(splits);
    std::vector<DecisionTree> trees;
    trees.push_back(caterpillar(
        n_splits, kFeatures,
        [distinct](std::size_t k) {
          return std::pair{static_cast<std::int32_t>(static_cast<int>(k) % distinct),
                           static_cast<double>(k % 7) - 3.0};
        },
        [&rng, n_splits](std::size_t k) {
          const double v = rng.uniform01();
          return std::pair{v,
                           k == n_splits ? 2.0 : 1.0 + static_cast<double>(rng.uniform_below(5))};
        }));
    const RandomForest forest =
        RandomForest::from_parts(trees, kFeatures, std::vector<double>(kFeatures, 0.0), 0.0, 0.5);
    TreeExplainer explainer(forest);
    for (int r = 0; r < 10; ++r) {
      std::vector<double> row(kFeatures);
      // Shifted right, so most rows run deep down the spine.
      for (double& v : row) v = rng.uniform01() * 8.0 - (r % 2 == 0 ? 2.0 : 4.0);
      const ShapValues shap = explainer.explain(row.data());
      const auto expected = leaf_formula_shap(forest, row.data());
      for (std::size_t f = 0; f < kFeatures; ++f) {
        ASSERT_NEAR(shap.contributions[f], expected[f], 1e-12) << distinct << " " << r << " " << f;
      }
      const double total = std::accumulate(shap.contributions.begin(), shap.contributions.end(), shap.expected_value);
      EXPECT_NEAR(total, forest.predict(row.data()), 1e-12);
      for (std::size_t f = 75; f < kFeatures; ++f) EXPECT_EQ(shap.contributions[f], 0.0);
    }
  }
}

// A caterpillar tree over 20 features (see caterpillar()).
DecisionTree spine_tree(std::size_t splits) {
  return caterpillar(
      splits, 20,
      [](std::size_t k) {
        return std::pair{static_cast<std::int32_t>(k % 20), static_cast<double>(k % 5) - 2.0};
      },
      [splits](std::size_t k) {
        return std::pair{k == splits ? 0.9 : static_cast<double>(k % 10) / 10.0, 1.0};
      });
}

// TreeSHAP recurses once per level: the reader caps the depth, so that what it accepts is
// explained on a request thread's stack (a std::thread, as the server's workers are).
TEST(TreeShap, TreesOfTheMaximumDepthAreExplainedAndDeeperOnesAreRefusedAtLoad) {
  try {
    (void)spine_tree(DecisionTree::kMaxDepth + 1);
    FAIL() << "a tree deeper than kMaxDepth was accepted";
  } catch (const core::InvalidInput& e) {
    EXPECT_EQ(e.code(), "model_corrupt");
    EXPECT_NE(std::string(e.what()).find("deeper than 1000"), std::string::npos) << e.what();
  }
  std::vector<DecisionTree> trees{spine_tree(DecisionTree::kMaxDepth)};
  ASSERT_EQ(trees[0].depth(), DecisionTree::kMaxDepth);
  const RandomForest forest =
      RandomForest::from_parts(trees, 20, std::vector<double>(20, 0.0), 0.0, 0.5);
  std::vector<double> row(20, 2.5);  // right at every split: the row runs down the whole spine
  double total = 0.0;
  std::thread worker([&] {
    TreeExplainer explainer(forest);
    const ShapValues shap = explainer.explain(row.data());
    total =
        std::accumulate(shap.contributions.begin(), shap.contributions.end(), shap.expected_value);
  });
  worker.join();
  EXPECT_NEAR(total, forest.predict(row.data()), 1e-9);
}

TEST(TreeShap, StumpsGiveTheClosedForm) {
  const Model model = small_model(3, 1);
  TreeExplainer explainer(model.forest);
  const double row[3] = {0.3, -0.2, 0.5};
  const ShapValues shap = explainer.explain(row);
  const auto expected = brute_force_shap(model.forest, row);
  for (std::size_t f = 0; f < 3; ++f) EXPECT_NEAR(shap.contributions[f], expected[f], 1e-14);
}

namespace {

// A forest of `trees` trained on the reference data's training split, and its test split.
struct ReferenceForest {
  Model model;
  Dataset test;
};
ReferenceForest reference_forest(std::size_t trees) {
  const Dataset all = read_csv(risklab::test::shared_data("taiwan_bankruptcy.csv"), {"Bankrupt?", "", {}});
  const SplitIndices split = stratified_split(all.y, 0.2, 42);
  TrainParams params;
  params.n_trees = trees;
  return {train_model(all.select_rows(split.train), params, {2, {}, ""}),
          all.select_rows(split.test)};
}

}  // namespace

// The acceptance property on every row of the reference test split (25 trees keep
// the sanitizer build fast; additivity does not depend on the tree count).
TEST(TreeShap, ContributionsPlusExpectedValueEqualTheScoreOnEveryReferenceTestRow) {
  const auto [model, test] = reference_forest(25);
  TreeExplainer explainer(model.forest);
  std::vector<double> raw(model.features.size()), prepared(model.features.size());
  double worst = 0.0;
  for (std::size_t row = 0; row < test.n_rows; ++row) {
    for (std::size_t col = 0; col < raw.size(); ++col) raw[col] = test.at(row, col);
    model.prepare(raw.data(), prepared.data());
    const ShapValues shap = explainer.explain(prepared.data());
    const double total = std::accumulate(shap.contributions.begin(), shap.contributions.end(), shap.expected_value);
    worst = std::max(worst, std::fabs(total - model.forest.predict(prepared.data())));
  }
  EXPECT_LT(worst, 1e-9);
}

// explain_batch shares each tree walk among up to kMaxRows rows (in passes of up to 64); every
// row must get what explain() gives it alone (to the single precision of the batched walk), in
// batches that are partial (one pass, two of unequal vector counts), exactly full and split in
// several.
TEST(TreeShap, ABatchGivesEveryRowTheValuesItGetsAlone) {
  const auto [model, test] = reference_forest(20);
  TreeExplainer explainer(model.forest);
  const std::size_t width = model.features.size();
  for (const std::size_t n : {std::size_t{3}, std::size_t{21}, std::size_t{37},
                              TreeExplainer::kMaxRows, 2 * TreeExplainer::kMaxRows + 5}) {
    std::vector<double> raw(width), prepared(n * width);
    for (std::size_t r = 0; r < n; ++r) {
      for (std::size_t col = 0; col < width; ++col) raw[col] = test.at(r * 7 % test.n_rows, col);
      model.prepare(raw.data(), prepared.data() + r * width);
    }
    const std::vector<ShapValues> batch = explainer.explain_batch(prepared.data(), n);
    ASSERT_EQ(batch.size(), n);
    for (std::size_t r = 0; r < n; ++r) {
      const ShapValues alone = explainer.explain(prepared.data() + r * width);
      EXPECT_DOUBLE_EQ(batch[r].expected_value, alone.expected_value);
      ASSERT_EQ(batch[r].contributions.size(), width);
      for (std::size_t f = 0; f < width; ++f) {
        EXPECT_NEAR(batch[r].contributions[f], alone.contributions[f], test::kBatchShapTolerance)
            << "batch of " << n << ", row " << r << ", feature " << f;
      }
    }
  }
}

namespace {

// `n` rows of the reference test split, prepared for the explainer.
std::vector<double> prepared_rows(const ReferenceForest& reference, std::size_t n,
                                  std::size_t stride) {
  const std::size_t width = reference.model.features.size();
  std::vector<double> raw(width), prepared(n * width);
  for (std::size_t r = 0; r < n; ++r) {
    for (std::size_t col = 0; col < width; ++col)
      raw[col] = reference.test.at(r * stride % reference.test.n_rows, col);
    reference.model.prepare(raw.data(), prepared.data() + r * width);
  }
  return prepared;
}

// Each handed-back row has the values explain() gives it alone (within `tolerance`: by default
// the single precision of a walk of several rows), and every row came back once.
void expect_values_alone(TreeExplainer& explainer, const std::vector<double>& prepared,
                         std::size_t n,
                         const std::vector<std::pair<std::uint64_t, ShapValues>>& done,
                         double tolerance = test::kBatchShapTolerance) {
  const std::size_t width = explainer.n_features();
  ASSERT_EQ(done.size(), n);
  std::vector<int> seen(n, 0);
  for (const auto& [id, values] : done) {
    ASSERT_LT(id, n);
    ++seen[id];
    const ShapValues alone = explainer.explain(prepared.data() + id * width);
    EXPECT_DOUBLE_EQ(values.expected_value, alone.expected_value);
    ASSERT_EQ(values.contributions.size(), width);
    for (std::size_t f = 0; f < width; ++f) {
      EXPECT_NEAR(values.contributions[f], alone.contributions[f], tolerance)
          << "row " << id << ", feature " << f;
    }
  }
  for (std::size_t r = 0; r < n; ++r) EXPECT_EQ(seen[r], 1) << "row " << r;
}

}  // namespace

// Continuous batching (the scoring service's drivers), on one thread: rows join the walk at
// whichever tree it has reached, up to max_rows() in flight (a join beyond is refused); each
// leaves after exactly one turn of the trees with the values explain() gives it alone.
TEST(ContinuousExplainer, RowsJoiningAtAnyTreeGetTheValuesTheyGetAlone) {
  const ReferenceForest reference = reference_forest(20);
  TreeExplainer explainer(reference.model.forest);
  ContinuousExplainer continuous(explainer, 1);
  const std::size_t width = explainer.n_features();
  const std::size_t trees = explainer.n_trees();
  const std::size_t n = 2 * continuous.max_rows() + 7;
  const std::vector<double> prepared = prepared_rows(reference, n, 3);
  std::vector<std::pair<std::uint64_t, ShapValues>> done;
  std::vector<std::size_t> joined_at(n);
  std::size_t next = 0;
  std::size_t steps = 0;
  bool was_full = false;
  while (done.size() < n) {
    // Fifteen rows try to join every third step: the explainer fills up and makes room.
    for (std::size_t j = 0; steps % 3 == 0 && j < 15 && next < n; ++j) {
      if (!continuous.join(next, prepared.data() + next * width)) {
        was_full = true;
        EXPECT_EQ(continuous.in_flight(), continuous.max_rows());
        break;
      }
      joined_at[next++] = steps;
    }
    ASSERT_LE(continuous.in_flight(), continuous.max_rows());
    const std::size_t before = done.size();
    // A row is handed back by the step after its last tree.
    const bool walked = continuous.step(0, done);
    for (std::size_t i = before; i < done.size(); ++i) {
      EXPECT_EQ(steps - joined_at[done[i].first], trees) << "row " << done[i].first;
    }
    if (walked) ++steps;
    ASSERT_LT(steps, 100 * trees);
  }
  EXPECT_TRUE(was_full);
  EXPECT_EQ(continuous.in_flight(), 0U);
  EXPECT_FALSE(continuous.step(0, done));  // nothing left to walk
  expect_values_alone(explainer, prepared, n, done);
}

// Several threads share the trees: each takes the next one and walks it over every row in
// flight, rows join from another thread meanwhile, and each row still gets every tree exactly
// once, whichever threads walked them (its values are those explain() gives it alone).
TEST(ContinuousExplainer, ThreadsTakingTurnsAtTheTreesGiveEachRowItsValuesAlone) {
  const ReferenceForest reference = reference_forest(20);
  TreeExplainer explainer(reference.model.forest);
  constexpr std::size_t kThreads = 3;
  ContinuousExplainer continuous(explainer, kThreads);
  const std::size_t width = explainer.n_features();
  const std::size_t n = 3 * continuous.max_rows();
  const std::vector<double> prepared = prepared_rows(reference, n, 5);
  std::mutex mutex;
  std::vector<std::pair<std::uint64_t, ShapValues>> done;
  std::atomic<std::size_t> walks_by_others{0};
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<std::pair<std::uint64_t, ShapValues>> mine;
      for (;;) {
        const bool walked = continuous.step(t, mine);
        if (walked && t > 0) ++walks_by_others;
        std::lock_guard lock(mutex);
        for (auto& item : mine) done.push_back(std::move(item));
        mine.clear();
        if (done.size() == n) return;
        if (!walked) std::this_thread::yield();
      }
    });
  }
  // Rows arrive one by one, and wait for room when max_rows() are in flight.
  for (std::size_t r = 0; r < n; ++r) {
    while (!continuous.join(r, prepared.data() + r * width)) std::this_thread::yield();
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(continuous.in_flight(), 0U);
  EXPECT_GT(walks_by_others.load(), 0U);
  expect_values_alone(explainer, prepared, n, done);
}

// A lone row is walked by every thread free to take a tree: it gets each tree once, and its
// values are those explain() gives it alone (a walk of one row runs its own vector layout).
TEST(ContinuousExplainer, ALoneRowSharedByTwoThreadsGetsItsValuesAlone) {
  const ReferenceForest reference = reference_forest(20);
  TreeExplainer explainer(reference.model.forest);
  ContinuousExplainer continuous(explainer, 2);
  const std::vector<double> prepared = prepared_rows(reference, 1, 1);
  ASSERT_TRUE(continuous.join(0, prepared.data()));
  std::vector<std::pair<std::uint64_t, ShapValues>> done;
  // The threads alternate: each holds the row and walks every other tree.
  std::size_t walks[2] = {0, 0};
  for (std::size_t i = 0; done.empty(); ++i) {
    if (continuous.step(i % 2, done)) ++walks[i % 2];
    ASSERT_LT(i, 10 * explainer.n_trees());
  }
  EXPECT_EQ(walks[0] + walks[1], explainer.n_trees());
  EXPECT_EQ(walks[0], walks[1]);
  expect_values_alone(explainer, prepared, 1, done, 1e-12);  // double precision throughout
}

// The walk runs sixteen rows a vector where the CPU has AVX-512, eight where it has AVX2 and FMA,
// four elsewhere (RISKLAB_TREESHAP picks one): all must give the same values, to rounding (FMA
// rounds once where the portable walk rounds twice; batches in single precision, a lone row in
// double), in batches and alone.
TEST(TreeShap, TheVectorWalksAndThePortableOneGiveTheSameValues) {
  if (test::vector_shap_walks().empty()) GTEST_SKIP() << "this CPU runs only the portable walk";
  const auto [model, test] = reference_forest(20);
  const std::size_t width = model.features.size();
  const std::size_t n = TreeExplainer::kMaxRows + 3;
  std::vector<double> raw(width), prepared(n * width);
  for (std::size_t r = 0; r < n; ++r) {
    for (std::size_t col = 0; col < width; ++col) raw[col] = test.at(r * 5 % test.n_rows, col);
    model.prepare(raw.data(), prepared.data() + r * width);
  }
  ASSERT_TRUE(test::use_shap_walk("sse2", detail::ShapWalkKind::sse2));
  TreeExplainer portable(model.forest);
  const std::vector<ShapValues> two = portable.explain_batch(prepared.data(), n);
  const ShapValues lone_two = portable.explain(prepared.data());
  for (const auto& [walk, kind] : test::vector_shap_walks()) {
    ASSERT_TRUE(test::use_shap_walk(walk, kind)) << walk;
    TreeExplainer vectors(model.forest);
    const std::vector<ShapValues> wide = vectors.explain_batch(prepared.data(), n);
    const ShapValues lone_wide = vectors.explain(prepared.data());
    double largest = 0.0;
    for (std::size_t r = 0; r < n; ++r) {
      for (std::size_t f = 0; f < width; ++f) {
        largest = std::max(largest, std::fabs(two[r].contributions[f]));
        EXPECT_NEAR(wide[r].contributions[f], two[r].contributions[f], test::kBatchShapTolerance)
            << walk << " " << r << " " << f;
      }
    }
    for (std::size_t f = 0; f < width; ++f)
      EXPECT_NEAR(lone_wide.contributions[f], lone_two.contributions[f], 1e-12) << walk << " " << f;
    EXPECT_GT(largest, 1e-3);  // the comparison is not between zeros
  }
  ::unsetenv("RISKLAB_TREESHAP");
}

}  // namespace risklab::ml
