#include "store/detail/wal_write_coalescing.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <new>
#include <stdexcept>
#include <vector>

namespace risklab::store::detail {
namespace {

constexpr std::size_t kFrameHeaderBytes = 24;               // WAL file format
constexpr std::size_t kMaxGathered = std::size_t{4} << 20;  // flushed beyond this
// The platform VFS writes at most 128 KiB - 1 bytes a call (os_unix.c, seekAndWriteFd).
constexpr std::size_t kMaxSystemWrite = std::size_t{120} << 10;

sqlite3_vfs* g_base = nullptr;  // the platform's VFS, which does the I/O
sqlite3_vfs g_vfs{};            // this layer, registered as the default

std::atomic<std::uint64_t> g_writes_gathered{0};
std::atomic<std::uint64_t> g_system_writes{0};
std::atomic<std::uint64_t> g_barrier_flushes{0};

// Frames appended to a WAL and not yet written: one contiguous range of the file.
struct Gathered {
  std::vector<char> bytes;
  sqlite3_int64 offset = 0;
  bool flush_after_next_write = false;  // the commit frame's header is in; its page is next
  sqlite3_int64 lone_commit_page = -1;  // where the page of a commit frame written alone goes
};

// One open file: `base` is the platform VFS's file object, in the same allocation, after this.
struct File {
  sqlite3_file io;        // first: SQLite sees a File as a sqlite3_file
  sqlite3_file* base;     // the platform's file
  Gathered* wal;          // a WAL file's gathered frames, else null
  File* wal_of_database;  // a main database file's WAL, while open (same connection)
  File* database;         // a WAL file's main database file
};

sqlite3_file* base_of(sqlite3_file* file) { return reinterpret_cast<File*>(file)->base; }

// Writes what `file` (a WAL) has gathered, in one call.
int flush(File& file) {
  Gathered& g = *file.wal;
  g.flush_after_next_write = false;
  if (g.bytes.empty()) return SQLITE_OK;
  int rc = SQLITE_OK;
  for (std::size_t done = 0; done < g.bytes.size() && rc == SQLITE_OK;) {
    const std::size_t n = std::min(kMaxSystemWrite, g.bytes.size() - done);
    rc = file.base->pMethods->xWrite(file.base, g.bytes.data() + done, static_cast<int>(n),
                                     g.offset + static_cast<sqlite3_int64>(done));
    g_system_writes.fetch_add(1, std::memory_order_relaxed);
    done += n;
  }
  g.bytes.clear();
  return rc;
}

int flush_if_wal(sqlite3_file* file) {
  File& f = *reinterpret_cast<File*>(file);
  return f.wal != nullptr ? flush(f) : SQLITE_OK;
}

// A frame header whose "database size after commit" (bytes 4-7) is not zero ends a transaction.
bool is_commit_frame_header(const void* data, int amount) {
  if (amount != static_cast<int>(kFrameHeaderBytes)) return false;
  const auto* bytes = static_cast<const unsigned char*>(data);
  return (bytes[4] | bytes[5] | bytes[6] | bytes[7]) != 0;
}

int wal_write(File& file, const void* data, int amount, sqlite3_int64 offset) {
  Gathered& g = *file.wal;
  g_writes_gathered.fetch_add(1, std::memory_order_relaxed);
  const sqlite3_int64 lone_commit_page = g.lone_commit_page;
  g.lone_commit_page = -1;
  if (!g.bytes.empty() && offset != g.offset + static_cast<sqlite3_int64>(g.bytes.size())) {
    if (const int rc = flush(file); rc != SQLITE_OK) return rc;
  }
  const bool commit_header = is_commit_frame_header(data, amount);
  if (g.bytes.empty() && (commit_header || offset == lone_commit_page)) {
    // A commit frame not following gathered frames (a one-frame transaction), then its page;
    // or a header rewritten in place (SQLite recomputing checksums), which no page follows.
    // Written as SQLite asks.
    if (commit_header) g.lone_commit_page = offset + amount;
    g_system_writes.fetch_add(1, std::memory_order_relaxed);
    return file.base->pMethods->xWrite(file.base, data, amount, offset);
  }
  if (g.bytes.empty()) g.offset = offset;
  const auto* bytes = static_cast<const char*>(data);
  g.bytes.insert(g.bytes.end(), bytes, bytes + amount);
  if (commit_header) {
    g.flush_after_next_write = true;
    return SQLITE_OK;
  }
  if (g.flush_after_next_write || g.bytes.size() >= kMaxGathered) return flush(file);
  return SQLITE_OK;
}

// The I/O methods: each hands the call to the platform's file; a WAL's gathered frames are
// written first unless the call is a write extending them.

int x_close(sqlite3_file* file) {
  File& f = *reinterpret_cast<File*>(file);
  int rc = SQLITE_OK;
  if (f.wal != nullptr) {
    rc = flush(f);
    if (f.database != nullptr && f.database->wal_of_database == &f) {
      f.database->wal_of_database = nullptr;
    }
    delete f.wal;
    f.wal = nullptr;
  }
  if (f.wal_of_database != nullptr) f.wal_of_database->database = nullptr;
  const int closed = f.base->pMethods->xClose(f.base);
  return rc != SQLITE_OK ? rc : closed;
}

int x_read(sqlite3_file* file, void* data, int amount, sqlite3_int64 offset) {
  if (const int rc = flush_if_wal(file); rc != SQLITE_OK) return rc;
  return base_of(file)->pMethods->xRead(base_of(file), data, amount, offset);
}

int x_write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
  File& f = *reinterpret_cast<File*>(file);
  if (f.wal != nullptr) return wal_write(f, data, amount, offset);
  return f.base->pMethods->xWrite(f.base, data, amount, offset);
}

int x_truncate(sqlite3_file* file, sqlite3_int64 size) {
  if (const int rc = flush_if_wal(file); rc != SQLITE_OK) return rc;
  return base_of(file)->pMethods->xTruncate(base_of(file), size);
}

int x_sync(sqlite3_file* file, int flags) {
  if (const int rc = flush_if_wal(file); rc != SQLITE_OK) return rc;
  return base_of(file)->pMethods->xSync(base_of(file), flags);
}

int x_file_size(sqlite3_file* file, sqlite3_int64* size) {
  if (const int rc = flush_if_wal(file); rc != SQLITE_OK) return rc;
  return base_of(file)->pMethods->xFileSize(base_of(file), size);
}

int x_lock(sqlite3_file* file, int level) {
  if (const int rc = flush_if_wal(file); rc != SQLITE_OK) return rc;
  return base_of(file)->pMethods->xLock(base_of(file), level);
}

int x_unlock(sqlite3_file* file, int level) {
  if (const int rc = flush_if_wal(file); rc != SQLITE_OK) return rc;
  return base_of(file)->pMethods->xUnlock(base_of(file), level);
}

int x_check_reserved_lock(sqlite3_file* file, int* out) {
  return base_of(file)->pMethods->xCheckReservedLock(base_of(file), out);
}

int x_file_control(sqlite3_file* file, int op, void* arg) {
  if (const int rc = flush_if_wal(file); rc != SQLITE_OK) return rc;
  return base_of(file)->pMethods->xFileControl(base_of(file), op, arg);
}

int x_sector_size(sqlite3_file* file) {
  return base_of(file)->pMethods->xSectorSize(base_of(file));
}

int x_device_characteristics(sqlite3_file* file) {
  return base_of(file)->pMethods->xDeviceCharacteristics(base_of(file));
}

int x_shm_map(sqlite3_file* file, int page, int page_size, int extend, void volatile** out) {
  return base_of(file)->pMethods->xShmMap(base_of(file), page, page_size, extend, out);
}

int x_shm_lock(sqlite3_file* file, int offset, int n, int flags) {
  return base_of(file)->pMethods->xShmLock(base_of(file), offset, n, flags);
}

// SQLite calls the barrier between the two copies of the WAL index header it writes to publish
// a transaction: the transaction's frames must be in the file by then. They always are (the
// commit frame's page flushes them, wal_write); should SQLite ever publish otherwise, they are
// written here, and since a barrier cannot fail, a failed write stops the process before the
// transaction becomes visible (recovery then drops the incomplete transaction).
void x_shm_barrier(sqlite3_file* file) {
  File& f = *reinterpret_cast<File*>(file);
  if (f.wal_of_database != nullptr && !f.wal_of_database->wal->bytes.empty()) {
    g_barrier_flushes.fetch_add(1, std::memory_order_relaxed);
    if (flush(*f.wal_of_database) != SQLITE_OK) {
      std::fputs("risklab: writing a SQLite WAL failed before its commit was published; stopping\n",
                 stderr);
      std::abort();
    }
  }
  f.base->pMethods->xShmBarrier(f.base);
}

int x_shm_unmap(sqlite3_file* file, int delete_flag) {
  return base_of(file)->pMethods->xShmUnmap(base_of(file), delete_flag);
}

int x_fetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** out) {
  if (const int rc = flush_if_wal(file); rc != SQLITE_OK) return rc;
  return base_of(file)->pMethods->xFetch(base_of(file), offset, amount, out);
}

