#pragma once

// Store internals only: background WAL checkpoints for SQLite databases.

#include <soci/soci.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace risklab::store::detail {

/// How often the checkpointer of a SQLite Database runs. Under the scoring benchmark
/// (session 5, interleaved 6 s runs) every 200 ms gave ~6,900 stored scorings/s, every 1 s
/// ~8,300 and every 3 s ~8,400 (pages rewritten between rounds are copied once); 1 s keeps the
/// WAL to some tens of MB at that rate.
inline constexpr std::chrono::milliseconds kWalCheckpointInterval{1000};

/// WAL length (frames; 4 GiB at 4 KiB pages) at which a checkpoint round makes the WAL restart
/// (WalCheckpointer). Every forced restart makes in-process writers wait for the round's last
/// pass, whose fsyncs took 5–290 ms here under full load (session 8: ext4, while the WAL still
/// grows into new blocks). wrk charges such a wait to every request that would have been sent
/// meanwhile (coordinated-omission correction: ~4,900 samples for a 290 ms wait at 64
/// connections), and so would real clients arriving during it. The cap keeps those waits rare
/// enough for the p99: once per ~50 s at full load with 4 GiB (~0.6 % of requests in the worst
/// case); 1 GiB (one per ~13 s) gave client p99s of 80–170 ms in two of four 12 s runs, 256 MiB
/// 12–30 ms. Under light load the WAL restarts by itself long before.
inline constexpr int kWalRestartFrames = 1048576;

/// Copies a SQLite database's write-ahead log into the database file in the background.
///
/// By default SQLite checkpoints inside the COMMIT that takes the WAL past 1,000 pages: the
/// committing request copies the pages while every other writer waits for it. Under the
/// scoring load (one 4.5 KB assessment and an audit row per request, group-committed) that was
/// a checkpoint every few dozen commits, ~30 % of the server's CPU and most of its latency
/// tail (docs/PERFORMANCE.md, "HTTP scoring"). RiskLab's connections therefore set
/// `wal_autocheckpoint = 0` (prepare_session) and this thread, on a connection of its own,
/// runs a PASSIVE checkpoint every `interval`: it never blocks readers or writers, and pages
/// rewritten between two checkpoints (index pages, the table's last page) are copied once.
/// Durability is unchanged: a commit is in the WAL before it returns, as before; the WAL is
/// reset when a checkpoint has copied all of it, and the last connection to close copies the rest.
///
/// A writer restarts the WAL from its beginning only if, when its transaction starts, a
/// checkpoint has copied every frame; under a steady stream of commits a concurrent checkpoint
/// never catches up, so the WAL would grow for as long as the stream lasts (~100 MB/s under the
/// scoring benchmark). Once it holds `restart_frames` frames, a round therefore catches up with
/// PASSIVE passes (each copies what the previous one left, a shorter tail every time) and then
/// copies the last few frames holding the database's writer mutex: in-process writers wait for
/// that short final pass (milliseconds, ADR 0007), and the next write restarts the WAL.
class WalCheckpointer {
 public:
  /// `writer`: the database's in-process writer mutex (Database::Impl::writer).
  WalCheckpointer(const std::string& soci_backend, const std::string& connect,
                  std::chrono::milliseconds interval, std::recursive_mutex& writer,
                  int restart_frames = kWalRestartFrames);
  /// Stops the thread (an ongoing checkpoint finishes first).
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

 private:
  void run();
  void round();

  soci::session sql_;
  std::chrono::milliseconds interval_;
  std::recursive_mutex& writer_;
  int restart_frames_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace risklab::store::detail
