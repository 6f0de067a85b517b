#include "lake/file_lake.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <optional>
#include <random>
#include <system_error>

#include "core/error.hpp"
#include "core/sha256.hpp"

namespace risklab::lake {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void io_error(const std::string& action, const fs::path& path, int error) {
  throw core::Unavailable("lake_io_error", "file lake: cannot " + action + " '" + path.string() +
                                               "': " + std::strerror(error));
}

/// Closes a descriptor on scope exit; close errors after a successful fsync cannot lose data.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

/// Removes a temporary file on scope exit unless disarmed.
class TempFile {
 public:
  explicit TempFile(fs::path path) : path_(std::move(path)) {}
  ~TempFile() { ::unlink(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

fs::path hash_path(const fs::path& object) {
  return object.parent_path() / ("." + object.filename().string() + ".sha256");
}

fs::path temp_path(const fs::path& object) {
  static std::atomic<unsigned> counter{0};
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return object.parent_path() /
         ("." + object.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" +
          std::to_string(counter++) + "-" + std::to_string(rng() % 1000000));
}

void fsync_dir(const fs::path& dir) {
  const Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) io_error("open directory", dir, errno);
  if (::fsync(fd.get()) != 0) io_error("fsync directory", dir, errno);
}

/// Writes `bytes` to a new file at `path` and fsyncs it.
void write_new_file(const fs::path& path, std::string_view bytes) {
  const Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (fd.get() < 0) io_error("create", path, errno);
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd.get(), bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) io_error("write", path, errno);
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0) io_error("fsync", path, errno);
}

/// The file's bytes, or std::nullopt if it does not exist.
std::optional<std::string> read_file(const fs::path& path) {
  const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    io_error("open", path, errno);
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) io_error("stat", path, errno);
  if (S_ISDIR(info.st_mode)) return std::nullopt;  // a key prefix, not an object
  std::string bytes;
  bytes.reserve(static_cast<std::size_t>(info.st_size));
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) io_error("read", path, errno);
    if (n == 0) break;
    bytes.append(buffer, static_cast<std::size_t>(n));
  }
  return bytes;
}

/// The sha256 recorded in the sidecar, or "" if there is none.
std::string recorded_sha256(const fs::path& object) {
  const auto text = read_file(hash_path(object));
  if (!text || text->size() < 64) return {};
  const std::string hex = text->substr(0, 64);
  const bool valid = std::all_of(hex.begin(), hex.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  });
  return valid ? hex : std::string{};
}

/// Records the sha256 beside the object, atomically (temporary file + rename).
void write_sidecar(const fs::path& object, const std::string& sha256) {
  const TempFile temp(temp_path(object));
  // "HASH  NAME\n" is what `sha256sum -c` reads, run inside the object's directory.
  write_new_file(temp.path(), sha256 + "  " + object.filename().string() + "\n");
  const fs::path sidecar = hash_path(object);
  if (::rename(temp.path().c_str(), sidecar.c_str()) != 0) io_error("rename to", sidecar, errno);
}

/// Creates the directories between the root and `dir`, fsyncing each parent that gained an
/// entry. A path component that is an object is a key clash.
void make_dirs(const fs::path& root, const fs::path& dir, const std::string& key) {
  fs::path current = root;
  for (const auto& part : dir.lexically_relative(root)) {
    const fs::path parent = current;
    current /= part;
    if (::mkdir(current.c_str(), 0755) == 0) {
      fsync_dir(parent);
      continue;
    }
    if (errno != EEXIST) io_error("create directory", current, errno);
    struct stat info {};
    if (::stat(current.c_str(), &info) != 0) io_error("stat", current, errno);
    if (!S_ISDIR(info.st_mode)) {
      throw core::Conflict("lake_key_clash", "lake key '" + key + "' cannot be stored: '" +
                                                 current.lexically_relative(root).string() +
                                                 "' is an object, not a folder");
    }
  }
}

[[noreturn]] void integrity_error(const std::string& key, const std::string& why) {
  throw core::Conflict("lake_integrity", "lake object '" + key + "' failed verification: " + why);
}

}  // namespace

FileLake::FileLake(const fs::path& root) : root_(fs::absolute(root).lexically_normal()) {
  // "file:///data/lake/" names the same directory as "file:///data/lake".
  if (!root_.has_filename() && root_.has_parent_path() && root_ != root_.root_path()) {
    root_ = root_.parent_path();
  }
}

void FileLake::require_root() const {
  struct stat info {};
  if (::stat(root_.c_str(), &info) != 0) {
    if (errno == ENOENT) {
      throw core::Unavailable("lake_missing", "file lake directory '" + root_.string() +
                                                  "' does not exist (create it first, e.g. "
                                                  "with `risklab init`)");
    }
    io_error("open lake directory", root_, errno);
  }
  if (!S_ISDIR(info.st_mode)) io_error("open lake directory", root_, ENOTDIR);
}

