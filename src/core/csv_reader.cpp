#include "core/csv_reader.hpp"

#include <csv.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

#include "core/error.hpp"

namespace risklab::core {
namespace {

constexpr std::size_t kChunkBytes = 1 << 16;

// libcsv trims spaces around unquoted fields by default; we keep them so that header names
// keep their original spelling.
int no_space(unsigned char) { return 0; }

}  // namespace

struct CsvReader::Parser {
  csv_parser csv{};
  std::deque<CsvRecord>* out = nullptr;
  CsvRecord current;
  std::size_t line = 1;          // physical line the parser has reached
  std::size_t record_line = 0;   // line the current record started on
  bool in_record = false;

  static void on_field(void* data, std::size_t len, void* self_ptr) {
    auto& self = *static_cast<Parser*>(self_ptr);
    if (!self.in_record) {
      self.in_record = true;
      self.record_line = self.line;
    }
    std::string_view text = data ? std::string_view(static_cast<const char*>(data), len)
                                 : std::string_view{};
    self.line += static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
    self.current.fields.emplace_back(text);
  }

  static void on_record(int terminator, void* self_ptr) {
    auto& self = *static_cast<Parser*>(self_ptr);
    if (self.in_record) {
      self.current.line = self.record_line;
      self.out->push_back(std::move(self.current));
      self.current = CsvRecord{};
      self.in_record = false;
    }
    // CSV_REPALL_NL reports every newline, also blank lines and the '\n' of "\r\n".
    if (terminator == '\n') ++self.line;
  }
};

CsvReader::CsvReader(std::string path)
    : path_(std::move(path)), in_(path_, std::ios::binary), parser_(std::make_unique<Parser>()) {
  if (!in_) {
    throw InvalidInput("file_unreadable", path_ + ": cannot open file for reading");
  }
  csv_init(&parser_->csv, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL);
  csv_set_space_func(&parser_->csv, no_space);
  parser_->out = &ready_;
}

CsvReader::~CsvReader() { csv_free(&parser_->csv); }

void CsvReader::fill() {
  std::array<char, kChunkBytes> buffer{};
  while (ready_.empty() && !eof_) {
    in_.read(buffer.data(), buffer.size());
    const auto got = static_cast<std::size_t>(in_.gcount());
    if (in_.bad()) throw InvalidInput("file_unreadable", path_ + ": read error");
    hash_.update(std::string_view(buffer.data(), got));
    std::string_view chunk(buffer.data(), got);
    if (bytes_read_ == 0 && chunk.starts_with("\xEF\xBB\xBF")) chunk.remove_prefix(3);
    bytes_read_ += got;
    if (!chunk.empty()) {
      const std::size_t parsed = csv_parse(&parser_->csv, chunk.data(), chunk.size(),
                                           Parser::on_field, Parser::on_record, parser_.get());
      if (parsed != chunk.size()) {
        // Callbacks have run for every field before the bad one, so the parser knows the line.
        const std::size_t where = parser_->in_record ? parser_->record_line : parser_->line;
        throw InvalidInput("csv_malformed", path_ + ":" + std::to_string(where) +
                                                ": malformed CSV (stray quote in a field)");
      }
    }
    if (got < buffer.size()) {
      eof_ = true;
      if (csv_fini(&parser_->csv, Parser::on_field, Parser::on_record, parser_.get()) != 0) {
        throw InvalidInput("csv_malformed",
                           path_ + ":" + std::to_string(parser_->in_record ? parser_->record_line
                                                                            : parser_->line) +
                               ": malformed CSV (a quoted field is never closed)");
      }
    }
  }
}

std::string CsvReader::sha256_hex() {
  if (!eof_ || !ready_.empty()) throw std::logic_error("CsvReader::sha256_hex before the end");
  if (digest_.empty()) digest_ = hash_.hex();
  return digest_;
}

bool CsvReader::next(CsvRecord& record) {
  if (ready_.empty()) fill();
  if (ready_.empty()) return false;
  record = std::move(ready_.front());
  ready_.pop_front();
  return true;
}

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

std::string csv_field(std::string_view text) {
  // A field that starts with a UTF-8 byte-order mark is quoted too: as the first field of a
  // file, unquoted, the reader would take the mark for the file's BOM and drop it.
  const bool plain = text.find_first_of(",\"\r\n") == std::string_view::npos;
  if (plain && !text.starts_with("\xEF\xBB\xBF")) return std::string(text);
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

Cell parse_numeric_cell(std::string_view text) {
  text = trim(text);
  if (text.empty() || text == "NA" || text == "?") return {CellKind::missing, 0.0};
  const char* begin = text.data();
  // from_chars rejects a leading '+', which some CSV writers emit.
  if (*begin == '+' && text.size() > 1 && text[1] != '-') ++begin;
  double value = 0.0;
  const auto [end, ec] = std::from_chars(begin, text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(value)) {
    return {CellKind::invalid, 0.0};
  }
  return {CellKind::number, value};
}

}  // namespace risklab::core
