#include "support/mariadb_process.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <vector>

#include "support/child_process.hpp"

extern char** environ;

namespace risklab::test {
namespace {

constexpr const char* kUser = "risklab";
constexpr const char* kPassword = "drill-db-pw-1";

void shell(const std::string& command, const std::string& what) {
  if (std::system(command.c_str()) != 0) throw std::runtime_error(what + " failed: " + command);
}

}  // namespace

MariadbProcess::MariadbProcess(const std::filesystem::path& dir) : dir_(dir), port_(free_port()) {
  std::filesystem::create_directories(dir_);
  shell("mariadb-install-db --no-defaults --user=root --datadir='" + (dir_ / "data").string() +
            "' --auth-root-authentication-method=normal --skip-test-db >'" +
            (dir_ / "install.log").string() + "' 2>&1",
        "mariadb-install-db");
  start();
  shell("mariadb --no-defaults --protocol=tcp -h127.0.0.1 -P" + std::to_string(port_) +
            " -uroot -e \"CREATE DATABASE risklab; CREATE USER '" + kUser +
            "'@'%' IDENTIFIED BY '" + kPassword + "'; GRANT ALL ON risklab.* TO '" + kUser +
            "'@'%';\"",
        "creating the drill database");
}

MariadbProcess::~MariadbProcess() {
  try {
    stop();
  } catch (...) {
  }
}

std::string MariadbProcess::url() const {
  return std::string("mysql://") + kUser + ":" + kPassword + "@127.0.0.1:" + std::to_string(port_) +
         "/risklab";
}

void MariadbProcess::start() {
  if (pid_ > 0) return;
  const std::string data = (dir_ / "data").string();
  std::vector<std::string> args = {"/usr/sbin/mariadbd",
                                   "--no-defaults",
                                   "--user=root",
                                   "--datadir=" + data,
                                   "--socket=" + (dir_ / "my.sock").string(),
                                   "--port=" + std::to_string(port_),
                                   "--bind-address=127.0.0.1",
                                   "--pid-file=" + (dir_ / "my.pid").string(),
                                   "--log-error=" + (dir_ / "err.log").string(),
                                   "--skip-name-resolve",
                                   "--innodb-buffer-pool-size=32M",
                                   "--innodb-flush-log-at-trx-commit=2"};
  if (::access(args[0].c_str(), X_OK) != 0) {
    throw std::runtime_error(args[0] + " is missing: apt-get install mariadb-server");
  }
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    const int null_fd = ::open("/dev/null", O_RDWR);
    ::dup2(null_fd, STDIN_FILENO);
    ::dup2(null_fd, STDOUT_FILENO);
    ::dup2(null_fd, STDERR_FILENO);
    ::setsid();
    ::execve(argv[0], argv.data(), environ);
    ::_exit(127);
  }
  wait_until_listening(pid_, port_, std::chrono::seconds(30), "MariaDB", (dir_ / "err.log").string());
}

void MariadbProcess::stop() { stop_child(pid_, port_, std::chrono::seconds(30)); }

}  // namespace risklab::test
