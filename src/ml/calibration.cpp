#include "ml/calibration.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.hpp"

namespace risklab::ml {

double correct_prior(double score, double from_prior, double to_prior) {
  const double positive = score * to_prior / from_prior;
  const double negative = (1.0 - score) * (1.0 - to_prior) / (1.0 - from_prior);
  const double total = positive + negative;
  return total > 0.0 ? positive / total : 0.0;
}

void IsotonicRegression::fit(const std::vector<double>& x, const std::vector<double>& y,
                             const std::vector<double>& weight) {
  if (x.empty() || x.size() != y.size() || (!weight.empty() && weight.size() != x.size())) {
    throw core::InvalidInput("data_invalid", "isotonic regression needs equal, non-empty inputs");
  }
  std::vector<std::size_t> order(x.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return x[a] < x[b]; });
  // Merge equal x into one weighted point (sklearn's _make_unique), then PAV with a stack
  // of blocks holding (weighted mean, weight, first and last x).
  struct Block {
    double mean;
    double weight;
    double x_first;
    double x_last;
  };
  std::vector<Block> blocks;
  std::size_t i = 0;
  while (i < order.size()) {
    const double xv = x[order[i]];
    double sum = 0.0;
    double w_sum = 0.0;
    for (; i < order.size() && x[order[i]] == xv; ++i) {
      const double w = weight.empty() ? 1.0 : weight[order[i]];
      sum += w * y[order[i]];
      w_sum += w;
    }
    Block block{w_sum > 0.0 ? sum / w_sum : 0.0, w_sum, xv, xv};
    while (!blocks.empty() && blocks.back().mean >= block.mean) {
      const Block& prev = blocks.back();
      const double w = prev.weight + block.weight;
      block.mean = w > 0.0 ? (prev.mean * prev.weight + block.mean * block.weight) / w : block.mean;
      block.weight = w;
      block.x_first = prev.x_first;
      blocks.pop_back();
    }
    blocks.push_back(block);
  }
  // Keep each block's end points (both when they differ), like sklearn's threshold pruning.
  x_.clear();
  y_.clear();
  for (const Block& block : blocks) {
    const double value = std::clamp(block.mean, 0.0, 1.0);
    x_.push_back(block.x_first);
    y_.push_back(value);
    if (block.x_last != block.x_first) {
      x_.push_back(block.x_last);
      y_.push_back(value);
    }
  }
}

double IsotonicRegression::predict(double x) const {
  if (x_.empty()) return 0.0;
  if (x <= x_.front()) return y_.front();
  if (x >= x_.back()) return y_.back();
  const auto upper = std::upper_bound(x_.begin(), x_.end(), x);
  const auto hi = static_cast<std::size_t>(upper - x_.begin());
  const std::size_t lo = hi - 1;
  const double span = x_[hi] - x_[lo];
  if (span <= 0.0) return y_[hi];
  return y_[lo] + (y_[hi] - y_[lo]) * (x - x_[lo]) / span;
}

IsotonicRegression IsotonicRegression::from_thresholds(std::vector<double> x, std::vector<double> y) {
  const auto corrupt = [] {
    return core::InvalidInput("model_corrupt", "model file has an invalid isotonic calibration");
  };
  if (x.empty() || x.size() != y.size()) throw corrupt();
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i]) || !(y[i] >= 0.0 && y[i] <= 1.0)) throw corrupt();
    if (i > 0 && (x[i] < x[i - 1] || y[i] < y[i - 1])) throw corrupt();
  }
  IsotonicRegression iso;
  iso.x_ = std::move(x);
  iso.y_ = std::move(y);
  return iso;
}

namespace {

double logit(double p) {
  const double q = std::clamp(p, 1e-12, 1.0 - 1e-12);
  return std::log(q / (1.0 - q));
}

}  // namespace