int x_unfetch(sqlite3_file* file, sqlite3_int64 offset, void* page) {
  return base_of(file)->pMethods->xUnfetch(base_of(file), offset, page);
}

// One method table per version the platform's files report (SQLite calls only what it says).
const sqlite3_io_methods* methods_for(int version) {
  static const std::array<sqlite3_io_methods, 4> tables = [] {
    std::array<sqlite3_io_methods, 4> all{};
    for (int v = 0; v < 4; ++v) {
      all[static_cast<std::size_t>(v)] = sqlite3_io_methods{v,
                                                            x_close,
                                                            x_read,
                                                            x_write,
                                                            x_truncate,
                                                            x_sync,
                                                            x_file_size,
                                                            x_lock,
                                                            x_unlock,
                                                            x_check_reserved_lock,
                                                            x_file_control,
                                                            x_sector_size,
                                                            x_device_characteristics,
                                                            x_shm_map,
                                                            x_shm_lock,
                                                            x_shm_barrier,
                                                            x_shm_unmap,
                                                            x_fetch,
                                                            x_unfetch};
    }
    return all;
  }();
  return &tables.at(static_cast<std::size_t>(version < 0 ? 0 : version > 3 ? 3 : version));
}

constexpr std::size_t kBaseOffset = (sizeof(File) + 15) / 16 * 16;

