#include "support/server_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>
#include <stdexcept>

extern char** environ;

namespace risklab::test {

ServerProcess::ServerProcess(const std::vector<std::string>& extra_args,
                             const std::map<std::string, std::string>& env,
                             const std::filesystem::path& log_dir, std::chrono::seconds startup)
    : log_path_(log_dir / "serve.log") {
  const char* binary = std::getenv("RISKLAB_BINARY");
  if (binary == nullptr) binary = RISKLAB_DEFAULT_BINARY;
  std::vector<std::string> args = {binary, "serve", "--bind", "127.0.0.1", "--port", "0"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<std::string> environment;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text = *entry;
    const std::string key = text.substr(0, text.find('='));
    if (key == "RISKLAB_DB" || key == "RISKLAB_PORT" || env.count(key) > 0) continue;
    environment.push_back(text);
  }
  for (const auto& [key, value] : env) environment.push_back(key + "=" + value);

  // Prepared before fork(): the child only calls async-signal-safe functions.
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& entry : environment) envp.push_back(entry.data());
  envp.push_back(nullptr);
  // stdout and stderr both go to the log, which is read for the address line below.
  const int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) throw std::runtime_error("cannot create " + log_path_.string());

  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    const int null_fd = ::open("/dev/null", O_RDONLY);
    ::dup2(null_fd, STDIN_FILENO);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(log_fd);

  // `risklab serve` prints "risklab serving on http://127.0.0.1:PORT" once it is bound.
  const auto deadline = std::chrono::steady_clock::now() + startup;
  const std::string marker = "serving on http://";
  while (true) {
    const std::string printed = log();
    const auto at = printed.find(marker);
    const auto colon = at == std::string::npos ? at : printed.find(':', at + marker.size());
    const auto end = colon == std::string::npos ? colon : printed.find('\n', colon);
    if (end != std::string::npos) {
      port_ = std::stoi(printed.substr(colon + 1, end - colon - 1));
      break;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) pid_ = -1;  // exited: nothing to stop
    if (pid_ < 0 || std::chrono::steady_clock::now() > deadline) {
      stop();
      throw std::runtime_error("risklab serve did not start; its log:\n" + log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

ServerProcess::~ServerProcess() { stop(); }

int ServerProcess::stop() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    pid_ = -1;
  }
  return exit_code_;
}

void ServerProcess::kill_hard() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    exit_code_ = -1;
    pid_ = -1;
  }
}

std::string ServerProcess::log() const {
  std::ifstream in(log_path_);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace risklab::test
