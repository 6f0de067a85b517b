#include "web/detail/http_framing.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <optional>

namespace risklab::web::detail {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// The end of a chunked body that starts at `at`: nullopt while incomplete, `npos` when
// malformed, when its data exceed `max_body`, or when the whole of it (data, chunk size lines
// and trailers) exceeds `max_body + slack`, so that no client makes the server buffer without
// end.
std::optional<std::size_t> chunked_end(std::string_view buffered, std::size_t at,
                                       std::size_t max_body, std::size_t slack) {
  const std::size_t start = at;
  const auto over = [&](std::size_t end) { return end - start > max_body + slack; };
  std::size_t body = 0;
  while (true) {
    const auto line_end = buffered.find("\r\n", at);
    if (line_end == std::string_view::npos) {
      if (buffered.size() - at > 64 || over(buffered.size())) return std::string_view::npos;
      return std::nullopt;
    }
    std::string_view size_text = buffered.substr(at, line_end - at);
    size_text = trim(size_text.substr(0, size_text.find(';')));
    std::size_t size = 0;
    const auto [end, ec] =
        std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16);
    if (ec != std::errc() || end != size_text.data() + size_text.size() || size_text.empty()) {
      return std::string_view::npos;
    }
    at = line_end + 2;
    if (size == 0) {
      // Trailer fields, then an empty line.
      while (true) {
        const auto trailer_end = buffered.find("\r\n", at);
        if (over(trailer_end == std::string_view::npos ? buffered.size() : trailer_end + 2)) {
          return std::string_view::npos;
        }
        if (trailer_end == std::string_view::npos) return std::nullopt;
        const bool empty = trailer_end == at;
        at = trailer_end + 2;
        if (empty) return at;
      }
    }
    body += size;
    if (body > max_body || over(at + size)) return std::string_view::npos;
    if (buffered.size() < at + size + 2) return std::nullopt;
    if (buffered.substr(at + size, 2) != "\r\n") return std::string_view::npos;
    at += size + 2;
  }
}

}  // namespace

RequestFrame frame_request(std::string_view buffered, std::size_t max_header_bytes,
                           std::size_t max_body_bytes) {
  RequestFrame frame;
  const auto header_end = buffered.find("\r\n\r\n");
  if (header_end == std::string_view::npos || header_end + 4 > max_header_bytes) {
    if (buffered.size() >= max_header_bytes) frame.state = RequestFrame::State::headers_too_large;
    return frame;
  }
  const std::size_t headers = header_end + 4;
  std::optional<std::size_t> content_length;
  bool chunked = false;
  bool malformed = false;
  std::size_t at = buffered.find("\r\n");  // skip the request line
  while (at + 2 < headers) {
    const std::size_t start = at + 2;
    const std::size_t end = buffered.find("\r\n", start);
    const std::string_view line = buffered.substr(start, end - start);
    at = end;
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;  // httplib refuses it
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = trim(line.substr(colon + 1));
    if (iequals(name, "Content-Length")) {
      std::size_t length = 0;
      const auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
      if (ec != std::errc() || p != value.data() + value.size() ||
          (content_length && *content_length != length)) {
        malformed = true;
      } else {
        content_length = length;
      }
    } else if (iequals(name, "Transfer-Encoding")) {
      chunked = iequals(value, "chunked");
      if (!chunked) malformed = true;
    } else if (iequals(name, "Expect")) {
      frame.expects_continue = iequals(value, "100-continue");
    }
  }
  if (malformed || (chunked && content_length)) {
    frame.state = RequestFrame::State::without_body;  // headers only: httplib answers 400
    frame.length = headers;
    frame.expects_continue = false;
    return frame;
  }
  if (chunked) {
    const auto end = chunked_end(buffered, headers, max_body_bytes, max_header_bytes);
    if (!end) return frame;
    if (*end == std::string_view::npos) {
      frame.state = RequestFrame::State::without_body;
      frame.length = headers;
      frame.expects_continue = false;
      return frame;
    }
    frame.state = RequestFrame::State::complete;
    frame.length = *end;
    return frame;
  }
  const std::size_t body = content_length.value_or(0);
  if (body > max_body_bytes) {
    frame.state = RequestFrame::State::without_body;
    frame.length = headers;
    frame.expects_continue = false;
    return frame;
  }
  if (buffered.size() - headers < body) return frame;
  frame.state = RequestFrame::State::complete;
  frame.length = headers + body;
  return frame;
}

