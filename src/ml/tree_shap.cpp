#include "ml/tree_shap.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "ml/detail/gbdt_trees.hpp"

namespace risklab::ml {
namespace {

// Gauss-Legendre rule with n points mapped to [0, 1] (Newton on P_n from the usual cosine
// guesses); exact for polynomials of degree <= 2n - 1.
void gauss_legendre(std::size_t n, std::vector<double>& nodes, std::vector<double>& weights) {
  nodes.assign(n, 0.0);
  weights.assign(n, 0.0);
  const auto nd = static_cast<double>(n);
  for (std::size_t i = 0; i < n; ++i) {
    double x = std::cos(std::numbers::pi * (static_cast<double>(i) + 0.75) / (nd + 0.5));
    double derivative = 1.0;
    for (int iter = 0; iter < 100; ++iter) {
      double p0 = 1.0;
      double p1 = x;
      for (std::size_t k = 2; k <= n; ++k) {
        const auto kd = static_cast<double>(k);
        const double p2 = ((2.0 * kd - 1.0) * x * p1 - (kd - 1.0) * p0) / kd;
        p0 = p1;
        p1 = p2;
      }
      if (n == 1) p0 = 1.0;
      derivative = nd * (x * p1 - p0) / (x * x - 1.0);
      const double step = p1 / derivative;
      x -= step;
      if (std::fabs(step) < 1e-16) break;
    }
    nodes[i] = (1.0 - x) / 2.0;
    weights[i] = 1.0 / ((1.0 - x * x) * derivative * derivative);
  }
}

// The two kinds of trees TreeExplainer walks, behind one interface (node indices local to the
// tree, the root at 0).

// A random-forest tree (ml/forest): `row[feature] <= threshold` goes left.
struct ForestTree {
  const DecisionTree& tree;
  std::size_t size() const { return tree.size(); }
  bool leaf(std::size_t n) const { return tree.left()[n] == DecisionTree::kLeaf; }
  std::size_t left(std::size_t n) const { return static_cast<std::size_t>(tree.left()[n]); }
  std::size_t right(std::size_t n) const { return static_cast<std::size_t>(tree.right()[n]); }
  std::size_t feature(std::size_t n) const { return static_cast<std::size_t>(tree.feature()[n]); }
  double cover(std::size_t n) const { return tree.cover()[n]; }
  double value(std::size_t n) const { return tree.value()[n]; }
};

// One tree of a boosted model (detail::GbdtTrees), walked as xgboost 1.7 walks it.
struct BoostedTree {
  const detail::GbdtTrees::Node* nodes;
  const float* covers;
  const float* values;
  std::size_t begin;  // the tree's first node in GbdtTrees' arrays
  std::size_t n;
  BoostedTree(const detail::GbdtTrees& trees, std::size_t t)
      : nodes(trees.nodes().data() + trees.tree_begin(t)),
        covers(trees.cover().data() + trees.tree_begin(t)),
        values(trees.leaf_value().data() + trees.tree_begin(t)),
        begin(trees.tree_begin(t)),
        n(trees.tree_begin(t + 1) - trees.tree_begin(t)) {}
  std::size_t size() const { return n; }
  bool leaf(std::size_t i) const { return std::isnan(nodes[i].threshold); }
  std::size_t left(std::size_t i) const { return static_cast<std::size_t>(nodes[i].left) - begin; }
  std::size_t right(std::size_t i) const { return left(i) + 1; }
  std::size_t feature(std::size_t i) const { return nodes[i].feature; }
  double cover(std::size_t i) const { return covers[i]; }
  double value(std::size_t i) const { return values[i]; }
};

// Cover-weighted mean leaf value: the tree's output averaged over its training rows.
template <class Tree>
double tree_expected_value(const Tree& tree) {
  double sum = 0.0;
  for (std::size_t n = 0; n < tree.size(); ++n) {
    if (tree.leaf(n)) sum += tree.cover(n) * tree.value(n);
  }
  return tree.cover(0) > 0.0 ? sum / tree.cover(0) : tree.value(0);
}

struct TreeShape {
  /// Per node: for a leaf of non-zero value, the distinct features on its path (at least 1);
  /// otherwise 0. Its polynomials' degree bound.
  std::vector<std::size_t> leaf_unique;
  std::size_t depth = 0;  // the longest root-to-leaf path, in splits
};

template <class Tree>
TreeShape tree_shape(const Tree& tree, std::size_t n_features) {
  std::vector<int> count(n_features, 0);
  std::size_t unique = 0;
  TreeShape shape;
  shape.leaf_unique.assign(tree.size(), 0);
  struct Step {
    std::size_t node;
    std::size_t depth;
    bool leaving;
  };
  std::vector<Step> stack{{0, 0, false}};
  while (!stack.empty()) {
    const Step step = stack.back();
    stack.pop_back();
    if (tree.leaf(step.node)) {
      if (tree.value(step.node) != 0.0)
        shape.leaf_unique[step.node] = std::max<std::size_t>(unique, 1);
      shape.depth = std::max(shape.depth, step.depth);
      continue;
    }
    const std::size_t f = tree.feature(step.node);
    if (step.leaving) {
      if (--count[f] == 0) --unique;
      continue;
    }
    if (count[f]++ == 0) ++unique;
    stack.push_back({step.node, step.depth, true});
    stack.push_back({tree.right(step.node), step.depth + 1, false});
    stack.push_back({tree.left(step.node), step.depth + 1, false});
  }
  return shape;
}

// Per node: is its split feature split on again somewhere below it? Only then does visit()
// need an accumulator for the deeper splits on that feature.
template <class Tree>
std::vector<char> splits_again_below(const Tree& tree, std::size_t n_features) {
  std::vector<char> recurs(tree.size(), 0);
  std::vector<std::int64_t> nearest(n_features, -1);  // the closest open ancestor per feature
  struct Step {
    std::size_t node;
    bool leaving;
    std::int64_t saved;
  };
  std::vector<Step> stack{{0, false, -1}};
  while (!stack.empty()) {
    const Step step = stack.back();
    stack.pop_back();
    if (tree.leaf(step.node)) continue;
    const std::size_t f = tree.feature(step.node);
    if (step.leaving) {
      nearest[f] = step.saved;
      continue;
    }
    // Marking the closest ancestor suffices: it marks its own closest one when visited.
    if (nearest[f] >= 0) recurs[static_cast<std::size_t>(nearest[f])] = 1;
    stack.push_back({step.node, true, nearest[f]});
    nearest[f] = static_cast<std::int64_t>(step.node);
    stack.push_back({tree.right(step.node), false, -1});
    stack.push_back({tree.left(step.node), false, -1});
  }
  return recurs;
}

// The tree's nodes in preorder (reversed, children come before their parent).
template <class Tree>
std::vector<std::size_t> preorder(const Tree& tree) {
  std::vector<std::size_t> order{0};
  for (std::size_t i = 0; i < order.size(); ++i) {
    if (tree.leaf(order[i])) continue;
    order.push_back(tree.left(order[i]));
    order.push_back(tree.right(order[i]));
  }
  return order;
}

// Per node: does its subtree hold a leaf whose point count is in (low, high]?
template <class Tree>
std::vector<char> live_below(const Tree& tree, const std::vector<std::size_t>& leaf_points,
                             std::size_t low, std::size_t high) {
  const std::vector<std::size_t> order = preorder(tree);
  std::vector<char> live(tree.size(), 0);
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const std::size_t n = *it;
    live[n] = tree.leaf(n) ? (leaf_points[n] > low && leaf_points[n] <= high)
                           : (live[tree.left(n)] || live[tree.right(n)]);
  }
  return live;
}

// nodes[i][j] (i <= j < counts.size()): how many nodes hold a leaf below them whose point count
// is in [counts[i], counts[j]], for `counts` the leaves' distinct counts, ascending. One pass:
// per node the set of counts below it (a bitset), and for each i the least of them >= i.
template <class Tree>
std::vector<std::vector<std::size_t>> nodes_by_point_range(
    const Tree& tree, const std::vector<std::size_t>& leaf_points,
    const std::vector<std::size_t>& counts) {
  const std::size_t n = counts.size();
  const std::size_t words = (n + 63) / 64;
  std::vector<std::uint64_t> below(tree.size() * words, 0);
  std::vector<std::vector<std::size_t>> nodes(n, std::vector<std::size_t>(n, 0));
  const std::vector<std::size_t> order = preorder(tree);
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const std::size_t node = *it;
    std::uint64_t* const bits = below.data() + node * words;
    if (tree.leaf(node)) {
      if (leaf_points[node] == 0) continue;
      const auto index = static_cast<std::size_t>(
          std::lower_bound(counts.begin(), counts.end(), leaf_points[node]) - counts.begin());
      bits[index / 64] |= std::uint64_t{1} << (index % 64);
      continue;
    }
    const std::uint64_t* const left = below.data() + tree.left(node) * words;
    const std::uint64_t* const right = below.data() + tree.right(node) * words;
    for (std::size_t w = 0; w < words; ++w) bits[w] = left[w] | right[w];
  }
  for (const std::size_t node : order) {
    const std::uint64_t* const bits = below.data() + node * words;
    std::size_t next = n;  // the least count index >= i below the node
    for (std::size_t i = n; i-- > 0;) {
      if ((bits[i / 64] >> (i % 64)) & 1U) next = i;
      if (next < n) ++nodes[i][next];
    }
  }
  for (auto& row : nodes) {
    for (std::size_t j = 1; j < n; ++j) row[j] += row[j - 1];
  }
  return nodes;
}

}  // namespace

