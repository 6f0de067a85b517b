#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace risklab::test {

/// A `risklab serve` child process on a free 127.0.0.1 port: started by the constructor, which
/// returns once the server prints the address it listens on, and stopped with SIGTERM (then
/// waited for) by stop() or the destructor. Throws std::runtime_error if the process cannot be
/// started or does not come up within `startup`.
class ServerProcess {
 public:
  ServerProcess(const std::vector<std::string>& extra_args,
                const std::map<std::string, std::string>& env, const std::filesystem::path& log_dir,
                std::chrono::seconds startup = std::chrono::seconds(60));
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  int port() const { return port_; }
  /// Sends SIGTERM and waits; returns the exit code (-1 if killed by a signal). Idempotent.
  int stop();
  /// SIGKILL, as a crash would: nothing is flushed or finished. Then waits for the process.
  void kill_hard();
  /// What the server wrote on stderr (its log) so far, for failure messages.
  std::string log() const;

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  int exit_code_ = -1;
  std::filesystem::path log_path_;
};

}  // namespace risklab::test
