#include "store/detail/wal_checkpointer.hpp"

#include <spdlog/spdlog.h>

namespace risklab::store::detail {

WalCheckpointer::WalCheckpointer(const std::string& soci_backend, const std::string& connect,
                                 std::chrono::milliseconds interval, std::recursive_mutex& writer,
                                 int restart_frames)
    : sql_(soci_backend, connect),
      interval_(interval),
      writer_(writer),
      restart_frames_(restart_frames) {
  // Another process's checkpoint holds the checkpoint lock briefly; wait for it a little.
  sql_ << "PRAGMA busy_timeout = 1000";
  thread_ = std::thread([this] { run(); });
}

WalCheckpointer::~WalCheckpointer() {
  {
    const std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void WalCheckpointer::round() {
  int busy = 0;
  int frames = 0;  // in the WAL when the pass started
  int copied = 0;  // copied into the database file, of those
  const auto pass = [&] {
    sql_ << "PRAGMA wal_checkpoint(PASSIVE)", soci::into(busy), soci::into(frames),
        soci::into(copied);
  };
  pass();
  if (frames < restart_frames_) return;
  // Catch up: each pass copies what was appended during the one before.
  constexpr int kShortTail = 256;
  for (int i = 0; i < 8; ++i) {
    const int before = copied;
    pass();
    if (frames - before < kShortTail) break;
  }
  const int tail_from = copied;
  const auto start = std::chrono::steady_clock::now();
  const std::lock_guard writers(writer_);
  const auto locked = std::chrono::steady_clock::now();
  pass();
  spdlog::info(
      "WAL restart: {} frames, the last {} copied with writers waiting ({} ms; {} ms to get the "
      "writer lock)",
      frames, frames - tail_from,
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - locked).count(),
      std::chrono::duration<double, std::milli>(locked - start).count());
}

void WalCheckpointer::run() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, interval_, [this] { return stop_; })) {
    lock.unlock();
    try {
      round();
    } catch (const soci::soci_error& error) {
      // Busy (another process checkpointing) or a disk error: the WAL keeps every commit, so
      // nothing is lost; the next round tries again.
      spdlog::debug("WAL checkpoint skipped: {}", error.get_error_message());
    }
    lock.lock();
  }
}

}  // namespace risklab::store::detail
