#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
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
/// (detail/tree_shap_walk.hpp) runs several rows a vector, a lane each: sixteen where the CPU has
/// AVX-512, eight where it has AVX2 and FMA, four on any x86-64 (RISKLAB_TREESHAP=sse2, avx2 or
/// avx512 picks one the CPU runs), chosen at construction; a lone row runs its points two to a
/// vector.
///
/// Precision: a lone row (explain()) is walked in double precision. Several rows
/// (explain_batch(), ContinuousExplainer) carry the walk's polynomial values in single
/// precision, as xgboost's TreeSHAP does (its pred_contribs is float throughout): half the bytes
/// per row, ~35 % less time a 64-row batch, the walk being bound by its row-vector loads and
/// stores. Routing, the per-edge tables and the sums over edges and trees stay double. Measured
/// on the reference data (tests/ml, bench/ml): a batched contribution is within 4e-9 of the
/// lone row's on the 300-tree forest (6e-8 of the row's largest contribution), 9e-8 on the
/// boosted model's log-odds; the top five drivers of all 1,364 test rows come out in the same
/// order. Holds per-tree quadrature tables and scratch buffers, so one explainer must not be
/// shared between threads.
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
  /// values explain() gives each row up to single-precision rounding (above), at a fraction of
  /// the cost per row: up to kMaxRows rows share one walk of each tree (one pass of up to 64
  /// rows, fewer for trees of extreme depth, to bound the scratch memory), and each pass the
  /// per-edge factor tables. A batch of one row is explain().
  std::vector<ShapValues> explain_batch(const double* rows, std::size_t n_rows);

  /// The most rows one walk of the trees explains together (explain_batch splits larger
  /// batches).
  static constexpr std::size_t kMaxRows = detail::kShapMaxRows;

  double expected_value() const { return expected_value_; }
  std::size_t n_features() const { return n_features_; }
  std::size_t n_trees() const { return plans_.size(); }

 private:
  friend class ContinuousExplainer;
  /// A walker of its own over this explainer's trees and tables (which it reads: the
  /// explainer must outlive it), with kMaxRows lanes.
  std::unique_ptr<detail::ShapWalker> new_walker() const;

  struct TreePlan {
    /// One walk over some of the tree's leaves (values(tree) = sum over its walks).
    struct Walk {
      std::size_t points = 1;  ///< Gauss-Legendre nodes, enough for its leaves
      /// Per node: 1 when its subtree holds one of the walk's leaves (non-zero values only).
      std::vector<char> live;
    };
    /// None for a tree whose leaves are all 0; up to detail::kShapMaxWalks when shallow leaves
    /// need fewer points.
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
  detail::ShapWalkModel walk_model_;
  detail::ShapWalkKind walk_kind_ = detail::ShapWalkKind::sse2;  // chosen_shap_walk()
  std::unique_ptr<detail::ShapWalker> walker_;
};

/// Continuous batching on several threads, for rows that arrive one by one (the scoring
/// service's drivers). A row joins at any time, whatever tree the walk has reached; each
/// thread, in turn, takes the next tree and walks it over every row in flight (with a walker
/// of its own), so the rows advance at the pace of all the threads together and none waits on
/// a thread the operating system happens to give less of the CPU. A row leaves once every tree
/// has been walked over it exactly once, by whichever thread, with the values explain() gives
/// it (up to rounding: its contributions are sums over the trees, in any order). Thread-safe.
class ContinuousExplainer {
 public:
  /// For `explainer`'s trees (the explainer must outlive this one, which only reads it),
  /// walked by threads numbered 0 to `threads` - 1. A row's first tree is the next whose place
  /// in the turn (trees handed out so far) is a multiple of `join_every`: rows that join in
  /// between start, and leave, together (the scoring service stores them in one transaction).
  ContinuousExplainer(const TreeExplainer& explainer, std::size_t threads,
                      std::size_t join_every = 1);
  ~ContinuousExplainer();
  ContinuousExplainer(const ContinuousExplainer&) = delete;
  ContinuousExplainer& operator=(const ContinuousExplainer&) = delete;

  /// The most rows in flight (TreeExplainer::kMaxRows).
  std::size_t max_rows() const { return TreeExplainer::kMaxRows; }
  /// Rows joined and not yet handed back by step().
  std::size_t in_flight() const;
  /// Adds a row (as TreeExplainer::explain() takes it), known as `id`: its first tree is the
  /// next one at a multiple of join_every (skipped to, if no row needs the trees before it).
  /// Returns false, adding nothing, when max_rows() rows are in flight.
  bool join(std::uint64_t id, const double* row);
  /// Run by thread `thread` (one call at a time per thread): hands the rows whose trees have
  /// all been walked to `done` (id and values) once no thread still holds them, then walks the
  /// next tree over every row in flight that needs it. Returns false when there was no tree to
  /// walk: no row in flight, or each one's remaining trees are taken by other threads (which
  /// hand it back from their own next step()).
  bool step(std::size_t thread, std::vector<std::pair<std::uint64_t, ShapValues>>& done);

 private:
  struct Row;
  struct Lanes;
  const TreeExplainer& explainer_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Row>> rows_;     // in flight, in joining order
  std::vector<std::unique_ptr<Lanes>> lanes_;  // per thread
  std::uint64_t next_ = 0;                     // trees handed out so far (the next is % trees)
  std::uint64_t join_every_ = 1;
};

}  // namespace risklab::ml
