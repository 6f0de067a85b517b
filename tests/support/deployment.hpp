#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "support/run.hpp"
#include "support/server_process.hpp"

namespace risklab::test {

/// One RiskLab installation for a workflow test: a database and a lake (their URLs and any
/// credentials in `env`), the CLI run against them from a working directory, and `risklab serve`
/// replicas sharing them.
class Deployment {
 public:
  Deployment(std::filesystem::path dir, std::map<std::string, std::string> env);

  /// `risklab ARGS` with the deployment's environment plus `extra`, in its directory; a
  /// non-zero exit fails the test (and is returned).
  RunResult run(const std::vector<std::string>& args,
                std::map<std::string, std::string> extra = {}) const;

  /// `risklab init` (first admin's password from `env`), the reference data's first 600 rows
  /// imported as dataset "taiwan", and the reference model registered, approved by another
  /// person ("first-officer", four-eyes) and promoted: a champion is served from the start.
  void install_with_champion() const;

  /// A user with `roles` (comma-separated) and `password`.
  void add_user(const std::string& user, const std::string& roles,
                const std::string& password) const;

  /// A new API token of `user`, named `name`.
  std::string create_token(const std::string& user, const std::string& name) const;

  /// `risklab serve --threads 4` on a free port, logging into DIR/NAME.
  std::unique_ptr<ServerProcess> replica(const std::string& name) const;

  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  std::map<std::string, std::string> env_;
};

}  // namespace risklab::test
