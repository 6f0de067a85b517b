#pragma once

#include <cstddef>
#include <string_view>

namespace risklab::web::detail {

/// Where the first HTTP/1.1 request in a connection's buffered bytes ends, so the server can
/// hand cpp-httplib one whole request at a time (web/http_engine.hpp). Only framing: the
/// request line, headers and body are parsed, and refused, by httplib.
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

}  // namespace risklab::web::detail
