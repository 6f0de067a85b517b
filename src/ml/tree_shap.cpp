#include "ml/tree_shap.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

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
  bool goes_left(std::size_t n, const double* row) const {
    return row[feature(n)] <= tree.threshold()[n];
  }
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
  bool goes_left(std::size_t i, const double* row) const {
    const double x = row[nodes[i].feature];
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
  std::size_t unique = 0;  // the most distinct features on any root-to-leaf path
  std::size_t depth = 0;   // the longest root-to-leaf path, in splits
};

// The degree bound (distinct features per path) and the depth of a tree.
template <class Tree>
TreeShape tree_shape(const Tree& tree, std::size_t n_features) {
  std::vector<int> count(n_features, 0);
  std::size_t unique = 0;
  TreeShape shape;
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
      shape.unique = std::max(shape.unique, unique);
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

}  // namespace

template <class Tree>
void TreeExplainer::add_tree(const Tree& tree) {
  expected_value_ += tree_expected_value(tree);
  const TreeShape shape = tree_shape(tree, n_features_);
  TreePlan plan;
  plan.depth = shape.depth;
  // A leaf polynomial divided by one factor has degree < U (distinct features on the path);
  // k points integrate degree 2k - 1 exactly, so k = ceil(U / 2) suffices. Rounded up to an
  // even count (more points stay exact) so that few loop shapes need compiling.
  const std::size_t needed = (shape.unique + 1) / 2;
  plan.points = std::max<std::size_t>(2, needed + needed % 2);
  plan.recurs = splits_again_below(tree, n_features_);
  plans_.push_back(std::move(plan));
}

void TreeExplainer::prepare_quadrature() {
  std::size_t max_points = 1;
  std::size_t max_depth = 0;
  for (const TreePlan& plan : plans_) {
    max_points = std::max(max_points, plan.points);
    max_depth = std::max(max_depth, plan.depth);
  }
  nodes_.resize(max_points + 1);
  weights_.resize(max_points + 1);
  inv_one_minus_t_table_.resize(max_points + 1);
  for (const TreePlan& plan : plans_) {
    const std::size_t k = plan.points;
    if (!nodes_[k].empty()) continue;
    gauss_legendre(k, nodes_[k], weights_[k]);
    for (double t : nodes_[k]) inv_one_minus_t_table_[k].push_back(1.0 / (1.0 - t));
  }
  const std::size_t levels = max_depth + 2;
  a_.resize(levels * max_points);
  g_.resize(levels * max_points);
  acc_.resize(levels * max_points);
  zero_.assign(n_features_, 1.0);
  one_.assign(n_features_, 1.0);
  present_.assign(n_features_, 0);
  open_acc_.assign(n_features_, nullptr);
  phi_points_.assign(n_features_ * max_points, 0.0);
  order_.resize(plans_.size());
  for (std::size_t t = 0; t < order_.size(); ++t) order_[t] = t;
  std::stable_sort(order_.begin(), order_.end(), [this](std::size_t x, std::size_t y) {
    return plans_[x].points < plans_[y].points;
  });
  select_points(plans_.empty() ? 1 : plans_[order_.front()].points);
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
  ShapValues out;
  out.expected_value = expected_value_;
  out.contributions.assign(n_features_, 0.0);
  double* phi = out.contributions.data();
  // Trees in order of their point count: the per-point credits are weighed once per count.
  for (const std::size_t t : order_) {
    if (plans_[t].points != k_) {
      flush_points(phi);
      select_points(plans_[t].points);
    }
    if (forest_ != nullptr) {
      const DecisionTree& tree = forest_->trees()[t];
      if (tree.size() > 1) explain_tree(ForestTree{tree}, plans_[t], row);
    } else {
      const BoostedTree tree(*boosted_, t);
      if (tree.size() > 1) explain_tree(tree, plans_[t], row);
    }
  }
  flush_points(phi);
  if (scale_ != 1.0) {
    for (double& c : out.contributions) c *= scale_;
  }
  return out;
}

