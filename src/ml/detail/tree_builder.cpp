#include "ml/detail/tree_builder.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>

namespace risklab::ml::detail {
namespace {

struct ClassSums {
  double w0 = 0.0;
  double w1 = 0.0;
  std::size_t count = 0;
  double weight() const { return w0 + w1; }
  double gini() const {
    const double w = weight();
    if (w <= 0.0) return 0.0;
    const double p0 = w0 / w;
    const double p1 = w1 / w;
    return 1.0 - p0 * p0 - p1 * p1;
  }
};

struct Frame {
  std::int32_t node;
  std::uint32_t start;
  std::uint32_t end;
  std::size_t depth;
  ClassSums sums;
};

struct Candidate {
  ClassSums left;  ///< what goes left
  std::int32_t feature = -1;
  std::size_t bin = 0;       ///< the last bin going left
  std::size_t next_bin = 0;  ///< the first non-empty bin going right
  double proxy = -std::numeric_limits<double>::infinity();
};

// Scans the per-bin sums of one feature, bins in increasing order, and offers each
// admissible boundary to `best`. finish() returns false when the feature is constant in
// the node (a single non-empty bin).
class SplitScanner {
 public:
  SplitScanner(const ClassSums& total, std::size_t min_leaf) : total_(total), min_leaf_(min_leaf) {}

  void add_bin(std::size_t bin, double w0, double w1, std::size_t count) {
    if (have_previous_) consider_boundary(bin);
    previous_bin_ = bin;
    have_previous_ = true;
    left_.w0 += w0;
    left_.w1 += w1;
    left_.count += count;
    ++non_empty_;
  }

  bool finish(std::int32_t feature, Candidate& best) {
    if (found_) {
      const double proxy = found_numerator_ / found_denominator_;
      if (proxy > best.proxy) {
        best.feature = feature;
        best.bin = found_bin_;
        best.next_bin = found_next_bin_;
        best.left = found_left_;
        best.proxy = proxy;
      }
    }
    return non_empty_ > 1;
  }

 private:
  // A boundary after previous_bin_: left holds the bins up to it.
  void consider_boundary(std::size_t next_bin) {
    const std::size_t n_left = left_.count;
    const std::size_t n_right = total_.count - n_left;
    if (n_left < min_leaf_ || n_right < min_leaf_) return;
    const double wl = left_.weight();
    const double r0 = total_.w0 - left_.w0;
    const double r1 = total_.w1 - left_.w1;
    const double wr = r0 + r1;
    if (wl <= 0.0 || wr <= 0.0) return;
    // sklearn's proxy for the gini decrease, sum_k l_k^2 / wl + sum_k r_k^2 / wr (larger is
    // better), kept as a fraction: comparing by cross-multiplication saves two divisions per
    // boundary, the hottest arithmetic of training.
    const double numerator = (left_.w0 * left_.w0 + left_.w1 * left_.w1) * wr + (r0 * r0 + r1 * r1) * wl;
    const double denominator = wl * wr;
    if (!found_ || numerator * found_denominator_ > found_numerator_ * denominator) {
      found_ = true;
      found_numerator_ = numerator;
      found_denominator_ = denominator;
      found_bin_ = previous_bin_;
      found_next_bin_ = next_bin;
      found_left_ = left_;
    }
  }

  ClassSums total_;
  std::size_t min_leaf_;
  ClassSums left_;
  std::size_t previous_bin_ = 0;
  bool have_previous_ = false;
  std::size_t non_empty_ = 0;
  bool found_ = false;
  double found_numerator_ = 0.0;
  double found_denominator_ = 1.0;
  std::size_t found_bin_ = 0;
  std::size_t found_next_bin_ = 0;
  ClassSums found_left_;
};

class Builder {
 public:
  Builder(const BinnedMatrix& bins, const std::uint8_t* y, const double* weight, const TreeGrowParams& params,
          Rng& rng, std::vector<double>& importance)
      : bins_(bins), y_(y), weight_(weight), params_(params), rng_(rng), importance_(importance),
        features_(bins.n_features) {
    std::iota(features_.begin(), features_.end(), 0);
  }

