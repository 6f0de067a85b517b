#include "core/scheduling.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>

namespace risklab::core {
namespace {

// struct sched_attr of sched_setattr(2): glibc 2.36 declares neither the struct nor a wrapper.
struct SchedAttr {
  std::uint32_t size;
  std::uint32_t sched_policy;
  std::uint64_t sched_flags;
  std::int32_t sched_nice;
  std::uint32_t sched_priority;
  std::uint64_t sched_runtime;
  std::uint64_t sched_deadline;
  std::uint64_t sched_period;
};

// Sets the calling thread's custom slice, keeping its policy and nice value.
bool set_slice(std::uint64_t nanoseconds) {
  SchedAttr attr;
  std::memset(&attr, 0, sizeof attr);
  // The thread's policy and nice value are kept: read them first.
  if (::syscall(SYS_sched_getattr, 0, &attr, sizeof attr, 0) != 0) return false;
  attr.size = sizeof attr;
  attr.sched_flags = 0;
  attr.sched_runtime = nanoseconds;
  return ::syscall(SYS_sched_setattr, 0, &attr, 0) == 0;
}

}  // namespace

bool prefer_short_slices() { return set_slice(100'000); }

bool prefer_long_slices() { return set_slice(3'000'000); }

}  // namespace risklab::core
