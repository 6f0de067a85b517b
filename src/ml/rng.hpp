#pragma once

#include <cstdint>

namespace risklab::ml {

/// Deterministic pseudo-random generator (xoshiro256**, seeded through SplitMix64), used
/// instead of <random> distributions because their output differs between standard
/// libraries: the same seed must give the same model on every platform.
class Rng {
 public:
  /// Seeds the four state words from `seed` through SplitMix64 (any seed, including 0).
  explicit Rng(std::uint64_t seed);

  /// The next 64 uniformly distributed bits.
  std::uint64_t next_u64();
  /// An integer uniform on [0, bound) without modulo bias (Lemire); bound must be > 0.
  std::uint64_t uniform_below(std::uint64_t bound);
  /// A double uniform on [0, 1) with 53 random bits.
  double uniform01();

 private:
  std::uint64_t state_[4];
};

/// A seed for independent stream `stream` of master seed `master` (tree i, SMOTE, split...):
/// a SplitMix64 mix of both, so neighbouring streams are uncorrelated.
std::uint64_t derive_seed(std::uint64_t master, std::uint64_t stream);

/// Stream ids for derive_seed(), so that no two uses of the master seed share a stream.
inline constexpr std::uint64_t kSmoteStream = 0xA11CE;
inline constexpr std::uint64_t kSplitStream = 0x5B117;
inline constexpr std::uint64_t kForestStreamBase = 0x1000000;

}  // namespace risklab::ml