template <class Tree>
void TreeExplainer::add_tree(const Tree& tree) {
  expected_value_ += tree_expected_value(tree);
  TreeShape shape = tree_shape(tree, n_features_);
  TreePlan plan;
  plan.depth = shape.depth;
  // A leaf polynomial divided by one factor has degree < U (distinct features on the path);
  // k points integrate degree 2k - 1 exactly, so k = ceil(U / 2) suffices. Leaves of value 0
  // add nothing.
  std::vector<std::size_t> leaf_points = std::move(shape.leaf_unique);
  std::vector<std::size_t> counts;  // the point counts the leaves need, ascending
  for (std::size_t& points : leaf_points) {
    if (points == 0) continue;
    points = std::max<std::size_t>((points + 1) / 2, 1);
    counts.push_back(points);
  }
  std::sort(counts.begin(), counts.end());
  counts.erase(std::unique(counts.begin(), counts.end()), counts.end());
  // TreeSHAP is linear in the leaf values: the tree's values are the sum of its walks', each
  // over some of its leaves (the others counted as 0). Deep leaves need many points, shallow
  // ones few; up to three walks (detail::kShapMaxWalks) take the leaves by ranges of point
  // counts, each with the most points of its range, split where the work is least (nodes
  // walked x (points + kVisitCost): a node visited costs about as much again as a few points).
  // Beyond three walks the reference forest saves nothing more.
  static_assert(detail::kShapMaxWalks == 3);
  if (!counts.empty()) {
    constexpr std::size_t kVisitCost = 4;
    const std::size_t n = counts.size();
    const auto nodes = nodes_by_point_range(tree, leaf_points, counts);
    const auto work = [&](std::size_t i, std::size_t j) {
      return nodes[i][j] * (counts[j] + kVisitCost);
    };
    // The walks' last ranges end at counts[ends[w]]; the last ends at counts[n - 1].
    std::vector<std::size_t> best{n - 1};
    std::size_t best_work = work(0, n - 1);
    for (std::size_t a = 0; a + 1 < n; ++a) {
      const std::size_t two = work(0, a) + work(a + 1, n - 1);
      if (two < best_work) {
        best_work = two;
        best = {a, n - 1};
      }
      for (std::size_t b = a + 1; b + 1 < n; ++b) {
        const std::size_t three = work(0, a) + work(a + 1, b) + work(b + 1, n - 1);
        if (three < best_work) {
          best_work = three;
          best = {a, b, n - 1};
        }
      }
    }
    std::size_t low = 0;
    for (const std::size_t end : best) {
      plan.walks.push_back({counts[end], live_below(tree, leaf_points, low, counts[end])});
      low = counts[end];
    }
  }
  plan.recurs = splits_again_below(tree, n_features_);
  plan.share.assign(tree.size(), 0.0);
  for (std::size_t n = 0; n < tree.size(); ++n) {
    if (tree.leaf(n) || !(tree.cover(n) > 0.0)) continue;
    plan.share[tree.left(n)] = tree.cover(tree.left(n)) / tree.cover(n);
    plan.share[tree.right(n)] = tree.cover(tree.right(n)) / tree.cover(n);
  }
  plans_.push_back(std::move(plan));
}

