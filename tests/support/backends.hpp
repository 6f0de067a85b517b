#pragma once

#include <string>
#include <vector>

namespace risklab::test {

/// "sqlite", "mysql", "postgresql": every store and import test runs on each of them.
std::vector<std::string> all_backends();

/// A KEY=VALUE setting written by scripts/test-servers.sh (RISKLAB_TEST_MYSQL,
/// RISKLAB_TEST_POSTGRESQL, RISKLAB_TEST_TLS_CA); the environment wins over the file.
std::string server_setting(const std::string& key);

/// A fresh, empty database on one backend for one test, dropped on destruction. SQLite lives
/// in a temp file; MariaDB and PostgreSQL databases are created on the throwaway servers that
/// scripts/test-servers.sh started (the ctest fixture `db_servers`). If those servers are not
/// running the constructor throws: a backend is never skipped silently.
class TestDatabase {
 public:
  explicit TestDatabase(const std::string& backend);
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  const std::string& url() const { return url_; }
  const std::string& backend() const { return backend_; }

 private:
  std::string backend_;
  std::string url_;
  std::string name_;
  std::string dir_;
};

/// Gtest parameter names: "sqlite", "mysql", "postgresql".
struct BackendName {
  template <class ParamInfo>
  std::string operator()(const ParamInfo& info) const {
    return info.param;
  }
};

}  // namespace risklab::test
