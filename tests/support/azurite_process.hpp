#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>

#include "support/child_process.hpp"  // free_port(), port_answers()

namespace risklab::test {

/// A private Azurite blob emulator (node_modules/.bin/azurite-blob, from `npm ci`) for tests
/// that stop and restart the lake: it keeps its port and its data directory across stop() and
/// start(), so a restart brings back the same, persisted container. Throws std::runtime_error
/// if Azurite is missing or does not answer within 30 s: a drill is never skipped.
class AzuriteProcess {
 public:
  explicit AzuriteProcess(const std::filesystem::path& dir);
  ~AzuriteProcess();
  AzuriteProcess(const AzuriteProcess&) = delete;
  AzuriteProcess& operator=(const AzuriteProcess&) = delete;

  void start();
  /// SIGTERM, then waits until the process is gone and the port refuses connections.
  void stop();
  bool running() const { return pid_ > 0; }

  int port() const { return port_; }
  /// The lake URL of container `container` (azure://ACCOUNT/CONTAINER?endpoint=...).
  std::string lake_url(const std::string& container) const;
  /// Azurite's single account and its published development key.
  static const char* account();
  static const char* key();

 private:
  std::filesystem::path dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace risklab::test
