#include "lake/azure_blob_lake.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <random>
#include <thread>

#include "core/error.hpp"
#include "core/sha256.hpp"
#include "core/url.hpp"
#include "lake/detail/azure_auth.hpp"
#include "lake/detail/blob_xml.hpp"
#include "lake/detail/http_client.hpp"

namespace risklab::lake {
namespace {

using detail::HttpResponse;

[[noreturn]] void bad_option(const std::string& why) {
  throw core::InvalidInput("bad_lake_url", "invalid Azure lake settings: " + why);
}

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// Azure accepts a Shared Key request dated up to 15 minutes away from its clock; a 403 with a
// larger gap between our x-ms-date and its Date header is clock skew, not a bad key.
constexpr auto kSkewTolerance = std::chrono::minutes(5);

bool retryable(long status) {
  return status == 408 || status == 429 || (status >= 500 && status <= 599);
}

std::string header(const HttpResponse& response, const std::string& name) {
  const auto it = response.headers.find(name);
  return it == response.headers.end() ? std::string{} : it->second;
}

/// Azure's error code: the x-ms-error-code header (also on HEAD), else the XML body's <Code>.
std::string error_code(const HttpResponse& response) {
  std::string code = header(response, "x-ms-error-code");
  if (code.empty()) code = detail::xml_text(response.body, "Code");
  return code;
}

std::string random_hex(std::size_t digits) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < digits; ++i) out.push_back(kHex[rng() % 16]);
  return out;
}

std::chrono::milliseconds jittered(std::chrono::milliseconds backoff) {
  // Half fixed, half random: spreads out clients that failed together.
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const auto half = backoff.count() / 2;
  return std::chrono::milliseconds(
      half + static_cast<long long>(rng() % static_cast<unsigned long long>(half + 1)));
}

}  // namespace

void AzureOptions::validate() const {
  if (account.size() < 3 || account.size() > 24 ||
      !std::all_of(account.begin(), account.end(), is_lower_alnum)) {
    bad_option("account '" + account + "' must be 3-24 lowercase letters and digits");
  }
  const bool container_ok = container.size() >= 3 && container.size() <= 63 &&
                            is_lower_alnum(container.front()) && is_lower_alnum(container.back()) &&
                            container.find("--") == std::string::npos &&
                            std::all_of(container.begin(), container.end(),
                                        [](char c) { return is_lower_alnum(c) || c == '-'; });
  if (!container_ok) {
    bad_option("container '" + container +
               "' must be 3-63 lowercase letters, digits and single hyphens");
  }
  if (!endpoint.starts_with("http://") && !endpoint.starts_with("https://")) {
    bad_option("endpoint '" + endpoint + "' must be an http:// or https:// URL");
  }
  if (account_key.empty() == sas.empty()) {
    throw core::InvalidInput("bad_lake_credentials",
                             "an Azure lake needs exactly one of an account key and a SAS");
  }
  if (!account_key.empty()) detail::base64_decode(account_key);
  if (!sas.empty() && sas.find("sig=") == std::string::npos) {
    throw core::InvalidInput("bad_lake_credentials", "the Azure SAS has no 'sig=' signature");
  }
  // Azure allows up to 50,000 blocks of up to 4000 MiB; 100 MiB keeps memory per call sane.
  if (block_size < 1 || block_size > std::size_t{100} * 1024 * 1024) {
    bad_option("block_size must be between 1 byte and 100 MiB");
  }
  if (page_size < 1 || page_size > 5000) bad_option("page_size must be between 1 and 5000");
  if (retries < 0 || retries > 20) bad_option("retries must be between 0 and 20");
}

struct AzureBlobLake::Call {
  std::string method;
  std::string operation;                       ///< for messages: "store", "read", ...
  std::string key;                             ///< "" for container requests
  std::map<std::string, std::string> query;    ///< decoded values
  std::map<std::string, std::string> headers;  ///< lowercase names
  std::string_view body;
  std::string subject = {};  ///< for messages when it is not the key (a list prefix)

  std::string what() const { return subject.empty() ? "'" + key + "'" : subject; }
};

AzureBlobLake::AzureBlobLake(AzureOptions options) : options_(std::move(options)) {
  while (options_.endpoint.ends_with('/')) options_.endpoint.pop_back();
  options_.validate();
  const auto url = core::Url::parse(options_.endpoint);
  if (url.host.empty()) bad_option("endpoint '" + options_.endpoint + "' has no host");
  endpoint_path_ = url.path.empty() ? std::string{} : "/" + url.path;
  if (options_.sas.starts_with('?')) options_.sas.erase(0, 1);
  http_ = std::make_unique<detail::HttpClient>(options_.connect_timeout, options_.timeout);
}

