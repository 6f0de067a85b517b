// Fuzzes web::detail::frame_request, which decides where each request ends in the bytes a
// client sends (web/http_engine.hpp): the first thing hostile network input meets. The first
// byte picks small or default limits; the rest is the connection's buffered bytes. Beyond "no
// crash, no out-of-bounds read", it checks the promises the server relies on:
//   - a complete frame lies within the bytes and holds at least the request line and headers;
//   - where a request ends does not depend on the bytes after it (pipelining);
//   - no shorter prefix of a complete request is complete (nothing is handed on half-read);
//   - a frame longer than the limits allow is never "complete", and what is still
//     "incomplete" stays within them (the server buffers it).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "web/detail/http_framing.hpp"

namespace {

using risklab::web::detail::frame_request;
using risklab::web::detail::RequestFrame;

[[noreturn]] void fail(const char* why) {
  std::fprintf(stderr, "http_framing: %s\n", why);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool small = data[0] & 1;
  const std::size_t max_header = small ? 64 : 64 * 1024;
  const std::size_t max_body = small ? 16 : 8 * 1024 * 1024;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  const RequestFrame frame = frame_request(bytes, max_header, max_body);
  const auto headers_end = bytes.find("\r\n\r\n");
  switch (frame.state) {
    case RequestFrame::State::incomplete:
      // The server keeps buffering: that must stay bounded.
      if (bytes.size() > max_body + 2 * max_header + 2)
        fail("an over-long request is still incomplete");
      if (frame.length != 0) fail("a frame that is not ready has a length");
      return 0;
    case RequestFrame::State::headers_too_large:
      if (frame.length != 0) fail("a frame that is not ready has a length");
      return 0;
    case RequestFrame::State::without_body:
      if (headers_end == std::string_view::npos || frame.length != headers_end + 4) {
        fail("a refused body does not end the frame at the headers");
      }
      return 0;
    case RequestFrame::State::complete:
      break;
  }
  if (frame.length > bytes.size()) fail("a complete frame is longer than the bytes");
  if (headers_end == std::string_view::npos || frame.length < headers_end + 4) {
    fail("a complete frame ends inside the headers");
  }
  if (headers_end + 4 > max_header) fail("a complete frame has headers over the limit");
  if (frame.length - (headers_end + 4) > max_body + max_header)
    fail("a complete frame's body is over the limit");
  const std::string_view request = bytes.substr(0, frame.length);
  const RequestFrame alone = frame_request(request, max_header, max_body);
  if (alone.state != RequestFrame::State::complete || alone.length != frame.length) {
    fail("where a request ends depends on the bytes after it");
  }
  for (const std::size_t cut : {frame.length - 1, frame.length / 2, headers_end + 3}) {
    if (cut >= frame.length) continue;
    if (frame_request(request.substr(0, cut), max_header, max_body).state ==
        RequestFrame::State::complete) {
      fail("a prefix of a complete request is complete");
    }
  }
  return 0;
}