  DecisionTree grow(std::vector<std::uint32_t>& global_rows) {
    // Copy the tree's rows into a compact column-major block and work on local row ids from
    // here on: one feature's bins for the tree's rows then fit in L1, where split search
    // reads them in random row order.
    const std::size_t n_features = bins_.n_features;
    global_ = global_rows;
    const std::size_t m = global_.size();
    local_bins_.resize(m * n_features);
    local_y_.resize(m);
    local_weight_.resize(m);
    for (std::size_t f = 0; f < n_features; ++f) {
      const std::uint8_t* column = bins_.column(f);
      std::uint8_t* local = local_bins_.data() + f * m;
      for (std::size_t i = 0; i < m; ++i) local[i] = column[global_[i]];
    }
    for (std::size_t i = 0; i < m; ++i) {
      local_y_[i] = y_[global_[i]];
      local_weight_[i] = weight_[global_[i]];
    }
    std::vector<std::uint32_t> rows(global_.size());
    std::iota(rows.begin(), rows.end(), 0U);
    prepare_packed(rows);
    DecisionTree tree;
    const ClassSums root = sums_of(rows, 0, rows.size());
    const std::int32_t root_node = tree.add_node(value_of(root), root.weight());
    std::vector<Frame> stack{{root_node, 0, static_cast<std::uint32_t>(rows.size()), 0, root}};
    while (!stack.empty()) {
      const Frame frame = stack.back();
      stack.pop_back();
      const ClassSums& sums = frame.sums;
      const bool pure = sums.w0 <= 0.0 || sums.w1 <= 0.0;
      const bool too_deep =
          frame.depth >= (params_.max_depth != 0 ? params_.max_depth : DecisionTree::kMaxDepth);
      if (pure || too_deep || sums.count < 2 * params_.min_samples_leaf) continue;
      const Candidate best = find_split(rows, frame);
      if (best.feature < 0) continue;

      const auto feature = static_cast<std::size_t>(best.feature);
      const auto split_bin = static_cast<std::uint8_t>(best.bin);
      const std::uint8_t* column = local_column(feature);
      const double threshold = node_threshold(rows, frame, feature, best);
      const auto middle = std::partition(rows.begin() + frame.start, rows.begin() + frame.end,
                                         [column, split_bin](std::uint32_t row) { return column[row] <= split_bin; });
      const auto mid = static_cast<std::uint32_t>(middle - rows.begin());
      // The scan's sums: exact integers on the packed path, so identical to re-summing.
      const ClassSums& left = best.left;
      ClassSums right;
      right.w0 = sums.w0 - left.w0;
      right.w1 = sums.w1 - left.w1;
      right.count = sums.count - left.count;
      // Children are created together, so right == left + 1 (prediction relies on it).
      const std::int32_t left_node = tree.add_node(value_of(left), left.weight());
      const std::int32_t right_node = tree.add_node(value_of(right), right.weight());
      tree.set_split(frame.node, best.feature, threshold, left_node, right_node);
      importance_[feature] += sums.weight() * sums.gini() - left.weight() * left.gini() - right.weight() * right.gini();
      // Right first so that the left subtree is grown next (sklearn's order).
      stack.push_back({right_node, mid, frame.end, frame.depth + 1, right});
      stack.push_back({left_node, frame.start, mid, frame.depth + 1, left});
    }
    // Covers bottom-up (children come after parents), so a parent's cover is exactly the sum
    // of its children's, which keeps TreeSHAP additive to the last bit.
    for (std::size_t n = tree.size(); n-- > 0;) {
      if (tree.left()[n] == DecisionTree::kLeaf) continue;
      tree.set_cover(static_cast<std::int32_t>(n), tree.cover()[static_cast<std::size_t>(tree.left()[n])] +
                                                       tree.cover()[static_cast<std::size_t>(tree.right()[n])]);
    }
    return tree;
  }

 private:
  // Integer weights (bootstrap counts, no class weights) are packed into one 64-bit word per
  // row, so a histogram bin is a single integer add: count in bits 0-19, class-1 weight in
  // bits 20-41, class-0 weight in bits 42-63. Sums stay exact, so both paths give the same
  // tree; the double path serves fractional (class-weighted) samples.
  static constexpr std::uint64_t kCountBits = 20;
  static constexpr std::uint64_t kWeightBits = 22;
  static constexpr std::uint64_t kCountMask = (std::uint64_t{1} << kCountBits) - 1;
  static constexpr std::uint64_t kWeightMask = (std::uint64_t{1} << kWeightBits) - 1;

  void prepare_packed(const std::vector<std::uint32_t>& rows) {
    double total = 0.0;
    packed_ = rows.size() <= kCountMask;
    for (std::uint32_t row : rows) {
      const double w = local_weight_[row];
      total += w;
      if (w != std::floor(w)) packed_ = false;
    }
    if (total > static_cast<double>(kWeightMask)) packed_ = false;
    if (!packed_) return;
    code_by_row_.assign(rows.size(), 0);
    for (std::uint32_t row : rows) {
      const auto w = static_cast<std::uint64_t>(local_weight_[row]);
      code_by_row_[row] = 1 + (local_y_[row] ? w << kCountBits : w << (kCountBits + kWeightBits));
    }
  }

