#include "ml/detail/tree_builder.hpp"

#include <algorithm>
#include <array>
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
  std::int32_t feature = -1;
  std::size_t bin = 0;
  double proxy = -std::numeric_limits<double>::infinity();
};

// Scans the per-bin sums of one feature and offers each admissible boundary to `best`.
// Returns false when the feature is constant in the node (a single non-empty bin).
class SplitScanner {
 public:
  SplitScanner(const ClassSums& total, std::size_t min_leaf) : total_(total), min_leaf_(min_leaf) {}

  void add_bin(std::size_t bin, double w0, double w1, std::size_t count) {
    if (have_previous_) consider_boundary();
    previous_bin_ = bin;
    have_previous_ = true;
    left_.w0 += w0;
    left_.w1 += w1;
    left_.count += count;
    ++non_empty_;
  }

  bool finish(std::int32_t feature, Candidate& best) {
    if (found_ && found_proxy_ > best.proxy) {
      best.feature = feature;
      best.bin = found_bin_;
      best.proxy = found_proxy_;
    }
    return non_empty_ > 1;
  }

 private:
  // A boundary after previous_bin_: left holds the bins up to it.
  void consider_boundary() {
    const std::size_t n_left = left_.count;
    const std::size_t n_right = total_.count - n_left;
    if (n_left < min_leaf_ || n_right < min_leaf_) return;
    const double wl = left_.weight();
    const double r0 = total_.w0 - left_.w0;
    const double r1 = total_.w1 - left_.w1;
    const double wr = r0 + r1;
    if (wl <= 0.0 || wr <= 0.0) return;
    // sklearn's proxy for the gini decrease: larger is better, same argmax.
    const double proxy = (left_.w0 * left_.w0 + left_.w1 * left_.w1) / wl + (r0 * r0 + r1 * r1) / wr;
    if (!found_ || proxy > found_proxy_) {
      found_ = true;
      found_proxy_ = proxy;
      found_bin_ = previous_bin_;
    }
  }

  ClassSums total_;
  std::size_t min_leaf_;
  ClassSums left_;
  std::size_t previous_bin_ = 0;
  bool have_previous_ = false;
  std::size_t non_empty_ = 0;
  bool found_ = false;
  double found_proxy_ = 0.0;
  std::size_t found_bin_ = 0;
};

class Builder {
 public:
  Builder(const BinnedMatrix& bins, const std::uint8_t* y, const double* weight,
          const TreeGrowParams& params, Rng& rng, std::vector<double>& importance)
      : bins_(bins), y_(y), weight_(weight), params_(params), rng_(rng), importance_(importance),
        features_(bins.n_features) {
    std::iota(features_.begin(), features_.end(), 0);
  }

  DecisionTree grow(std::vector<std::uint32_t>& rows) {
    DecisionTree tree;
    const ClassSums root = sums_of(rows, 0, rows.size());
    const std::int32_t root_node = tree.add_node(value_of(root), root.weight());
    std::vector<Frame> stack{{root_node, 0, static_cast<std::uint32_t>(rows.size()), 0, root}};
    while (!stack.empty()) {
      const Frame frame = stack.back();
      stack.pop_back();
      const ClassSums& sums = frame.sums;
      const bool pure = sums.w0 <= 0.0 || sums.w1 <= 0.0;
      const bool too_deep = params_.max_depth != 0 && frame.depth >= params_.max_depth;
      if (pure || too_deep || sums.count < 2 * params_.min_samples_leaf) continue;
      const Candidate best = find_split(rows, frame);
      if (best.feature < 0) continue;

      const std::uint8_t* column = bins_.column(static_cast<std::size_t>(best.feature));
      const auto split_bin = static_cast<std::uint8_t>(best.bin);
      const auto middle = std::partition(
          rows.begin() + frame.start, rows.begin() + frame.end,
          [column, split_bin](std::uint32_t row) { return column[row] <= split_bin; });
      const auto mid = static_cast<std::uint32_t>(middle - rows.begin());
      const ClassSums left = sums_of(rows, frame.start, mid);
      const ClassSums right = sums_of(rows, mid, frame.end);
      const std::int32_t left_node = tree.add_node(value_of(left), left.weight());
      const std::int32_t right_node = tree.add_node(value_of(right), right.weight());
      tree.set_split(frame.node, best.feature, node_threshold(rows, frame.start, mid, frame.end, best.feature),
                     left_node, right_node);
      importance_[static_cast<std::size_t>(best.feature)] +=
          sums.weight() * sums.gini() - left.weight() * left.gini() - right.weight() * right.gini();
      // Right first so that the left subtree is grown next (sklearn's order).
      stack.push_back({right_node, mid, frame.end, frame.depth + 1, right});
      stack.push_back({left_node, frame.start, mid, frame.depth + 1, left});
    }
    // Covers bottom-up (children come after parents), so a parent's cover is exactly the sum
    // of its children's, which keeps TreeSHAP additive to the last bit.
    for (std::size_t n = tree.size(); n-- > 0;) {
      if (tree.left()[n] == DecisionTree::kLeaf) continue;
      tree.set_cover(static_cast<std::int32_t>(n),
                     tree.cover()[static_cast<std::size_t>(tree.left()[n])] +
                         tree.cover()[static_cast<std::size_t>(tree.right()[n])]);
    }
    return tree;
  }

