#include "support/backends.hpp"

#include <soci/soci.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <stdexcept>

#include "core/url.hpp"

namespace risklab::test {

// KEY=VALUE lines written by scripts/test-servers.sh; the environment wins over the file.
std::string server_setting(const std::string& key) {
  if (const char* value = std::getenv(key.c_str()); value && *value) return value;
  const char* file = std::getenv("RISKLAB_TEST_SERVERS");
  if (file == nullptr) file = RISKLAB_DEFAULT_TEST_SERVERS;
  {
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
      if (line.starts_with(key + "=")) return line.substr(key.size() + 1);
    }
  }
  throw std::runtime_error(key + " is not set and the test server file " + file +
                           " does not name it" +
                           "): run the tests through ctest, which starts MariaDB and PostgreSQL "
                           "(fixture db_servers), or run scripts/test-servers.sh start DIR and set "
                           "RISKLAB_TEST_SERVERS=DIR/servers.env");
}

namespace {

std::string server_url(const std::string& key) { return server_setting(key); }

std::string unique_name() {
  static std::atomic<int> counter{0};
  std::random_device device;
  return "rl_" + std::to_string(getpid()) + "_" + std::to_string(counter++) + "_" +
         std::to_string(device() % 100000);
}

std::string soci_connect(const core::Url& url, const std::string& database) {
  std::string connect = "host=" + url.host + " port=" + std::to_string(url.port.value_or(0)) +
                        " user=" + url.user + " password=" + url.password;
  return connect + " dbname=" + database;
}

}  // namespace

std::vector<std::string> all_backends() { return {"sqlite", "mysql", "postgresql"}; }

TestDatabase::TestDatabase(const std::string& backend) : backend_(backend) {
  name_ = unique_name();
  if (backend == "sqlite") {
    dir_ = (std::filesystem::temp_directory_path() / name_).string();
    std::filesystem::create_directories(dir_);
    url_ = "sqlite://" + dir_ + "/risklab.db";
    return;
  }
  if (backend == "mysql") {
    const auto base = server_url("RISKLAB_TEST_MYSQL");
    const auto url = core::Url::parse(base + "/mysql");
    soci::session admin("mysql", soci_connect(url, "mysql"));
    admin << "CREATE DATABASE " + name_ + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin";
    url_ = base + "/" + name_;
    return;
  }
  if (backend == "postgresql") {
    const auto base = server_url("RISKLAB_TEST_POSTGRESQL");
    const auto url = core::Url::parse(base + "/postgres");
    soci::session admin("postgresql", soci_connect(url, "postgres"));
    admin << "CREATE DATABASE " + name_;
    url_ = base + "/" + name_;
    return;
  }
  throw std::invalid_argument("unknown backend " + backend);
}

TestDatabase::~TestDatabase() {
  try {
    if (backend_ == "sqlite") {
      std::filesystem::remove_all(dir_);
    } else if (backend_ == "mysql") {
      const auto url = core::Url::parse(server_url("RISKLAB_TEST_MYSQL") + "/mysql");
      soci::session admin("mysql", soci_connect(url, "mysql"));
      admin << "DROP DATABASE IF EXISTS " + name_;
    } else {
      const auto url = core::Url::parse(server_url("RISKLAB_TEST_POSTGRESQL") + "/postgres");
      soci::session admin("postgresql", soci_connect(url, "postgres"));
      admin << "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)";
    }
  } catch (const std::exception&) {
    // The throwaway server is deleted with its directory at the end of the run anyway.
  }
}

}  // namespace risklab::test