int x_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  auto* f = reinterpret_cast<File*>(file);
  f->io.pMethods = nullptr;
  f->base = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + kBaseOffset);
  f->wal = nullptr;
  f->wal_of_database = nullptr;
  f->database = nullptr;
  const int rc = g_base->xOpen(g_base, name, f->base, flags, out_flags);
  // SQLite calls xClose on a file whose pMethods is set, even if opening failed.
  if (f->base->pMethods == nullptr) return rc;
  f->io.pMethods = methods_for(f->base->pMethods->iVersion);
  if (rc == SQLITE_OK && (flags & SQLITE_OPEN_WAL) != 0) {
    f->wal = new (std::nothrow) Gathered;
    if (f->wal == nullptr) return SQLITE_NOMEM;
    // The WAL's connection writes its frames and publishes them through the main database file
    // it belongs to (x_shm_barrier).
    sqlite3_file* database = sqlite3_database_file_object(name);
    if (database != nullptr && database->pMethods != nullptr &&
        database->pMethods->xShmBarrier == x_shm_barrier) {
      f->database = reinterpret_cast<File*>(database);
      f->database->wal_of_database = f;
    }
  }
  return rc;
}

int x_delete(sqlite3_vfs*, const char* name, int sync_dir) {
  return g_base->xDelete(g_base, name, sync_dir);
}
int x_access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return g_base->xAccess(g_base, name, flags, out);
}
int x_full_pathname(sqlite3_vfs*, const char* name, int size, char* out) {
  return g_base->xFullPathname(g_base, name, size, out);
}
void* x_dl_open(sqlite3_vfs*, const char* name) { return g_base->xDlOpen(g_base, name); }
void x_dl_error(sqlite3_vfs*, int size, char* out) { g_base->xDlError(g_base, size, out); }
void (*x_dl_sym(sqlite3_vfs*, void* handle, const char* symbol))(void) {
  return g_base->xDlSym(g_base, handle, symbol);
}
void x_dl_close(sqlite3_vfs*, void* handle) { g_base->xDlClose(g_base, handle); }
int x_randomness(sqlite3_vfs*, int size, char* out) {
  return g_base->xRandomness(g_base, size, out);
}
int x_sleep(sqlite3_vfs*, int microseconds) { return g_base->xSleep(g_base, microseconds); }
int x_current_time(sqlite3_vfs*, double* out) { return g_base->xCurrentTime(g_base, out); }
int x_get_last_error(sqlite3_vfs*, int size, char* out) {
  return g_base->xGetLastError(g_base, size, out);
}
int x_current_time_int64(sqlite3_vfs*, sqlite3_int64* out) {
  return g_base->xCurrentTimeInt64(g_base, out);
}
int x_set_system_call(sqlite3_vfs*, const char* name, sqlite3_syscall_ptr call) {
  return g_base->xSetSystemCall(g_base, name, call);
}
sqlite3_syscall_ptr x_get_system_call(sqlite3_vfs*, const char* name) {
  return g_base->xGetSystemCall(g_base, name);
}
const char* x_next_system_call(sqlite3_vfs*, const char* name) {
  return g_base->xNextSystemCall(g_base, name);
}

}  // namespace

