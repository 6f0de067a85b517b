#include "web/detail/score_body.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <set>
#include <string_view>

#include "core/error.hpp"
#include "core/utf8.hpp"

namespace risklab::web::detail {
namespace {

constexpr std::size_t kMaxTopK = 50;

// Collects a body's SAX events (from nlohmann's parser or from PlainJson below) into what
// score_input() needs: the four members it reads, the features as a map, the non-numeric
// feature names. finish() then checks them exactly as score_input() does, in the same order
// (the whole body is parsed before anything is checked; duplicate keys: the last one counts).
class ScoreBodyReader {
 public:
  using number_integer_t = nlohmann::json::number_integer_t;
  using number_unsigned_t = nlohmann::json::number_unsigned_t;
  using number_float_t = nlohmann::json::number_float_t;
  using string_t = nlohmann::json::string_t;
  using binary_t = nlohmann::json::binary_t;

  // After a successful parse.
  service::ScoreInput finish() {
    if (!root_is_object_)
      throw core::InvalidInput("bad_json", "request body must be a JSON object");
    service::ScoreInput input;
    if (top_k_.present) {
      if (top_k_.kind != Kind::unsigned_integer || top_k_.unsigned_value > kMaxTopK) {
        throw core::InvalidInput("bad_top_k", "'top_k' must be an integer from 0 to 50");
      }
      input.top_k = static_cast<std::size_t>(top_k_.unsigned_value);
    }
    if (company_.present) {
      if (company_.kind != Kind::string)
        throw core::InvalidInput("bad_company", "'company' must be a string");
      input.company = std::move(company_.text);
    }
    if (statement_id_.present == features_.present) {
      throw core::InvalidInput("bad_request", "send exactly one of 'statement_id' or 'features'");
    }
    if (statement_id_.present) {
      if (statement_id_.kind == Kind::integer) {
        input.statement_id = statement_id_.integer;
      } else if (statement_id_.kind == Kind::unsigned_integer) {
        input.statement_id = static_cast<long long>(statement_id_.unsigned_value);
      } else {
        throw core::InvalidInput("bad_statement_id", "'statement_id' must be an integer");
      }
      return input;
    }
    if (features_.kind != Kind::object) {
      throw core::InvalidInput("bad_features", "'features' must be an object of name: number");
    }
    if (!not_numeric_.empty()) {
      throw core::InvalidInput("feature_not_numeric",
                               "feature '" + *not_numeric_.begin() + "' is not a number");
    }
    input.features = std::move(feature_values_);
    return input;
  }

