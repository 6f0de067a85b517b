#include "ml/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.hpp"
#include "ml/detail/special_functions.hpp"

namespace risklab::ml {
namespace {

void check_pair(std::size_t n_y, std::size_t n_score) {
  if (n_y == 0 || n_y != n_score) {
    throw core::InvalidInput("data_invalid", "metrics need labels and scores of the same, non-zero length");
  }
}

// Midranks (1-based, ties averaged) of `values`, as scipy.stats.rankdata.
std::vector<double> midranks(const std::vector<double>& values) {
  std::vector<std::size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(values.size());
  std::size_t i = 0;
  while (i < order.size()) {
    std::size_t j = i;
    while (j + 1 < order.size() && values[order[j + 1]] == values[order[i]]) ++j;
    const double rank = (static_cast<double>(i) + static_cast<double>(j)) / 2.0 + 1.0;
    for (std::size_t k = i; k <= j; ++k) ranks[order[k]] = rank;
    i = j + 1;
  }
  return ranks;
}

// DeLong's structural components V10 (per positive) and V01 (per negative).
struct Components {
  std::vector<double> v10;
  std::vector<double> v01;
  double auc = 0.0;
};

Components delong_components(const std::vector<std::uint8_t>& y, const std::vector<double>& score) {
  check_pair(y.size(), score.size());
  std::vector<double> pos;
  std::vector<double> neg;
  for (std::size_t i = 0; i < y.size(); ++i) (y[i] ? pos : neg).push_back(score[i]);
  if (pos.empty() || neg.empty()) {
    throw core::InvalidInput("data_invalid", "AUC needs both classes among the labels");
  }
  const auto m = static_cast<double>(pos.size());
  const auto n = static_cast<double>(neg.size());
  std::vector<double> all(pos);
  all.insert(all.end(), neg.begin(), neg.end());
  const std::vector<double> rank_all = midranks(all);
  const std::vector<double> rank_pos = midranks(pos);
  const std::vector<double> rank_neg = midranks(neg);
  Components c;
  c.v10.resize(pos.size());
  c.v01.resize(neg.size());
  double sum = 0.0;
  for (std::size_t i = 0; i < pos.size(); ++i) {
    c.v10[i] = (rank_all[i] - rank_pos[i]) / n;
    sum += c.v10[i];
  }
  for (std::size_t j = 0; j < neg.size(); ++j) {
    c.v01[j] = 1.0 - (rank_all[pos.size() + j] - rank_neg[j]) / m;
  }
  c.auc = sum / m;
  return c;
}

double covariance(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() < 2) return 0.0;
  const double mean_a = std::accumulate(a.begin(), a.end(), 0.0) / static_cast<double>(a.size());
  const double mean_b = std::accumulate(b.begin(), b.end(), 0.0) / static_cast<double>(b.size());
  double s = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) s += (a[i] - mean_a) * (b[i] - mean_b);
  return s / static_cast<double>(a.size() - 1);
}

}  // namespace

double roc_auc(const std::vector<std::uint8_t>& y, const std::vector<double>& score) {
  return delong_components(y, score).auc;
}

AucWithVariance delong_auc(const std::vector<std::uint8_t>& y, const std::vector<double>& score) {
  const Components c = delong_components(y, score);
  return {c.auc, covariance(c.v10, c.v10) / static_cast<double>(c.v10.size()) +
                     covariance(c.v01, c.v01) / static_cast<double>(c.v01.size())};
}

