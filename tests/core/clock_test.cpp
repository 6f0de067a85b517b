#include "core/clock.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "core/error.hpp"

namespace risklab::core {
namespace {

using namespace std::chrono;

sys_seconds at(int y, unsigned mo, unsigned d, int h, int mi, int s) {
  return sys_days{year{y} / month{mo} / day{d}} + hours{h} + minutes{mi} + seconds{s};
}

TEST(Clock, TimestampsAreIso8601UtcToTheSecond) {
  EXPECT_EQ(to_iso8601(at(2026, 11, 30, 22, 40, 9)), "2026-11-30T22:40:09Z");
  EXPECT_EQ(to_iso8601(sys_seconds{}), "1970-01-01T00:00:00Z");
  // The ends of what a system_clock time point (nanoseconds) holds.
  EXPECT_EQ(to_iso8601(at(2262, 4, 11, 23, 47, 16)), "2262-04-11T23:47:16Z");
  EXPECT_EQ(to_iso8601(at(1677, 9, 21, 0, 12, 44)), "1677-09-21T00:12:44Z");
  // Sub-second parts are dropped, not rounded.
  EXPECT_EQ(to_iso8601(at(2026, 1, 2, 3, 4, 5) + milliseconds(999)), "2026-01-02T03:04:05Z");
}

TEST(Clock, ANowTimestampReadsBackAsAFewSecondsAgo) {
  const auto now = utc_now_iso8601();
  ASSERT_EQ(now.size(), 20u) << now;
  const double ago = seconds_since(now);
  EXPECT_GE(ago, 0.0);
  EXPECT_LT(ago, 5.0);
  EXPECT_THROW(seconds_since("2026-11-30 22:40:09"), InvalidInput);
}

}  // namespace
}  // namespace risklab::core
