#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "ml/forest/decision_tree.hpp"

namespace risklab::ml::detail {

/// The trees of a RandomForest compiled for prediction (docs/adr/0005): all nodes in one
/// flat array of 16-byte nodes, walked in sweeps. Outputs are bit-identical to walking the
/// DecisionTrees and summing their leaves in tree order.
class ForestPredictor {
 public:
  /// Compiles `trees` (valid DecisionTrees over `n_features` features).
  void build(const std::vector<DecisionTree>& trees, std::size_t n_features);

  /// Mean leaf value over the trees for one row (n_features values). Thread-safe; allocates
  /// nothing after a thread's first call.
  double predict(const double* row) const;
  /// predict() of `n_rows` row-major rows into `out`, tree by tree over blocks of rows (a
  /// block's rows stay in L2, one tree's nodes in L1). Bit-identical to predict() per row.
  void predict_batch(const double* rows, std::size_t n_rows, double* out) const;

  /// Row cells (rows x features) walked together by predict_batch(): 128 KiB of doubles.
  static constexpr std::size_t kBlockCells = 16384;

  /// A split sends `row[feature] <= threshold` to `left`, anything else (NaN too) to
  /// left + 1. A leaf has a NaN threshold (no value is <= it) and left = itself - 1, so every
  /// step from a leaf lands on it again and a walk needs no branch to stop there.
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
    std::vector<const double*> rows;  // predict_batch(): each path's row
    void resize(std::size_t paths) {
      index.resize(paths);
      id.resize(paths);
      leaf.resize(paths);
      rows.resize(paths);
    }
  };

  std::size_t n_features_ = 0;
  std::vector<Node> nodes_;
  /// Each node's leaf value (0 for splits), indexed like the nodes.
  std::vector<double> leaf_value_;
  std::vector<std::int32_t> roots_;
};

}  // namespace risklab::ml::detail
