#pragma once

namespace risklab::ml::detail {

/// Regularized incomplete beta I_x(a, b) for a, b > 0 and x in [0, 1] (continued fraction,
/// modified Lentz), accurate to about 1e-14.
double incomplete_beta(double a, double b, double x);

/// Regularized upper incomplete gamma Q(a, x) for a > 0, x >= 0 (series or continued
/// fraction), accurate to about 1e-14.
double upper_incomplete_gamma(double a, double x);

/// P(X >= k) for X ~ Binomial(n, p).
double binomial_upper_tail(double k, double n, double p);

/// Survival function of the chi-square distribution with `df` degrees of freedom.
double chi_square_sf(double x, double df);

/// Standard normal CDF.
double normal_cdf(double z);

}  // namespace risklab::ml::detail
