// The walk of TreeExplainer, included by tree_shap_walk_{sse2,avx2,avx512}.cpp with
// RISKLAB_SHAP_NS (a namespace of its own, so that no symbol is shared between them) and
// RISKLAB_SHAP_LANES (rows per vector: 4 with SSE2, 8 with AVX2, 16 with AVX-512). See
// tree_shap_walk.hpp: only builtins, intrinsics and our own code here, no standard-library
// template.
//
// No include guard: meant to be included once per translation unit.

#include <immintrin.h>

#include <cmath>
#include <cstring>
#include <new>

#include "ml/detail/tree_shap_walk.hpp"

namespace risklab::ml::detail::RISKLAB_SHAP_NS {
namespace {

constexpr std::size_t kRowLanes = RISKLAB_SHAP_LANES;
// Row vectors in a pass of the walk (at most two chunks: with four lanes a vector, two chunks take
// kShapPassRows; with eight or sixteen, one chunk takes all of it). The loops over them go a chunk
// of at most kChunkBlocks at a time, whose masks and credits stay in registers; the tree's own work
// (its nodes, the edge tables) is done once for the pass.
constexpr std::size_t kChunkBlocks = 8;
constexpr std::size_t kMaxBlocks =
    kShapPassRows / kRowLanes < 2 * kChunkBlocks ? kShapPassRows / kRowLanes : 2 * kChunkBlocks;
constexpr std::size_t kPassRows = kMaxBlocks * kRowLanes;
static_assert(kShapPassRows % kRowLanes == 0 && kShapMaxRows % kShapPassRows == 0);

// kRowLanes rows' values at one point, and per row a mask (all ones or zeros). The walk's
// polynomial values are single precision, as xgboost's own TreeSHAP computes them: the walk is
// bound by its row-vector loads and stores, so sixteen rows a 512-bit vector instead of eight
// explain a 64-row batch in ~35 % less time. The rows' feature values, the per-edge factor
// tables and the contributions summed over edges and trees stay double (each edge's credit is
// rounded to single once); see TreeExplainer for the resulting accuracy.
using RowVec = float __attribute__((vector_size(kRowLanes * sizeof(float))));
using RowMask = std::int32_t __attribute__((vector_size(kRowLanes * sizeof(std::int32_t))));
// The same rows' feature values and contributions.
using RowDoubles = double __attribute__((vector_size(kRowLanes * sizeof(double))));
using RowDoubleMask = std::int64_t __attribute__((vector_size(kRowLanes * sizeof(std::int64_t))));

// The per-edge factor tables are computed two points at a time; point counts are even.
using Block = double __attribute__((vector_size(2 * sizeof(double))));
[[gnu::always_inline]] inline Block load_pair(const double* p) {
  Block b;
  std::memcpy(&b, p, sizeof b);
  return b;
}
[[gnu::always_inline]] inline void store_pair(double* p, Block b) { std::memcpy(p, &b, sizeof b); }

[[gnu::always_inline]] inline RowVec splat(double x) { return RowVec{} + static_cast<float>(x); }
// Whether any lane of a mask is set. GCC 12 reduces sixteen lanes by extracting them one by one:
// one test instruction instead (-5 % a 64-row batch). Narrower vectors keep the plain loop,
// which it compiles well.
[[gnu::always_inline]] inline bool any(RowMask m) {
#if RISKLAB_SHAP_LANES == 16
  const auto v = reinterpret_cast<__m512i>(m);
  return _mm512_test_epi32_mask(v, v) != 0;
#else
  bool out = false;
  for (std::size_t lane = 0; lane < kRowLanes; ++lane) out |= m[lane] != 0;
  return out;
#endif
}
// Per lane: m ? x : y.
[[gnu::always_inline]] inline RowVec select(RowMask m, RowVec x, RowVec y) {
#ifdef __SSE4_1__
  return m ? x : y;
#else
  // SSE2 has no blend.
  return reinterpret_cast<RowVec>((m & reinterpret_cast<RowMask>(x)) |
                                  (~m & reinterpret_cast<RowMask>(y)));
#endif
}
// Per lane: x[lane] <= y, for the kRowLanes doubles from `x` on (NaN is not), in double
// precision as the forest routes a row. Intrinsics: GCC 12 cannot expand a comparison of double
// vectors into 64-bit lane masks without SSE4.1.
[[gnu::always_inline]] inline RowMask less_equal(const double* x, double y) {
#if RISKLAB_SHAP_LANES == 16
  const __m512d bound = _mm512_set1_pd(y);
  const unsigned low = _mm512_cmp_pd_mask(_mm512_loadu_pd(x), bound, _CMP_LE_OQ);
  const unsigned high = _mm512_cmp_pd_mask(_mm512_loadu_pd(x + 8), bound, _CMP_LE_OQ);
  return reinterpret_cast<RowMask>(_mm512_movm_epi32(static_cast<__mmask16>(low | high << 8)));
#else
  RowDoubleMask wide;
#if RISKLAB_SHAP_LANES == 8
  const __m256d bound = _mm256_set1_pd(y);
  for (std::size_t half = 0; half < 2; ++half) {
    const __m256d m = _mm256_cmp_pd(_mm256_loadu_pd(x + 4 * half), bound, _CMP_LE_OQ);
    std::memcpy(reinterpret_cast<char*>(&wide) + half * sizeof m, &m, sizeof m);
  }
#else
  static_assert(kRowLanes == 4);
  const __m128d bound = _mm_set1_pd(y);
  for (std::size_t half = 0; half < 2; ++half) {
    const __m128d m = _mm_cmple_pd(_mm_loadu_pd(x + 2 * half), bound);
    std::memcpy(reinterpret_cast<char*>(&wide) + half * sizeof m, &m, sizeof m);
  }
#endif
  return __builtin_convertvector(wide, RowMask);
#endif
}

// The two kinds of trees, behind one interface (node indices local to the tree, the root at 0).
struct ForestTree {
  const ShapForestTree& tree;
  bool leaf(std::size_t n) const { return tree.left[n] < 0; }
  std::size_t left(std::size_t n) const { return static_cast<std::size_t>(tree.left[n]); }
  std::size_t right(std::size_t n) const { return static_cast<std::size_t>(tree.right[n]); }
  std::size_t feature(std::size_t n) const { return static_cast<std::size_t>(tree.feature[n]); }
  double value(std::size_t n) const { return tree.value[n]; }
  /// Per lane: whether the row's value of the node's feature (kRowLanes rows' from `x` on) goes
  /// left.
  RowMask goes_left(std::size_t n, const double* x) const {
    return less_equal(x, tree.threshold[n]);
  }
  bool goes_left(std::size_t n, double x) const { return x <= tree.threshold[n]; }
};

struct BoostedTree {
  const GbdtTrees::Node* nodes;
  const float* values;
  std::size_t begin;
  explicit BoostedTree(const ShapBoostedTree& tree)
      : nodes(tree.nodes), values(tree.values), begin(tree.begin) {}
  bool leaf(std::size_t i) const { return std::isnan(nodes[i].threshold); }
  std::size_t left(std::size_t i) const { return static_cast<std::size_t>(nodes[i].left) - begin; }
  std::size_t right(std::size_t i) const { return left(i) + 1; }
  std::size_t feature(std::size_t i) const { return nodes[i].feature; }
  double value(std::size_t i) const { return values[i]; }
  bool goes_left(std::size_t i, double x) const {
    if (std::isnan(x)) return nodes[i].default_right == 0;
    return static_cast<float>(x) < nodes[i].threshold;
  }
  /// Per lane (kRowLanes rows' values from `x` on): NaN to the node's default child, otherwise
  /// the value as float < threshold.
  RowMask goes_left(std::size_t i, const double* x) const {
    RowDoubles v;
    std::memcpy(&v, x, sizeof v);
    const RowVec as_float = __builtin_convertvector(v, RowVec);
    RowMask by_value;
    for (std::size_t lane = 0; lane < kRowLanes; ++lane)
      by_value[lane] = as_float[lane] < nodes[i].threshold ? -1 : 0;
    // NaN stays NaN as a float, and no other double becomes one.
    const RowMask missing = as_float != as_float;
    const RowMask to_default = RowMask{} - (nodes[i].default_right == 0 ? 1 : 0);
    return (missing & to_default) | (~missing & by_value);
  }
};

template <class T>
T* allocate(std::size_t n) {
  T* p = static_cast<T*>(::operator new (n * sizeof(T), std::align_val_t{64}));
  for (std::size_t i = 0; i < n; ++i) p[i] = T{};
  return p;
}
template <class T>
void release(T* p) {
  ::operator delete (p, std::align_val_t{64});
}

// The compile-time number of row vectors of the current pass: M chunks of C.
template <std::size_t M, std::size_t C>
struct Blocks {
  static constexpr std::size_t size() { return M * C; }
  static constexpr std::size_t chunk() { return C; }
};

// A lone row's point count, a compile-time constant for the counts that occur in practice
// (loops of known length unroll) or a run-time one beyond.
template <std::size_t K>
struct FixedPoints {
  static constexpr std::size_t size() { return K; }
};
struct DynamicPoints {
  std::size_t n;
  std::size_t size() const { return n; }
};
constexpr std::size_t kMaxFixedPoints = 32;

// visit()'s factor tables per edge (f0, f1, c1, ratio, f0_old, f1_old), a point count long each.
constexpr std::size_t kEdgeTables = 6;

class Walker final : public ShapWalker {
 public:
  explicit Walker(const ShapWalkModel& model) : m_(model) {
    width_ = (m_.max_rows + kRowLanes - 1) / kRowLanes * kRowLanes;
    pass_rows_ = m_.pass_rows < kPassRows ? m_.pass_rows : kPassRows;
    const std::size_t per_level = m_.max_points * ((pass_rows_ + kRowLanes - 1) / kRowLanes);
    a_ = allocate<RowVec>(m_.levels * per_level);
    g_ = allocate<RowVec>(m_.levels * per_level);
    acc_ = allocate<RowVec>(m_.levels * per_level);
    row_a_ = allocate<double>(m_.levels * m_.max_points);
    row_g_ = allocate<double>(m_.levels * m_.max_points);
    row_acc_ = allocate<double>(m_.levels * m_.max_points);
    row_one_ = allocate<char>(m_.n_features);
    open_row_acc_ = allocate<double*>(m_.n_features);
    tables_ = allocate<double>(m_.levels * kEdgeTables * m_.max_points);
    values_ = allocate<double>(m_.n_features * width_);
    phi_ = allocate<double>(m_.n_features * width_);
    zero_ = allocate<double>(m_.n_features);
    one_ = allocate<RowMask>(m_.n_features * kMaxBlocks);
    present_ = allocate<char>(m_.n_features);
    open_acc_ = allocate<RowVec*>(m_.n_features);
    acc_set_ = allocate<char>(m_.levels);
    for (std::size_t f = 0; f < m_.n_features; ++f) zero_[f] = 1.0;
  }
  ~Walker() override {
    release(a_);
    release(g_);
    release(acc_);
    release(row_a_);
    release(row_g_);
    release(row_acc_);
    release(row_one_);
    release(open_row_acc_);
    release(tables_);
    release(values_);
    release(phi_);
    release(zero_);
    release(one_);
    release(present_);
    release(open_acc_);
    release(acc_set_);
  }
  Walker(const Walker&) = delete;
  Walker& operator=(const Walker&) = delete;

