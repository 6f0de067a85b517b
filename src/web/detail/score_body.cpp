#include "web/detail/score_body.hpp"

#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <set>
#include <string_view>
#include <utility>

#include "core/error.hpp"

namespace risklab::web::detail {
namespace {

constexpr std::size_t kMaxTopK = 50;

// Collects a body's SAX events (from nlohmann's parser or from SimdJsonFeed below) into what
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
  // nlohmann's number text is not passed on: its lexer writes the locale's decimal point.
  bool number_float(number_float_t v, const string_t&) { return number_float_text(v, {}); }
  // `text`: the number as the body wrote it, kept for the stored inputs (FeatureValues::add).
  bool number_float_text(number_float_t v, std::string_view text) {
    float_ = v;
    float_text_ = text;
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
  // nlohmann reuses `name`'s buffer for the next token: the name is kept here.
  bool key(string_t& name) {
    key_storage_ = name;
    return key_view(key_storage_);
  }
  // `name` must stay valid until the member's value has been read.
  bool key_view(std::string_view name) {
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
        set_feature(float_, float_text_);
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
  void set_feature(std::optional<double> v, std::string_view text = {}) {
    feature_values_.add(feature_, v, text);
    if (!not_numeric_.empty()) {
      if (const auto it = not_numeric_.find(feature_); it != not_numeric_.end())
        not_numeric_.erase(it);
    }
  }
  void set_not_numeric() { not_numeric_.emplace(feature_); }

  int depth_ = 0;
  bool root_is_object_ = false;
  bool in_features_ = false;
  Member* member_ = nullptr;
  Member top_k_, company_, statement_id_, features_;
  std::string_view feature_;  // the current member's name (see key_view)
  std::string key_storage_;
  service::FeatureValues feature_values_;
  std::set<std::string, std::less<>> not_numeric_;
  long long integer_ = 0;
  std::uint64_t unsigned_ = 0;
  double float_ = 0.0;
  std::string_view float_text_;  // valid during the number_float() call only
  string_t* string_ = nullptr;
  std::string parse_error_;
};

// Feeds a ScoreBodyReader the SAX events of a body parsed by simdjson's On Demand API (Debian
// libsimdjson-dev: the JSON grammar and UTF-8 checked at several bytes per instruction, numbers
// read without strtod). nlohmann's SAX parser spent ~100 instructions per byte of a 4 KB body;
// the hand-written reader this replaces ~25. nlohmann stays the judge: at anything else (an
// array, a number either library might read differently, nesting deeper than kMaxDepth, any
// error) feed() returns false and the caller parses the body again with nlohmann, which also
// owns every error message. So this never decides that a body is invalid, and accepts only
// text that is valid JSON (tests/web/score_body_test.cpp, fuzz/json_bodies_fuzzer.cpp).
class SimdJsonFeed {
 public:
  bool feed(std::string_view body, ScoreBodyReader& sax) {
    // A copy with the padding simdjson reads past the end, reused by this thread.
    thread_local std::string padded;
    padded.reserve(body.size() + simdjson::SIMDJSON_PADDING);
    padded.assign(body);
    thread_local simdjson::ondemand::parser parser;
    simdjson::ondemand::document document;
    if (parser
            .iterate(simdjson::padded_string_view(padded.data(), padded.size(), padded.capacity()))
            .get(document) != simdjson::SUCCESS) {
      return false;
    }
    simdjson::ondemand::object root;
    if (document.get_object().get(root) != simdjson::SUCCESS) return false;  // nlohmann says why
    // Nothing may follow the object: the document's location is then out of bounds.
    const char* location = nullptr;
    return object(root, sax, 1) &&
           document.current_location().get(location) == simdjson::OUT_OF_BOUNDS;
  }

 private:
  static constexpr int kMaxDepth = 16;
  using Value = simdjson::ondemand::value;

  bool object(simdjson::ondemand::object members, ScoreBodyReader& sax, int depth) {
    if (depth > kMaxDepth) return false;
    sax.start_object(static_cast<std::size_t>(-1));
    for (auto member : members) {
      simdjson::ondemand::field field;
      std::string_view key;
      if (std::move(member).get(field) != simdjson::SUCCESS ||
          field.unescaped_key().get(key) != simdjson::SUCCESS) {
        return false;
      }
      sax.key_view(key);  // in the parser's string buffer until the next document
      if (!value(field.value(), sax, depth)) return false;
    }
    return sax.end_object();
  }

  bool value(Value v, ScoreBodyReader& sax, int depth) {
    simdjson::ondemand::json_type type;
    if (v.type().get(type) != simdjson::SUCCESS) return false;
    switch (type) {
      case simdjson::ondemand::json_type::object: {
        simdjson::ondemand::object members;
        return v.get_object().get(members) == simdjson::SUCCESS && object(members, sax, depth + 1);
      }
      case simdjson::ondemand::json_type::string: {
        std::string_view text;
        if (v.get_string().get(text) != simdjson::SUCCESS) return false;
        scratch_.assign(text);
        return sax.string(scratch_);
      }
      case simdjson::ondemand::json_type::boolean: {
        bool flag = false;
        return v.get_bool().get(flag) == simdjson::SUCCESS && sax.boolean(flag);
      }
      case simdjson::ondemand::json_type::null: {
        bool null = false;
        return v.is_null().get(null) == simdjson::SUCCESS && null && sax.null();
      }
      case simdjson::ondemand::json_type::number:
        return number(v, sax);
      case simdjson::ondemand::json_type::array:
        return false;  // no member of a scoring body is an array: nlohmann's to refuse
    }
    return false;
  }

  // As nlohmann reads numbers: an integer literal is signed if negative, else unsigned; one that
  // does not fit (which nlohmann reads as floating point) goes back to nlohmann, as does a
  // floating-point literal that is out of range.
  bool number(Value v, ScoreBodyReader& sax) {
    std::string_view token = v.raw_json_token();
    while (!token.empty() && (token.back() == ' ' || token.back() == '\n' || token.back() == '\r' ||
                              token.back() == '\t')) {
      token.remove_suffix(1);
    }
    if (token.find_first_of(".eE") == std::string_view::npos) {
      if (token.front() == '-') {
        std::int64_t integer = 0;
        return v.get_int64().get(integer) == simdjson::SUCCESS && sax.number_integer(integer);
      }
      std::uint64_t integer = 0;
      return v.get_uint64().get(integer) == simdjson::SUCCESS && sax.number_unsigned(integer);
    }
    // simdjson checks the literal's grammar (std::from_chars alone would take "01.5" or ".5"),
    // but 3.0.1 rounds some literals of more than 19 digits differently from strtod (e.g.
    // 0.1000000000000000055511151231257827): those are read again by std::from_chars, which
    // rounds correctly, as nlohmann's strtod does.
    double real = 0.0;
    if (v.get_double().get(real) != simdjson::SUCCESS) return false;
    if (token.size() > 19) {
      const auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), real);
      if (ec != std::errc() || end != token.data() + token.size()) return false;
    }
    return std::isfinite(real) && real_is_exact(token, real) && sax.number_float_text(real, token);
  }

  // A literal below the smallest subnormal (1e-400) reads as 0: rather than rely on both
  // libraries underflowing alike, a 0 from a literal with a non-zero digit goes back to nlohmann.
  static bool real_is_exact(std::string_view token, double real) {
    if (real != 0.0) return true;
    const auto mantissa = token.substr(0, token.find_first_of("eE"));
    return mantissa.find_first_of("123456789") == std::string_view::npos;
  }

  std::string scratch_;
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
    if (SimdJsonFeed().feed(body, reader)) return reader.finish();
  }
  ScoreBodyReader reader;
  if (!nlohmann::json::sax_parse(body, &reader)) {
    throw core::InvalidInput("bad_json",
                             "request body is not valid JSON: " + reader.parse_error_message());
  }
  return reader.finish();
}

}  // namespace risklab::web::detail