 private:
  ClassSums sums_of(const std::vector<std::uint32_t>& rows, std::size_t start, std::size_t end) const {
    ClassSums sums;
    for (std::size_t i = start; i < end; ++i) {
      const std::uint32_t row = rows[i];
      (y_[row] ? sums.w1 : sums.w0) += weight_[row];
    }
    sums.count = end - start;
    return sums;
  }

  // sklearn's threshold: the midpoint between the largest left and the smallest right value
  // of this node (unless rounding lands it on the right value). It separates the node's rows
  // exactly as the bin boundary does, and places unseen values as sklearn would.
  double node_threshold(const std::vector<std::uint32_t>& rows, std::size_t start, std::size_t mid, std::size_t end,
                        std::int32_t feature) const {
    const double* values = bins_.values->data() + static_cast<std::size_t>(feature) * bins_.n_rows;
    double left_max = values[rows[start]];
    for (std::size_t i = start + 1; i < mid; ++i) left_max = std::max(left_max, values[rows[i]]);
    double right_min = values[rows[mid]];
    for (std::size_t i = mid + 1; i < end; ++i) right_min = std::min(right_min, values[rows[i]]);
    const double threshold = left_max / 2 + right_min / 2;
    return threshold >= right_min ? left_max : threshold;
  }

  static double value_of(const ClassSums& sums) {
    const double w = sums.weight();
    return w > 0.0 ? sums.w1 / w : 0.0;
  }

  Candidate find_split(const std::vector<std::uint32_t>& rows, const Frame& frame) {
    Candidate best;
    const std::size_t n_features = features_.size();
    std::size_t tried = 0;
    for (std::size_t i = 0; i < n_features && tried < params_.max_features; ++i) {
      const std::size_t j = i + rng_.uniform_below(n_features - i);
      std::swap(features_[i], features_[j]);
      if (scan_feature(rows, frame, features_[i], best)) ++tried;
    }
    return best;
  }

  // Per-bin sums by a histogram for large nodes, by sorting the node's rows for small ones
  // (cheaper than clearing and walking up to 256 bins); both offer the same boundaries.
  bool scan_feature(const std::vector<std::uint32_t>& rows, const Frame& frame,
                    std::size_t feature, Candidate& best) {
    const std::uint8_t* column = bins_.column(feature);
    const std::size_t n_bins = bins_.n_bins(feature);
    const std::size_t n = frame.end - frame.start;
    SplitScanner scanner(frame.sums, params_.min_samples_leaf);
    if (n * 4 >= n_bins) {
      std::fill_n(hist_w0_.begin(), n_bins, 0.0);
      std::fill_n(hist_w1_.begin(), n_bins, 0.0);
      std::fill_n(hist_count_.begin(), n_bins, 0U);
      for (std::size_t i = frame.start; i < frame.end; ++i) {
        const std::uint32_t row = rows[i];
        const std::uint8_t bin = column[row];
        (y_[row] ? hist_w1_[bin] : hist_w0_[bin]) += weight_[row];
        ++hist_count_[bin];
      }
      for (std::size_t bin = 0; bin < n_bins; ++bin) {
        if (hist_count_[bin] != 0) scanner.add_bin(bin, hist_w0_[bin], hist_w1_[bin], hist_count_[bin]);
      }
    } else {
      keyed_.clear();
      for (std::size_t i = frame.start; i < frame.end; ++i) {
        const std::uint32_t row = rows[i];
        keyed_.push_back((static_cast<std::uint64_t>(column[row]) << 32) | row);
      }
      std::sort(keyed_.begin(), keyed_.end());
      std::size_t i = 0;
      while (i < keyed_.size()) {
        const std::size_t bin = keyed_[i] >> 32;
        double w0 = 0.0;
        double w1 = 0.0;
        std::size_t count = 0;
        for (; i < keyed_.size() && (keyed_[i] >> 32) == bin; ++i) {
          const auto row = static_cast<std::uint32_t>(keyed_[i]);
          (y_[row] ? w1 : w0) += weight_[row];
          ++count;
        }
        scanner.add_bin(bin, w0, w1, count);
      }
    }
    return scanner.finish(static_cast<std::int32_t>(feature), best);
  }

  const BinnedMatrix& bins_;
  const std::uint8_t* y_;
  const double* weight_;
  const TreeGrowParams& params_;
  Rng& rng_;
  std::vector<double>& importance_;
  std::vector<std::size_t> features_;
  std::array<double, 256> hist_w0_{};
  std::array<double, 256> hist_w1_{};
  std::array<std::uint32_t, 256> hist_count_{};
  std::vector<std::uint64_t> keyed_;
};

}  // namespace

DecisionTree grow_tree(const BinnedMatrix& bins, const std::uint8_t* y, const double* weight,
                       std::vector<std::uint32_t>& rows, const TreeGrowParams& params, Rng& rng,
                       std::vector<double>& importance) {
  Builder builder(bins, y, weight, params, rng, importance);
  return builder.grow(rows);
}

}  // namespace risklab::ml::detail