  // Rows and contributions are kept feature-major, a lane per row ([feature][lane]): a node
  // reads one feature of every row, an edge credits one feature of every row, a few vectors
  // each.
  void load(std::size_t lane, const double* row) override {
    for (std::size_t f = 0; f < m_.n_features; ++f) {
      values_[f * width_ + lane] = row[f];
      phi_[f * width_ + lane] = 0.0;
    }
  }
  void move(std::size_t from, std::size_t to) override {
    for (std::size_t f = 0; f < m_.n_features; ++f) {
      values_[f * width_ + to] = values_[f * width_ + from];
      phi_[f * width_ + to] = phi_[f * width_ + from];
    }
  }
  void read(std::size_t lane, double* out) const override {
    for (std::size_t f = 0; f < m_.n_features; ++f) out[f] = phi_[f * width_ + lane];
  }
  void walk(std::size_t tree, std::size_t n) override {
    const ShapTreePlan& plan = m_.plans[tree];
    if (plan.size <= 1 || n == 0) return;
    prefetch(tree, plan);
    // More rows than a pass takes: passes of equal size (to whole vectors).
    const std::size_t passes = (n + pass_rows_ - 1) / pass_rows_;
    const std::size_t per_pass =
        ((n + passes - 1) / passes + kRowLanes - 1) / kRowLanes * kRowLanes;
    for (lane0_ = 0; lane0_ < n; lane0_ += per_pass) {
      // The lanes past the rows (to a whole number of vectors) take part but never follow a
      // path (valid_), and nothing reads them back.
      n_ = n - lane0_ < per_pass ? n - lane0_ : per_pass;
      // Equal chunks, the pass's vectors rounded up to a whole number of them.
      const std::size_t blocks = (n_ + kRowLanes - 1) / kRowLanes;
      chunks_ = (blocks + kChunkBlocks - 1) / kChunkBlocks;
      chunk_ = (blocks + chunks_ - 1) / chunks_;
      n_blocks_ = chunks_ * chunk_;
      for (std::size_t b = 0; b < kMaxBlocks; ++b) {
        for (std::size_t lane = 0; lane < kRowLanes; ++lane)
          valid_[b][lane] = b * kRowLanes + lane < n_ ? -1 : 0;
      }
      for (std::size_t walk = 0; walk < plan.n_walks; ++walk) {
        if (m_.forest != nullptr) {
          explain_tree(ForestTree{m_.forest[tree]}, plan, walk);
        } else {
          explain_tree(BoostedTree(m_.boosted[tree]), plan, walk);
        }
      }
    }
  }

