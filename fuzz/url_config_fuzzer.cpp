// Fuzzes what turns operator-supplied text into settings: core::Url::parse (--db, --lake,
// endpoints) and its redaction, open_lake() for both schemes with fake credentials in the
// environment, Azure connection strings, and the TOML config file (cli/config_file.cpp).
// The first byte picks the parser; the rest is the text. Beyond "no crash", it checks the
// one promise these parsers make about secrets: what they print never holds them.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/config_file.hpp"
#include "core/error.hpp"
#include "core/url.hpp"
#include "lake/detail/azure_auth.hpp"
#include "lake/lake.hpp"

namespace {

using risklab::core::InvalidInput;
using risklab::core::Url;

[[noreturn]] void leak(const char* what, const std::string& secret, const std::string& shown) {
  std::fprintf(stderr, "%s leaks the secret '%s': %s\n", what, secret.c_str(), shown.c_str());
  std::abort();
}

// `shown` must not contain `secret` unless the secret is also a substring of what may be shown
// anyway (then its presence proves nothing): `visible` plus the fixed punctuation.
void expect_hidden(const char* what, const std::string& secret, const std::string& visible,
                   const std::string& shown) {
  if (secret.empty()) return;
  // The wording of Url::parse's errors may hold a short secret by chance.
  const std::string fixed =
      "://***@:/?&= invalid URL '': expected scheme://... (scheme) scheme has invalid characters "
      "malformed percent escape in the path query user name password port '' is not a number "
      "between 1 and 65535 " +
      visible;
  if (fixed.find(secret) != std::string::npos) return;
  if (shown.find(secret) != std::string::npos) leak(what, secret, shown);
}

bool is_secret_query(const std::string& key) {
  return key == "sig" || key == "password" || key == "key";
}

// Where the secrets are in `text`, as Url::parse reads it: the password (from the first ':'
// of the user info to the last '@' before the path or query) and the values of secret query
// keys. Pairs of (offset, length).
std::vector<std::pair<std::size_t, std::size_t>> secret_spans(std::string_view text) {
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  const auto sep = text.find("://");
  if (sep == std::string_view::npos) return spans;
  const std::size_t start = sep + 3;
  std::string_view authority = text.substr(start);
  authority = authority.substr(0, authority.find_first_of("?/"));
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    if (const auto colon = authority.substr(0, at).find(':'); colon != std::string_view::npos) {
      spans.emplace_back(start + colon + 1, at - colon - 1);
    }
  }
  const auto q = text.find('?', start);
  if (q == std::string_view::npos) return spans;
  for (std::size_t begin = q + 1; begin <= text.size();) {
    const auto amp = text.find('&', begin);
    const std::size_t end = amp == std::string_view::npos ? text.size() : amp;
    const std::string_view pair = text.substr(begin, end - begin);
    if (const auto eq = pair.find('='); eq != std::string_view::npos) {
      std::string key(pair.substr(0, eq));
      try {
        key = risklab::core::percent_decode(key);
      } catch (const InvalidInput&) {
      }
      if (is_secret_query(key)) spans.emplace_back(begin + eq + 1, pair.size() - eq - 1);
    }
    begin = end + 1;
  }
  return spans;
}

std::string parse_error(std::string_view text) {
  try {
    (void)Url::parse(text);
  } catch (const InvalidInput& error) {
    return error.what();
  }
  return {};
}

void fuzz_url(std::string_view text) {
  Url url;
  try {
    url = Url::parse(text);
  } catch (const InvalidInput& error) {
    // An error must not depend on the secrets: other ones of the same shape (percent escapes
    // kept, so they stay valid or not) give the same message.
    std::string other(text);
    for (const auto& [begin, length] : secret_spans(text)) {
      for (std::size_t i = begin; i < begin + length; ++i) {
        if (!std::isxdigit(static_cast<unsigned char>(other[i])) && other[i] != '%') other[i] = 'Q';
      }
    }
    if (parse_error(other) != error.what())
      leak("Url::parse() error", std::string(text), error.what());
    return;
  }
  // redacted() must not depend on the secrets: other values give the same text.
  Url other = url;
  const auto change = [](std::string& secret) {
    if (!secret.empty()) secret = secret == "x" ? "y" : "x";
  };
  change(other.password);
  for (auto& [key, value] : other.query) {
    if (is_secret_query(key)) change(value);
  }
  const std::string shown = url.redacted();
  if (other.redacted() != shown) leak("Url::redacted()", url.password, shown);
}

// Fake credentials: distinctive so that a leak is unambiguous.
constexpr const char* kKey = "S2V5RnV6elNlY3JldEtleQ==";
constexpr const char* kSas = "sv=2022-11-02&sig=FuzzSasSignature";

// "URL\nCONNECTION-STRING": the URL as --lake, the environment as `which` says.
void fuzz_lake(std::string_view text, unsigned which) {
  const auto newline = text.find('\n');
  const std::string url(text.substr(0, newline));
  const std::string connection =
      newline == std::string_view::npos ? std::string{} : std::string(text.substr(newline + 1));
  const auto env = [&](const std::string& name) -> std::optional<std::string> {
    if (which == 0 && name == "AZURE_STORAGE_KEY") return kKey;
    if (which == 1 && name == "AZURE_STORAGE_SAS") return kSas;
    if (which == 2 && name == "AZURE_STORAGE_CONNECTION_STRING") return connection;
    return std::nullopt;
  };
  std::string shown;
  try {
    shown = risklab::lake::open_lake(url, env)->display_url();
  } catch (const risklab::core::Error& error) {
    shown = error.what();
  }
  const std::string visible = url + " " + connection;
  expect_hidden("open_lake() account key", kKey, visible, shown);
  expect_hidden("open_lake() SAS", "FuzzSasSignature", visible, shown);
}

std::string connection_string_error(std::string_view text) {
  try {
    (void)risklab::lake::detail::parse_connection_string(text);
  } catch (const InvalidInput& error) {
    return error.what();
  }
  return {};
}

void fuzz_connection_string(std::string_view text) {
  // The message must not echo the string (it holds the account key): it is one fixed text.
  static const std::string kFixed = connection_string_error("no pairs here");
  const std::string message = connection_string_error(text);
  if (!message.empty() && message != kFixed)
    leak("parse_connection_string()", std::string(text), message);
}

void fuzz_config(std::string_view text) {
  risklab::cli::GlobalOptions global;
  try {
    risklab::cli::apply_config(text, "fuzz.toml", global);
  } catch (const InvalidInput&) {
    return;
  }
  // What the commands do next with the values.
  fuzz_url(global.db_url);
  fuzz_lake(global.lake_url, 3);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 6) {
    case 0:
      fuzz_url(text);
      break;
    case 1:
    case 2:
    case 3:
      fuzz_lake(text, data[0] % 6 - 1U);
      break;
    case 4:
      fuzz_connection_string(text);
      break;
    default:
      fuzz_config(text);
      break;
  }
  return 0;
}
