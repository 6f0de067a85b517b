#pragma once

#include <map>
#include <string>
#include <vector>

namespace risklab::test {

/// What a finished `risklab` process left behind.
struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

/// Runs the built `risklab` binary (RISKLAB_BINARY, set by ctest) with `args` and extra
/// environment variables, in `cwd`, and waits for it.
RunResult run_risklab(const std::vector<std::string>& args,
                      const std::map<std::string, std::string>& env = {},
                      const std::string& cwd = "");

}  // namespace risklab::test
