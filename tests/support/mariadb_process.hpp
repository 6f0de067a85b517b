#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>

namespace risklab::test {

/// A private MariaDB server (mariadbd from the mariadb-server package) for drills that stop and
/// restart the database: it keeps its port and its data directory across stop() and start(), so
/// a restart brings back the same, committed data. The constructor initialises the data
/// directory, starts the server and creates database `risklab` with an account for it. Throws
/// std::runtime_error if MariaDB is missing or does not come up within 30 s: never skipped.
class MariadbProcess {
 public:
  explicit MariadbProcess(const std::filesystem::path& dir);
  ~MariadbProcess();
  MariadbProcess(const MariadbProcess&) = delete;
  MariadbProcess& operator=(const MariadbProcess&) = delete;

  void start();
  /// A clean shutdown (SIGTERM), then waits until the process is gone and the port is closed.
  void stop();

  int port() const { return port_; }
  /// mysql://USER:PASS@127.0.0.1:PORT/risklab
  std::string url() const;

 private:
  std::filesystem::path dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace risklab::test
