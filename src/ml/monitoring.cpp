#include "ml/monitoring.hpp"

#include <algorithm>
#include <boost/math/distributions/beta.hpp>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <numeric>
#include <unordered_map>

#include "core/error.hpp"
#include "ml/metrics.hpp"

namespace risklab::ml {
namespace {

[[noreturn]] void invalid(const std::string& message) {
  throw core::InvalidInput("data_invalid", message);
}

void check_probability_level(double level, const char* name) {
  if (!(level > 0.0 && level < 1.0)) {
    invalid(std::string(name) + " must be in (0, 1), got " + std::to_string(level));
  }
}

// Position of each grade name; throws on a duplicate.
std::unordered_map<std::string, std::size_t> grade_positions(
    const std::vector<std::string>& grades) {
  std::unordered_map<std::string, std::size_t> positions;
  for (std::size_t i = 0; i < grades.size(); ++i) {
    if (!positions.emplace(grades[i], i).second)
      invalid("grade '" + grades[i] + "' is listed twice");
  }
  return positions;
}

std::size_t position_of(const std::unordered_map<std::string, std::size_t>& positions,
                        const std::string& grade) {
  const auto it = positions.find(grade);
  if (it == positions.end()) invalid("unknown grade '" + grade + "'");
  return it->second;
}

const boost::math::normal_distribution<double> kStandardNormal(0.0, 1.0);

// The Poisson-binomial tails (P(X <= k), P(X >= k)) by the textbook recursion over rows,
// truncated: states 0..k hold P(X = j) and state k + 1 holds P(X > k), so the work is rows *
// (k + 2) and both tails are sums of non-negative terms (no cancellation for tiny p-values).
// Hand-written: neither Boost nor the other packages we use offer the Poisson-binomial.
std::pair<double, double> poisson_binomial_tails(const std::vector<double>& pd, std::size_t k) {
  std::vector<double> state(k + 2, 0.0);
  state[0] = 1.0;
  std::size_t reach = 0;  // highest state that can be non-zero so far
  for (double p : pd) {
    const double q = 1.0 - p;
    state[k + 1] += state[k] * p;
    const std::size_t top = std::min(reach + 1, k);
    for (std::size_t j = top; j > 0; --j) state[j] = state[j] * q + state[j - 1] * p;
    state[0] *= q;
    reach = std::min(reach + 1, k + 1);
  }
  const double at_most_k =
      std::accumulate(state.begin(), state.begin() + static_cast<std::ptrdiff_t>(k) + 1, 0.0);
  const double at_least_k = state[k] + state[k + 1];
  return {std::min(at_most_k, 1.0), std::min(at_least_k, 1.0)};
}

// Refined normal approximation of the Poisson-binomial CDF (Volkova 1996; Hong 2013, eq. 10):
// G(x) = Phi(x) + skew (1 - x^2) phi(x) / 6 at x = (k + 0.5 - mu) / sigma. Returns P(X <= k)
// and, through the normal complement so that a small tail keeps its precision, P(X >= k).
std::pair<double, double> poisson_binomial_tails_normal(double mu, double sigma, double skew,
                                                        std::size_t k) {
  const auto kd = static_cast<double>(k);
  if (sigma == 0.0) return {kd >= mu ? 1.0 : 0.0, kd <= mu ? 1.0 : 0.0};
  const auto correction = [&](double x) {
    return skew * (1.0 - x * x) * boost::math::pdf(kStandardNormal, x) / 6.0;
  };
  const double x_fewer = (kd + 0.5 - mu) / sigma;
  const double x_more = (kd - 0.5 - mu) / sigma;
  const double fewer = boost::math::cdf(kStandardNormal, x_fewer) + correction(x_fewer);
  const double more =
      boost::math::cdf(boost::math::complement(kStandardNormal, x_more)) - correction(x_more);
  return {std::clamp(fewer, 0.0, 1.0), std::clamp(more, 0.0, 1.0)};
}

}  // namespace

double psi_critical_value(std::size_t bins, std::size_t n_reference, std::size_t n_actual,
                          double alpha) {
  if (bins < 2) invalid("the PSI critical value needs at least 2 bins");
  if (n_reference == 0 || n_actual == 0)
    invalid("the PSI critical value needs two non-empty samples");
  check_probability_level(alpha, "alpha");
  const boost::math::chi_squared_distribution<double> chi2(static_cast<double>(bins - 1));
  return boost::math::quantile(boost::math::complement(chi2, alpha)) *
         (1.0 / static_cast<double>(n_reference) + 1.0 / static_cast<double>(n_actual));
}

DriftResult drift(const std::vector<double>& edges, const std::vector<double>& reference_shares,
                  std::size_t n_reference, const std::vector<double>& actual_values, double alpha) {
  if (reference_shares.size() != edges.size() + 1) {
    invalid("PSI bins have " + std::to_string(edges.size()) + " edges but " +
            std::to_string(reference_shares.size()) + " reference shares");
  }
  for (std::size_t i = 0; i < edges.size(); ++i) {
    if (std::isnan(edges[i]) || (i > 0 && !(edges[i] > edges[i - 1]))) {
      invalid("PSI bin edges must be strictly increasing");
    }
  }
  double share_sum = 0.0;
  for (double share : reference_shares) {
    if (!(share >= 0.0)) invalid("a reference share is negative or not a number");
    share_sum += share;
  }
  if (std::fabs(share_sum - 1.0) > 1e-6) {
    invalid("the reference shares sum to " + std::to_string(share_sum) + ", not 1");
  }
  if (n_reference == 0) invalid("the reference sample is empty");
  check_probability_level(alpha, "alpha");

  DriftResult result;
  result.reference_shares = reference_shares;
  result.n_reference = n_reference;
  result.n_missing = static_cast<std::size_t>(std::count_if(
      actual_values.begin(), actual_values.end(), [](double v) { return std::isnan(v); }));
  result.n_actual = actual_values.size() - result.n_missing;
  if (result.n_actual == 0) invalid("no actual value is present to compare with the reference");
  result.actual_shares = bin_shares(actual_values, edges);
  result.psi = psi(reference_shares, result.actual_shares);
  // One bin (a feature constant in training): PSI is 0 whatever the data, never significant.
  if (reference_shares.size() >= 2) {
    result.critical_value =
        psi_critical_value(reference_shares.size(), n_reference, result.n_actual, alpha);
  }
  result.significant = result.psi > result.critical_value;
  result.light = psi_light(result.psi);
  return result;
}

std::vector<double> pluto_tasche_upper_bounds(const std::vector<std::size_t>& counts,
                                              const std::vector<std::size_t>& defaults,
                                              double confidence) {
  if (counts.size() != defaults.size()) invalid("Pluto-Tasche needs one default count per grade");
  check_probability_level(confidence, "the Pluto-Tasche confidence");
  for (std::size_t g = 0; g < counts.size(); ++g) {
    if (defaults[g] > counts[g]) {
      invalid("grade " + std::to_string(g) + " has more defaults than rows");
    }
  }
  std::vector<double> bounds(counts.size(), 1.0);
  std::size_t n = 0;
  std::size_t d = 0;
  for (std::size_t g = counts.size(); g-- > 0;) {
    n += counts[g];
    d += defaults[g];
    // P(Bin(n, p) <= d) = 1 - I_p(d + 1, n - d), so the bound is I^-1(d + 1, n - d; confidence).
    // With n = 0 or d = n no p makes the probability small: the bound is 1.
    if (n > 0 && d < n) {
      bounds[g] = boost::math::ibeta_inv(static_cast<double>(d + 1), static_cast<double>(n - d),
                                         confidence);
    }
  }
  return bounds;
}

AucDriftTest auc_vs_development(const std::vector<std::uint8_t>& y,
                                const std::vector<double>& score, double auc_development,
                                double ci_level) {
  if (!(auc_development >= 0.0 && auc_development <= 1.0)) {
    invalid("the development AUC must be in [0, 1]");
  }
  check_probability_level(ci_level, "ci_level");
  const AucWithVariance now = delong_auc(y, score);
  AucDriftTest test;
  test.auc = now.auc;
  test.auc_development = auc_development;
  test.se = std::sqrt(std::max(now.variance, 0.0));
  const double half_width = boost::math::quantile(kStandardNormal, 0.5 + ci_level / 2.0) * test.se;
  test.ci_low = std::max(0.0, now.auc - half_width);
  test.ci_high = std::min(1.0, now.auc + half_width);
  if (test.se > 0.0) {
    test.z = (now.auc - auc_development) / test.se;
    test.p_value =
        2.0 * boost::math::cdf(boost::math::complement(kStandardNormal, std::fabs(test.z)));
  } else {
    test.z = 0.0;
    test.p_value = now.auc == auc_development ? 1.0 : 0.0;
  }
  return test;
}

MigrationMatrix migration_matrix(const std::vector<std::string>& grades,
                                 const std::vector<std::pair<std::string, std::string>>& from_to) {
  const auto positions = grade_positions(grades);
  MigrationMatrix m;
  m.grades = grades;
  m.counts.assign(grades.size(), std::vector<std::size_t>(grades.size(), 0));
  for (const auto& [from, to] : from_to)
    ++m.counts[position_of(positions, from)][position_of(positions, to)];
  m.total = from_to.size();
  m.rates.assign(grades.size(), std::vector<double>(grades.size(), 0.0));
  std::size_t stable = 0;
  std::size_t up = 0;
  std::size_t down = 0;
  for (std::size_t from = 0; from < grades.size(); ++from) {
    const std::size_t row_total =
        std::accumulate(m.counts[from].begin(), m.counts[from].end(), std::size_t{0});
    for (std::size_t to = 0; to < grades.size(); ++to) {
      const std::size_t c = m.counts[from][to];
      if (row_total > 0)
        m.rates[from][to] = static_cast<double>(c) / static_cast<double>(row_total);
      (to == from ? stable : to < from ? up : down) += c;
    }
  }
  if (m.total > 0) {
    const auto total = static_cast<double>(m.total);
    m.stable_share = static_cast<double>(stable) / total;
    m.upgrade_share = static_cast<double>(up) / total;
    m.downgrade_share = static_cast<double>(down) / total;
  }
  return m;
}

ExpectedDefaults expected_defaults(const std::vector<double>& pd, std::size_t observed) {
  ExpectedDefaults result;
  result.n = pd.size();
  result.observed = observed;
  if (observed > pd.size()) {
    invalid(std::to_string(observed) + " observed defaults among " + std::to_string(pd.size()) +
            " rows");
  }
  double variance = 0.0;
  double third_moment = 0.0;
  for (double p : pd) {
    if (!(p >= 0.0 && p <= 1.0)) invalid("a PD is not in [0, 1]");
    result.expected += p;
    variance += p * (1.0 - p);
    third_moment += p * (1.0 - p) * (1.0 - 2.0 * p);
  }
  result.sd = std::sqrt(variance);
  const double work = static_cast<double>(pd.size()) * (static_cast<double>(observed) + 2.0);
  result.exact = work <= kExactPoissonBinomialMaxWork;
  const auto [fewer, more] =
      result.exact ? poisson_binomial_tails(pd, observed)
                   : poisson_binomial_tails_normal(
                         result.expected, result.sd,
                         variance > 0.0 ? third_moment / (variance * result.sd) : 0.0, observed);
  // The certain ends exactly, whatever rounding the method leaves.
  result.p_value_fewer = observed == pd.size() ? 1.0 : fewer;
  result.p_value_more = observed == 0 ? 1.0 : more;
  return result;
}

std::vector<BacktestGrade> backtest_by_grade(const std::vector<std::string>& grade_order,
                                             const std::vector<std::string>& grades,
                                             const std::vector<double>& pd,
                                             const std::vector<std::uint8_t>& defaulted,
                                             double pluto_tasche_confidence) {
  if (grades.size() != pd.size() || grades.size() != defaulted.size()) {
    invalid("the back-test needs one grade, PD and label per row");
  }
  check_probability_level(pluto_tasche_confidence, "the Pluto-Tasche confidence");
  const auto positions = grade_positions(grade_order);
  std::vector<BacktestGrade> lines(grade_order.size());
  std::vector<double> pd_sum(grade_order.size(), 0.0);
  for (std::size_t g = 0; g < grade_order.size(); ++g) lines[g].grade = grade_order[g];
  for (std::size_t row = 0; row < grades.size(); ++row) {
    if (!(pd[row] >= 0.0 && pd[row] <= 1.0))
      invalid("row " + std::to_string(row) + ": the PD is not in [0, 1]");
    if (defaulted[row] > 1) invalid("row " + std::to_string(row) + ": the label is not 0 or 1");
    const std::size_t g = position_of(positions, grades[row]);
    ++lines[g].count;
    lines[g].defaults += defaulted[row];
    pd_sum[g] += pd[row];
  }
  std::vector<std::size_t> counts;
  std::vector<std::size_t> defaults;
  for (const BacktestGrade& line : lines) {
    counts.push_back(line.count);
    defaults.push_back(line.defaults);
  }
  const std::vector<double> bounds =
      pluto_tasche_upper_bounds(counts, defaults, pluto_tasche_confidence);
  for (std::size_t g = 0; g < lines.size(); ++g) {
    BacktestGrade& line = lines[g];
    line.pluto_tasche_upper = bounds[g];
    if (line.count == 0) continue;
    line.mean_pd = pd_sum[g] / static_cast<double>(line.count);
    line.observed_rate = static_cast<double>(line.defaults) / static_cast<double>(line.count);
    line.binomial_p = binomial_p_value(line.count, line.defaults, line.mean_pd);
    line.jeffreys_p = jeffreys_p_value(line.count, line.defaults, line.mean_pd);
    line.light = jeffreys_light(line.jeffreys_p);
  }
  return lines;
}

}  // namespace risklab::ml
