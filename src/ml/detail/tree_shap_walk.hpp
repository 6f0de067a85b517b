#pragma once

// The walk of TreeExplainer (ml/tree_shap.hpp) behind a plain interface, so that it can be
// compiled three times: for any x86-64 (SSE2, four rows a vector), for CPUs with AVX2 and FMA
// (eight) and for CPUs with AVX-512 (sixteen), the widest the CPU runs chosen at run time. Only raw
// arrays cross it: the AVX2 and AVX-512 translation units must not instantiate a template that
// the rest of the program shares (the linker could pick their copy for everyone).

#include <cstddef>
#include <cstdint>

#include "ml/detail/gbdt_trees.hpp"

namespace risklab::ml::detail {

/// The most rows a walker holds (its lanes).
inline constexpr std::size_t kShapMaxRows = 64;
/// The most rows one pass of a tree's walk takes: more lanes are walked in several passes,
/// each with the per-depth scratch of at most this many rows.
inline constexpr std::size_t kShapPassRows = 64;

/// A random-forest tree (ml/forest): `row[feature] <= threshold` goes left; left < 0 is a leaf.
struct ShapForestTree {
  const std::int32_t* left;
  const std::int32_t* right;
  const std::int32_t* feature;
  const double* threshold;
  const double* value;
};

/// A boosted tree (GbdtTrees nodes [begin, begin + size)), walked as xgboost 1.7 walks it.
struct ShapBoostedTree {
  const GbdtTrees::Node* nodes;
  const float* values;
  std::size_t begin;
};

/// The most walks of one tree (each over some of its leaves).
inline constexpr std::size_t kShapMaxWalks = 3;

/// Per tree: its walks (each over some of its leaves, with enough Gauss-Legendre points for
/// them), and per node whether its feature is split on again below it and its share of its
/// parent's training cover.
struct ShapTreePlan {
  std::size_t size = 0;
  std::size_t n_walks = 0;
  std::size_t points[kShapMaxWalks] = {};
  const char* live[kShapMaxWalks] = {};
  const char* recurs = nullptr;
  const double* share = nullptr;
};

/// What the walk reads. Quadrature tables are indexed by point count (nodes t, weights w and
/// -w / (1 - t) on [0, 1]); an odd count's tables have one more entry, t = 1 with weight 0 and
/// -w / (1 - t) = 0, so that loops can go two points at a time (the extra point's factors are
/// 0 or within [0, 1], its credits 0).
struct ShapWalkModel {
  std::size_t n_trees = 0;
  std::size_t n_features = 0;
  std::size_t max_rows = 1;                  // lanes (<= kShapMaxRows)
  std::size_t pass_rows = 1;                 // rows a pass takes (<= kShapPassRows)
  std::size_t levels = 1;                    // deepest path + 2
  std::size_t max_points = 2;                // most points of any walk, rounded up to even
  const ShapForestTree* forest = nullptr;    // n_trees of them, or null
  const ShapBoostedTree* boosted = nullptr;  // n_trees of them, or null
  const ShapTreePlan* plans = nullptr;
  const double* const* t = nullptr;
  const double* const* w = nullptr;
  const double* const* minus_w_inv = nullptr;
};

/// Holds the rows being explained, a lane each, their contributions so far and the scratch of
/// the walk: not to be shared between threads.
class ShapWalker {
 public:
  virtual ~ShapWalker() = default;
  /// Puts a row (n_features values) in `lane` (< max_rows), its contributions at 0.
  virtual void load(std::size_t lane, const double* row) = 0;
  /// Moves the row and contributions in lane `from` to lane `to`.
  virtual void move(std::size_t from, std::size_t to) = 0;
  /// Adds tree `tree`'s TreeSHAP values of the rows in lanes [0, n) to their contributions.
  virtual void walk(std::size_t tree, std::size_t n) = 0;
  /// Copies the contributions of the row in `lane` (n_features values) to `out`.
  virtual void read(std::size_t lane, double* out) const = 0;
};

/// The compilations of the walk, narrowest first: any x86-64 (SSE2, four rows a vector), AVX2 and
/// FMA (eight), AVX-512 F, DQ and VL (sixteen).
enum class ShapWalkKind { sse2, avx2, avx512 };

/// Whether this CPU runs `kind`'s walk.
bool shap_walk_runs(ShapWalkKind kind);
/// The walk to take: the one RISKLAB_TREESHAP names (sse2, avx2 or avx512) if this CPU runs it,
/// otherwise the widest this CPU runs.
ShapWalkKind chosen_shap_walk();
/// A walker of `kind` (which this CPU must run). The caller owns the result (delete).
ShapWalker* new_shap_walker(ShapWalkKind kind, const ShapWalkModel& model);

/// new_shap_walker's three, each defined in tree_shap_walk_<kind>.cpp, the one file compiled
/// for that instruction set.
ShapWalker* new_shap_walker_sse2(const ShapWalkModel& model);
ShapWalker* new_shap_walker_avx2(const ShapWalkModel& model);
ShapWalker* new_shap_walker_avx512(const ShapWalkModel& model);

}  // namespace risklab::ml::detail
