#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "ml/forest/decision_tree.hpp"

namespace risklab::ml::detail {

/// The trees of a RandomForest compiled for prediction (docs/adr/0005). Every split
/// threshold of a feature is one of that feature's sorted distinct thresholds ("cuts"), so a
/// row is first mapped to bins, bin = the number of the feature's cuts below the value, and
/// `value > cut j` becomes `bin > j`: an exact integer test on 8-byte nodes and 2-byte row
/// cells instead of a double test on 16-byte nodes and 8-byte cells. Outputs are
/// bit-identical to walking the DecisionTrees and summing their leaves in tree order.
/// When a feature has more than 65,534 distinct thresholds (or there are more than 65,535
/// features) the bins do not fit 16 bits and the double nodes are walked instead.
class ForestPredictor {
 public:
  /// Compiles `trees` (valid DecisionTrees over `n_features` features).
  void build(const std::vector<DecisionTree>& trees, std::size_t n_features);

  /// Mean leaf value over the trees for one row (n_features values). Thread-safe; allocates
  /// nothing after a thread's first call.
  double predict(const double* row) const;
  /// predict() of `n_rows` row-major rows into `out`, tree by tree over blocks of rows (a
  /// block's bins and one tree's nodes stay in L1). Bit-identical to predict() per row.
  void predict_batch(const double* rows, std::size_t n_rows, double* out) const;

  /// True when the 16-bit binned nodes are used (false: the double-threshold fallback).
  bool binned() const { return binned_; }

  /// Bin cells (rows x features) binned and walked together by predict_batch().
  static constexpr std::size_t kBlockCells = 16384;

  /// A split on the bin of a feature: bin <= threshold goes to left, else to left + 1. A leaf
  /// points at itself with threshold 0xFFFF, which no bin exceeds, so a walk may step past its
  /// leaf without branching.
  struct BinNode {
    std::int32_t left;
    std::uint16_t feature;
    std::uint16_t threshold;
  };
  /// The same on raw doubles (fallback); a leaf has a NaN threshold (no value is <= it) and
  /// left = itself - 1.
  struct Node {
    double threshold;
    std::int32_t feature;
    std::int32_t left;
  };

 private:
  // Per-walk buffers: one path per tree (predict) or per row of a block (predict_batch).
  struct Scratch {
    std::vector<std::int32_t> index;
    std::vector<std::uint32_t> id;
    std::vector<std::int32_t> leaf;
    std::vector<std::uint16_t> bins;
    void resize(std::size_t paths, std::size_t cells) {
      index.resize(paths);
      id.resize(paths);
      leaf.resize(paths);
      bins.resize(cells);
    }
  };
  void bin_row(const double* row, std::uint16_t* bins) const;

  bool binned_ = false;
  std::size_t n_features_ = 0;
  std::vector<BinNode> bin_nodes_;
  std::vector<Node> nodes_;
  /// Per feature f, its sorted distinct thresholds cuts_[cut_begin_[f] .. cut_begin_[f + 1]).
  std::vector<double> cuts_;
  std::vector<std::uint32_t> cut_begin_;
  /// Each node's leaf value (0 for splits), indexed like the nodes.
  std::vector<double> leaf_value_;
  std::vector<std::int32_t> roots_;
};

}  // namespace risklab::ml::detail
