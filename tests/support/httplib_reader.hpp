#pragma once

// httplib's own reading of a request's bytes, to check a parser of ours against it
// (web::detail::parse_simple_request, which must read every request it accepts as httplib
// does): tests/web/http_engine_test.cpp and fuzz/http_direct_fuzzer.cpp. Header-only, so the
// fuzz target needs no test library.

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "web/detail/http_framing.hpp"

namespace risklab::test {

struct HttplibReading {
  bool handled = false;  ///< the request reached a handler (httplib accepted it)
  httplib::Request request;
  bool connection_closed = false;  ///< httplib would close the connection after it
};

namespace httplib_reader_detail {

// The request's bytes to read; what httplib writes back is dropped.
class BytesStream final : public httplib::Stream {
 public:
  explicit BytesStream(std::string_view in) : in_(in) {}
  bool is_readable() const override { return pos_ < in_.size(); }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, size_t size) override {
    const std::size_t n = std::min(size, in_.size() - pos_);
    std::memcpy(ptr, in_.data() + pos_, n);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char*, size_t size) override { return static_cast<ssize_t>(size); }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 40000;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 8080;
  }
  socket_t socket() const override { return INVALID_SOCKET; }

 private:
  std::string_view in_;
  std::size_t pos_ = 0;
};

// A server whose every route keeps the request it is given.
class Reader final : public httplib::Server {
 public:
  Reader() {
    const auto keep = [this](const httplib::Request& req, httplib::Response&) {
      reading_.handled = true;
      reading_.request = req;
    };
    Get(".*", keep);
    Post(".*", keep);
    Put(".*", keep);
    Patch(".*", keep);
    Delete(".*", keep);
    Options(".*", keep);
  }

  HttplibReading read(std::string_view bytes) {
    reading_ = HttplibReading{};
    BytesStream stream(bytes);
    bool closed = false;
    process_request(stream, false, closed, nullptr);
    reading_.connection_closed = closed;
    return std::move(reading_);
  }

 private:
  HttplibReading reading_;
};

inline std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace httplib_reader_detail

/// How httplib reads `bytes` (one complete request). Not thread-safe.
inline HttplibReading read_with_httplib(std::string_view bytes) {
  static httplib_reader_detail::Reader reader;
  return reader.read(bytes);
}

/// Header fields as (lower-case name, value), in the order get_header_value() sees them
/// (httplib's case-insensitive multimap: by name, then as received); without the
/// REMOTE_ADDR-style fields httplib adds itself (after any the client sent of the same names).
using HeaderList = std::vector<std::pair<std::string, std::string>>;

inline HeaderList headers_of(const httplib::Request& req) {
  HeaderList out;
  for (const auto& [name, value] : req.headers)
    out.emplace_back(httplib_reader_detail::lower(name), value);
  for (const auto& added : HeaderList{{"remote_addr", "127.0.0.1"},
                                      {"remote_port", "40000"},
                                      {"local_addr", "127.0.0.1"},
                                      {"local_port", "8080"}}) {
    const auto last = std::find(out.rbegin(), out.rend(), added);
    if (last != out.rend()) out.erase(std::next(last).base());
  }
  return out;
}

inline HeaderList headers_of(const web::detail::SimpleRequest& req) {
  HeaderList out;
  for (const auto& [name, value] : req.headers)
    out.emplace_back(httplib_reader_detail::lower(name), std::string(value));
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

}  // namespace risklab::test