void install_wal_write_coalescing() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sqlite3_initialize() != SQLITE_OK) throw std::runtime_error("SQLite failed to initialise");
    g_base = sqlite3_vfs_find(nullptr);
    if (g_base == nullptr) throw std::runtime_error("SQLite has no default VFS");
    g_vfs.iVersion = g_base->iVersion < 3 ? g_base->iVersion : 3;
    g_vfs.szOsFile = static_cast<int>(kBaseOffset) + g_base->szOsFile;
    g_vfs.mxPathname = g_base->mxPathname;
    g_vfs.zName = "risklab-wal-gather";
    g_vfs.xOpen = x_open;
    g_vfs.xDelete = x_delete;
    g_vfs.xAccess = x_access;
    g_vfs.xFullPathname = x_full_pathname;
    g_vfs.xDlOpen = g_base->xDlOpen != nullptr ? x_dl_open : nullptr;
    g_vfs.xDlError = g_base->xDlError != nullptr ? x_dl_error : nullptr;
    g_vfs.xDlSym = g_base->xDlSym != nullptr ? x_dl_sym : nullptr;
    g_vfs.xDlClose = g_base->xDlClose != nullptr ? x_dl_close : nullptr;
    g_vfs.xRandomness = x_randomness;
    g_vfs.xSleep = x_sleep;
    g_vfs.xCurrentTime = x_current_time;
    g_vfs.xGetLastError = x_get_last_error;
    if (g_vfs.iVersion >= 2) g_vfs.xCurrentTimeInt64 = x_current_time_int64;
    if (g_vfs.iVersion >= 3) {
      g_vfs.xSetSystemCall = x_set_system_call;
      g_vfs.xGetSystemCall = x_get_system_call;
      g_vfs.xNextSystemCall = x_next_system_call;
    }
    if (sqlite3_vfs_register(&g_vfs, 1) != SQLITE_OK) {
      throw std::runtime_error("SQLite refused the WAL write-gathering VFS");
    }
  });
}

WalWriteStats wal_write_stats() {
  return {g_writes_gathered.load(), g_system_writes.load(), g_barrier_flushes.load()};
}

}  // namespace risklab::store::detail
