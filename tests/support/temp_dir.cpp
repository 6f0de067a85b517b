#include "support/temp_dir.hpp"

#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <system_error>

namespace risklab::test {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "risklab-test-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string TempDir::write(const std::string& name, const std::string& content) const {
  const auto file = path_ / name;
  std::ofstream out(file, std::ios::binary);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + file.string());
  return file.string();
}

std::filesystem::path source_dir() {
  if (const char* dir = std::getenv("RISKLAB_SOURCE_DIR")) return dir;
  return std::filesystem::path(RISKLAB_DEFAULT_SOURCE_DIR);
}

std::string shared_data(const std::string& name) {
  return (source_dir().parent_path() / "shared" / "data" / name).string();
}

}  // namespace risklab::test