namespace {

// RFC 9110 token characters (header names, methods).
bool is_tchar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_path_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~' || c == '/';
}

// A field value's characters: visible ASCII, space, tab (no control characters, no bytes
// above 0x7e, whose reading could differ between parsers).
bool is_value_char(char c) { return c == '\t' || (c >= 0x20 && c < 0x7f); }

}  // namespace

std::optional<SimpleRequest> parse_simple_request(std::string_view request) {
  const auto headers_end = request.find("\r\n\r\n");
  if (headers_end == std::string_view::npos) return std::nullopt;
  SimpleRequest out;
  // Request line: METHOD SP path SP HTTP/1.1
  const auto line_end = request.find("\r\n");
  const std::string_view line = request.substr(0, line_end);
  const auto first_space = line.find(' ');
  const auto second_space = first_space == std::string_view::npos ? std::string_view::npos
                                                                  : line.find(' ', first_space + 1);
  if (second_space == std::string_view::npos) return std::nullopt;
  out.method = line.substr(0, first_space);
  out.path = line.substr(first_space + 1, second_space - first_space - 1);
  if (line.substr(second_space + 1) != "HTTP/1.1") return std::nullopt;
  // The methods whose body httplib reads (it ignores a GET's or a HEAD's, refuses unknown ones).
  constexpr std::array<std::string_view, 4> kMethods = {"POST", "PUT", "PATCH", "DELETE"};
  if (std::find(kMethods.begin(), kMethods.end(), out.method) == kMethods.end())
    return std::nullopt;
  if (out.path.empty() || out.path.size() > 2048 || out.path.front() != '/' ||
      !std::all_of(out.path.begin(), out.path.end(), is_path_char))
    return std::nullopt;
  // Header lines: a bare CR or LF in one (httplib splits lines on LF alone), a line without a
  // colon, or one over 8 KB is left to httplib.
  const std::string_view block = request.substr(line_end + 2, headers_end + 2 - (line_end + 2));
  std::optional<std::size_t> content_length;
  bool connection = false;
  std::size_t at = 0;
  while (at < block.size()) {
    const auto end = block.find("\r\n", at);
    const std::string_view field = block.substr(at, end - at);
    if (field.size() > 8192) return std::nullopt;
    at = end + 2;
    const auto colon = field.find(':');
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
    const std::string_view name = field.substr(0, colon);
    if (!std::all_of(name.begin(), name.end(), is_tchar)) return std::nullopt;
    const std::string_view raw = field.substr(colon + 1);
    if (!std::all_of(raw.begin(), raw.end(), is_value_char)) return std::nullopt;
    const std::string_view value = trim(raw);
    // httplib skips a field with an empty value and percent-decodes the others.
    if (value.empty() || value.find('%') != std::string_view::npos) return std::nullopt;
    if (iequals(name, "Transfer-Encoding") || iequals(name, "Expect") ||
        iequals(name, "Content-Encoding"))
      return std::nullopt;
    if (iequals(name, "Content-Length")) {
      std::size_t length = 0;
      const auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
      if (content_length || ec != std::errc() || p != value.data() + value.size())
        return std::nullopt;
      content_length = length;
    } else if (iequals(name, "Connection") && !connection) {
      connection = true;
      out.close = value == "close";  // httplib's reading: the first such field, this value
    }
    out.headers.emplace_back(name, value);
  }
  out.body = request.substr(headers_end + 4);
  if (!content_length || out.body.size() != *content_length) return std::nullopt;
  return out;
}

}  // namespace risklab::web::detail
