#include "core/scheduling.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <thread>

namespace risklab::core {
namespace {

// The calling thread's custom slice (ns) and nice value, as sched_getattr(2) reports them.
struct Attributes {
  std::uint64_t slice = 0;
  int nice = 0;
};
Attributes current() {
  struct {
    std::uint32_t size, policy;
    std::uint64_t flags;
    std::int32_t nice;
    std::uint32_t priority;
    std::uint64_t runtime, deadline, period;
  } attr;
  std::memset(&attr, 0, sizeof attr);
  EXPECT_EQ(::syscall(SYS_sched_getattr, 0, &attr, sizeof attr, 0), 0) << std::strerror(errno);
  return {attr.runtime, attr.nice};
}

// Where the kernel has custom slices (EEVDF, Linux 6.12+), a thread gets the slice it asks for
// and keeps its nice value; elsewhere the calls change nothing that matters (skipped).
TEST(Scheduling, AThreadGetsTheSliceItAsksForAndKeepsItsNiceValue) {
  std::thread([] {
    ASSERT_EQ(setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 3), 0);
    ASSERT_TRUE(prefer_short_slices());
    const Attributes short_slices = current();
    if (short_slices.slice == 0) GTEST_SKIP() << "this kernel has no custom slices";
    EXPECT_EQ(short_slices.slice, 100'000U);
    EXPECT_EQ(short_slices.nice, 3);
    ASSERT_TRUE(prefer_long_slices());
    EXPECT_EQ(current().slice, 3'000'000U);
    EXPECT_EQ(current().nice, 3);
    // A thread starts with its creator's slice.
    std::uint64_t child = 0;
    std::thread([&] { child = current().slice; }).join();
    EXPECT_EQ(child, 3'000'000U);
  }).join();
}

}  // namespace
}  // namespace risklab::core
