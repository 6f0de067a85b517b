#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace risklab::web::detail {

/// Whether `a` and `b` are equal ignoring ASCII case (header names).
bool iequals(std::string_view a, std::string_view b);

/// Where the first HTTP/1.1 request in a connection's buffered bytes ends, so the server can
/// hand cpp-httplib one whole request at a time (web/http_engine.hpp). Only framing: the
/// request line, headers and body are parsed, and refused, by httplib (or, for a plain request
/// to a direct route, by parse_simple_request below).
struct RequestFrame {
  enum class State {
    incomplete,         ///< read more bytes
    complete,           ///< `length` bytes hold one request
    headers_too_large,  ///< no header end within the limit: answer 431 and close
    without_body,       ///< the body is too large or its length malformed: the first `length`
                        ///< bytes (the headers) go to httplib, which answers 413 (too large) or
                        ///< 400, and the connection is closed
  };
  State state = State::incomplete;
  std::size_t length = 0;
  /// The headers are complete and carry "Expect: 100-continue" (the client waits for an
  /// interim 100 response before it sends the body).
  bool expects_continue = false;
};

/// Frames the request at the start of `buffered`: headers end at the first empty line (at most
/// `max_header_bytes`); the body is Content-Length bytes or a chunked body of at most
/// `max_body_bytes` of data, whose chunk size lines and trailers may add at most
/// `max_header_bytes`. A malformed length ends the request at its headers, for httplib to
/// refuse. So no request makes the server buffer more than max_body_bytes + 2 x max_header_bytes.
RequestFrame frame_request(std::string_view buffered, std::size_t max_header_bytes,
                           std::size_t max_body_bytes);

/// A request plain enough for HttpEngine to serve without httplib's parser (its direct routes):
/// views into the request's bytes.
struct SimpleRequest {
  std::string_view method;
  std::string_view path;
  std::vector<std::pair<std::string_view, std::string_view>> headers;  ///< name, trimmed value
  std::string_view body;
  bool close = false;  ///< "Connection: close", as httplib reads it
};

/// Parses a complete request (as frame_request() framed it) when it is plain: HTTP/1.1; POST,
/// PUT, PATCH or DELETE (the methods whose body httplib reads); a target that is a path of letters,
/// digits and - . _ ~ / only (no query, no percent escapes); header lines ending in CRLF with a
/// token name, a colon, and a non-empty value of visible characters, spaces and tabs without '%'
/// (httplib percent-decodes values); the body framed by exactly one Content-Length; no
/// Transfer-Encoding, Expect or Content-Encoding. Anything else is nullopt, for httplib to parse
/// (or refuse) as before: nothing this accepts would httplib read differently.
std::optional<SimpleRequest> parse_simple_request(std::string_view request);

}  // namespace risklab::web::detail
