#include "store/detail/wal_checkpointer.hpp"

#include <spdlog/spdlog.h>

namespace risklab::store::detail {

WalCheckpointer::WalCheckpointer(const std::string& soci_backend, const std::string& connect,
                                 std::chrono::milliseconds interval)
    : sql_(soci_backend, connect), interval_(interval) {
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

void WalCheckpointer::run() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, interval_, [this] { return stop_; })) {
    lock.unlock();
    try {
      sql_ << "PRAGMA wal_checkpoint(PASSIVE)";
    } catch (const soci::soci_error& error) {
      // Busy (another process checkpointing) or a disk error: the WAL keeps every commit, so
      // nothing is lost; the next round tries again.
      spdlog::debug("WAL checkpoint skipped: {}", error.get_error_message());
    }
    lock.lock();
  }
}

}  // namespace risklab::store::detail