  ClassSums sums_of(const std::vector<std::uint32_t>& rows, std::size_t start, std::size_t end) const {
    ClassSums sums;
    for (std::size_t i = start; i < end; ++i) {
      const std::uint32_t row = rows[i];
      (local_y_[row] ? sums.w1 : sums.w0) += local_weight_[row];
    }
    sums.count = end - start;
    return sums;
  }

  static double value_of(const ClassSums& sums) {
    const double w = sums.weight();
    return w > 0.0 ? sums.w1 / w : 0.0;
  }

  // sklearn's threshold: the midpoint between the largest left and the smallest right value
  // of this node (unless rounding lands it on the right value). It separates the node's rows
  // exactly as the bin boundary does, and places unseen values as sklearn would. Only rows in
  // the two bins next to the boundary can hold those values.
  double node_threshold(const std::vector<std::uint32_t>& rows, const Frame& frame, std::size_t feature,
                        const Candidate& best) const {
    const double* values = bins_.values->data() + feature * bins_.n_rows;
    const std::uint8_t* column = local_column(feature);
    double left_max = -std::numeric_limits<double>::infinity();
    double right_min = std::numeric_limits<double>::infinity();
    for (std::size_t i = frame.start; i < frame.end; ++i) {
      const std::uint8_t bin = column[rows[i]];
      if (bin == best.bin) left_max = std::max(left_max, values[global_[rows[i]]]);
      if (bin == best.next_bin) right_min = std::min(right_min, values[global_[rows[i]]]);
    }
    const double threshold = left_max / 2 + right_min / 2;
    return threshold >= right_min ? left_max : threshold;
  }

  // Features are drawn without replacement until max_features non-constant ones were tried,
  // as sklearn does: each round draws as many as are still needed, then evaluates them in
  // draw order. The search stops early at a perfect split.
  Candidate find_split(const std::vector<std::uint32_t>& rows, const Frame& frame) {
    const std::size_t n = frame.end - frame.start;
    if (packed_) {
      node_codes_.resize(n);
      for (std::size_t i = 0; i < n; ++i) node_codes_[i] = code_by_row_[rows[frame.start + i]];
    } else {
      node_weights_.resize(n);
      node_labels_.resize(n);
      for (std::size_t i = 0; i < n; ++i) {
        node_weights_[i] = local_weight_[rows[frame.start + i]];
        node_labels_[i] = local_y_[rows[frame.start + i]];
      }
    }
    Candidate best;
    const double perfect = frame.sums.weight() * (1.0 - 1e-12);
    const std::size_t n_features = features_.size();
    std::size_t drawn = 0;
    std::size_t tried = 0;
    while (tried < params_.max_features && drawn < n_features) {
      const std::size_t batch = std::min(params_.max_features - tried, n_features - drawn);
      for (std::size_t j = 0; j < batch; ++j) {
        const std::size_t pick = drawn + j + rng_.uniform_below(n_features - drawn - j);
        std::swap(features_[drawn + j], features_[pick]);
      }
      node_bins_.resize(n);
      for (std::size_t j = 0; j < batch; ++j) {
        const std::uint8_t* column = local_column(features_[drawn + j]);
        std::uint8_t lo = 255;
        std::uint8_t hi = 0;
        for (std::size_t i = 0; i < n; ++i) {
          const std::uint8_t bin = column[rows[frame.start + i]];
          node_bins_[i] = bin;
          lo = std::min(lo, bin);
          hi = std::max(hi, bin);
        }
        if (lo != hi && scan_feature(node_bins_.data(), n, lo, hi, frame.sums, features_[drawn + j], best)) ++tried;
        // A split into two pure children reaches the largest possible proxy (the node's
        // weight); a later feature cannot beat it, only tie, and ties keep the first.
        if (best.proxy >= perfect) return best;
      }
      drawn += batch;
    }
    return best;
  }

