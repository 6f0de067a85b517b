#include "support/run.hpp"

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "support/temp_dir.hpp"

namespace risklab::test {
namespace {

std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace

RunResult run_risklab(const std::vector<std::string>& args,
                      const std::map<std::string, std::string>& env, const std::string& cwd) {
  const char* binary = std::getenv("RISKLAB_BINARY");
  if (binary == nullptr) binary = RISKLAB_DEFAULT_BINARY;
  TempDir capture;
  std::string command;
  if (!cwd.empty()) command += "cd " + shell_quote(cwd) + " && ";
  command += "env -u RISKLAB_DB -u RISKLAB_CONFIG -u RISKLAB_LOG_LEVEL";
  for (const auto& [key, value] : env) command += " " + key + "=" + shell_quote(value);
  command += " " + shell_quote(binary);
  for (const auto& arg : args) command += " " + shell_quote(arg);
  command += " >" + shell_quote((capture.path() / "out").string()) + " 2>" +
             shell_quote((capture.path() / "err").string()) + " </dev/null";
  const int status = std::system(command.c_str());
  RunResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = slurp(capture.path() / "out");
  result.err = slurp(capture.path() / "err");
  return result;
}

}  // namespace risklab::test