 private:
  // Asks for the tree's arrays in the core's L2 cache before the walk needs them. A walk reads
  // some ten arrays at every node, and a tree comes back to a thread only after the others
  // (tens of KB each, MBs in all: out of L2 by then); left to demand loads, their misses stall
  // every node's setup. Measured under load (bench/http rf drivers): +8 % req/s.
  static void prefetch_bytes(const void* p, std::size_t bytes) {
    const char* c = static_cast<const char*>(p);
    for (std::size_t i = 0; i < bytes; i += 64) _mm_prefetch(c + i, _MM_HINT_T1);
  }
  void prefetch(std::size_t tree, const ShapTreePlan& plan) const {
    const std::size_t n = plan.size;
    if (m_.forest != nullptr) {
      const ShapForestTree& t = m_.forest[tree];
      prefetch_bytes(t.left, n * sizeof *t.left);
      prefetch_bytes(t.right, n * sizeof *t.right);
      prefetch_bytes(t.feature, n * sizeof *t.feature);
      prefetch_bytes(t.threshold, n * sizeof *t.threshold);
      prefetch_bytes(t.value, n * sizeof *t.value);
    } else {
      const ShapBoostedTree& t = m_.boosted[tree];
      prefetch_bytes(t.nodes, n * sizeof *t.nodes);
      prefetch_bytes(t.values, n * sizeof *t.values);
    }
    prefetch_bytes(plan.recurs, n);
    prefetch_bytes(plan.share, n * sizeof *plan.share);
    for (std::size_t w = 0; w < plan.n_walks; ++w) prefetch_bytes(plan.live[w], n);
  }
  template <class Tree>
  void explain_tree(const Tree& tree, const ShapTreePlan& plan, std::size_t walk) {
    k_ = plan.points[walk];
    k_even_ = (k_ + 1) / 2 * 2;
    t_ = m_.t[k_];
    w_ = m_.w[k_];
    minus_w_inv_ = m_.minus_w_inv[k_];
    recurs_ = plan.recurs;
    share_ = plan.share;
    live_ = plan.live[walk];
    if (n_ == 1) {
      for (std::size_t i = 0; i < k_even_; ++i) row_a_[i] = 1.0;
      dispatch_row<Tree, 2>(tree);
      return;
    }
    for (std::size_t i = 0; i < k_ * n_blocks_; ++i) a_[i] = splat(1.0);
    dispatch<Tree, 1, 1>(tree);
  }

