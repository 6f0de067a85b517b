#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace risklab::core {

/// A parsed `scheme://[user[:password]@]host[:port][/path][?key=value&...]` URL, with the
/// user, password, path and query values percent-decoded. Used for --db and --lake.
struct Url {
  std::string scheme;    ///< lowercase, e.g. "mysql"
  std::string user;
  std::string password;
  std::string host;
  std::optional<int> port;
  std::string path;      ///< without the leading '/', e.g. "risklab"
  std::map<std::string, std::string> query;
  std::string opaque;    ///< everything after "scheme://", undecoded (for sqlite://PATH)

  /// Parses `text`; throws InvalidInput("bad_url", ...) naming what is wrong.
  static Url parse(std::string_view text);

  /// The URL with the password replaced by "***", safe for logs and error messages.
  std::string redacted() const;
};

/// Decodes %XX escapes; throws InvalidInput on a malformed escape.
std::string percent_decode(std::string_view text);

}  // namespace risklab::core
