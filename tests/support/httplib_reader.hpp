#pragma once

// httplib's own reading of a request's bytes, to check a parser of ours against it
// (web::detail::parse_simple_request, which must read every request it accepts as httplib
// does): tests/web/http_engine_test.cpp and fuzz/http_direct_fuzzer.cpp. Header-only, so the
// fuzz target needs no test library.

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "web/detail/exchange_stream.hpp"
#include "web/detail/http_framing.hpp"

namespace risklab::test {

struct HttplibReading {
  bool handled = false;  ///< the request reached a handler (httplib accepted it)
  httplib::Request request;
  bool connection_closed = false;  ///< httplib would close the connection after it
};

namespace httplib_reader_detail {

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
    static const std::string remote_ip = "127.0.0.1";
    static const std::string local_ip = "127.0.0.1";
    web::detail::ExchangeStream stream(bytes, remote_ip, 40000, local_ip, 8080);
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