  template <class Tree, std::size_t K>
  void dispatch_row(const Tree& tree) {
    if constexpr (K > kMaxFixedPoints) {
      visit_row(tree, 0, 0, DynamicPoints{k_even_});
    } else {
      if (k_even_ == K) {
        visit_row(tree, 0, 0, FixedPoints<K>{});
      } else {
        dispatch_row<Tree, K + 2>(tree);
      }
    }
  }

  // Calls visit() with Blocks<chunks_, chunk_>: M chunks of C vectors, where C is at least
  // the least chunk of M equal ones that hold more than M - 1 chunks of kChunkBlocks.
  template <class Tree, std::size_t M, std::size_t C>
  void dispatch(const Tree& tree) {
    if (chunks_ == M && chunk_ == C) {
      visit(tree, 0, 0, g_, Blocks<M, C>{});
    } else if constexpr (C < kChunkBlocks && C < kMaxBlocks) {
      dispatch<Tree, M, C + 1>(tree);
    } else if constexpr ((M + 1) * kChunkBlocks <= kMaxBlocks) {
      dispatch<Tree, M + 1, (M * kChunkBlocks + 1 + M) / (M + 1)>(tree);
    }
  }

  template <class Tree, class B>
  void visit(const Tree& tree, std::size_t node, std::size_t depth, RowVec* g, B blocks);
  template <class Tree, class Points>
  void visit_row(const Tree& tree, std::size_t node, std::size_t depth, Points points);

