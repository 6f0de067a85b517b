#include "ml/tree_shap.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <numbers>

#include "ml/detail/gbdt_trees.hpp"

namespace risklab::ml {
namespace {

// The per-point loops work on blocks of two doubles (GCC's vector extension, one SSE2
// instruction on every x86-64); point counts are even. Loads and stores go through memcpy, so
// the arrays need no particular alignment.
constexpr std::size_t kLanes = 2;
using Block = double __attribute__((vector_size(kLanes * sizeof(double))));
[[gnu::always_inline]] inline Block load(const double* p) {
  Block b;
  std::memcpy(&b, p, sizeof b);
  return b;
}
[[gnu::always_inline]] inline void store(double* p, Block b) { std::memcpy(p, &b, sizeof b); }
[[gnu::always_inline]] inline double sum(Block b) { return b[0] + b[1]; }

// visit()'s factor tables per edge (f0, f1, c1, ratio, f0_old, f1_old), each one point count long.
constexpr std::size_t kEdgeTables = 6;

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
  /// Whether value `x` of the node's feature goes left.
  bool goes_left(std::size_t n, double x) const { return x <= tree.threshold()[n]; }
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
  bool goes_left(std::size_t i, double x) const {
    if (std::isnan(x)) return nodes[i].default_right == 0;
    return static_cast<float>(x) < nodes[i].threshold;
  }
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

// Per node: does its subtree hold a leaf whose point count is in (low, high]? The number of such
// nodes goes to `live_nodes`.
template <class Tree>
std::vector<char> live_below(const Tree& tree, const std::vector<std::size_t>& leaf_points,
                             std::size_t low, std::size_t high, std::size_t& live_nodes) {
  std::vector<std::size_t> order{0};  // preorder; reversed, children come before parents
  for (std::size_t i = 0; i < order.size(); ++i) {
    if (tree.leaf(order[i])) continue;
    order.push_back(tree.left(order[i]));
    order.push_back(tree.right(order[i]));
  }
  std::vector<char> live(tree.size(), 0);
  live_nodes = 0;
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const std::size_t n = *it;
    live[n] = tree.leaf(n) ? (leaf_points[n] > low && leaf_points[n] <= high)
                           : (live[tree.left(n)] || live[tree.right(n)]);
    live_nodes += live[n] != 0 ? 1 : 0;
  }
  return live;
}

}  // namespace

