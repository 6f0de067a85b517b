#include "ml/split.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "ml/rng.hpp"

namespace risklab::ml {

SplitIndices stratified_split(const std::vector<std::uint8_t>& y, double test_fraction, std::uint64_t seed) {
  if (!(test_fraction > 0.0 && test_fraction < 1.0)) {
    throw core::InvalidInput("param_invalid", "test fraction must be between 0 and 1 (exclusive)");
  }
  if (y.empty()) throw core::InvalidInput("data_invalid", "nothing to split: no rows");
  Rng rng(derive_seed(seed, kSplitStream));
  SplitIndices out;
  for (std::uint8_t label : {std::uint8_t{0}, std::uint8_t{1}}) {
    std::vector<std::size_t> rows;
    for (std::size_t i = 0; i < y.size(); ++i) {
      if (y[i] == label) rows.push_back(i);
    }
    // Fisher-Yates with our Rng, so the split is the same on every platform.
    for (std::size_t i = rows.size(); i > 1; --i) std::swap(rows[i - 1], rows[rng.uniform_below(i)]);
    auto n_test = static_cast<std::size_t>(std::llround(test_fraction * static_cast<double>(rows.size())));
    if (rows.size() >= 2) n_test = std::clamp<std::size_t>(n_test, 1, rows.size() - 1);
    out.test.insert(out.test.end(), rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(n_test));
    out.train.insert(out.train.end(), rows.begin() + static_cast<std::ptrdiff_t>(n_test), rows.end());
  }
  std::sort(out.train.begin(), out.train.end());
  std::sort(out.test.begin(), out.test.end());
  return out;
}

}  // namespace risklab::ml