  // Writes an edge's factor tables (kEdgeTables of k points from `f0` on, k even: f0, f1, c1,
  // ratio, f0_old, f1_old; see visit()) for its cover share z, each only when some row uses it: c1
  // and f1_old when a row follows the edge (any_o), f0_old when one does not, ratio when one left
  // the feature's path before. z_prev < 0: the feature is new on the path (no *_old, no
  // ratio). A zero z_prev has already made A zero for rows with o_prev = 0 (ratio 0 keeps it
  // so).
  void edge_tables(double* f0, std::size_t k, double z, double z_prev, bool any_o, bool any_not_o,
                   bool any_o_prev_zero) const {
    double* const f1 = f0 + k;
    double* const c1 = f1 + k;
    double* const ratio = c1 + k;
    double* const f0_old = ratio + k;
    double* const f1_old = f0_old + k;
    const bool was_present = z_prev >= 0.0;
    for (std::size_t p = 0; p < k; p += 2) {
      const Block t = load_pair(t_ + p);
      const Block n0 = z * (1.0 - t);
      const Block n1 = z + (1.0 - z) * t;
      store_pair(f0 + p, n0);
      store_pair(f1 + p, n1);
      if (any_o) store_pair(c1 + p, load_pair(w_ + p) * (1.0 - z) / n1);
      if (was_present) {
        if (any_o_prev_zero) store_pair(ratio + p, Block{} + (z_prev > 0.0 ? z / z_prev : 0.0));
        const Block inv_old = 1.0 / (z_prev + (1.0 - z_prev) * t);
        if (any_not_o) store_pair(f0_old + p, n0 * inv_old);
        if (any_o) store_pair(f1_old + p, n1 * inv_old);
      }
    }
  }

