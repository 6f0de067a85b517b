#pragma once

#include <filesystem>
#include <string>

namespace risklab::test {

/// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  /// Writes `content` to `name` inside the directory and returns its full path.
  std::string write(const std::string& name, const std::string& content) const;

 private:
  std::filesystem::path path_;
};

/// The repository root (RISKLAB_SOURCE_DIR, set by ctest), for fixtures and ../shared/data.
std::filesystem::path source_dir();

/// ../shared/data/<name> beside the repository.
std::string shared_data(const std::string& name);

}  // namespace risklab::test
