#pragma once

namespace risklab::core {

/// Time slices for the calling thread, asked of Linux's EEVDF scheduler (6.12 and later: a
/// SCHED_OTHER thread's custom slice, sched_attr.sched_runtime; older kernels ignore it). A
/// thread starts with its creator's. Neither changes a thread's share of the CPU, only how
/// soon a woken thread runs when every core is busy: one that asks for shorter slices than the
/// running one's takes its core at once.
///
/// Short slices (0.1 ms), for threads that sleep most of the time and work briefly when woken:
/// the I/O loops, the request workers and the group-commit writer. With the explanation threads
/// of the scoring service keeping both cores of a small machine busy, waiting for their slice to
/// end was part of every request's latency. Returns false where the kernel refuses it.
bool prefer_short_slices();

/// Long slices (3 ms), for CPU-bound threads (the explanation threads): they yield to the
/// short-slice threads and are switched out less often otherwise.
bool prefer_long_slices();

}  // namespace risklab::core