DelongTest delong_test(const std::vector<std::uint8_t>& y, const std::vector<double>& score_a,
                       const std::vector<double>& score_b) {
  check_pair(score_a.size(), score_b.size());
  const Components a = delong_components(y, score_a);
  const Components b = delong_components(y, score_b);
  const auto m = static_cast<double>(a.v10.size());
  const auto n = static_cast<double>(a.v01.size());
  const double var = (covariance(a.v10, a.v10) + covariance(b.v10, b.v10) - 2 * covariance(a.v10, b.v10)) / m +
                     (covariance(a.v01, a.v01) + covariance(b.v01, b.v01) - 2 * covariance(a.v01, b.v01)) / n;
  DelongTest test;
  test.auc_a = a.auc;
  test.auc_b = b.auc;
  if (var > 0.0) {
    test.z = (a.auc - b.auc) / std::sqrt(var);
    test.p_value = 2.0 * detail::normal_cdf(-std::fabs(test.z));
  } else {
    test.z = 0.0;
    test.p_value = a.auc == b.auc ? 1.0 : 0.0;
  }
  return test;
}

double ks_statistic(const std::vector<std::uint8_t>& y, const std::vector<double>& score) {
  check_pair(y.size(), score.size());
  std::vector<std::size_t> order(y.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return score[a] < score[b]; });
  double n_pos = 0.0;
  for (auto v : y) n_pos += v;
  const double n_neg = static_cast<double>(y.size()) - n_pos;
  if (n_pos == 0.0 || n_neg == 0.0) throw core::InvalidInput("data_invalid", "KS needs both classes");
  double cum_pos = 0.0;
  double cum_neg = 0.0;
  double best = 0.0;
  for (std::size_t i = 0; i < order.size(); ++i) {
    (y[order[i]] ? cum_pos : cum_neg) += 1.0;
    // Only compare after the last of a run of equal scores: the ECDFs jump together.
    if (i + 1 < order.size() && score[order[i + 1]] == score[order[i]]) continue;
    best = std::max(best, std::fabs(cum_pos / n_pos - cum_neg / n_neg));
  }
  return best;
}

double brier_score(const std::vector<std::uint8_t>& y, const std::vector<double>& pd) {
  check_pair(y.size(), pd.size());
  double s = 0.0;
  for (std::size_t i = 0; i < y.size(); ++i) s += (pd[i] - y[i]) * (pd[i] - y[i]);
  return s / static_cast<double>(y.size());
}

double log_loss(const std::vector<std::uint8_t>& y, const std::vector<double>& pd) {
  check_pair(y.size(), pd.size());
  double s = 0.0;
  for (std::size_t i = 0; i < y.size(); ++i) {
    const double p = std::clamp(pd[i], 1e-15, 1.0 - 1e-15);
    s -= y[i] ? std::log(p) : std::log1p(-p);
  }
  return s / static_cast<double>(y.size());
}

double expected_calibration_error(const std::vector<std::uint8_t>& y, const std::vector<double>& pd,
                                  std::size_t bins) {
  check_pair(y.size(), pd.size());
  std::vector<double> sum_pd(bins, 0.0);
  std::vector<double> sum_y(bins, 0.0);
  std::vector<double> count(bins, 0.0);
  for (std::size_t i = 0; i < y.size(); ++i) {
    const auto b = std::min(static_cast<std::size_t>(std::max(pd[i], 0.0) * static_cast<double>(bins)), bins - 1);
    sum_pd[b] += pd[i];
    sum_y[b] += y[i];
    count[b] += 1.0;
  }
  double ece = 0.0;
  for (std::size_t b = 0; b < bins; ++b) {
    if (count[b] > 0.0) ece += std::fabs(sum_pd[b] - sum_y[b]);
  }
  return ece / static_cast<double>(y.size());
}

HosmerLemeshow hosmer_lemeshow(const std::vector<std::uint8_t>& y, const std::vector<double>& pd,
                               std::size_t groups) {
  check_pair(y.size(), pd.size());
  if (groups < 3 || groups > y.size()) {
    throw core::InvalidInput("data_invalid", "Hosmer-Lemeshow needs 3 <= groups <= rows");
  }
  std::vector<std::size_t> order(y.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return pd[a] < pd[b]; });
  HosmerLemeshow result;
  const std::size_t base = y.size() / groups;
  const std::size_t extra = y.size() % groups;
  std::size_t start = 0;
  for (std::size_t g = 0; g < groups; ++g) {
    const std::size_t size = base + (g < extra ? 1 : 0);
    double observed = 0.0;
    double expected = 0.0;
    for (std::size_t i = start; i < start + size; ++i) {
      observed += y[order[i]];
      expected += pd[order[i]];
    }
    const double denominator = expected * (1.0 - expected / static_cast<double>(size));
    if (denominator > 0.0) result.statistic += (observed - expected) * (observed - expected) / denominator;
    start += size;
  }
  result.df = groups - 2;
  result.p_value = detail::chi_square_sf(result.statistic, static_cast<double>(result.df));
  return result;
}

