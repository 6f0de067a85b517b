#pragma once

// Store internals only: background WAL checkpoints for SQLite databases.

#include <soci/soci.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace risklab::store::detail {

/// How often the checkpointer of a SQLite Database runs while commits arrive: every 50 ms, so
/// that a round copies a twentieth of a second's commits. A round's copying is one burst of the
/// checkpointer's thread on a core (page-cache work the kernel does not interrupt here); at 1 s
/// (sessions 5-14) a round under the scoring benchmark with drivers took a core for ~10 ms, and
/// the explanations in flight then slowed by a third: those turns made the p99. Session 15,
/// interleaved runs (rf, drivers, 64 connections): p99/p50 1.57-1.71 at 1 s, 1.45-1.51 at
/// 50 ms, same req/s; without drivers -3 % req/s (each round fsyncs twice). ADR 0007.
inline constexpr std::chrono::milliseconds kWalCheckpointInterval{50};

/// How often it runs once no commit came between two rounds: an idle database is looked at once
/// a second, not twenty times.
inline constexpr std::chrono::milliseconds kWalIdleCheckpointInterval{1000};

/// WAL size at which a checkpoint round makes the WAL restart (WalCheckpointer). A restart
/// makes in-process writers wait for the round's last pass; with the database file and the WAL
/// synced before that pass (round()) the wait is 4-6 ms under full load, so the WAL can restart
/// often: it holds at most 32 MiB and a round's commits (about a second's under the scoring
/// benchmark, a few MB under ordinary load), and commits overwrite WAL blocks already
/// allocated and cached instead of growing the file (session 14: ~5 % more scorings/s than a
/// 4 GiB cap, whose appends allocated new ext4 blocks and page-cache pages throughout).
inline constexpr std::int64_t kWalRestartBytes = std::int64_t{32} << 20;

/// Copies a SQLite database's write-ahead log into the database file in the background.
///
/// By default SQLite checkpoints inside the COMMIT that takes the WAL past 1,000 pages: the
/// committing request copies the pages while every other writer waits for it. Under the
/// scoring load (one 4.5 KB assessment and an audit row per request, group-committed) that was
/// a checkpoint every few dozen commits, ~30 % of the server's CPU and most of its latency
/// tail (docs/PERFORMANCE.md, "HTTP scoring"). RiskLab's connections therefore set
/// `wal_autocheckpoint = 0` (prepare_session) and this thread, on a connection of its own,
/// runs a PASSIVE checkpoint every `interval` while commits arrive (every `idle_interval` once
/// no commit came between two rounds): it never blocks readers or writers, and pages rewritten
/// between two checkpoints (index pages, the table's last page) are copied once.
/// Durability is unchanged: a commit is in the WAL before it returns, as before; the WAL is
/// reset when a checkpoint has copied all of it, and the last connection to close copies the rest.
///
/// A writer restarts the WAL from its beginning only if, when its transaction starts, a
/// checkpoint has copied every frame; under a steady stream of commits a concurrent checkpoint
/// never catches up, so the WAL would grow for as long as the stream lasts (~100 MB/s under the
/// scoring benchmark). Once it holds `restart_bytes`, a round therefore catches up with
/// PASSIVE passes (each copies what the previous one left, a shorter tail every time) and then
/// copies the last few frames holding the database's writer mutex: in-process writers wait for
/// that short final pass (milliseconds, ADR 0007), and the next write restarts the WAL.
class WalCheckpointer {
 public:
  /// `writer`: the database's in-process writer mutex (Database::Impl::writer).
  WalCheckpointer(const std::string& soci_backend, const std::string& connect,
                  std::chrono::milliseconds interval, std::recursive_mutex& writer,
                  std::int64_t restart_bytes = kWalRestartBytes,
                  std::chrono::milliseconds idle_interval = kWalIdleCheckpointInterval);
  /// Stops the thread (an ongoing checkpoint finishes first).
  ~WalCheckpointer();
  /// Rounds run so far.
  std::uint64_t rounds() const { return rounds_.load(); }
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

 private:
  void run();
  void round();
  /// Flushes the database file or the WAL (an SQLITE_FCNTL_*_POINTER op) through SQLite's handle.
  void sync_file(int which);

  soci::session sql_;
  std::chrono::milliseconds interval_;
  std::chrono::milliseconds idle_interval_;
  std::recursive_mutex& writer_;
  std::int64_t restart_bytes_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::atomic<std::uint64_t> rounds_{0};
  std::thread thread_;
};

}  // namespace risklab::store::detail