PutResult FileLake::put_if_absent(const std::string& key, std::string_view bytes) {
  validate_key(key);
  const std::string sha256 = core::Sha256::of(bytes);
  require_root();
  const fs::path object = root_ / key;
  make_dirs(root_, object.parent_path(), key);
  if (::access(object.c_str(), F_OK) == 0) return existing_or_conflict(key, sha256);

  const TempFile temp(temp_path(object));
  write_new_file(temp.path(), bytes);
  // link() never replaces an existing name: the atomic create-only step.
  if (::link(temp.path().c_str(), object.c_str()) != 0) {
    if (errno == EEXIST) return existing_or_conflict(key, sha256);
    io_error("create", object, errno);
  }
  write_sidecar(object, sha256);
  fsync_dir(object.parent_path());
  return {sha256, true};
}

PutResult FileLake::existing_or_conflict(const std::string& key, const std::string& sha256) {
  const fs::path object = root_ / key;
  const auto conflict = [&](const std::string& existing_sha256) {
    return core::Conflict("lake_object_exists", "lake object '" + key +
                                                    "' already exists with different content "
                                                    "(sha256 " +
                                                    existing_sha256 + ", not " + sha256 + ")");
  };
  const std::string recorded = recorded_sha256(object);
  if (!recorded.empty() && recorded != sha256) throw conflict(recorded);
  // Claim "identical" only for bytes that really are: re-read them (a rare path: retries).
  const auto existing = read_file(object);
  if (!existing) {
    throw core::Conflict("lake_key_clash",
                         "lake key '" + key + "' cannot be stored: it is a folder of objects");
  }
  const std::string actual = core::Sha256::of(*existing);
  if (recorded.empty()) {
    // The winner of a race may not have written the sidecar yet, or a crash came between
    // its link and its sidecar: judge by the bytes, and restore the sidecar if they match.
    if (actual != sha256) throw conflict(actual);
    write_sidecar(object, sha256);
    fsync_dir(object.parent_path());
  } else if (actual != recorded) {
    integrity_error(
        key, "its sha256 is " + actual + " but " + recorded + " was recorded when it was written");
  }
  return {sha256, false};
}

std::string FileLake::read_verified(const std::string& key) {
  validate_key(key);
  require_root();
  const fs::path object = root_ / key;
  auto bytes = read_file(object);
  if (!bytes) {
    throw core::NotFound("lake_object_not_found",
                         "lake object '" + key + "' does not exist in " + display_url());
  }
  const std::string recorded = recorded_sha256(object);
  if (recorded.empty()) {
    integrity_error(key, "no sha256 is recorded for it (missing or damaged " +
                             hash_path(object).filename().string() + ")");
  }
  const std::string actual = core::Sha256::of(*bytes);
  if (actual != recorded) {
    integrity_error(
        key, "its sha256 is " + actual + " but " + recorded + " was recorded when it was written");
  }
  return std::move(*bytes);
}

std::string FileLake::get(const std::string& key) { return read_verified(key); }

ObjectInfo FileLake::verify(const std::string& key) {
  const std::string bytes = read_verified(key);
  return {key, bytes.size(), core::Sha256::of(bytes)};
}

bool FileLake::exists(const std::string& key) {
  validate_key(key);
  require_root();
  struct stat info {};
  const fs::path object = root_ / key;
  if (::stat(object.c_str(), &info) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return false;
    io_error("stat", object, errno);
  }
  return S_ISREG(info.st_mode);
}

std::vector<ObjectInfo> FileLake::list(const std::string& prefix) {
  validate_prefix(prefix);
  require_root();
  // Walk only the deepest folder the prefix names in full.
  const auto slash = prefix.rfind('/');
  const fs::path base = slash == std::string::npos ? root_ : root_ / prefix.substr(0, slash);
  std::vector<ObjectInfo> objects;
  std::error_code error;
  fs::recursive_directory_iterator it(base, error);
  if (error) {
    if (error == std::errc::no_such_file_or_directory || error == std::errc::not_a_directory) {
      return objects;
    }
    io_error("list", base, error.value());
  }
  for (; it != fs::recursive_directory_iterator(); it.increment(error)) {
    if (error) io_error("list", base, error.value());
    const fs::path& path = it->path();
    if (path.filename().string().starts_with(".")) {
      // Sidecars and temporary files; no key has such a segment.
      if (it->is_directory(error)) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(error)) continue;
    std::string key = path.lexically_relative(root_).generic_string();
    if (!key.starts_with(prefix)) continue;
    const auto size = it->file_size(error);
    if (error) io_error("stat", path, error.value());
    objects.push_back({std::move(key), size, recorded_sha256(path)});
  }
  std::sort(objects.begin(), objects.end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  return objects;
}

bool FileLake::remove(const std::string& key) {
  validate_key(key);
  require_root();
  const fs::path object = root_ / key;
  if (!exists(key)) return false;
  if (::unlink(object.c_str()) != 0) {
    if (errno == ENOENT) return false;
    io_error("delete", object, errno);
  }
  if (::unlink(hash_path(object).c_str()) != 0 && errno != ENOENT) {
    io_error("delete", hash_path(object), errno);
  }
  fsync_dir(object.parent_path());
  return true;
}

bool FileLake::create_container() {
  std::error_code error;
  const bool created = fs::create_directories(root_, error);
  if (error) io_error("create lake directory", root_, error.value());
  require_root();
  return created;
}

std::string FileLake::display_url() const { return "file://" + root_.string(); }

}  // namespace risklab::lake