void TreeExplainer::prepare_walk() {
  std::size_t max_points = 1;
  std::size_t max_depth = 0;
  for (const TreePlan& plan : plans_) {
    for (const TreePlan::Walk& walk : plan.walks) max_points = std::max(max_points, walk.points);
    max_depth = std::max(max_depth, plan.depth);
  }
  nodes_.resize(max_points + 1);
  weights_.resize(max_points + 1);
  minus_w_inv_table_.resize(max_points + 1);
  for (const TreePlan& plan : plans_) {
    for (const TreePlan::Walk& walk : plan.walks) {
      const std::size_t k = walk.points;
      if (!nodes_[k].empty()) continue;
      gauss_legendre(k, nodes_[k], weights_[k]);
      for (std::size_t p = 0; p < k; ++p) {
        minus_w_inv_table_[k].push_back(-weights_[k][p] / (1.0 - nodes_[k][p]));
      }
      // An odd count is padded to an even one for the loops that go two points at a time:
      // a point at t = 1 of weight 0, whose factors stay within [0, 1] and whose credits are
      // 0 (detail/tree_shap_walk.hpp).
      if (k % 2 == 1) {
        nodes_[k].push_back(1.0);
        weights_[k].push_back(0.0);
        minus_w_inv_table_[k].push_back(0.0);
      }
    }
  }
  for (std::size_t k = 0; k <= max_points; ++k) {
    t_tables_.push_back(nodes_[k].data());
    w_tables_.push_back(weights_[k].data());
    minus_w_inv_tables_.push_back(minus_w_inv_table_[k].data());
  }
  detail::ShapWalkModel& model = walk_model_;
  model.n_trees = plans_.size();
  model.n_features = n_features_;
  model.levels = max_depth + 2;
  model.max_points = (max_points + 1) / 2 * 2;
  // At most ~4 MB of per-depth scratch: passes of kShapPassRows rows for trees of usual
  // depths, fewer rows a pass for extreme ones.
  constexpr std::size_t kScratchDoubles = std::size_t{1} << 19;
  model.max_rows = kMaxRows;
  model.pass_rows = std::clamp<std::size_t>(kScratchDoubles / (model.levels * max_points), 1,
                                            detail::kShapPassRows);
  for (const TreePlan& plan : plans_) {
    detail::ShapTreePlan view;
    view.size = plan.recurs.size();
    view.n_walks = plan.walks.size();
    for (std::size_t i = 0; i < plan.walks.size(); ++i) {
      view.points[i] = plan.walks[i].points;
      view.live[i] = plan.walks[i].live.data();
    }
    view.recurs = plan.recurs.data();
    view.share = plan.share.data();
    walk_plans_.push_back(view);
  }
  if (forest_ != nullptr) {
    for (const DecisionTree& tree : forest_->trees()) {
      forest_trees_.push_back({tree.left().data(), tree.right().data(), tree.feature().data(),
                               tree.threshold().data(), tree.value().data()});
    }
    model.forest = forest_trees_.data();
  } else {
    for (std::size_t t = 0; t < boosted_->n_trees(); ++t) {
      boosted_trees_.push_back({boosted_->nodes().data() + boosted_->tree_begin(t),
                                boosted_->leaf_value().data() + boosted_->tree_begin(t),
                                boosted_->tree_begin(t)});
    }
    model.boosted = boosted_trees_.data();
  }
  model.plans = walk_plans_.data();
  model.t = t_tables_.data();
  model.w = w_tables_.data();
  model.minus_w_inv = minus_w_inv_tables_.data();
  // The widest walk this CPU runs, or the one RISKLAB_TREESHAP names (all agree to rounding:
  // tests check it).
  walk_kind_ = detail::chosen_shap_walk();
  walker_ = new_walker();
}

