// Fuzzes web::detail::parse_simple_request against httplib: the HTTP engine serves a plain
// request to a direct route (POST /api/v1/score among them) with its own reading of the bytes
// instead of httplib's (web/http_engine.hpp), so the two must never differ. For every complete
// request (frame_request) that parse_simple_request accepts, httplib must accept it too and
// read the same method, path, body, header fields (names, values, order of duplicates) and
// "Connection: close". Requests it refuses go to httplib as before, so they need no check.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "support/httplib_reader.hpp"
#include "web/detail/http_framing.hpp"

namespace {

[[noreturn]] void fail(const char* why, std::string_view request) {
  std::fprintf(stderr, "http_direct: %s\n%.*s\n", why, static_cast<int>(request.size()),
               request.data());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const auto frame = risklab::web::detail::frame_request(bytes, 64 * 1024, 1024 * 1024);
  if (frame.state != risklab::web::detail::RequestFrame::State::complete) return 0;
  const std::string_view request = bytes.substr(0, frame.length);
  const auto ours = risklab::web::detail::parse_simple_request(request);
  if (!ours) return 0;
  for (const std::string_view part : {ours->method, ours->path, ours->body}) {
    if (part.data() < request.data() || part.data() + part.size() > request.data() + request.size())
      fail("a view lies outside the request", request);
  }
  const auto theirs = risklab::test::read_with_httplib(request);
  if (!theirs.handled) fail("httplib refuses a request read as plain", request);
  if (ours->method != theirs.request.method) fail("the methods differ", request);
  if (ours->path != theirs.request.path) fail("the paths differ", request);
  if (ours->body != theirs.request.body) fail("the bodies differ", request);
  if (ours->close != theirs.connection_closed)
    fail("'Connection: close' is read differently", request);
  if (risklab::test::headers_of(*ours) != risklab::test::headers_of(theirs.request))
    fail("the header fields differ", request);
  return 0;
}
