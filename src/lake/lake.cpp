#include "lake/lake.hpp"

#include <cstdio>
#include <cstdlib>
#include <set>

#include "core/error.hpp"
#include "core/url.hpp"
#include "lake/azure_blob_lake.hpp"
#include "lake/detail/azure_auth.hpp"
#include "lake/file_lake.hpp"

namespace risklab::lake {
namespace {

constexpr std::size_t kMaxKeyLength = 1024;

bool key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-' || c == '=';
}

/// Checks the rules shared by keys and prefixes; `partial_last` lets the last segment be
/// empty (a prefix ending in '/').
void check_path(std::string_view text, const char* what, bool partial_last) {
  const auto bad = [&](const std::string& why) {
    return core::InvalidInput("lake_bad_key", std::string("invalid lake ") + what + " '" +
                                                  std::string(text) + "': " + why);
  };
  if (text.size() > kMaxKeyLength) {
    throw bad("longer than " + std::to_string(kMaxKeyLength) + " bytes");
  }
  if (text.starts_with('/')) throw bad("must not start with '/'");
  std::size_t start = 0;
  while (true) {
    const auto slash = text.find('/', start);
    const std::string_view segment = text.substr(start, slash - start);
    const bool last = slash == std::string_view::npos;
    if (segment.empty() && !(last && partial_last)) {
      throw bad(last ? "must not end with '/'" : "must not contain an empty segment ('//')");
    }
    if (segment.starts_with('.')) {
      throw bad(segment == ".." ? "must not contain '..'" : "segments must not start with '.'");
    }
    for (const char c : segment) {
      if (!key_char(c)) {
        const auto u = static_cast<unsigned char>(c);
        char shown[8];
        std::snprintf(shown, sizeof shown, (u >= 0x20 && u < 0x7f) ? "%c" : "\\x%02x", u);
        throw bad("character '" + std::string(shown) +
                  "' is not allowed (use A-Z a-z 0-9 . _ - = and /)");
      }
    }
    if (last) break;
    start = slash + 1;
  }
}

std::optional<std::string> process_env(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

/// The URL for messages: only the options we know are shown with their values.
std::string shown(const core::Url& url) {
  std::string out = url.scheme + "://" + url.host + (url.path.empty() ? "" : "/" + url.path);
  char separator = '?';
  for (const auto& [name, value] : url.query) {
    out += separator + name + "=" +
           (name == "endpoint" || name == "block_size" || name == "page_size" || name == "retries"
                ? value
                : "***");
    separator = '&';
  }
  return out;
}

template <class Int>
Int parse_number(const core::Url& url, const std::string& name, const std::string& text) {
  std::size_t used = 0;
  long long value = -1;
  try {
    value = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || value < 0) {
    throw core::InvalidInput("bad_lake_url", "invalid lake URL '" + shown(url) + "': " + name +
                                                 " must be a non-negative whole number");
  }
  return static_cast<Int>(value);
}

std::unique_ptr<Lake> open_azure(const std::string& text, const EnvLookup& env) {
  core::Url url;
  try {
    url = core::Url::parse(text);
  } catch (const core::InvalidInput&) {
    // Url::parse quotes the whole text, which may hold a SAS; name only its shape.
    throw core::InvalidInput("bad_lake_url",
                             "invalid lake URL: expected "
                             "azure://ACCOUNT/CONTAINER[?endpoint=URL]");
  }
  const auto bad = [&url](const std::string& why) {
    return core::InvalidInput("bad_lake_url", "invalid lake URL '" + shown(url) + "': " + why +
                                                  " (expected azure://ACCOUNT/CONTAINER"
                                                  "[?endpoint=URL])");
  };
  if (!url.user.empty() || !url.password.empty()) {
    throw bad(
        "credentials do not belong in the URL; set AZURE_STORAGE_KEY, "
        "AZURE_STORAGE_SAS or AZURE_STORAGE_CONNECTION_STRING");
  }
  if (url.port) throw bad("a port belongs in ?endpoint=");
  if (url.host.empty()) throw bad("no account");
  if (url.path.empty()) throw bad("no container");
  if (url.path.find('/') != std::string::npos) throw bad("the container must be one segment");

  AzureOptions options;
  options.account = url.host;
  options.container = url.path;
  for (const auto& [name, value] : url.query) {
    if (name == "endpoint") {
      options.endpoint = value;
    } else if (name == "block_size") {
      options.block_size = parse_number<std::size_t>(url, name, value);
    } else if (name == "page_size") {
      options.page_size = parse_number<int>(url, name, value);
    } else if (name == "retries") {
      options.retries = parse_number<int>(url, name, value);
    } else {
      throw bad("unknown option '" + name + "'");
    }
  }

  if (auto key = env("AZURE_STORAGE_KEY")) {
    options.account_key = *key;
  } else if (auto sas = env("AZURE_STORAGE_SAS")) {
    options.sas = *sas;
  } else if (auto connection = env("AZURE_STORAGE_CONNECTION_STRING")) {
    auto fields = detail::parse_connection_string(*connection);
    if (fields.contains("AccountName") && fields["AccountName"] != options.account) {
      throw core::InvalidInput("bad_lake_credentials",
                               "AZURE_STORAGE_CONNECTION_STRING is for account '" +
                                   fields["AccountName"] + "' but the lake URL names '" +
                                   options.account + "'");
    }
    options.account_key = fields["AccountKey"];
    if (options.account_key.empty()) options.sas = fields["SharedAccessSignature"];
    if (options.account_key.empty() && options.sas.empty()) {
      throw core::InvalidInput("bad_lake_credentials",
                               "AZURE_STORAGE_CONNECTION_STRING has neither AccountKey nor "
                               "SharedAccessSignature");
    }
    if (options.endpoint.empty() && fields.contains("BlobEndpoint")) {
      options.endpoint = fields["BlobEndpoint"];
    } else if (options.endpoint.empty() && fields.contains("EndpointSuffix")) {
      const std::string protocol = fields.contains("DefaultEndpointsProtocol")
                                       ? fields["DefaultEndpointsProtocol"]
                                       : std::string("https");
      options.endpoint = protocol + "://" + options.account + ".blob." + fields["EndpointSuffix"];
    }
  } else {
    throw core::InvalidInput("bad_lake_credentials",
                             "no credentials for lake '" + shown(url) +
                                 "': set AZURE_STORAGE_KEY, AZURE_STORAGE_SAS or "
                                 "AZURE_STORAGE_CONNECTION_STRING");
  }
  if (options.endpoint.empty()) {
    options.endpoint = "https://" + options.account + ".blob.core.windows.net";
  }
  // A fault-drill hook: pretend this machine's clock is off by this many seconds.
  if (auto skew = env("RISKLAB_LAKE_CLOCK_SKEW_SECONDS")) {
    std::size_t used = 0;
    long long seconds = 0;
    try {
      seconds = std::stoll(*skew, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != skew->size()) {
      throw core::InvalidInput("bad_lake_clock_skew",
                               "RISKLAB_LAKE_CLOCK_SKEW_SECONDS must be a whole number of seconds");
    }
    options.clock_skew = std::chrono::seconds(seconds);
  }
  return std::make_unique<AzureBlobLake>(std::move(options));
}

}  // namespace

void validate_key(std::string_view key) {
  if (key.empty()) {
    throw core::InvalidInput("lake_bad_key", "invalid lake key '': a key must not be empty");
  }
  check_path(key, "key", false);
}

void validate_prefix(std::string_view prefix) {
  if (!prefix.empty()) check_path(prefix, "prefix", true);
}

std::unique_ptr<Lake> open_lake(const std::string& url, const EnvLookup& env) {
  const EnvLookup lookup = env ? env : EnvLookup(process_env);
  const auto sep = url.find("://");
  const std::string scheme = sep == std::string::npos ? std::string{} : url.substr(0, sep);
  if (scheme == "file") {
    const std::string dir = url.substr(sep + 3);
    if (dir.empty() || dir.find_first_of("?#") != std::string::npos) {
      throw core::InvalidInput("bad_lake_url", "invalid lake URL '" + url +
                                                   "': expected file://DIR, e.g. "
                                                   "file:///var/lib/risklab/lake or file://lake");
    }
    return std::make_unique<FileLake>(dir);
  }
  if (scheme == "azure") return open_azure(url, lookup);
  // Do not echo a URL we cannot parse: it might carry a secret in a form we do not know.
  const std::string shown_scheme =
      scheme.empty() || scheme.size() > 16 ? std::string("(none)") : "'" + scheme + "'";
  throw core::InvalidInput("bad_lake_url", "invalid lake URL: scheme " + shown_scheme +
                                               " is not supported; use file://DIR or "
                                               "azure://ACCOUNT/CONTAINER[?endpoint=URL]");
}

}  // namespace risklab::lake
