#include "web/access_log.hpp"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>

namespace risklab::web {
namespace {

// spdlog's stderr sinks flush after every line: under load that was one write(2) per request
// and a contended lock (~3 % of the server's CPU at 15,000 requests/s, PERFORMANCE.md). This
// one leaves the line in stderr's stdio buffer; flush() (spdlog's periodic flusher, a warning,
// shutdown) writes it. spdlog has no such sink, hence these few lines.
class StderrNoFlushSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    std::fwrite(formatted.data(), 1, formatted.size(), stderr);
  }
  void flush_() override { std::fflush(stderr); }
};

std::atomic<spdlog::logger*> installed{nullptr};

}  // namespace

spdlog::logger& access_log() {
  spdlog::logger* logger = installed.load(std::memory_order_acquire);
  return logger ? *logger : *spdlog::default_logger_raw();
}

void install_access_log() {
  if (installed.load() != nullptr) return;
  if (isatty(STDERR_FILENO) == 0) {
    // Full buffering for every stderr write of this process; lines still leave within a
    // second (below), and at once for anything the default logger writes.
    static char buffer[1 << 16];
    std::setvbuf(stderr, buffer, _IOFBF, sizeof buffer);
  }
  auto logger = std::make_shared<spdlog::logger>("access", std::make_shared<StderrNoFlushSink>());
  spdlog::initialize_logger(logger);  // the global level and pattern; registered
  logger->flush_on(spdlog::level::warn);
  spdlog::flush_every(std::chrono::seconds(1));
  installed.store(logger.get(), std::memory_order_release);
}

}  // namespace risklab::web
