#include "support/deployment.hpp"

#include <gtest/gtest.h>

#include <utility>

#include "support/model_fixture.hpp"

namespace risklab::test {

Deployment::Deployment(std::filesystem::path dir, std::map<std::string, std::string> env)
    : dir_(std::move(dir)), env_(std::move(env)) {}

RunResult Deployment::run(const std::vector<std::string>& args,
                          std::map<std::string, std::string> extra) const {
  auto env = env_;
  env.merge(extra);
  auto result = run_risklab(args, env, dir_.string());
  EXPECT_EQ(result.exit_code, 0) << "risklab " << args.at(0) << ": " << result.err;
  return result;
}

void Deployment::install_with_champion() const {
  run({"init"});
  run({"import", reference_head_csv(dir_.string(), 600), "--label", "Bankrupt?", "--dataset",
       "taiwan", "--as-of", "2025-12-31"});
  run({"models", "register", reference_model_path()});
  run({"models", "approve", "1", "--note", "initial model"}, {{"USER", "first-officer"}});
  run({"models", "promote", "1"});
}

void Deployment::add_user(const std::string& user, const std::string& roles,
                          const std::string& password) const {
  run({"users", "add", user, "--roles", roles}, {{"RISKLAB_PASSWORD", password}});
}

std::string Deployment::create_token(const std::string& user, const std::string& name) const {
  const auto out = run({"tokens", "create", "--user", user, "--name", name}).out;
  return out.substr(0, out.find_first_of("\r\n"));
}

std::unique_ptr<ServerProcess> Deployment::replica(const std::string& name) const {
  const auto log_dir = dir_ / name;
  std::filesystem::create_directories(log_dir);
  return std::make_unique<ServerProcess>(std::vector<std::string>{"--threads", "4"}, env_, log_dir);
}

}  // namespace risklab::test