double binomial_p_value(std::size_t count, std::size_t defaults, double pd) {
  return detail::binomial_upper_tail(static_cast<double>(defaults), static_cast<double>(count), pd);
}

double jeffreys_p_value(std::size_t count, std::size_t defaults, double pd) {
  return detail::incomplete_beta(static_cast<double>(defaults) + 0.5,
                                 static_cast<double>(count - defaults) + 0.5, pd);
}

std::vector<GradeStats> grade_report(const std::vector<std::uint8_t>& y, const std::vector<double>& pd,
                                     const MasterScale& scale) {
  check_pair(y.size(), pd.size());
  std::vector<GradeStats> rows(scale.bands().size());
  std::vector<double> pd_sum(rows.size(), 0.0);
  for (std::size_t i = 0; i < rows.size(); ++i) rows[i].grade = scale.bands()[i].grade;
  for (std::size_t i = 0; i < y.size(); ++i) {
    const std::size_t g = scale.grade_index(pd[i]);
    ++rows[g].count;
    rows[g].defaults += y[i];
    pd_sum[g] += pd[i];
  }
  for (std::size_t g = 0; g < rows.size(); ++g) {
    GradeStats& row = rows[g];
    if (row.count == 0) continue;
    row.mean_pd = pd_sum[g] / static_cast<double>(row.count);
    row.observed_rate = static_cast<double>(row.defaults) / static_cast<double>(row.count);
    row.binomial_p = binomial_p_value(row.count, row.defaults, row.mean_pd);
    row.jeffreys_p = jeffreys_p_value(row.count, row.defaults, row.mean_pd);
  }
  return rows;
}

double quantile_sorted(const std::vector<double>& sorted_values, double q) {
  if (sorted_values.empty()) return 0.0;
  const double position = q * static_cast<double>(sorted_values.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(position));
  const std::size_t hi = std::min(lo + 1, sorted_values.size() - 1);
  const double frac = position - static_cast<double>(lo);
  return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * frac;
}

std::vector<double> quantile_edges(std::vector<double> values, std::size_t bins) {
  values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return std::isnan(v); }),
               values.end());
  std::sort(values.begin(), values.end());
  std::vector<double> edges;
  if (values.empty()) return edges;
  for (std::size_t b = 1; b < bins; ++b) {
    const double edge = quantile_sorted(values, static_cast<double>(b) / static_cast<double>(bins));
    if (edges.empty() || edge > edges.back()) edges.push_back(edge);
  }
  return edges;
}

std::vector<double> bin_shares(const std::vector<double>& values, const std::vector<double>& edges) {
  std::vector<double> shares(edges.size() + 1, 0.0);
  std::size_t counted = 0;
  for (double v : values) {
    if (std::isnan(v)) continue;
    shares[static_cast<std::size_t>(std::lower_bound(edges.begin(), edges.end(), v) - edges.begin())] += 1.0;
    ++counted;
  }
  if (counted > 0) {
    for (double& s : shares) s /= static_cast<double>(counted);
  }
  return shares;
}

double psi(const std::vector<double>& expected_shares, const std::vector<double>& actual_shares) {
  if (expected_shares.size() != actual_shares.size() || expected_shares.empty()) {
    throw core::InvalidInput("data_invalid", "PSI needs the same, non-zero number of bins");
  }
  double total = 0.0;
  for (std::size_t i = 0; i < expected_shares.size(); ++i) {
    const double e = std::max(expected_shares[i], 1e-4);
    const double a = std::max(actual_shares[i], 1e-4);
    total += (a - e) * std::log(a / e);
  }
  return total;
}