void TreeExplainer::select_points(std::size_t k) {
  k_ = k;
  t_ = nodes_[k].data();
  w_ = weights_[k].data();
  inv_one_minus_t_ = inv_one_minus_t_table_[k].data();
}

void TreeExplainer::flush_points(double* phi) {
  for (std::size_t f = 0; f < n_features_; ++f) {
    double* credit = phi_points_.data() + f * k_;
    double sum = 0.0;
    for (std::size_t p = 0; p < k_; ++p) {
      sum += w_[p] * credit[p];
      credit[p] = 0.0;
    }
    phi[f] += sum;
  }
}

namespace {

// The Gauss-Legendre point count of a tree, as a compile-time constant for the counts that
// occur in practice (loops of known length unroll and vectorise, and zeroing needs no
// memset call) or a run-time one beyond.
template <std::size_t K>
struct FixedPoints {
  static constexpr std::size_t size() { return K; }
};
struct DynamicPoints {
  std::size_t n;
  std::size_t size() const { return n; }
};
constexpr std::size_t kMaxFixedPoints = 32;

}  // namespace

template <class Tree>
void TreeExplainer::explain_tree(const Tree& tree, const TreePlan& plan, const double* row) {
  recurs_ = plan.recurs.data();
  std::fill_n(a_.begin(), k_, 1.0);
  dispatch<Tree, 2>(tree, row);
}

template <class Tree, std::size_t K>
void TreeExplainer::dispatch(const Tree& tree, const double* row) {
  if constexpr (K > kMaxFixedPoints) {
    visit(tree, 0, 0, row, DynamicPoints{k_});
  } else {
    if (k_ == K) {
      visit(tree, 0, 0, row, FixedPoints<K>{});
    } else {
      dispatch<Tree, K + 2>(tree, row);
    }
  }
}

