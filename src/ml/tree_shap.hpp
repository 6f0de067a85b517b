#pragma once

#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

#include "ml/detail/tree_shap_walk.hpp"
#include "ml/forest/decision_tree.hpp"
#include "ml/forest/random_forest.hpp"
#include "ml/gbdt.hpp"

namespace risklab::ml {

/// Exact path-dependent TreeSHAP values of one row (the values of Lundberg, Erion and Lee
/// 2018, Algorithm 2). For a random forest the explained output is the raw forest score (mean
/// of the trees' leaf class-1 fractions, before prior correction and calibration), so
/// expected_value + sum(contributions) == forest.predict(row) up to rounding; for a boosted
/// model it is the margin (log-odds, before calibration), as xgboost's pred_contribs.
struct ShapValues {
  /// The cover-weighted mean output over the training rows (for gbdt with the base margin).
  double expected_value = 0.0;
  /// One contribution per feature, in model order.
  std::vector<double> contributions;
};

/// Computes ShapValues in O(nodes x D) per tree instead of Algorithm 2's O(leaves x D^2),
/// the idea of Linear TreeSHAP (Yu et al., NeurIPS 2022): a leaf's Shapley weight for
/// feature i is the integral over t in [0, 1] of prod_{j != i} (z_j (1 - t) + o_j t) (a Beta
/// integral gives the Shapley weights), so sums of these
/// polynomials are carried up the tree as their values at Gauss-Legendre nodes (exact for
/// the degrees involved) and each split edge is credited once. Hand-written: no Debian C++
/// package offers TreeSHAP for our forest; xgboost's own for boosted trees (its C API) is
/// serialized by a mutex and costs ~3.7x the CPU (bench/ml: BM_Gbdt*ShapOneRow). The walk
/// (detail/tree_shap_walk.hpp) runs several rows a vector, a lane each: four where the CPU has
/// AVX2 and FMA, two on any x86-64 (or with RISKLAB_TREESHAP=sse2), chosen at construction; a
/// lone row runs its points two to a vector. Holds per-tree quadrature tables and scratch
/// buffers, so one explainer must not be shared between threads.
class TreeExplainer {
 public:
  /// Prepares for `forest`, which must outlive the explainer.
  explicit TreeExplainer(const RandomForest& forest);
  /// Prepares for a boosted model's trees, which must outlive the explainer. Rows are then raw
  /// (NaN = missing) and routed as xgboost routes them: the value as float, NaN to the
  /// node's default child, otherwise `value < threshold` goes left. Leaves are weighed by
  /// xgboost's cover (sum_hessian), as its pred_contribs does.
  explicit TreeExplainer(const GbdtBooster& booster);

  /// SHAP values of one row: for a forest scaled (the model's features in order), for a
  /// boosted model raw.
  ShapValues explain(const double* row);
  /// SHAP values of `n_rows` rows stored one after the other (n_features() values each), the
  /// same values explain() gives each row (up to rounding), at a fraction of the cost per row:
  /// up to kMaxRows rows share one walk of each tree and the per-edge factor tables.
  std::vector<ShapValues> explain_batch(const double* rows, std::size_t n_rows);

  /// Continuous batching, for rows that arrive one by one (the scoring service's drivers):
  /// a row joins the rows in flight at whichever tree the walk has reached and leaves once
  /// every tree has explained it, so it never waits for a batch to finish, and it gets the
  /// values explain() gives it (up to rounding). Rows in flight must not be mixed with
  /// explain() or explain_batch() on the same explainer.
  ///
  /// Whether one more row can join (fewer than max_rows() in flight).
  bool can_join() const { return flight_.size() < max_rows_; }
  std::size_t in_flight() const { return flight_.size(); }
  /// Adds a row (as explain() takes it), known as `id`. Requires can_join().
  void join(std::uint64_t id, const double* row);
  /// Walks the next tree for every row in flight, and appends to `done` the rows (id and
  /// values) that every tree has now explained; they leave.
  void step(std::vector<std::pair<std::uint64_t, ShapValues>>& done);

  /// The most rows one walk of the trees takes (kMaxRows, fewer for trees of extreme depth).
  std::size_t max_rows() const { return max_rows_; }

  /// The most rows one walk of the trees explains together (explain_batch splits larger
  /// batches; trees of extreme depth take fewer, to bound the scratch memory).
  static constexpr std::size_t kMaxRows = detail::kShapMaxRows;

  double expected_value() const { return expected_value_; }

 private:
  struct TreePlan {
    /// One walk over some of the tree's leaves (values(tree) = sum over its walks).
    struct Walk {
      std::size_t points = 1;  ///< Gauss-Legendre nodes, enough for its leaves
      /// Per node: 1 when its subtree holds one of the walk's leaves (non-zero values only).
      std::vector<char> live;
    };
    /// None for a tree whose leaves are all 0; two when shallow leaves need fewer points.
    std::vector<Walk> walks;
    std::size_t depth = 0;
    /// Per node: 1 when its feature is split on again below it.
    std::vector<char> recurs;
    /// Per node: its share of its parent's training cover (0 for the root, or under a parent
    /// without cover).
    std::vector<double> share;
  };
  template <class Tree>
  void add_tree(const Tree& tree);
  void prepare_walk();

  const RandomForest* forest_ = nullptr;
  const detail::GbdtTrees* boosted_ = nullptr;
  std::size_t n_features_ = 0;
  /// Applied to the summed per-tree values: 1 / trees for a forest (a mean), 1 for boosting.
  double scale_ = 1.0;
  double expected_value_ = 0.0;
  std::vector<TreePlan> plans_;
  /// Gauss-Legendre nodes and weights on [0, 1] and -w / (1 - t) at each, by point count.
  std::vector<std::vector<double>> nodes_;
  std::vector<std::vector<double>> weights_;
  std::vector<std::vector<double>> minus_w_inv_table_;
  // What the walk reads, as raw arrays (detail/tree_shap_walk.hpp), and the walk itself.
  std::vector<const double*> t_tables_;
  std::vector<const double*> w_tables_;
  std::vector<const double*> minus_w_inv_tables_;
  std::vector<detail::ShapForestTree> forest_trees_;
  std::vector<detail::ShapBoostedTree> boosted_trees_;
  std::vector<detail::ShapTreePlan> walk_plans_;
  std::unique_ptr<detail::ShapWalker> walker_;
  std::size_t max_rows_ = 1;
  /// The rows in flight, by lane: their id and how many trees are still to explain them.
  struct Flight {
    std::uint64_t id;
    std::size_t trees_left;
  };
  std::vector<Flight> flight_;
  std::size_t next_tree_ = 0;  // the tree the next step() walks
};

}  // namespace risklab::ml
