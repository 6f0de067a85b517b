#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>

// Azure Storage authentication by hand: there is no Azure SDK package for Debian, so the Shared
// Key and SAS signatures are computed here with OpenSSL (HMAC-SHA256), following the REST docs
// ("Authorize with Shared Key", "Create a service SAS") and ../shared/INFRA.md section 4.
namespace risklab::lake::detail {

/// The x-ms-version every request sends and every SAS is signed for.
inline constexpr std::string_view kAzureApiVersion = "2021-08-06";

std::string base64_encode(std::string_view bytes);
/// Throws InvalidInput("bad_lake_credentials") if `text` is not valid base64.
std::string base64_decode(std::string_view text);
/// Binary (16-byte) MD5, as Azure's Content-MD5 carries it before base64.
std::string md5_binary(std::string_view bytes);
/// Binary (32-byte) HMAC-SHA256 of `message` under `key`.
std::string hmac_sha256(std::string_view key, std::string_view message);
/// Percent-encodes everything but RFC 3986 unreserved characters.
std::string url_encode(std::string_view text);

/// An RFC 1123 date in GMT ("Sun, 29 Nov 2026 08:04:50 GMT"), independent of the locale.
std::string rfc1123(std::chrono::system_clock::time_point time);
/// Parses an RFC 1123 date; false if it is not one.
bool parse_rfc1123(const std::string& text, std::chrono::system_clock::time_point& time);
/// An ISO 8601 UTC time with seconds ("2026-11-29T08:04:50Z"), the SAS time format.
std::string iso8601(std::chrono::system_clock::time_point time);

/// The parts of a request that a Shared Key signature covers. Header names are lowercase;
/// query values are decoded.
struct SignedRequest {
  std::string method;
  std::string resource_path;  ///< the URL path as sent, e.g. "/devstoreaccount1/c/k"
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> headers;
  std::string content_length;  ///< "" when there is no body or it is empty
};

/// The Shared Key string-to-sign for the Blob service (version 2015-02-21 and later).
std::string shared_key_string_to_sign(const std::string& account, const SignedRequest& request);

/// The value of the Authorization header: "SharedKey ACCOUNT:SIGNATURE". `key` is the
/// base64 account key as the portal shows it.
std::string shared_key_authorization(const std::string& account, const std::string& key,
                                     const SignedRequest& request);

/// A service SAS query string (without '?') for a whole container, signed with the account
/// key: `permissions` like "racwdl", valid from five minutes ago (clock skew) until `expiry`.
std::string make_container_sas(const std::string& account, const std::string& key,
                               const std::string& container, const std::string& permissions,
                               std::chrono::system_clock::time_point expiry);

/// The fields of an Azure Storage connection string ("Name=value;Name=value"), by name.
/// Values may contain '=' (keys and SAS do). Throws InvalidInput("bad_lake_credentials")
/// on a malformed string, without echoing it (it holds secrets).
std::map<std::string, std::string> parse_connection_string(std::string_view text);

}  // namespace risklab::lake::detail
