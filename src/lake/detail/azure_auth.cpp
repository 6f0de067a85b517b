#include "lake/detail/azure_auth.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <vector>

#include "core/error.hpp"

namespace risklab::lake::detail {
namespace {

constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

std::tm utc(std::chrono::system_clock::time_point time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  return parts;
}

const unsigned char* bytes_of(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

std::string header(const SignedRequest& request, const std::string& name) {
  const auto it = request.headers.find(name);
  return it == request.headers.end() ? std::string{} : it->second;
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes_of(bytes),
                                     static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(length));
  return out;
}

std::string base64_decode(std::string_view text) {
  const auto invalid = [] {
    return core::InvalidInput("bad_lake_credentials", "the Azure account key is not valid base64");
  };
  if (text.empty() || text.size() % 4 != 0) throw invalid();
  for (std::size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    const bool padding = c == '=' && i + 2 >= text.size();
    if (!std::isalnum(c) && c != '+' && c != '/' && !padding) throw invalid();
  }
  std::string out(text.size() / 4 * 3, '\0');
  const int length = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes_of(text),
                                     static_cast<int>(text.size()));
  if (length < 0) throw invalid();
  // EVP_DecodeBlock counts the padding as zero bytes; drop them.
  std::size_t size = static_cast<std::size_t>(length);
  if (text.back() == '=') --size;
  if (text[text.size() - 2] == '=') --size;
  out.resize(size);
  return out;
}

std::string md5_binary(std::string_view bytes) {
  std::string out(16, '\0');
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), reinterpret_cast<unsigned char*>(out.data()), &length,
             EVP_md5(), nullptr);
  out.resize(length);
  return out;
}

std::string hmac_sha256(std::string_view key, std::string_view message) {
  std::string out(EVP_MAX_MD_SIZE, '\0');
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), bytes_of(message), message.size(),
       reinterpret_cast<unsigned char*>(out.data()), &length);
  out.resize(length);
  return out;
}

std::string url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0x0F]);
    }
  }
  return out;
}

std::string rfc1123(std::chrono::system_clock::time_point time) {
  const std::tm parts = utc(time);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%s, %02d %s %04d %02d:%02d:%02d GMT",
                kDays.at(static_cast<std::size_t>(parts.tm_wday)), parts.tm_mday,
                kMonths.at(static_cast<std::size_t>(parts.tm_mon)), parts.tm_year + 1900,
                parts.tm_hour, parts.tm_min, parts.tm_sec);
  return buffer;
}

bool parse_rfc1123(const std::string& text, std::chrono::system_clock::time_point& time) {
  char day[4] = {};
  char month[4] = {};
  std::tm parts{};
  // "Sun, 29 Nov 2026 08:04:50 GMT": the comma must be matched, or %d meets it and fails.
  if (std::sscanf(text.c_str(), "%3s, %d %3s %d %d:%d:%d GMT", day, &parts.tm_mday, month,
                  &parts.tm_year, &parts.tm_hour, &parts.tm_min, &parts.tm_sec) != 7) {
    return false;
  }
  parts.tm_mon = -1;
  for (std::size_t i = 0; i < kMonths.size(); ++i) {
    if (std::string_view(month) == kMonths[i]) parts.tm_mon = static_cast<int>(i);
  }
  if (parts.tm_mon < 0) return false;
  parts.tm_year -= 1900;
  time = std::chrono::system_clock::from_time_t(timegm(&parts));
  return true;
}

std::string iso8601(std::chrono::system_clock::time_point time) {
  const std::tm parts = utc(time);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02dZ", parts.tm_year + 1900,
                parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec);
  return buffer;
}

std::string shared_key_string_to_sign(const std::string& account, const SignedRequest& request) {
  std::string sts = request.method + "\n";
  sts += header(request, "content-encoding") + "\n";
  sts += header(request, "content-language") + "\n";
  sts += request.content_length + "\n";
  sts += header(request, "content-md5") + "\n";
  sts += header(request, "content-type") + "\n";
  sts += header(request, "date") + "\n";
  sts += header(request, "if-modified-since") + "\n";
  sts += header(request, "if-match") + "\n";
  sts += header(request, "if-none-match") + "\n";
  sts += header(request, "if-unmodified-since") + "\n";
  sts += header(request, "range") + "\n";
  // std::map keeps the x-ms-* headers sorted by (lowercase) name, as the canonical form wants.
  for (const auto& [name, value] : request.headers) {
    if (name.starts_with("x-ms-")) sts += name + ":" + value + "\n";
  }
  // With path-style (emulator) endpoints the path starts with the account again, so the
  // account appears twice here; that is what the service expects (INFRA.md section 4).
  sts += "/" + account + request.resource_path;
  for (const auto& [name, value] : request.query) sts += "\n" + name + ":" + value;
  return sts;
}

std::string shared_key_authorization(const std::string& account, const std::string& key,
                                     const SignedRequest& request) {
  const std::string signature =
      base64_encode(hmac_sha256(base64_decode(key), shared_key_string_to_sign(account, request)));
  return "SharedKey " + account + ":" + signature;
}

std::string make_container_sas(const std::string& account, const std::string& key,
                               const std::string& container, const std::string& permissions,
                               std::chrono::system_clock::time_point expiry) {
  const std::string start = iso8601(std::chrono::system_clock::now() - std::chrono::minutes(5));
  const std::string end = iso8601(expiry);
  const std::string version(kAzureApiVersion);
  const std::string protocol = "https,http";
  // signedIdentifier, signedIP, snapshot time, encryption scope and the five response-header
  // overrides stay empty but keep their lines: 16 lines for versions 2020-12-06 and later.
  const std::string sts = permissions + "\n" + start + "\n" + end + "\n/blob/" + account + "/" +
                          container + "\n\n\n" + protocol + "\n" + version + "\nc\n\n\n\n\n\n\n";
  const std::string signature = base64_encode(hmac_sha256(base64_decode(key), sts));
  return "sv=" + version + "&st=" + url_encode(start) + "&se=" + url_encode(end) +
         "&sr=c&sp=" + permissions + "&spr=" + url_encode(protocol) +
         "&sig=" + url_encode(signature);
}

std::map<std::string, std::string> parse_connection_string(std::string_view text) {
  std::map<std::string, std::string> fields;
  while (!text.empty()) {
    const auto semicolon = text.find(';');
    const std::string_view part = text.substr(0, semicolon);
    text = semicolon == std::string_view::npos ? std::string_view{} : text.substr(semicolon + 1);
    if (part.empty()) continue;
    const auto eq = part.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      throw core::InvalidInput("bad_lake_credentials",
                               "AZURE_STORAGE_CONNECTION_STRING is not a list of Name=value "
                               "pairs separated by ';'");
    }
    fields[std::string(part.substr(0, eq))] = std::string(part.substr(eq + 1));
  }
  return fields;
}

}  // namespace risklab::lake::detail