AzureBlobLake::~AzureBlobLake() = default;

std::string AzureBlobLake::display_url() const {
  return "azure://" + options_.account + "/" + options_.container +
         "?endpoint=" + options_.endpoint;
}

HttpResponse AzureBlobLake::send(const Call& call) {
  const std::string path =
      endpoint_path_ + "/" + options_.container + (call.key.empty() ? "" : "/" + call.key);
  // Keys are restricted to characters that need no escaping in a URL path.
  std::string url =
      options_.endpoint + "/" + options_.container + (call.key.empty() ? "" : "/" + call.key);
  char separator = '?';
  for (const auto& [name, value] : call.query) {
    url += separator + name + "=" + detail::url_encode(value);
    separator = '&';
  }
  if (!options_.sas.empty()) url += separator + options_.sas;

  const int attempts = options_.retries + 1;
  auto backoff = options_.first_backoff;
  bool resynced = false;
  for (int attempt = 1;; ++attempt) {
    detail::HttpRequest request{call.method, url, call.headers, call.body};
    request.headers["x-ms-version"] = std::string(detail::kAzureApiVersion);
    const auto correction = clock_correction();
    const auto signed_at = std::chrono::system_clock::now() + options_.clock_skew + correction;
    request.headers["x-ms-date"] = detail::rfc1123(signed_at);
    if (!options_.account_key.empty()) {
      const detail::SignedRequest signed_request{
          call.method, path, call.query, request.headers,
          call.body.empty() ? std::string{} : std::to_string(call.body.size())};
      request.headers["authorization"] =
          detail::shared_key_authorization(options_.account, options_.account_key, signed_request);
    }
    HttpResponse response;
    detail::TransportFailure failure;
    const bool answered = http_->perform(request, response, failure);
    if (answered && response.status == 403 && !resynced && !options_.account_key.empty() &&
        resync_clock(response, signed_at, correction)) {
      // Signed with a skewed clock: sign again with the server's time (does not use a retry).
      resynced = true;
      --attempt;
      continue;
    }
    if (answered && !retryable(response.status)) return response;

    const std::string code = answered ? error_code(response) : std::string{};
    const std::string what =
        answered ? "HTTP " + std::to_string(response.status) + (code.empty() ? "" : " " + code)
                 : failure.message;
    const std::string target = "Azure account '" + options_.account + "' container '" +
                               options_.container + "' at " + options_.endpoint;
    if (attempt >= attempts) {
      const std::string tries =
          " (after " + std::to_string(attempts) + " attempt" + (attempts == 1 ? "" : "s") + ")";
      if (!answered) {
        throw core::Unavailable(failure.timeout ? "lake_timeout" : "lake_unreachable",
                                "cannot " + call.operation + " " + call.what() + ": " + target +
                                    " is unreachable: " + what + tries);
      }
      throw core::Unavailable("lake_unavailable", "cannot " + call.operation + " " + call.what() +
                                                      ": " + target + " answered " + what + tries);
    }
    const auto wait = jittered(backoff);
    spdlog::warn("lake: {} {} on {} failed ({}); retry {} of {} in {} ms", call.operation,
                 call.what(), display_url(), what, attempt, options_.retries, wait.count());
    std::this_thread::sleep_for(wait);
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

std::chrono::milliseconds AzureBlobLake::clock_correction() const {
  return std::chrono::milliseconds(clock_correction_ms_.load());
}

bool AzureBlobLake::resync_clock(const HttpResponse& response,
                                 std::chrono::system_clock::time_point signed_at,
                                 std::chrono::milliseconds correction_used) {
  std::chrono::system_clock::time_point server_time;
  if (!detail::parse_rfc1123(header(response, "date"), server_time)) return false;
  const auto skew = server_time - signed_at;
  if (std::chrono::abs(skew) <= kSkewTolerance) return false;  // a real authorisation failure
  // Relative to the correction this request was signed with: concurrent requests that were
  // refused together all arrive at the same correction instead of adding theirs up.
  const auto correction =
      correction_used + std::chrono::duration_cast<std::chrono::milliseconds>(skew);
  if (clock_correction_ms_.exchange(correction.count()) != correction.count()) {
    const auto off = std::chrono::duration_cast<std::chrono::seconds>(skew).count();
    spdlog::warn(
        "lake: {} refused a request signed {} s {} its clock ({}); signing with the server's "
        "time from now on",
        display_url(), off > 0 ? off : -off, off > 0 ? "behind" : "ahead of", error_code(response));
  }
  return true;
}

void AzureBlobLake::fail(const HttpResponse& response, const std::string& operation,
                         const std::string& key) const {
  const std::string code = error_code(response);
  std::string message = detail::xml_text(response.body, "Message");
  if (const auto newline = message.find('\n'); newline != std::string::npos) {
    message.resize(newline);  // drop the RequestId and Time lines
  }
  const std::string where =
      "account '" + options_.account + "', container '" + options_.container + "'";
  const std::string what = "HTTP " + std::to_string(response.status) +
                           (code.empty() ? "" : " " + code) +
                           (message.empty() ? "" : ": " + message);
  if (response.status == 403) {
    std::string hint;
    std::chrono::system_clock::time_point server_time;
    if (detail::parse_rfc1123(header(response, "date"), server_time)) {
      const auto skew = std::chrono::duration_cast<std::chrono::seconds>(
          std::chrono::system_clock::now() - server_time);
      if (std::chrono::abs(skew) > std::chrono::minutes(5)) {
        hint = "; this machine's clock differs from the server's by " +
               std::to_string(skew.count()) + " s";
      }
    }
    if (!options_.sas.empty()) hint += "; check that the SAS is unexpired and allows this";
    throw core::Unavailable("lake_auth_failed",
                            "Azure storage authentication failed (bad key or clock skew?) for " +
                                where + " while trying to " + operation + " '" + key +
                                "': " + what + hint);
  }
  if (response.status == 404 && code == "ContainerNotFound") {
    throw core::Unavailable("lake_container_not_found",
                            "container '" + options_.container +
                                "' does not exist in Azure storage account '" + options_.account +
                                "' (create it first, e.g. with `risklab init`)");
  }
  if (response.status == 404 && (code == "BlobNotFound" || code.empty())) {
    throw core::NotFound("lake_object_not_found",
                         "lake object '" + key + "' does not exist in " + display_url());
  }
  throw core::Unavailable("lake_error", "Azure storage could not " + operation + " '" + key +
                                            "' in " + where + ": " + what);
}

PutResult AzureBlobLake::put_if_absent(const std::string& key, std::string_view bytes) {
  validate_key(key);
  const std::string sha256 = core::Sha256::of(bytes);
  if (bytes.size() > options_.block_size) return put_blocks(key, bytes, sha256);
  const auto response = send({"PUT",
                              "store",
                              key,
                              {},
                              {{"x-ms-blob-type", "BlockBlob"},
                               {"if-none-match", "*"},
                               {"content-type", "application/octet-stream"},
                               {"content-md5", detail::base64_encode(detail::md5_binary(bytes))},
                               {"x-ms-meta-sha256", sha256}},
                              bytes});
  if (response.status == 201) return {sha256, true};
  if (response.status == 409 && error_code(response) == "BlobAlreadyExists") {
    return existing_or_conflict(key, sha256);
  }
  fail(response, "store", key);
}

PutResult AzureBlobLake::put_blocks(const std::string& key, std::string_view bytes,
                                    const std::string& sha256) {
  // Skip the upload when the blob is already there; the final commit stays conditional.
  if (exists(key)) return existing_or_conflict(key, sha256);
  // Uncommitted blocks of one blob name are shared by every writer, so each upload gets its
  // own id prefix: racing writers never commit each other's blocks. Ids must be equal length.
  const std::string upload = random_hex(16);
  std::vector<std::string> ids;
  for (std::size_t offset = 0; offset < bytes.size(); offset += options_.block_size) {
    const std::string_view block = bytes.substr(offset, options_.block_size);
    char index[16];
    std::snprintf(index, sizeof index, "%06zu", ids.size());
    ids.push_back(detail::base64_encode(upload + "-" + index));
    const auto response = send({"PUT",
                                "store a block of",
                                key,
                                {{"blockid", ids.back()}, {"comp", "block"}},
                                {{"content-type", "application/octet-stream"},
                                 {"content-md5", detail::base64_encode(detail::md5_binary(block))}},
                                block});
    if (response.status != 201) fail(response, "store a block of", key);
  }
  const std::string body = detail::block_list_xml(ids);
  const auto response =
      send({"PUT",
            "store",
            key,
            {{"comp", "blocklist"}},
            {{"if-none-match", "*"},
             {"content-type", "application/xml"},
             {"x-ms-blob-content-type", "application/octet-stream"},
             {"x-ms-blob-content-md5", detail::base64_encode(detail::md5_binary(bytes))},
             {"x-ms-meta-sha256", sha256}},
            body});
  if (response.status == 201) return {sha256, true};
  if (response.status == 409 && error_code(response) == "BlobAlreadyExists") {
    return existing_or_conflict(key, sha256);
  }
  fail(response, "store", key);
}

PutResult AzureBlobLake::existing_or_conflict(const std::string& key, const std::string& sha256) {
  const auto response = send({"HEAD", "check", key, {}, {}, {}});
  if (response.status == 404 && error_code(response) != "ContainerNotFound") {
    throw core::Unavailable("lake_error",
                            "lake object '" + key + "' was deleted while being stored; retry");
  }
  if (response.status != 200) fail(response, "check", key);
  const std::string recorded = header(response, "x-ms-meta-sha256");
  if (recorded == sha256) {
    // Claim "identical" only for bytes that really are: re-read them (a rare path: retries).
    get(key);
    return {sha256, false};
  }
  throw core::Conflict("lake_object_exists",
                       "lake object '" + key + "' already exists with different content (sha256 " +
                           (recorded.empty() ? std::string("not recorded") : recorded) + ", not " +
                           sha256 + ")");
}

std::string AzureBlobLake::get(const std::string& key) {
  validate_key(key);
  auto response = send({"GET", "read", key, {}, {}, {}});
  if (response.status != 200) fail(response, "read", key);
  const auto integrity = [&key](const std::string& why) {
    return core::Conflict("lake_integrity",
                          "lake object '" + key + "' failed verification: " + why);
  };
  const std::string md5 = header(response, "content-md5");
  if (!md5.empty() && md5 != detail::base64_encode(detail::md5_binary(response.body))) {
    throw integrity("its bytes do not match the Content-MD5 the service reported");
  }
  const std::string recorded = header(response, "x-ms-meta-sha256");
  if (recorded.empty()) throw integrity("no sha256 is recorded for it (metadata 'sha256')");
  const std::string actual = core::Sha256::of(response.body);
  if (actual != recorded) {
    throw integrity("its sha256 is " + actual + " but " + recorded +
                    " was recorded when it was written");
  }
  return std::move(response.body);
}

ObjectInfo AzureBlobLake::verify(const std::string& key) {
  const std::string bytes = get(key);
  return {key, bytes.size(), core::Sha256::of(bytes)};
}

bool AzureBlobLake::exists(const std::string& key) {
  validate_key(key);
  const auto response = send({"HEAD", "check", key, {}, {}, {}});
  if (response.status == 200) return true;
  if (response.status == 404 && error_code(response) != "ContainerNotFound") return false;
  fail(response, "check", key);
}

std::vector<ObjectInfo> AzureBlobLake::list(const std::string& prefix) {
  validate_prefix(prefix);
  std::vector<ObjectInfo> objects;
  std::string marker;
  do {
    std::map<std::string, std::string> query = {{"comp", "list"},
                                                {"include", "metadata"},
                                                {"maxresults", std::to_string(options_.page_size)},
                                                {"restype", "container"}};
    if (!prefix.empty()) query["prefix"] = prefix;
    if (!marker.empty()) query["marker"] = marker;
    const auto response = send({"GET", "list", "", query, {}, {}, "prefix '" + prefix + "'"});
    if (response.status != 200) fail(response, "list objects under", prefix);
    auto page = detail::parse_blob_list(response.body);
    std::move(page.blobs.begin(), page.blobs.end(), std::back_inserter(objects));
    marker = std::move(page.next_marker);
  } while (!marker.empty());
  std::sort(objects.begin(), objects.end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  return objects;
}

bool AzureBlobLake::remove(const std::string& key) {
  validate_key(key);
  const auto response = send({"DELETE", "delete", key, {}, {}, {}});
  if (response.status == 202) return true;
  if (response.status == 404 && error_code(response) == "BlobNotFound") return false;
  fail(response, "delete", key);
}

bool AzureBlobLake::create_container() {
  const auto response = send({"PUT",
                              "create",
                              "",
                              {{"restype", "container"}},
                              {},
                              {},
                              "container '" + options_.container + "'"});
  if (response.status == 201) return true;
  if (response.status == 409 && error_code(response) == "ContainerAlreadyExists") return false;
  fail(response, "create container", options_.container);
}

std::vector<std::string> AzureBlobLake::committed_blocks(const std::string& key) {
  validate_key(key);
  const auto response = send({"GET",
                              "read the block list of",
                              key,
                              {{"blocklisttype", "committed"}, {"comp", "blocklist"}},
                              {},
                              {}});
  if (response.status != 200) fail(response, "read the block list of", key);
  return detail::parse_block_names(response.body);
}

}  // namespace risklab::lake