// At `node` (depth `depth`, never a leaf), a_[depth] holds A(t) = prod over the path's distinct
// features of (z_f (1 - t) + o_f t), where z_f is the share of training cover the path keeps
// and o_f whether the row follows it. Leaves g_[depth] = sum over leaves below of
// value * A_leaf(t), and adds each edge's credit, still to be weighed by the quadrature weights,
// to phi_points_ (flush_points() applies the weights).
//
// Shortcuts, all exact: a leaf child is handled here (its credit is value * A / old factor, no
// division by its own factor); a leaf of value 0 adds nothing to g or to any credit (TreeSHAP is
// linear in the leaf values), so it costs nothing, and in a forest most leaves are 0 (pure
// non-default); an edge with o = z = 0 (no cover, not followed) makes every A below it zero, so
// its subtree is skipped.
template <class Tree, class Points>
void TreeExplainer::visit(const Tree& tree, std::size_t node, std::size_t depth, const double* row,
                          Points points) {
  const std::size_t k = points.size();
  const double* a = a_.data() + depth * k;
  double* g = g_.data() + depth * k;
  for (std::size_t p = 0; p < k; ++p) g[p] = 0.0;
  const std::size_t feature = tree.feature(node);
  const std::size_t left = tree.left(node);
  const std::size_t right = tree.right(node);
  const bool goes_left = tree.goes_left(node, row);
  const double cover = tree.cover(node);
  const bool was_present = present_[feature] != 0;
  const double z_prev = zero_[feature];
  const double o_prev = one_[feature];
  double* const outer_acc = open_acc_[feature];
  double* const credit = phi_points_.data() + feature * k;
  double* child_a = a_.data() + (depth + 1) * k;
  double* child_g = g_.data() + (depth + 1) * k;
  double* child_acc = acc_.data() + (depth + 1) * k;
  const bool recurs = recurs_[node] != 0;
  const double* t = t_;
  const double* inv_one_minus_t = inv_one_minus_t_;

  for (const std::size_t child : {left, right}) {
    const bool hot = (child == left) == goes_left;
    // A feature met again combines with its earlier fractions (its old factor is divided out).
    // A node without training cover (possible in a boosted tree) passes none to its children.
    const double share = cover > 0.0 ? tree.cover(child) / cover : 0.0;
    const double z = share * (was_present ? z_prev : 1.0);
    const double o = (hot ? 1.0 : 0.0) * (was_present ? o_prev : 1.0);
    if (z == 0.0 && o == 0.0) continue;
    if (tree.leaf(child)) {
      const double value = tree.value(child);
      if (value == 0.0) continue;
      // The leaf's A is a * new factor / old factor; its credit divides the new factor out.
      if (!was_present) {
        const double c0 = value * z;
        const double c1 = value * (o - z);
        for (std::size_t p = 0; p < k; ++p) {
          g[p] += a[p] * (c0 + c1 * t[p]);
          credit[p] += c1 * a[p];
        }
      } else if (o_prev == 0.0) {
        // Old factor z_prev (1 - t), and o = 0; a zero z_prev has already made A zero.
        if (z_prev == 0.0) continue;
        const double ratio = value * z / z_prev;
        const double c = -value * z / z_prev;
        for (std::size_t p = 0; p < k; ++p) {
          g[p] += ratio * a[p];
          credit[p] += c * a[p] * inv_one_minus_t[p];
        }
      } else {
        const double c0 = value * z;
        const double c1 = value * (o - z);
        for (std::size_t p = 0; p < k; ++p) {
          const double q = a[p] / (z_prev + (1.0 - z_prev) * t[p]);
          g[p] += q * (c0 + c1 * t[p]);
          credit[p] += c1 * q;
        }
      }
      continue;
    }
    if (!was_present) {
      for (std::size_t p = 0; p < k; ++p) child_a[p] = a[p] * (z + (o - z) * t[p]);
    } else if (o_prev == 0.0) {
      // Both factors are z (1 - t); a zero z_prev has already made A zero.
      const double ratio = z_prev > 0.0 ? z / z_prev : 0.0;
      for (std::size_t p = 0; p < k; ++p) child_a[p] = a[p] * ratio;
    } else {
      for (std::size_t p = 0; p < k; ++p) {
        child_a[p] = a[p] * (z + (o - z) * t[p]) / (z_prev + (1.0 - z_prev) * t[p]);
      }
    }
    present_[feature] = 1;
    zero_[feature] = z;
    one_[feature] = o;
    if (recurs) {
      for (std::size_t p = 0; p < k; ++p) child_acc[p] = 0.0;
      open_acc_[feature] = child_acc;
    }
    visit(tree, child, depth + 1, row, points);
    // This edge is the deepest split on `feature` for the leaves below it except those under
    // a deeper split on the same feature (collected in child_acc, only when there is one);
    // credit it for the rest, divided by its own factor. o is 0 or 1. A factor with o = 0 is
    // z (1 - t): (o - z) / z = -1 and only the tabulated 1 / (1 - t) is needed; only o = 1
    // factors cost a division per point.
    const auto add_credit = [&](auto below) {
      if (o == 0.0) {
        for (std::size_t p = 0; p < k; ++p) {
          credit[p] -= below(p) * inv_one_minus_t[p];
          g[p] += child_g[p];
        }
      } else {
        const double c = 1.0 - z;
        for (std::size_t p = 0; p < k; ++p) {
          credit[p] += c * below(p) / (z + c * t[p]);
          g[p] += child_g[p];
        }
      }
    };
    if (recurs) {
      add_credit([child_g, child_acc](std::size_t p) { return child_g[p] - child_acc[p]; });
    } else {
      add_credit([child_g](std::size_t p) { return child_g[p]; });
    }
  }
  present_[feature] = was_present ? 1 : 0;
  zero_[feature] = z_prev;
  one_[feature] = o_prev;
  open_acc_[feature] = outer_acc;
  if (outer_acc != nullptr) {
    for (std::size_t p = 0; p < k; ++p) outer_acc[p] += g[p];
  }
}

}  // namespace risklab::ml