template <class Tree>
void TreeExplainer::add_tree(const Tree& tree) {
  expected_value_ += tree_expected_value(tree);
  TreeShape shape = tree_shape(tree, n_features_);
  TreePlan plan;
  plan.depth = shape.depth;
  // A leaf polynomial divided by one factor has degree < U (distinct features on the path);
  // k points integrate degree 2k - 1 exactly, so k = ceil(U / 2) suffices. Rounded up to a
  // whole number of blocks (more points stay exact). Leaves of value 0 add nothing.
  const auto points_for = [](std::size_t unique) {
    const std::size_t needed = (unique + 1) / 2;
    return std::max<std::size_t>(kLanes, (needed + kLanes - 1) / kLanes * kLanes);
  };
  std::vector<std::size_t> leaf_points = std::move(shape.leaf_unique);
  std::vector<std::size_t> counts;  // the point counts the leaves need, ascending
  for (std::size_t& points : leaf_points) {
    if (points == 0) continue;
    points = points_for(points);
    counts.push_back(points);
  }
  std::sort(counts.begin(), counts.end());
  counts.erase(std::unique(counts.begin(), counts.end()), counts.end());
  // TreeSHAP is linear in the leaf values: the tree's values are the sum of two walks', each
  // over some of its leaves (the others counted as 0). Deep leaves need many points, shallow
  // ones few; when it saves work, the leaves needing at most `split` points get a walk of
  // their own with `split` points and the rest one with the most (work ~ nodes walked x points).
  if (!counts.empty()) {
    const std::size_t most = counts.back();
    std::size_t live_nodes = 0;
    std::vector<char> all = live_below(tree, leaf_points, 0, most, live_nodes);
    std::size_t best_work = live_nodes * most;
    std::size_t best_split = most;
    for (std::size_t i = 0; i + 1 < counts.size(); ++i) {
      std::size_t low_nodes = 0;
      std::size_t high_nodes = 0;
      live_below(tree, leaf_points, 0, counts[i], low_nodes);
      live_below(tree, leaf_points, counts[i], most, high_nodes);
      const std::size_t work = low_nodes * counts[i] + high_nodes * most;
      if (work < best_work) {
        best_work = work;
        best_split = counts[i];
      }
    }
    if (best_split == most) {
      plan.walks.push_back({most, std::move(all)});
    } else {
      std::size_t unused = 0;
      plan.walks.push_back({best_split, live_below(tree, leaf_points, 0, best_split, unused)});
      plan.walks.push_back({most, live_below(tree, leaf_points, best_split, most, unused)});
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

void TreeExplainer::prepare_quadrature() {
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
    }
  }
  const std::size_t levels = max_depth + 2;
  // At most ~4 MB of per-depth scratch: a batch of kMaxRows for trees of usual depths, fewer
  // rows for extreme ones.
  constexpr std::size_t kScratchDoubles = std::size_t{1} << 19;
  max_rows_ = std::clamp<std::size_t>(kScratchDoubles / (levels * max_points), 1, kMaxRows);
  a_.resize(levels * max_rows_ * max_points);
  g_.resize(levels * max_rows_ * max_points);
  acc_.resize(levels * max_rows_ * max_points);
  zero_.assign(n_features_, 1.0);
  one_.assign(n_features_ * kMaxRows, 1);
  present_.assign(n_features_, 0);
  open_acc_.assign(n_features_, nullptr);
  tables_.assign(levels * kEdgeTables * max_points, 0.0);
  values_.assign(n_features_ * max_rows_, 0.0);
  phi_.assign(n_features_ * max_rows_, 0.0);
}

TreeExplainer::TreeExplainer(const RandomForest& forest)
    : forest_(&forest), n_features_(forest.n_features()) {
  for (const DecisionTree& tree : forest.trees()) add_tree(ForestTree{tree});
  if (!forest.trees().empty()) {
    scale_ = 1.0 / static_cast<double>(forest.trees().size());
    expected_value_ *= scale_;
  }
  prepare_quadrature();
}

TreeExplainer::TreeExplainer(const GbdtBooster& booster)
    : boosted_(&booster.trees()), n_features_(booster.trees().n_features()) {
  for (std::size_t t = 0; t < boosted_->n_trees(); ++t) add_tree(BoostedTree(*boosted_, t));
  expected_value_ += static_cast<double>(boosted_->base_margin());
  prepare_quadrature();
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
  for (std::size_t first = 0; first < n_rows; first += max_rows_) {
    n_ = std::min(max_rows_, n_rows - first);
    // Feature-major copies of the rows and their contributions: a node reads one feature of
    // every row, an edge credits one feature of every row, each from a few adjacent lines.
    for (std::size_t r = 0; r < n_; ++r) {
      for (std::size_t f = 0; f < n_features_; ++f) {
        values_[f * n_ + r] = rows[(first + r) * n_features_ + f];
      }
    }
    std::fill_n(phi_.begin(), n_features_ * n_, 0.0);
    for (std::size_t t = 0; t < plans_.size(); ++t) {
      for (const TreePlan::Walk& walk : plans_[t].walks) {
        select_points(walk.points);
        if (forest_ != nullptr) {
          const DecisionTree& tree = forest_->trees()[t];
          if (tree.size() > 1) explain_tree(ForestTree{tree}, plans_[t], walk);
        } else {
          const BoostedTree tree(*boosted_, t);
          if (tree.size() > 1) explain_tree(tree, plans_[t], walk);
        }
      }
    }
    for (std::size_t r = 0; r < n_; ++r) {
      for (std::size_t f = 0; f < n_features_; ++f) {
        out[first + r].contributions[f] = phi_[f * n_ + r];
      }
    }
  }
  if (scale_ != 1.0) {
    for (ShapValues& values : out) {
      for (double& c : values.contributions) c *= scale_;
    }
  }
  return out;
}

void TreeExplainer::select_points(std::size_t k) {
  k_ = k;
  t_ = nodes_[k].data();
  w_ = weights_[k].data();
  minus_w_inv_ = minus_w_inv_table_[k].data();
}

namespace {

// The Gauss-Legendre point count of a tree, as a compile-time constant for the counts that
// occur in practice (loops of known length unroll, and zeroing needs no memset call) or a
// run-time one beyond.
template <std::size_t K>
struct FixedPoints {
  static constexpr std::size_t size() { return K; }
};
struct DynamicPoints {
  std::size_t n;
  std::size_t size() const { return n; }
};
constexpr std::size_t kMaxFixedPoints = 32;

// out = x * y, per point.
template <class Points>
void multiply(double* out, const double* x, const double* y, Points points) {
  for (std::size_t p = 0; p < points.size(); p += kLanes) store(out + p, load(x + p) * load(y + p));
}

}  // namespace

template <class Tree>
void TreeExplainer::explain_tree(const Tree& tree, const TreePlan& plan,
                                 const TreePlan::Walk& walk) {
  recurs_ = plan.recurs.data();
  share_ = plan.share.data();
  live_ = walk.live.data();
  std::fill_n(a_.begin(), n_ * k_, 1.0);
  dispatch<Tree, kLanes>(tree);
}

template <class Tree, std::size_t K>
void TreeExplainer::dispatch(const Tree& tree) {
  if constexpr (K > kMaxFixedPoints) {
    visit(tree, 0, 0, DynamicPoints{k_});
  } else {
    if (k_ == K) {
      visit(tree, 0, 0, FixedPoints<K>{});
    } else {
      dispatch<Tree, K + kLanes>(tree);
    }
  }
}

// At `node` (depth `depth`, never a leaf), for each row r of the batch, a_ at (depth, r) holds
// A(t) = prod over the path's distinct features of (z_f (1 - t) + o_f t), where z_f is the share
// of training cover the path keeps and o_f whether the row follows it. Leaves g_ at (depth, r)
// = sum over leaves below of value * A_leaf(t), and adds each edge's credit (the quadrature's
// weighted sum over the points, the weights folded into the credit tables) to phi_.
//
// The rows of a batch share everything that depends on the tree alone: the walk, each edge's
// share z and the factor tables built from it (the divisions among them), so a row costs only
// its multiply-adds. Per row, o is 0 or 1 and picks one of the tables, without a branch.
//
// Shortcuts, all exact: a leaf child is handled here; only the walk's live subtrees are entered
// (TreeSHAP is linear in the leaf values: a leaf of value 0 adds nothing to g or to any credit,
// and in a forest most leaves are 0, pure non-default; a leaf left to the tree's other walk
// counts as 0 in this one); an edge with z = 0 that no row follows makes every A below it
// zero, so its subtree is skipped.
template <class Tree, class Points>
void TreeExplainer::visit(const Tree& tree, std::size_t node, std::size_t depth, Points points) {
  const std::size_t k = points.size();
  const std::size_t n = n_;
  double* const a = a_.data() + depth * n * k;
  double* const g = g_.data() + depth * n * k;
  bool g_set = false;  // the first contributing child sets g, the next adds to it
  const std::size_t feature = tree.feature(node);
  const std::size_t left = tree.left(node);
  const std::size_t right = tree.right(node);
  const bool was_present = present_[feature] != 0;
  const double z_prev = zero_[feature];
  double* const outer_acc = open_acc_[feature];
  unsigned char* const one = one_.data() + feature * kMaxRows;
  double* const child_a = a_.data() + (depth + 1) * n * k;
  double* const child_g = g_.data() + (depth + 1) * n * k;
  double* const child_acc = acc_.data() + (depth + 1) * n * k;
  const bool recurs = recurs_[node] != 0;

  const double* const values = values_.data() + feature * n;  // the feature, per row
  double* const phi = phi_.data() + feature * n;              // its contribution, per row
  // Per row: o of the feature so far (1 when not yet on the path) and the side it takes here.
  std::array<unsigned char, kMaxRows> o_prev{};
  std::array<unsigned char, kMaxRows> goes_left{};
  bool any_o_prev_zero = false;
  for (std::size_t r = 0; r < n; ++r) {
    o_prev[r] = was_present ? one[r] : 1;
    any_o_prev_zero |= o_prev[r] == 0;
    goes_left[r] = tree.goes_left(node, values[r]) ? 1 : 0;
  }

  // Factor tables for an edge, indexed by 2 o_prev + o (the new factor over the feature's old
  // one) and by o (the credit's quadrature weight times (o - z) / new factor).
  double* const f0 = tables_.data() + depth * kEdgeTables * k;  // z (1 - t)
  double* const f1 = f0 + k;          // z + (1 - z) t
  double* const c1 = f1 + k;          // w (1 - z) / (z + (1 - z) t)
  double* const ratio = c1 + k;       // z / z_prev, o_prev = 0
  double* const f0_old = ratio + k;   // f0 / (z_prev + (1 - z_prev) t), o_prev = 1
  double* const f1_old = f0_old + k;  // f1 / (z_prev + (1 - z_prev) t), o_prev = 1
  const double* factor[4] = {ratio, ratio, was_present ? f0_old : f0, was_present ? f1_old : f1};
  const double* const credit_factor[2] = {minus_w_inv_, c1};

  std::array<unsigned char, kMaxRows> o{};
  for (const std::size_t child : {left, right}) {
    if (live_[child] == 0) continue;  // none of this walk's leaves below
    const unsigned char is_left = child == left ? 1 : 0;
    // A feature met again combines with its earlier fractions (its old factor is divided out).
    // A node without training cover (possible in a boosted tree) passes none to its children.
    const double z = share_[child] * (was_present ? z_prev : 1.0);
    unsigned ones = 0;  // rows with o = 1
    for (std::size_t r = 0; r < n; ++r) {
      o[r] = static_cast<unsigned char>(static_cast<unsigned>(goes_left[r] == is_left) & o_prev[r]);
      ones += o[r];
    }
    const bool any_o = ones > 0;
    const bool any_not_o = ones < n;
    if (z == 0.0 && !any_o) continue;
    const bool is_leaf = tree.leaf(child);
    const double value = is_leaf ? tree.value(child) : 0.0;
    // The tables this edge's rows use. A zero z_prev has already made A zero for rows with
    // o_prev = 0 (ratio 0 keeps it so).
    for (std::size_t p = 0; p < k; p += kLanes) {
      const Block t = load(t_ + p);
      const Block new0 = z * (1.0 - t);
      const Block new1 = z + (1.0 - z) * t;
      store(f0 + p, new0);
      store(f1 + p, new1);
      if (any_o) store(c1 + p, load(w_ + p) * (1.0 - z) / new1);
      if (was_present) {
        if (any_o_prev_zero) store(ratio + p, Block{} + (z_prev > 0.0 ? z / z_prev : 0.0));
        const Block inv_old = 1.0 / (z_prev + (1.0 - z_prev) * t);
        if (any_not_o) store(f0_old + p, new0 * inv_old);
        if (any_o) store(f1_old + p, new1 * inv_old);
      }
    }
    if (is_leaf) {
      // Its A is a * factor; it adds value * A to g and credits value * A / new factor.
      const auto leaf = [&]<bool kAdd>() {
        for (std::size_t r = 0; r < n; ++r) {
          const double* m = factor[2 * o_prev[r] + o[r]];
          const double* c = credit_factor[o[r]];
          const double* ar = a + r * k;
          double* gr = g + r * k;
          Block credit{};
          for (std::size_t p = 0; p < k; p += kLanes) {
            const Block leaf_a = value * load(ar + p) * load(m + p);
            store(gr + p, kAdd ? load(gr + p) + leaf_a : leaf_a);
            credit += leaf_a * load(c + p);
          }
          phi[r] += sum(credit);
        }
      };
      if (g_set) {
        leaf.template operator()<true>();
      } else {
        leaf.template operator()<false>();
      }
      g_set = true;
      continue;
    }
    for (std::size_t r = 0; r < n; ++r) {
      multiply(child_a + r * k, a + r * k, factor[2 * o_prev[r] + o[r]], points);
      one[r] = o[r];
    }
    present_[feature] = 1;
    zero_[feature] = z;
    if (recurs) {
      std::fill_n(child_acc, n * k, 0.0);
      open_acc_[feature] = child_acc;
    }
    visit(tree, child, depth + 1, points);
    // This edge is the deepest split on `feature` for the leaves below it except those under
    // a deeper split on the same feature (collected in child_acc, only when there is one);
    // credit it for the rest, divided by its own factor, times (o - z). With o = 0 the factor
    // is z (1 - t), so that is -1 / (1 - t), tabulated.
    const auto credit_edge = [&]<bool kRecurs, bool kAdd>() {
      for (std::size_t r = 0; r < n; ++r) {
        const double* c = credit_factor[o[r]];
        const double* gr_child = child_g + r * k;
        const double* acc_child = child_acc + r * k;
        double* gr = g + r * k;
        Block credit{};
        for (std::size_t p = 0; p < k; p += kLanes) {
          const Block below_g = load(gr_child + p);
          const Block below = kRecurs ? below_g - load(acc_child + p) : below_g;
          credit += below * load(c + p);
          store(gr + p, kAdd ? load(gr + p) + below_g : below_g);
        }
        phi[r] += sum(credit);
      }
    };
    if (recurs) {
      if (g_set) {
        credit_edge.template operator()<true, true>();
      } else {
        credit_edge.template operator()<true, false>();
      }
    } else if (g_set) {
      credit_edge.template operator()<false, true>();
    } else {
      credit_edge.template operator()<false, false>();
    }
    g_set = true;
  }
  if (!g_set) std::fill_n(g, n * k, 0.0);
  present_[feature] = was_present ? 1 : 0;
  zero_[feature] = z_prev;
  for (std::size_t r = 0; r < n; ++r) one[r] = o_prev[r];
  open_acc_[feature] = outer_acc;
  if (outer_acc != nullptr) {
    for (std::size_t i = 0; i < n * k; i += kLanes)
      store(outer_acc + i, load(outer_acc + i) + load(g + i));
  }
}

}  // namespace risklab::ml