std::unique_ptr<detail::ShapWalker> TreeExplainer::new_walker() const {
  return std::unique_ptr<detail::ShapWalker>(detail::new_shap_walker(walk_kind_, walk_model_));
}

TreeExplainer::TreeExplainer(const RandomForest& forest)
    : forest_(&forest), n_features_(forest.n_features()) {
  for (const DecisionTree& tree : forest.trees()) add_tree(ForestTree{tree});
  if (!forest.trees().empty()) {
    scale_ = 1.0 / static_cast<double>(forest.trees().size());
    expected_value_ *= scale_;
  }
  prepare_walk();
}

TreeExplainer::TreeExplainer(const GbdtBooster& booster)
    : boosted_(&booster.trees()), n_features_(booster.trees().n_features()) {
  for (std::size_t t = 0; t < boosted_->n_trees(); ++t) add_tree(BoostedTree(*boosted_, t));
  expected_value_ += static_cast<double>(boosted_->base_margin());
  prepare_walk();
}

ShapValues TreeExplainer::explain(const double* row) {
  return std::move(explain_batch(row, 1).front());
}

std::vector<ShapValues> TreeExplainer::explain_batch(const double* rows, std::size_t n_rows) {
  std::vector<ShapValues> out(n_rows);
  for (ShapValues& values : out) {
    values.expected_value = expected_value_;
    values.contributions.assign(n_features_, 0.0);
  }
  for (std::size_t first = 0; first < n_rows; first += kMaxRows) {
    const std::size_t n = std::min(kMaxRows, n_rows - first);
    for (std::size_t r = 0; r < n; ++r) walker_->load(r, rows + (first + r) * n_features_);
    for (std::size_t t = 0; t < plans_.size(); ++t) walker_->walk(t, n);
    for (std::size_t r = 0; r < n; ++r) walker_->read(r, out[first + r].contributions.data());
  }
  if (scale_ != 1.0) {
    for (ShapValues& values : out) {
      for (double& c : values.contributions) c *= scale_;
    }
  }
  return out;
}

