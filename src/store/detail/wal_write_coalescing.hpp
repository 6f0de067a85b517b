#pragma once

// Store internals only: one write system call per SQLite commit instead of two per WAL frame.

#include <cstdint>

namespace risklab::store::detail {

/// Makes SQLite's default VFS a thin layer over the platform's ("unix") that gathers the frames
/// a commit appends to a write-ahead log and writes them with one `pwrite` per 120 KiB (idempotent;
/// called before the first SQLite connection of the process opens).
///
/// SQLite writes each WAL frame as two `pwrite`s (its 24-byte header, then the page), ~20 frames
/// a group commit under the scoring load (the table's new pages, the last page of each index and
/// the audit chain's head): ~1.7 system calls a stored scoring on the writer alone. On the
/// virtualised machines this project is measured on a system call costs ~1 us before it does
/// anything (2 x 8 KB frames: 4.1 us as two calls each, 0.65 us a frame in one call of 20), so
/// the calls, not the copying, were most of the writer's kernel time (docs/PERFORMANCE.md,
/// "Sessions 19 and 20"). No Debian package or SQLite option does this: written here.
///
/// The frames stay in memory only while SQLite is still appending the transaction's frames, and
/// reach the file before anything else can see or read them:
/// - when the page of the commit frame is appended (a frame header whose "database size after
///   commit" field is not zero: the WAL file format,
///   https://sqlite.org/fileformat2.html#walformat), so that a failed write fails the COMMIT as it
///   did before;
/// - before any other operation on the WAL (read, sync, truncate, size, lock, file control) and
///   before a write that does not extend the gathered bytes (a frame rewritten in place);
/// - in the database file's shared-memory barrier, which SQLite calls before it publishes a
///   transaction in the WAL index (a safety net: nothing is ever gathered by then);
/// - once 4 MiB are gathered, and when the WAL is closed.
/// (In writes of at most 120 KiB: the platform VFS takes no more a call.)
/// A crash loses only frames of a transaction that had not committed: as without this layer,
/// SQLite's recovery ignores frames after the last valid commit frame.
void install_wal_write_coalescing();

/// What the layer has done in this process (for tests and diagnostics).
struct WalWriteStats {
  std::uint64_t writes_gathered = 0;  ///< WAL writes SQLite asked for that were gathered
  std::uint64_t system_writes = 0;    ///< `pwrite`s issued for the WAL files
  std::uint64_t barrier_flushes = 0;  ///< flushes the safety net found something to write for
};
WalWriteStats wal_write_stats();

}  // namespace risklab::store::detail
