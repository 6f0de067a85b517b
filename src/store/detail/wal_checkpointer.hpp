#pragma once

// Store internals only: background WAL checkpoints for SQLite databases.

#include <soci/soci.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace risklab::store::detail {

/// How often the checkpointer of a SQLite Database runs. Under the scoring benchmark
/// (session 5, interleaved 6 s runs) every 200 ms gave ~6,900 stored scorings/s, every 1 s
/// ~8,300 and every 3 s ~8,400 (pages rewritten between rounds are copied once); 1 s keeps the
/// WAL to some tens of MB at that rate.
inline constexpr std::chrono::milliseconds kWalCheckpointInterval{1000};

/// WAL size at which a checkpoint round makes the WAL restart (WalCheckpointer). A restart
/// makes in-process writers wait for the round's last pass; with the database file synced
/// before that pass (round()) the wait is 4-6 ms under full load, so the WAL can restart at
/// nearly every round: it stays within a second's worth of commits (~250 MB under the scoring
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
/// runs a PASSIVE checkpoint every `interval`: it never blocks readers or writers, and pages
/// rewritten between two checkpoints (index pages, the table's last page) are copied once.
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
                  std::int64_t restart_bytes = kWalRestartBytes);
  /// Stops the thread (an ongoing checkpoint finishes first).
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

 private:
  void run();
  void round();
  void sync_database_file();

  soci::session sql_;
  std::chrono::milliseconds interval_;
  std::recursive_mutex& writer_;
  std::int64_t restart_bytes_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace risklab::store::detail