// A row in flight: the row, and the contributions handed in by the threads done with it.
struct ContinuousExplainer::Row {
  std::uint64_t id = 0;
  std::uint64_t first = 0;  // the first of its trees (in trees handed out, next_)
  std::vector<double> values;
  std::vector<double> sum;
  std::vector<char> held;   // per thread: the row is (or was) in its lanes
  std::size_t holders = 0;  // threads that hold it still
};

// A thread's walker and, by lane, the rows in it.
struct ContinuousExplainer::Lanes {
  std::unique_ptr<detail::ShapWalker> walker;
  std::vector<Row*> rows;
  std::vector<double> read;  // one row's contributions, read back
};

ContinuousExplainer::ContinuousExplainer(const TreeExplainer& explainer, std::size_t threads,
                                         std::size_t join_every)
    : explainer_(explainer), join_every_(std::max<std::size_t>(join_every, 1)) {
  for (std::size_t i = 0; i < std::max<std::size_t>(threads, 1); ++i) {
    auto lanes = std::make_unique<Lanes>();
    lanes->walker = explainer.new_walker();
    lanes->read.resize(explainer.n_features());
    lanes_.push_back(std::move(lanes));
  }
}

ContinuousExplainer::~ContinuousExplainer() = default;

std::size_t ContinuousExplainer::in_flight() const {
  std::lock_guard lock(mutex_);
  return rows_.size();
}

bool ContinuousExplainer::join(std::uint64_t id, const double* row) {
  auto joining = std::make_unique<Row>();
  joining->id = id;
  joining->values.assign(row, row + explainer_.n_features());
  joining->sum.assign(explainer_.n_features(), 0.0);
  joining->held.assign(lanes_.size(), 0);
  std::lock_guard lock(mutex_);
  if (rows_.size() >= max_rows()) return false;
  joining->first = (next_ + join_every_ - 1) / join_every_ * join_every_;
  rows_.push_back(std::move(joining));
  return true;
}