  // The SAX events.
  bool null() { return value(Kind::null); }
  bool boolean(bool) { return value(Kind::boolean); }
  bool number_integer(number_integer_t v) {
    integer_ = v;
    return value(Kind::integer);
  }
  bool number_unsigned(number_unsigned_t v) {
    unsigned_ = v;
    return value(Kind::unsigned_integer);
  }
  bool number_float(number_float_t v, const string_t&) {
    float_ = v;
    return value(Kind::floating);
  }
  bool string(string_t& v) {
    string_ = &v;
    return value(Kind::string);
  }
  bool binary(binary_t&) { return value(Kind::string); }  // not produced by JSON text
  bool start_object(std::size_t) { return open(Kind::object); }
  bool start_array(std::size_t) { return open(Kind::array); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(string_t& name) {
    if (depth_ == 1) {
      member_ = name == "top_k"          ? &top_k_
                : name == "company"      ? &company_
                : name == "statement_id" ? &statement_id_
                : name == "features"     ? &features_
                                         : nullptr;
    } else if (depth_ == 2 && in_features_) {
      feature_ = name;
    }
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& error) {
    parse_error_ = error.what();
    return false;
  }
  const std::string& parse_error_message() const { return parse_error_; }

 private:
  enum class Kind { null, boolean, integer, unsigned_integer, floating, string, object, array };
  struct Member {
    bool present = false;
    Kind kind = Kind::null;
    long long integer = 0;
    std::uint64_t unsigned_value = 0;
    std::string text;
  };

  // A scalar, at whatever depth.
  bool value(Kind kind) {
    if (depth_ == 0) {
      root_is_object_ = false;
    } else if (depth_ == 1) {
      set_member(kind);
    } else if (depth_ == 2 && in_features_) {
      if (kind == Kind::null) {
        set_feature(std::nullopt);
      } else if (kind == Kind::integer) {
        set_feature(static_cast<double>(integer_));
      } else if (kind == Kind::unsigned_integer) {
        set_feature(static_cast<double>(unsigned_));
      } else if (kind == Kind::floating) {
        set_feature(float_);
      } else {
        set_not_numeric();
      }
    }
    return true;
  }

  bool open(Kind kind) {
    if (depth_ == 0) {
      root_is_object_ = kind == Kind::object;
    } else if (depth_ == 1) {
      set_member(kind);
      if (member_ == &features_ && kind == Kind::object) {
        in_features_ = true;
        feature_values_ = {};
        feature_values_.reserve(128);
        not_numeric_.clear();
      }
    } else if (depth_ == 2 && in_features_) {
      set_not_numeric();
    }
    ++depth_;
    return true;
  }

  bool close() {
    --depth_;
    if (depth_ == 1) in_features_ = false;
    return true;
  }

  void set_member(Kind kind) {
    if (!member_) return;
    member_->present = true;
    member_->kind = kind;
    if (kind == Kind::integer) member_->integer = integer_;
    if (kind == Kind::unsigned_integer) member_->unsigned_value = unsigned_;
    if (kind == Kind::string) member_->text = *string_;
  }
  // A later value for a name wins (in FeatureValues and here): a number after a non-number
  // clears the error, a non-number after a number is one.
  void set_feature(std::optional<double> v) {
    feature_values_.add(feature_, v);
    if (!not_numeric_.empty()) not_numeric_.erase(feature_);
  }
  void set_not_numeric() { not_numeric_.insert(feature_); }

  int depth_ = 0;
  bool root_is_object_ = false;
  bool in_features_ = false;
  Member* member_ = nullptr;
  Member top_k_, company_, statement_id_, features_;
  std::string feature_;
  service::FeatureValues feature_values_;
  std::set<std::string> not_numeric_;
  long long integer_ = 0;
  std::uint64_t unsigned_ = 0;
  double float_ = 0.0;
  string_t* string_ = nullptr;
  std::string parse_error_;
};

// Feeds a ScoreBodyReader the SAX events of a body written the way clients write it: objects,
// strings, numbers, true/false/null. nlohmann's lexer spends ~100 instructions per byte of a
// 4 KB body (it copies every character into two buffers and hands numbers to strtod); this
// reads the same text at a few per byte and converts numbers with std::from_chars, which
// rounds as correctly as strtod. Hand-written because no packaged JSON parser is faster here,
// and nlohmann stays the judge: at anything else (an array, an escaped surrogate pair, a
// number out of range, any syntax error) feed() returns false and the caller parses the body
// again with nlohmann, which also owns every error message. So this never decides that a body
// is invalid, and accepts only text that is valid JSON (tests/web/score_body_test.cpp).
class PlainJson {
 public:
  explicit PlainJson(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

  bool feed(ScoreBodyReader& sax) {
    skip_space();
    if (!value(sax, 0)) return false;
    skip_space();
    return p_ == end_;
  }

 private:
  static constexpr int kMaxDepth = 16;

  void skip_space() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  bool value(ScoreBodyReader& sax, int depth) {
    if (p_ == end_) return false;
    switch (*p_) {
      case '{':
        return object(sax, depth + 1);
      case '"':
        return string(scratch_) && sax.string(scratch_);
      case 't':
        return literal("true") && sax.boolean(true);
      case 'f':
        return literal("false") && sax.boolean(false);
      case 'n':
        return literal("null") && sax.null();
      default:
        return number(sax);
    }
  }

  bool object(ScoreBodyReader& sax, int depth) {
    if (depth > kMaxDepth) return false;
    ++p_;  // '{'
    sax.start_object(static_cast<std::size_t>(-1));
    skip_space();
    if (p_ != end_ && *p_ == '}') {
      ++p_;
      return sax.end_object();
    }
    while (true) {
      if (p_ == end_ || *p_ != '"' || !string(key_)) return false;
      sax.key(key_);
      skip_space();
      if (p_ == end_ || *p_ != ':') return false;
      ++p_;
      skip_space();
      if (!value(sax, depth)) return false;
      skip_space();
      if (p_ == end_) return false;
      if (*p_ == '}') {
        ++p_;
        return sax.end_object();
      }
      if (*p_ != ',') return false;
      ++p_;
      skip_space();
    }
  }

  // A string into `out`: printable characters, valid UTF-8 (the ranges nlohmann accepts), and
  // the escapes \" \\ \/ \b \f \n \r \t \uXXXX outside the surrogate range.
  bool string(std::string& out) {
    ++p_;  // '"'
    out.clear();
    while (true) {
      const char* run = p_;
      while (p_ != end_ && static_cast<unsigned char>(*p_) >= 0x20 &&
             static_cast<unsigned char>(*p_) < 0x80 && *p_ != '"' && *p_ != '\\') {
        ++p_;
      }
      out.append(run, p_);
      if (p_ == end_) return false;
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        ++p_;
        return true;
      }
      if (c < 0x20) return false;
      if (c == '\\') {
        if (!escape(out)) return false;
      } else if (!utf8(out)) {
        return false;
      }
    }
  }