std::vector<RocPoint> roc_curve(const std::vector<std::uint8_t>& y,
                                const std::vector<double>& score) {
  check_pair(y.size(), score.size());
  std::vector<std::size_t> order(y.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return score[a] > score[b]; });
  // Cumulative (false, true) positives after each run of equal scores, as sklearn's
  // _binary_clf_curve.
  std::vector<double> fps;
  std::vector<double> tps;
  std::vector<double> thresholds;
  double tp = 0.0;
  for (std::size_t i = 0; i < order.size(); ++i) {
    tp += y[order[i]];
    if (i + 1 < order.size() && score[order[i + 1]] == score[order[i]]) continue;
    tps.push_back(tp);
    fps.push_back(static_cast<double>(i + 1) - tp);
    thresholds.push_back(score[order[i]]);
  }
  if (tps.back() == 0.0 || fps.back() == 0.0) {
    throw core::InvalidInput("data_invalid", "a ROC curve needs both classes among the labels");
  }
  // drop_intermediate: keep the ends and every point where either count's second difference
  // is non-zero (a corner).
  std::vector<RocPoint> curve;
  curve.push_back({thresholds.front() + 1.0, 0.0, 0.0});
  for (std::size_t k = 0; k < tps.size(); ++k) {
    const bool end = k == 0 || k + 1 == tps.size();
    if (tps.size() > 2 && !end) {
      const double d2_fp = fps[k + 1] - 2.0 * fps[k] + fps[k - 1];
      const double d2_tp = tps[k + 1] - 2.0 * tps[k] + tps[k - 1];
      if (d2_fp == 0.0 && d2_tp == 0.0) continue;
    }
    curve.push_back({thresholds[k], fps[k] / fps.back(), tps[k] / tps.back()});
  }
  return curve;
}

std::vector<CalibrationBin> calibration_curve(const std::vector<std::uint8_t>& y,
                                              const std::vector<double>& pd, std::size_t bins) {
  check_pair(y.size(), pd.size());
  const std::vector<double> edges = quantile_edges(pd, bins);
  std::vector<CalibrationBin> all(edges.size() + 1);
  std::vector<double> pd_sum(all.size(), 0.0);
  for (std::size_t i = 0; i < y.size(); ++i) {
    const auto b = static_cast<std::size_t>(std::lower_bound(edges.begin(), edges.end(), pd[i]) -
                                            edges.begin());
    CalibrationBin& bin = all[b];
    if (bin.count == 0) {
      bin.pd_from = pd[i];
      bin.pd_to = pd[i];
    }
    bin.pd_from = std::min(bin.pd_from, pd[i]);
    bin.pd_to = std::max(bin.pd_to, pd[i]);
    ++bin.count;
    bin.defaults += y[i];
    pd_sum[b] += pd[i];
  }
  std::vector<CalibrationBin> curve;
  for (std::size_t b = 0; b < all.size(); ++b) {
    if (all[b].count == 0) continue;
    CalibrationBin bin = all[b];
    bin.mean_pd = pd_sum[b] / static_cast<double>(bin.count);
    bin.observed_rate = static_cast<double>(bin.defaults) / static_cast<double>(bin.count);
    curve.push_back(bin);
  }
  return curve;
}

double herfindahl_index(const std::vector<std::size_t>& counts) {
  const double total =
      static_cast<double>(std::accumulate(counts.begin(), counts.end(), std::size_t{0}));
  if (total == 0.0)
    throw core::InvalidInput("data_invalid", "a concentration index needs at least one row");
  double hhi = 0.0;
  for (std::size_t c : counts) {
    const double share = static_cast<double>(c) / total;
    hhi += share * share;
  }
  return hhi;
}

}  // namespace risklab::ml
