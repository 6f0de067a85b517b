#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace risklab::lake {

/// What put_if_absent() did. Either way the object under the key now holds exactly the bytes
/// that were passed, and `sha256` is their hash.
struct PutResult {
  std::string sha256;  ///< 64 lowercase hex digits
  /// True if this call stored the object; false if an identical object was already there
  /// (an idempotent retry, e.g. an outbox row shipped twice, or a racing writer that won).
  bool created = false;
};

/// One object as list() and verify() report it.
struct ObjectInfo {
  std::string key;
  std::uint64_t size = 0;
  /// The sha256 recorded when the object was written; empty if none is recorded (a write
  /// interrupted on the file backend, or a blob written by another tool): verify() refuses it.
  std::string sha256;

  bool operator==(const ObjectInfo&) const = default;
};

/// An append-only object store for ground truth and snapshots. Objects are immutable: they
/// are created once with put_if_absent() and only admin tooling removes them. Every object's
/// sha256 is recorded beside it when written and checked whenever it is read back.
///
/// Keys are relative paths like "ground_truth/date=2026-11-29/17.json": segments of
/// [A-Za-z0-9._=-] separated by single '/', no segment starting with '.', at most 1024 bytes;
/// anything else is refused with InvalidInput("lake_bad_key").
///
/// Errors, the same on every backend (docs/LAKE.md):
///   InvalidInput("lake_bad_key")            a key or prefix that breaks the rules above
///   NotFound("lake_object_not_found")       get()/verify() of a key that does not exist
///   Conflict("lake_object_exists")          put_if_absent() of different bytes under a used key
///   Conflict("lake_integrity")              stored bytes do not match their recorded sha256
///   Unavailable("lake_*")                   the storage is unreachable, missing, full, read-only
///                                           or refuses our credentials; the message says which
/// Implementations are safe to share between threads.
class Lake {
 public:
  virtual ~Lake() = default;

  /// Stores `bytes` under `key` unless the key is taken. If it holds identical bytes this is
  /// a success with created = false; two racing writers never both create. Throws
  /// Conflict("lake_object_exists") if the key holds different bytes, and the errors above.
  virtual PutResult put_if_absent(const std::string& key, std::string_view bytes) = 0;

  /// The object's bytes, checked against the recorded sha256. Throws
  /// NotFound("lake_object_not_found"), Conflict("lake_integrity") naming the key on a
  /// mismatch or a missing hash, and the errors above.
  virtual std::string get(const std::string& key) = 0;

  /// True if an object is stored under `key`. Throws InvalidInput or Unavailable.
  virtual bool exists(const std::string& key) = 0;

  /// Every object whose key starts with `prefix` ("" lists all), sorted by key, with the
  /// recorded hashes (not re-read: use verify() for that). Pages internally. Throws
  /// InvalidInput("lake_bad_key") for a bad prefix, or Unavailable.
  virtual std::vector<ObjectInfo> list(const std::string& prefix) = 0;

  /// Deletes the object and its recorded hash; returns false if there was none. Admin
  /// tooling only: the application never deletes. Throws InvalidInput or Unavailable.
  virtual bool remove(const std::string& key) = 0;

  /// Re-reads the object and re-hashes it; returns its info if it matches the recorded
  /// sha256. Throws like get().
  virtual ObjectInfo verify(const std::string& key) = 0;

  /// Creates the storage itself (the directory of a file lake, the container of an Azure
  /// lake); returns false if it already existed. Never implicit, so a typo in a URL is an
  /// error rather than a new, empty lake. Throws Unavailable.
  virtual bool create_container() = 0;

  /// The lake's URL with every secret removed, for logs and messages.
  virtual std::string display_url() const = 0;
};

/// Reads one environment variable; std::nullopt if unset or empty.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

/// Opens a lake from a URL (docs/LAKE.md):
///   file://DIR                                   a directory (absolute or relative path)
///   azure://ACCOUNT/CONTAINER[?endpoint=URL&block_size=BYTES&page_size=N&retries=N]
/// Azure credentials come from AZURE_STORAGE_KEY (Shared Key), AZURE_STORAGE_SAS, or
/// AZURE_STORAGE_CONNECTION_STRING, looked up through `env` (the process environment by
/// default), first one set wins. Opening does no I/O. Throws InvalidInput("bad_lake_url")
/// naming the (redacted) URL and what is wrong with it.
std::unique_ptr<Lake> open_lake(const std::string& url, const EnvLookup& env = {});

/// Throws InvalidInput("lake_bad_key") naming `key` unless it follows the key rules.
void validate_key(std::string_view key);

/// Like validate_key() but for list() prefixes: may be empty and may end with '/' or part of
/// a segment.
void validate_prefix(std::string_view prefix);

}  // namespace risklab::lake