bool ContinuousExplainer::step(std::size_t thread,
                               std::vector<std::pair<std::uint64_t, ShapValues>>& done) {
  Lanes& mine = *lanes_.at(thread);
  const std::uint64_t trees = explainer_.n_trees();
  std::unique_lock lock(mutex_);
  std::uint64_t tree = next_;
  // This thread walks one tree at a time: the rows whose trees have all been handed out have
  // had every tree it took for them; their contributions from it go to the row.
  for (std::size_t lane = 0; lane < mine.rows.size();) {
    Row& row = *mine.rows[lane];
    if (tree < row.first + trees) {
      ++lane;
      continue;
    }
    mine.walker->read(lane, mine.read.data());
    for (std::size_t f = 0; f < mine.read.size(); ++f) row.sum[f] += mine.read[f];
    --row.holders;
    // The last lane's row takes this lane.
    const std::size_t last = mine.rows.size() - 1;
    if (lane != last) {
      mine.walker->move(last, lane);
      mine.rows[lane] = mine.rows[last];
    }
    mine.rows.pop_back();
  }
  // The rows that joined since this thread's last tree take lanes.
  const auto load = [&] {
    for (const auto& row : rows_) {
      if (row->held[thread] != 0 || tree < row->first || tree >= row->first + trees) continue;
      mine.walker->load(mine.rows.size(), row->values.data());
      mine.rows.push_back(row.get());
      row->held[thread] = 1;
      ++row->holders;
    }
  };
  load();
  if (mine.rows.empty()) {
    // No row needs this tree (no row's trees include it: this thread would hold it), but rows
    // may wait for their first: the trees up to it are skipped.
    std::uint64_t soonest = std::numeric_limits<std::uint64_t>::max();
    for (const auto& row : rows_) {
      if (row->first > tree) soonest = std::min(soonest, row->first);
    }
    if (soonest != std::numeric_limits<std::uint64_t>::max()) {
      next_ = tree = soonest;
      load();
    }
  }
  // Every tree handed out and no thread holding it: the row is done.
  for (auto it = rows_.begin(); it != rows_.end();) {
    Row& row = **it;
    if (next_ < row.first + trees || row.holders > 0) {
      ++it;
      continue;
    }
    ShapValues values;
    values.expected_value = explainer_.expected_value_;
    values.contributions = std::move(row.sum);
    for (double& c : values.contributions) c *= explainer_.scale_;
    done.emplace_back(row.id, std::move(values));
    it = rows_.erase(it);
  }
  if (mine.rows.empty()) return false;
  ++next_;
  const std::size_t n = mine.rows.size();
  lock.unlock();
  mine.walker->walk(static_cast<std::size_t>(tree % trees), n);
  return true;
}

namespace detail {

bool shap_walk_runs(ShapWalkKind kind) {
  const bool avx2 = __builtin_cpu_supports("avx2") != 0 && __builtin_cpu_supports("fma") != 0;
  switch (kind) {
    case ShapWalkKind::sse2:
      return true;
    case ShapWalkKind::avx2:
      return avx2;
    case ShapWalkKind::avx512:
      return avx2 && __builtin_cpu_supports("avx512f") != 0 &&
             __builtin_cpu_supports("avx512dq") != 0 && __builtin_cpu_supports("avx512vl") != 0;
  }
  return false;
}

ShapWalkKind chosen_shap_walk() {
  constexpr std::pair<std::string_view, ShapWalkKind> kNames[] = {
      {"sse2", ShapWalkKind::sse2}, {"avx2", ShapWalkKind::avx2}, {"avx512", ShapWalkKind::avx512}};
  if (const char* choice = std::getenv("RISKLAB_TREESHAP"); choice != nullptr) {
    for (const auto& [name, kind] : kNames) {
      if (name == choice && shap_walk_runs(kind)) return kind;
    }
  }
  for (const ShapWalkKind kind : {ShapWalkKind::avx512, ShapWalkKind::avx2}) {
    if (shap_walk_runs(kind)) return kind;
  }
  return ShapWalkKind::sse2;
}

ShapWalker* new_shap_walker(ShapWalkKind kind, const ShapWalkModel& model) {
  switch (kind) {
    case ShapWalkKind::avx512:
      return new_shap_walker_avx512(model);
    case ShapWalkKind::avx2:
      return new_shap_walker_avx2(model);
    case ShapWalkKind::sse2:
      break;
  }
  return new_shap_walker_sse2(model);
}

}  // namespace detail

}  // namespace risklab::ml
