#include "support/azurite_process.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <vector>

#include "support/temp_dir.hpp"

extern char** environ;

namespace risklab::test {
AzuriteProcess::AzuriteProcess(const std::filesystem::path& dir) : dir_(dir), port_(free_port()) {
  std::filesystem::create_directories(dir_ / "data");
  start();
}

AzuriteProcess::~AzuriteProcess() {
  try {
    stop();
  } catch (...) {
  }
}

const char* AzuriteProcess::account() { return "devstoreaccount1"; }
const char* AzuriteProcess::key() {
  return "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
}

std::string AzuriteProcess::lake_url(const std::string& container) const {
  return std::string("azure://") + account() + "/" + container +
         "?endpoint=http://127.0.0.1:" + std::to_string(port_) + "/" + account();
}

void AzuriteProcess::start() {
  if (pid_ > 0) return;
  const std::string binary = (source_dir() / "node_modules" / ".bin" / "azurite-blob").string();
  if (::access(binary.c_str(), X_OK) != 0) {
    throw std::runtime_error(binary + " is missing: run scripts/install-deps.sh (npm ci)");
  }
  std::vector<std::string> args = {binary,
                                   "--blobHost",
                                   "127.0.0.1",
                                   "--blobPort",
                                   std::to_string(port_),
                                   "--location",
                                   (dir_ / "data").string(),
                                   "--silent",
                                   "--disableTelemetry",
                                   "--skipApiVersionCheck"};
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const std::string log = (dir_ / "azurite.log").string();
  const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) throw std::runtime_error("cannot create " + log);
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    const int null_fd = ::open("/dev/null", O_RDONLY);
    ::dup2(null_fd, STDIN_FILENO);
    ::setsid();
    ::execve(argv[0], argv.data(), environ);
    ::_exit(127);
  }
  ::close(log_fd);
  wait_until_listening(pid_, port_, std::chrono::seconds(30), "Azurite", log);
}

void AzuriteProcess::stop() { stop_child(pid_, port_, std::chrono::seconds(15)); }

}  // namespace risklab::test