void PlattScaling::fit(const std::vector<double>& score, const std::vector<double>& y) {
  if (score.empty() || score.size() != y.size()) {
    throw core::InvalidInput("data_invalid", "Platt scaling needs equal, non-empty inputs");
  }
  double positives = 0.0;
  for (double v : y) positives += v;
  const double negatives = static_cast<double>(y.size()) - positives;
  // Platt's targets keep the fit finite when the classes separate perfectly.
  const double t_pos = (positives + 1.0) / (positives + 2.0);
  const double t_neg = 1.0 / (negatives + 2.0);
  std::vector<double> f(score.size());
  std::vector<double> t(score.size());
  for (std::size_t i = 0; i < score.size(); ++i) {
    f[i] = logit(score[i]);
    t[i] = y[i] > 0.5 ? t_pos : t_neg;
  }
  // Newton's method with backtracking on the convex loss in (a, b) (Lin, Lin and Weng).
  const auto loss = [&](double a_, double b_) {
    double total = 0.0;
    for (std::size_t i = 0; i < f.size(); ++i) {
      const double z = a_ * f[i] + b_;
      // -[t log p + (1 - t) log(1 - p)] with p = 1 / (1 + e^z), computed stably.
      total += z >= 0 ? t[i] * z + std::log1p(std::exp(-z)) : (t[i] - 1.0) * z + std::log1p(std::exp(z));
    }
    return total;
  };
  a = 0.0;
  b = std::log((negatives + 1.0) / (positives + 1.0));
  double current = loss(a, b);
  for (int iter = 0; iter < 100; ++iter) {
    double g_a = 0.0, g_b = 0.0, h_aa = 1e-12, h_ab = 0.0, h_bb = 1e-12;
    for (std::size_t i = 0; i < f.size(); ++i) {
      const double z = a * f[i] + b;
      const double p = z >= 0 ? std::exp(-z) / (1.0 + std::exp(-z)) : 1.0 / (1.0 + std::exp(z));
      const double d = t[i] - p;  // dL/dz
      const double w = p * (1.0 - p);
      g_a += d * f[i];
      g_b += d;
      h_aa += w * f[i] * f[i];
      h_ab += w * f[i];
      h_bb += w;
    }
    if (std::fabs(g_a) < 1e-10 && std::fabs(g_b) < 1e-10) break;
    const double det = h_aa * h_bb - h_ab * h_ab;
    if (det <= 0.0) break;
    const double step_a = -(h_bb * g_a - h_ab * g_b) / det;
    const double step_b = -(-h_ab * g_a + h_aa * g_b) / det;
    double scale = 1.0;
    bool improved = false;
    for (int half = 0; half < 40; ++half, scale /= 2) {
      const double next = loss(a + scale * step_a, b + scale * step_b);
      if (next < current + 1e-4 * scale * (g_a * step_a + g_b * step_b)) {
        a += scale * step_a;
        b += scale * step_b;
        improved = current - next > 1e-14 * std::max(1.0, current);
        current = next;
        break;
      }
    }
    if (!improved) break;
  }
}

double PlattScaling::predict(double score) const {
  const double z = a * logit(score) + b;
  return z >= 0 ? std::exp(-z) / (1.0 + std::exp(-z)) : 1.0 / (1.0 + std::exp(z));
}

void Calibrator::fit(CalibrationMethod method, double forest_prior, double base_rate,
                     double pd_floor, const std::vector<double>& score, const std::vector<double>& y) {
  if (score.size() < 2 || score.size() != y.size()) {
    throw core::InvalidInput("data_invalid", "calibration needs at least 2 out-of-bag predictions");
  }
  if (!(forest_prior > 0.0 && forest_prior < 1.0) || !(base_rate > 0.0 && base_rate < 1.0)) {
    throw core::InvalidInput("data_invalid", "calibration needs both classes in the training data");
  }
  method_ = method;
  forest_prior_ = forest_prior;
  base_rate_ = base_rate;
  pd_floor_ = pd_floor;
  std::vector<double> corrected(score.size());
  for (std::size_t i = 0; i < score.size(); ++i) corrected[i] = correct_prior(score[i], forest_prior, base_rate);
  if (method == CalibrationMethod::isotonic) isotonic_.fit(corrected, y);
  if (method == CalibrationMethod::platt) platt_.fit(corrected, y);
}

double Calibrator::pd(double score) const {
  double p = correct_prior(score, forest_prior_, base_rate_);
  if (method_ == CalibrationMethod::isotonic) p = isotonic_.predict(p);
  if (method_ == CalibrationMethod::platt) p = platt_.predict(p);
  // The isotonic steps and the floor give many scores one PD; a tie-break of at most
  // kPdTieBreak in score order keeps the forest's ranking (AUC) without moving any PD by a
  // visible amount.
  return std::min(std::max(p, pd_floor_) + kPdTieBreak * std::clamp(score, 0.0, 1.0), 1.0);
}

Calibrator Calibrator::from_parts(CalibrationMethod method, double forest_prior, double base_rate,
                                  double pd_floor, IsotonicRegression isotonic, PlattScaling platt) {
  Calibrator c;
  c.method_ = method;
  c.forest_prior_ = forest_prior;
  c.base_rate_ = base_rate;
  c.pd_floor_ = pd_floor;
  c.isotonic_ = std::move(isotonic);
  c.platt_ = platt;
  return c;
}

}  // namespace risklab::ml