  ShapWalkModel m_;
  std::size_t width_ = kRowLanes;  // lanes per feature in values_ and phi_
  std::size_t pass_rows_ = 1;      // the most rows a pass takes
  RowVec* a_ = nullptr;
  RowVec* g_ = nullptr;
  RowVec* acc_ = nullptr;
  double* tables_ = nullptr;
  double* values_ = nullptr;
  double* phi_ = nullptr;
  double* zero_ = nullptr;
  RowMask* one_ = nullptr;
  char* present_ = nullptr;
  RowVec** open_acc_ = nullptr;
  char* acc_set_ = nullptr;  // per depth: acc_ there holds a sum (else it counts as 0)
  // A lone row's scratch: per depth and point its A, G and accumulator; per feature its o and
  // the accumulator of its closest split above.
  double* row_a_ = nullptr;
  double* row_g_ = nullptr;
  double* row_acc_ = nullptr;
  char* row_one_ = nullptr;
  double** open_row_acc_ = nullptr;
  std::size_t lane0_ = 0;     // the current pass's first lane
  std::size_t n_ = 0;         // its rows
  std::size_t n_blocks_ = 1;  // chunks_ x chunk_ row vectors
  std::size_t chunks_ = 1;
  std::size_t chunk_ = 1;
  std::size_t k_ = 2;       // the walk's points
  std::size_t k_even_ = 2;  // rounded up to even: the tables' stride, a lone row's points
  const double* t_ = nullptr;
  const double* w_ = nullptr;
  const double* minus_w_inv_ = nullptr;
  const char* recurs_ = nullptr;
  const double* share_ = nullptr;
  const char* live_ = nullptr;
  RowMask valid_[kMaxBlocks] = {};
};

// At `node` (depth `depth`, never a leaf), for each row r of the batch (a lane of a row vector),
// a_ at (depth, point) holds A(t) = prod over the path's distinct features of
// (z_f (1 - t) + o_f t), where z_f is the share of training cover the path keeps and o_f whether
// the row follows it. Leaves in `g` (at each point) the sum over leaves below of
// value * A_leaf(t), and adds each edge's credit (the quadrature's weighted sum over the points,
// the weights folded into the credit tables) to phi_.
//
// The rows of a batch share everything that depends on the tree alone: the walk, each edge's
// share z and the factor tables built from it (the divisions among them), so a row costs only
// its multiply-adds, a vector lane of them. Per row, o is 0 or 1 and picks one of the tables,
// a lane mask.
//
// Shortcuts, all exact: a leaf child is handled here; only the walk's live subtrees are entered
// (TreeSHAP is linear in the leaf values: a leaf of value 0 adds nothing to g or to any credit,
// and in a forest most leaves are 0, pure non-default; a leaf left to the tree's other walk
// counts as 0 in this one); an edge with z = 0 that no row follows makes every A below it
// zero, so its subtree is skipped.
template <class Tree, class B>
void Walker::visit(const Tree& tree, std::size_t node, std::size_t depth, RowVec* const g,
                   B blocks) {
  constexpr std::size_t nb = B::size();
  constexpr std::size_t chunk = B::chunk();
  const std::size_t k = k_;
  const std::size_t kt = k_even_;  // the edge tables' stride
  RowVec* const a = a_ + depth * k * nb;
  bool g_set = false;    // the first contributing child sets g, the next adds to it
  bool entered = false;  // a child below was visited (the feature's state changed)
  const std::size_t feature = tree.feature(node);
  const std::size_t children[2] = {tree.left(node), tree.right(node)};
  const bool was_present = present_[feature] != 0;
  const double z_prev = zero_[feature];
  RowVec* const outer_acc = open_acc_[feature];
  RowMask* const one = one_ + feature * kMaxBlocks;
  RowVec* const child_a = a_ + (depth + 1) * k * nb;
  RowVec* const child_g = g_ + (depth + 1) * k * nb;
  RowVec* const child_acc = acc_ + (depth + 1) * k * nb;
  const bool recurs = recurs_[node] != 0;
  const double* const values = values_ + feature * width_ + lane0_;  // the feature, per row
  double* const phi = phi_ + feature * width_ + lane0_;              // its contribution, per row

  // Per row: o of the feature so far (1 when not yet on the path; never for padding) and the
  // side it takes here.
  RowMask o_prev[nb];
  RowMask goes_left[nb];
  bool any_o_prev_zero = false;
  for (std::size_t b = 0; b < nb; ++b) {
    o_prev[b] = was_present ? one[b] : valid_[b];
    any_o_prev_zero |= any(valid_[b] & ~o_prev[b]);
    goes_left[b] = tree.goes_left(node, values + b * kRowLanes);
  }

  // Factor tables for an edge: the new factor over the feature's old one, chosen per row by
  // o_prev and o, and the credit's quadrature weight times (o - z) / new factor, by o.
  double* const f0 = tables_ + depth * kEdgeTables * kt;  // z (1 - t)
  double* const f1 = f0 + kt;                             // z + (1 - z) t
  double* const c1 = f1 + kt;                             // w (1 - z) / (z + (1 - z) t)
  double* const ratio = c1 + kt;                          // z / z_prev, o_prev = 0
  double* const f0_old = ratio + kt;   // f0 / (z_prev + (1 - z_prev) t), o_prev = 1
  double* const f1_old = f0_old + kt;  // f1 / (z_prev + (1 - z_prev) t), o_prev = 1
  const double* const new0 = was_present ? f0_old : f0;
  const double* const new1 = was_present ? f1_old : f1;

  RowMask o[nb];
  for (std::size_t side = 0; side < 2; ++side) {
    const std::size_t child = children[side];
    if (live_[child] == 0) continue;  // none of this walk's leaves below
    // A feature met again combines with its earlier fractions (its old factor is divided out).
    // A node without training cover (possible in a boosted tree) passes none to its children.
    const double z = share_[child] * (was_present ? z_prev : 1.0);
    bool any_o = false;
    bool any_not_o = false;
    for (std::size_t b = 0; b < nb; ++b) {
      o[b] = (side == 0 ? goes_left[b] : ~goes_left[b]) & o_prev[b];
      any_o |= any(o[b]);
      any_not_o |= any(valid_[b] & ~o[b]);
    }
    if (z == 0.0 && !any_o) continue;
    const bool is_leaf = tree.leaf(child);
    const double value = is_leaf ? tree.value(child) : 1.0;
    edge_tables(f0, kt, z, was_present ? z_prev : -1.0, any_o, any_not_o, any_o_prev_zero);
    // Runs body(index, block, factor, credit factor) over the points and the row vectors of
    // the chunk from `first` on, the factor being o_prev ? (o ? new1 : new0) : ratio per row,
    // times the leaf's value for a leaf.
    const auto walk_points = [&]<bool kPresent>(std::size_t first, auto&& body) {
      for (std::size_t p = 0; p < k; ++p) {
        const RowVec v1 = splat(value * new1[p]);
        const RowVec v0 = splat(value * new0[p]);
        const RowVec vr = splat(kPresent ? value * ratio[p] : 0.0);
        const RowVec credit1 = splat(c1[p]);
        const RowVec credit0 = splat(minus_w_inv_[p]);
        for (std::size_t b = first; b < first + chunk; ++b) {
          RowVec factor = select(o[b], v1, v0);
          if constexpr (kPresent) factor = select(o_prev[b], factor, vr);
          body(p * nb + b, b - first, factor, select(o[b], credit1, credit0));
        }
      }
    };
    const auto walk = [&](std::size_t first, auto&& body) {
      if (was_present) {
        walk_points.template operator()<true>(first, body);
      } else {
        walk_points.template operator()<false>(first, body);
      }
    };
    // Adds a chunk's credits to its rows' contributions.
    const auto add_credits = [&](std::size_t first, const RowVec* credit) {
      for (std::size_t b = 0; b < chunk; ++b) {
        RowDoubles sum;
        std::memcpy(&sum, phi + (first + b) * kRowLanes, sizeof sum);
        sum += __builtin_convertvector(credit[b], RowDoubles);
        std::memcpy(phi + (first + b) * kRowLanes, &sum, sizeof sum);
      }
    };
    if (is_leaf) {
      // Its A is a * factor; it adds value * A to g and credits value * A / new factor.
      for (std::size_t first = 0; first < nb; first += chunk) {
        RowVec credit[chunk] = {};
        if (g_set) {
          walk(first, [&](std::size_t i, std::size_t b, RowVec factor, RowVec c) {
            const RowVec leaf_a = a[i] * factor;
            g[i] += leaf_a;
            credit[b] += leaf_a * c;
          });
        } else {
          walk(first, [&](std::size_t i, std::size_t b, RowVec factor, RowVec c) {
            const RowVec leaf_a = a[i] * factor;
            g[i] = leaf_a;
            credit[b] += leaf_a * c;
          });
        }
        add_credits(first, credit);
      }
    } else {
      for (std::size_t first = 0; first < nb; first += chunk) {
        walk(first, [&](std::size_t i, std::size_t, RowVec factor, RowVec) {
          child_a[i] = a[i] * factor;
        });
      }
      for (std::size_t b = 0; b < nb; ++b) one[b] = o[b];
      present_[feature] = 1;
      zero_[feature] = z;
      entered = true;
      if (recurs) {
        acc_set_[depth + 1] = 0;  // the first deeper split to add to it sets it
        open_acc_[feature] = child_acc;
      }
      // The first child with leaves below leaves its g in this node's g (no copy); a second one
      // in its level's.
      RowVec* const below_g = g_set ? child_g : g;
      visit(tree, child, depth + 1, below_g, blocks);
      const bool deeper = recurs && acc_set_[depth + 1] != 0;
      // This edge is the deepest split on `feature` for the leaves below it except those under
      // a deeper split on the same feature (collected in child_acc, only when there is one);
      // credit it for the rest, divided by its own factor, times (o - z). With o = 0 the
      // factor is z (1 - t), so that is -1 / (1 - t), tabulated.
      for (std::size_t first = 0; first < nb; first += chunk) {
        RowVec credit[chunk] = {};
        for (std::size_t p = 0; p < k; ++p) {
          const RowVec credit1 = splat(c1[p]);
          const RowVec credit0 = splat(minus_w_inv_[p]);
          for (std::size_t b = 0; b < chunk; ++b) {
            const std::size_t i = p * nb + first + b;
            const RowVec from_child = below_g[i];
            const RowVec below = deeper ? from_child - child_acc[i] : from_child;
            credit[b] += below * select(o[first + b], credit1, credit0);
            if (g_set) g[i] += from_child;
          }
        }
        add_credits(first, credit);
      }
    }
    g_set = true;
  }
  if (!g_set) {
    for (std::size_t i = 0; i < k * nb; ++i) g[i] = RowVec{};
  }
  if (entered) {
    // The feature's state as the path above left it (its masks matter only if it was on it).
    present_[feature] = was_present ? 1 : 0;
    zero_[feature] = z_prev;
    if (was_present) {
      for (std::size_t b = 0; b < nb; ++b) one[b] = o_prev[b];
    }
    open_acc_[feature] = outer_acc;
  }
  if (outer_acc != nullptr) {
    char& set = acc_set_[static_cast<std::size_t>(outer_acc - acc_) / (k * nb)];
    if (set != 0) {
      for (std::size_t i = 0; i < k * nb; ++i) outer_acc[i] += g[i];
    } else {
      for (std::size_t i = 0; i < k * nb; ++i) outer_acc[i] = g[i];
      set = 1;
    }
  }
}

// A lone row (n_ == 1): visit() with its points two to a vector instead of rows to a vector,
// where a row vector would leave all lanes but one idle. The same walk, tables and shortcuts;
// the row's o picks its factor and credit tables.
template <class Tree, class Points>
void Walker::visit_row(const Tree& tree, std::size_t node, std::size_t depth, Points points) {
  const std::size_t k = points.size();
  double* const a = row_a_ + depth * k;
  double* const g = row_g_ + depth * k;
  bool g_set = false;
  const std::size_t feature = tree.feature(node);
  const std::size_t children[2] = {tree.left(node), tree.right(node)};
  const bool was_present = present_[feature] != 0;
  const double z_prev = zero_[feature];
  double* const outer_acc = open_row_acc_[feature];
  double* const child_a = row_a_ + (depth + 1) * k;
  double* const child_g = row_g_ + (depth + 1) * k;
  double* const child_acc = row_acc_ + (depth + 1) * k;
  const bool recurs = recurs_[node] != 0;
  const bool o_prev = was_present ? row_one_[feature] != 0 : true;
  const bool goes_left = tree.goes_left(node, values_[feature * width_ + lane0_]);
  double& phi = phi_[feature * width_ + lane0_];

  double* const f0 = tables_ + depth * kEdgeTables * k;  // z (1 - t)
  double* const f1 = f0 + k;                             // z + (1 - z) t
  double* const c1 = f1 + k;                             // w (1 - z) / (z + (1 - z) t)
  double* const ratio = c1 + k;                          // z / z_prev, o_prev = 0
  double* const f0_old = ratio + k;                      // f0 / (z_prev + (1 - z_prev) t)
  double* const f1_old = f0_old + k;                     // f1 / (z_prev + (1 - z_prev) t)
  for (std::size_t side = 0; side < 2; ++side) {
    const std::size_t child = children[side];
    if (live_[child] == 0) continue;
    const double z = share_[child] * (was_present ? z_prev : 1.0);
    const bool o = (goes_left == (side == 0)) && o_prev;
    if (z == 0.0 && !o) continue;
    edge_tables(f0, k, z, was_present ? z_prev : -1.0, o, !o, !o_prev);
    const double* const factor =
        !o_prev ? ratio : (o ? (was_present ? f1_old : f1) : (was_present ? f0_old : f0));
    const double* const credit_factor = o ? c1 : minus_w_inv_;
    Block credit{};
    if (tree.leaf(child)) {
      const double value = tree.value(child);
      for (std::size_t p = 0; p < k; p += 2) {
        const Block leaf_a = value * load_pair(a + p) * load_pair(factor + p);
        store_pair(g + p, g_set ? load_pair(g + p) + leaf_a : leaf_a);
        credit += leaf_a * load_pair(credit_factor + p);
      }
    } else {
      for (std::size_t p = 0; p < k; p += 2)
        store_pair(child_a + p, load_pair(a + p) * load_pair(factor + p));
      row_one_[feature] = o ? 1 : 0;
      present_[feature] = 1;
      zero_[feature] = z;
      if (recurs) {
        for (std::size_t p = 0; p < k; ++p) child_acc[p] = 0.0;
        open_row_acc_[feature] = child_acc;
      }
      visit_row(tree, child, depth + 1, points);
      for (std::size_t p = 0; p < k; p += 2) {
        const Block below_g = load_pair(child_g + p);
        const Block below = recurs ? below_g - load_pair(child_acc + p) : below_g;
        credit += below * load_pair(credit_factor + p);
        store_pair(g + p, g_set ? load_pair(g + p) + below_g : below_g);
      }
    }
    phi += credit[0] + credit[1];
    g_set = true;
  }
  if (!g_set) {
    for (std::size_t p = 0; p < k; ++p) g[p] = 0.0;
  }
  present_[feature] = was_present ? 1 : 0;
  zero_[feature] = z_prev;
  row_one_[feature] = o_prev ? 1 : 0;
  open_row_acc_[feature] = outer_acc;
  if (outer_acc != nullptr) {
    for (std::size_t p = 0; p < k; p += 2)
      store_pair(outer_acc + p, load_pair(outer_acc + p) + load_pair(g + p));
  }
}

}  // namespace
}  // namespace risklab::ml::detail::RISKLAB_SHAP_NS