  // Per-bin sums by a histogram over the node's bin range, or by sorting the rows when they
  // are few for a wide range; both offer the same boundaries in the same order.
  // `lo` < `hi` are the smallest and largest bin among the node's rows.
  bool scan_feature(const std::uint8_t* node_bins, std::size_t n, std::uint8_t lo, std::uint8_t hi,
                    const ClassSums& total, std::size_t feature, Candidate& best) {
    SplitScanner scanner(total, params_.min_samples_leaf);
    const bool use_histogram = static_cast<std::size_t>(hi - lo) < 8 * n;
    if (packed_) {
      const auto offer = [&scanner](std::size_t bin, std::uint64_t code) {
        scanner.add_bin(bin, static_cast<double>(code >> (kCountBits + kWeightBits)),
                        static_cast<double>((code >> kCountBits) & kWeightMask), code & kCountMask);
      };
      if (use_histogram) {
        // Two interleaved histograms halve the chains of dependent adds to one bin.
        std::size_t i = 0;
        for (; i + 1 < n; i += 2) {
          packed_hist_[node_bins[i]] += node_codes_[i];
          packed_hist2_[node_bins[i + 1]] += node_codes_[i + 1];
        }
        if (i < n) packed_hist_[node_bins[i]] += node_codes_[i];
        for (std::size_t bin = lo; bin <= hi; ++bin) {
          const std::uint64_t code = packed_hist_[bin] + packed_hist2_[bin];
          if (code == 0) continue;
          offer(bin, code);
          packed_hist_[bin] = 0;
          packed_hist2_[bin] = 0;
        }
      } else {
        sort_by_bin(node_bins, n);
        for (std::size_t i = 0; i < keyed_.size();) {
          const std::size_t bin = keyed_[i] >> 32;
          std::uint64_t code = 0;
          for (; i < keyed_.size() && (keyed_[i] >> 32) == bin; ++i) code += node_codes_[keyed_[i] & 0xFFFFFFFFU];
          offer(bin, code);
        }
      }
    } else if (use_histogram) {
      std::fill(hist_w0_.begin() + lo, hist_w0_.begin() + hi + 1, 0.0);
      std::fill(hist_w1_.begin() + lo, hist_w1_.begin() + hi + 1, 0.0);
      std::fill(hist_count_.begin() + lo, hist_count_.begin() + hi + 1, 0U);
      for (std::size_t i = 0; i < n; ++i) {
        const std::uint8_t bin = node_bins[i];
        (node_labels_[i] ? hist_w1_[bin] : hist_w0_[bin]) += node_weights_[i];
        ++hist_count_[bin];
      }
      for (std::size_t bin = lo; bin <= hi; ++bin) {
        if (hist_count_[bin] != 0) scanner.add_bin(bin, hist_w0_[bin], hist_w1_[bin], hist_count_[bin]);
      }
    } else {
      sort_by_bin(node_bins, n);
      for (std::size_t i = 0; i < keyed_.size();) {
        const std::size_t bin = keyed_[i] >> 32;
        double w0 = 0.0;
        double w1 = 0.0;
        std::size_t count = 0;
        for (; i < keyed_.size() && (keyed_[i] >> 32) == bin; ++i) {
          const std::size_t k = keyed_[i] & 0xFFFFFFFFU;
          (node_labels_[k] ? w1 : w0) += node_weights_[k];
          ++count;
        }
        scanner.add_bin(bin, w0, w1, count);
      }
    }
    return scanner.finish(static_cast<std::int32_t>(feature), best);
  }

  const std::uint8_t* local_column(std::size_t feature) const { return local_bins_.data() + feature * global_.size(); }

  void sort_by_bin(const std::uint8_t* node_bins, std::size_t n) {
    keyed_.clear();
    for (std::size_t i = 0; i < n; ++i) keyed_.push_back((static_cast<std::uint64_t>(node_bins[i]) << 32) | i);
    std::sort(keyed_.begin(), keyed_.end());
  }

  const BinnedMatrix& bins_;
  const std::uint8_t* y_;
  const double* weight_;
  const TreeGrowParams& params_;
  Rng& rng_;
  std::vector<double>& importance_;
  std::vector<std::size_t> features_;
  std::vector<std::uint32_t> global_;
  std::vector<std::uint8_t> local_bins_;
  std::vector<std::uint8_t> local_y_;
  std::vector<double> local_weight_;
  bool packed_ = false;
  std::vector<std::uint64_t> code_by_row_;
  std::vector<std::uint64_t> node_codes_;
  std::vector<double> node_weights_;
  std::vector<std::uint8_t> node_labels_;
  std::vector<std::uint8_t> node_bins_;
  std::vector<std::uint64_t> keyed_;
  std::array<std::uint64_t, 256> packed_hist_{};
  std::array<std::uint64_t, 256> packed_hist2_{};
  std::array<double, 256> hist_w0_{};
  std::array<double, 256> hist_w1_{};
  std::array<std::uint32_t, 256> hist_count_{};
};

}  // namespace

DecisionTree grow_tree(const BinnedMatrix& bins, const std::uint8_t* y, const double* weight,
                       std::vector<std::uint32_t>& rows, const TreeGrowParams& params, Rng& rng,
                       std::vector<double>& importance) {
  Builder builder(bins, y, weight, params, rng, importance);
  return builder.grow(rows);
}

}  // namespace risklab::ml::detail
