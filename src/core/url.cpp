#include "core/url.hpp"

#include <algorithm>
#include <charconv>
#include <cctype>

#include "core/error.hpp"

namespace risklab::core {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_secret_query_key(std::string_view key) {
  return key == "sig" || key == "password" || key == "key";
}

std::string percent_decode_or_keep(std::string_view text);

// `text` with the password (from the first ':' of the user info to the last '@' before the
// path or query, as Url::parse reads it) and the values of secret query keys replaced by
// "***": errors quote the URL, never a secret.
std::string masked(std::string_view text) {
  const auto sep = text.find("://");
  const std::size_t start = sep == std::string_view::npos ? 0 : sep + 3;
  std::string_view authority = text.substr(start);
  authority = authority.substr(0, authority.find_first_of("?/"));
  std::string out(text);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    if (const auto colon = authority.substr(0, at).find(':'); colon != std::string_view::npos) {
      out = std::string(text.substr(0, start + colon + 1)) + "***" +
            std::string(text.substr(start + at));
    }
  }
  const auto q = out.find('?', start);
  if (q == std::string::npos) return out;
  std::string result = out.substr(0, q + 1);
  std::string_view query = std::string_view(out).substr(q + 1);
  while (true) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos &&
        is_secret_query_key(percent_decode_or_keep(pair.substr(0, eq)))) {
      result += std::string(pair.substr(0, eq)) + "=***";
    } else {
      result += pair;
    }
    if (amp == std::string_view::npos) break;
    result += '&';
    query = query.substr(amp + 1);
  }
  return result;
}

[[noreturn]] void bad_url(std::string_view text, const std::string& why) {
  throw InvalidInput("bad_url", "invalid URL '" + masked(text) + "': " + why);
}

}  // namespace

std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size() || hex_value(text[i + 1]) < 0 || hex_value(text[i + 2]) < 0) {
      throw InvalidInput("bad_url", "malformed percent escape in '" + std::string(text) + "'");
    }
    out.push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
    i += 2;
  }
  return out;
}

namespace {

std::string percent_decode_or_keep(std::string_view text) {
  try {
    return percent_decode(text);
  } catch (const InvalidInput&) {
    return std::string(text);
  }
}

}  // namespace

Url Url::parse(std::string_view text) {
  Url url;
  const auto sep = text.find("://");
  if (sep == std::string_view::npos || sep == 0) bad_url(text, "expected scheme://...");
  url.scheme = std::string(text.substr(0, sep));
  for (char c : url.scheme) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') {
      bad_url("(scheme) " + url.scheme, "scheme has invalid characters");
    }
  }
  std::transform(url.scheme.begin(), url.scheme.end(), url.scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string_view rest = text.substr(sep + 3);
  url.opaque = std::string(rest);
  // percent_decode() quotes what it cannot decode, which may be a secret: name the part.
  const auto decode = [text](std::string_view part, const char* what) {
    try {
      return percent_decode(part);
    } catch (const InvalidInput&) {
      bad_url(text, std::string("malformed percent escape in the ") + what);
    }
  };

  if (const auto q = rest.find('?'); q != std::string_view::npos) {
    std::string_view query = rest.substr(q + 1);
    rest = rest.substr(0, q);
    while (!query.empty()) {
      const auto amp = query.find('&');
      const std::string_view pair = query.substr(0, amp);
      query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
      if (pair.empty()) continue;
      const auto eq = pair.find('=');
      url.query[decode(pair.substr(0, eq), "query")] =
          eq == std::string_view::npos ? std::string{} : decode(pair.substr(eq + 1), "query");
    }
  }
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    url.path = decode(rest.substr(slash + 1), "path");
    rest = rest.substr(0, slash);
  }
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const auto colon = userinfo.find(':');
    url.user = decode(userinfo.substr(0, colon), "user name");
    if (colon != std::string_view::npos)
      url.password = decode(userinfo.substr(colon + 1), "password");
  }
  if (const auto colon = rest.rfind(':'); colon != std::string_view::npos) {
    const std::string_view port = rest.substr(colon + 1);
    int value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || value <= 0 ||
        value > 65535) {
      bad_url(text, "port '" + std::string(port) + "' is not a number between 1 and 65535");
    }
    url.port = value;
    rest = rest.substr(0, colon);
  }
  url.host = std::string(rest);
  return url;
}

std::string Url::redacted() const {
  std::string out = scheme + "://";
  if (!user.empty() || !password.empty()) {
    out += user;
    if (!password.empty()) out += ":***";
    out += "@";
  }
  // A file-like URL (sqlite://PATH) is shown as written; one with credentials never is, since
  // `opaque` holds them undecoded.
  if (user.empty() && password.empty() && host.empty() && !port && path.empty() && query.empty()) {
    return out + opaque;
  }
  out += host;
  if (port) out += ":" + std::to_string(*port);
  if (!path.empty()) out += "/" + path;
  char sep = '?';
  for (const auto& [key, value] : query) {
    const bool secret = is_secret_query_key(key);
    out += sep + key + "=" + (secret ? "***" : value);
    sep = '&';
  }
  return out;
}

}  // namespace risklab::core
