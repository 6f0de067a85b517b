#pragma once

#include <cstddef>
#include <deque>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/sha256.hpp"

namespace risklab::core {

/// One CSV record and the physical line it starts on (1-based; the header is line 1).
struct CsvRecord {
  std::size_t line = 0;
  std::vector<std::string> fields;
};

/// Streams an RFC 4180 file record by record (quoted fields, embedded commas, quotes and
/// newlines, CRLF or LF, a UTF-8 BOM). Fields are returned exactly as written: spaces are
/// kept so callers decide what to trim. Parsing is libcsv's (Debian libcsv-dev) in strict mode;
/// this class adds line tracking so that errors name the file and line.
class CsvReader {
 public:
  /// Opens `path`; throws InvalidInput("file_unreadable") if it cannot be read.
  explicit CsvReader(std::string path);
  ~CsvReader();
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  /// Reads the next record into `record`; false at the end of the file. Throws
  /// InvalidInput("csv_malformed", "FILE:LINE: ...") on a stray or unterminated quote.
  bool next(CsvRecord& record);

  const std::string& path() const { return path_; }
  /// Bytes consumed so far (for progress reporting).
  std::size_t bytes_read() const { return bytes_read_; }
  /// SHA-256 (hex) of the whole file; valid once next() has returned false.
  std::string sha256_hex();

 private:
  struct Parser;
  void fill();

  std::string path_;
  std::ifstream in_;
  std::unique_ptr<Parser> parser_;
  std::deque<CsvRecord> ready_;
  Sha256 hash_;
  std::string digest_;
  std::size_t bytes_read_ = 0;
  bool eof_ = false;
};

/// What a numeric CSV cell holds.
enum class CellKind { number, missing, invalid };

struct Cell {
  CellKind kind = CellKind::missing;
  double value = 0.0;
};

/// Parses a numeric cell: surrounding spaces are ignored; empty, "NA" and "?" are missing;
/// anything else must be a finite decimal number (so "inf", "nan" and "1,5" are invalid).
Cell parse_numeric_cell(std::string_view text);

/// `text` without leading and trailing ASCII spaces and tabs.
std::string_view trim(std::string_view text);

/// `text` as one RFC 4180 field: as is, or quoted (with quotes doubled) if it holds a comma,
/// a quote or a line break, or starts with a UTF-8 byte-order mark (which, first in a file,
/// CsvReader would drop as the file's BOM).
std::string csv_field(std::string_view text);

}  // namespace risklab::core
