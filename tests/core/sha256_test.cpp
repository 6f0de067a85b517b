#include "core/sha256.hpp"

#include <gtest/gtest.h>

namespace risklab::core {
namespace {

TEST(Sha256, MatchesTheFips180KnownAnswers) {
  EXPECT_EQ(Sha256::of(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256::of("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, IncrementalUpdatesEqualOneShot) {
  Sha256 hash;
  hash.update("a");
  hash.update("bc");
  EXPECT_EQ(hash.hex(), Sha256::of("abc"));
}

}  // namespace
}  // namespace risklab::core