  bool escape(std::string& out) {
    if (end_ - p_ < 2) return false;
    const char kind = p_[1];
    p_ += 2;
    switch (kind) {
      case '"':
      case '\\':
      case '/':
        out.push_back(kind);
        return true;
      case 'b':
        out.push_back('\b');
        return true;
      case 'f':
        out.push_back('\f');
        return true;
      case 'n':
        out.push_back('\n');
        return true;
      case 'r':
        out.push_back('\r');
        return true;
      case 't':
        out.push_back('\t');
        return true;
      case 'u':
        break;
      default:
        return false;
    }
    if (end_ - p_ < 4) return false;
    unsigned code = 0;
    const auto [end, ec] = std::from_chars(p_, p_ + 4, code, 16);
    if (ec != std::errc() || end != p_ + 4) return false;
    p_ += 4;
    if (code >= 0xD800 && code <= 0xDFFF) return false;  // surrogates: nlohmann's to pair up
    if (code < 0x80) {
      out.push_back(static_cast<char>(code));
    } else if (code < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (code >> 6)));
      out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xE0 | (code >> 12)));
      out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
    }
    return true;
  }

  // One UTF-8 sequence (RFC 3629: no overlongs, surrogates or code points past U+10FFFF).
  bool utf8(std::string& out) {
    const auto length = static_cast<std::ptrdiff_t>(
        core::utf8_sequence_length(std::string_view(p_, static_cast<std::size_t>(end_ - p_))));
    if (length == 0) return false;
    out.append(p_, p_ + length);
    p_ += length;
    return true;
  }

  bool literal(std::string_view word) {
    if (static_cast<std::size_t>(end_ - p_) < word.size() ||
        std::string_view(p_, word.size()) != word) {
      return false;
    }
    p_ += word.size();
    return true;
  }

  static bool digit(const char* p, const char* end) { return p != end && *p >= '0' && *p <= '9'; }

  // JSON's number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  bool number(ScoreBodyReader& sax) {
    const char* start = p_;
    const char* p = p_;
    if (p != end_ && *p == '-') ++p;
    if (!digit(p, end_)) return false;
    if (*p == '0') {
      ++p;
    } else {
      while (digit(p, end_)) ++p;
    }
    bool integer = true;
    if (p != end_ && *p == '.') {
      integer = false;
      ++p;
      if (!digit(p, end_)) return false;
      while (digit(p, end_)) ++p;
    }
    if (p != end_ && (*p == 'e' || *p == 'E')) {
      integer = false;
      ++p;
      if (p != end_ && (*p == '+' || *p == '-')) ++p;
      if (!digit(p, end_)) return false;
      while (digit(p, end_)) ++p;
    }
    p_ = p;
    // As nlohmann: an integer is signed if negative, else unsigned; one that does not fit
    // (which nlohmann reads as floating point) goes back to nlohmann.
    if (integer && *start == '-') {
      std::int64_t v = 0;
      const auto [end, ec] = std::from_chars(start, p, v);
      return ec == std::errc() && end == p && sax.number_integer(v);
    }
    if (integer) {
      std::uint64_t v = 0;
      const auto [end, ec] = std::from_chars(start, p, v);
      return ec == std::errc() && end == p && sax.number_unsigned(v);
    }
    double v = 0.0;
    const auto [end, ec] = std::from_chars(start, p, v);
    return ec == std::errc() && end == p && std::isfinite(v) && sax.number_float(v, empty_);
  }

  const char* p_;
  const char* end_;
  std::string scratch_;
  std::string key_;
  const std::string empty_;
};

}  // namespace

service::ScoreInput score_input(const nlohmann::json& body) {
  service::ScoreInput input;
  if (body.contains("top_k")) {
    if (!body["top_k"].is_number_unsigned() || body["top_k"].get<std::size_t>() > kMaxTopK) {
      throw core::InvalidInput("bad_top_k", "'top_k' must be an integer from 0 to 50");
    }
    input.top_k = body["top_k"].get<std::size_t>();
  }
  if (body.contains("company")) {
    if (!body["company"].is_string())
      throw core::InvalidInput("bad_company", "'company' must be a string");
    input.company = body["company"].get<std::string>();
  }
  const bool by_statement = body.contains("statement_id");
  const bool by_features = body.contains("features");
  if (by_statement == by_features) {
    throw core::InvalidInput("bad_request", "send exactly one of 'statement_id' or 'features'");
  }
  if (by_statement) {
    if (!body["statement_id"].is_number_integer()) {
      throw core::InvalidInput("bad_statement_id", "'statement_id' must be an integer");
    }
    input.statement_id = body["statement_id"].get<long long>();
    return input;
  }
  if (!body["features"].is_object()) {
    throw core::InvalidInput("bad_features", "'features' must be an object of name: number");
  }
  input.features.reserve(body["features"].size());
  for (const auto& [name, value] : body["features"].items()) {
    if (value.is_null()) {
      input.features.add(name, std::nullopt);
    } else if (value.is_number()) {
      input.features.add(name, value.get<double>());
    } else {
      throw core::InvalidInput("feature_not_numeric", "feature '" + name + "' is not a number");
    }
  }
  return input;
}

service::ScoreInput read_score_body(const std::string& body) {
  {
    ScoreBodyReader reader;
    if (PlainJson(body).feed(reader)) return reader.finish();
  }
  ScoreBodyReader reader;
  if (!nlohmann::json::sax_parse(body, &reader)) {
    throw core::InvalidInput("bad_json",
                             "request body is not valid JSON: " + reader.parse_error_message());
  }
  return reader.finish();
}

}  // namespace risklab::web::detail
