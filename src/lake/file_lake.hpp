#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "lake/lake.hpp"

namespace risklab::lake {

/// A lake in a local directory (`file://DIR`). The object for key "a/b.json" is the plain file
/// DIR/a/b.json, so the lake can be browsed and backed up with ordinary tools; its sha256 is
/// in the hidden sidecar DIR/a/.b.json.sha256, in `sha256sum -c` format. Keys cannot have
/// segments starting with '.', so sidecars and temporary files never collide with objects.
///
/// Writes are atomic and create-only: the bytes go to a temporary file in the target
/// directory, which is fsynced and then hard-linked to the final name. link() fails if the
/// name exists, so of two racing writers exactly one creates the object, and a crash leaves
/// either no object or a complete one. The sidecar follows (temporary file + rename), then
/// the directory is fsynced. If a crash falls between the two, the object has no recorded
/// hash: get() refuses it until put_if_absent() of the same bytes (an outbox retry) restores
/// the sidecar.
///
/// On this backend "a" and "a/b" cannot both be objects (a file is not a directory):
/// put_if_absent() refuses the second with Conflict("lake_key_clash").
class FileLake final : public Lake {
 public:
  /// A lake rooted at `root` (made absolute now, so a later chdir does not move it). Does no
  /// I/O; operations throw Unavailable("lake_missing") until the directory exists.
  explicit FileLake(const std::filesystem::path& root);

  PutResult put_if_absent(const std::string& key, std::string_view bytes) override;
  std::string get(const std::string& key) override;
  bool exists(const std::string& key) override;
  std::vector<ObjectInfo> list(const std::string& prefix) override;
  bool remove(const std::string& key) override;
  ObjectInfo verify(const std::string& key) override;
  bool create_container() override;
  std::string display_url() const override;

 private:
  void require_root() const;
  PutResult existing_or_conflict(const std::string& key, const std::string& sha256);
  std::string read_verified(const std::string& key);

  std::filesystem::path root_;
};

}  // namespace risklab::lake
