#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lake/lake.hpp"

namespace risklab::lake {

namespace detail {
class HttpClient;
struct HttpResponse;
}  // namespace detail

/// Where and how an AzureBlobLake talks to Azure. open_lake() fills it from the URL and the
/// environment; each field has its default and validate() checks them all.
struct AzureOptions {
  std::string account;    ///< storage account, 3-24 lowercase letters and digits
  std::string container;  ///< 3-63 of [a-z0-9-], as Azure requires
  /// Blob service URL; the container follows it. Default https://ACCOUNT.blob.core.windows.net;
  /// Azurite is path-style, http://127.0.0.1:10000/devstoreaccount1.
  std::string endpoint;
  std::string account_key;  ///< base64 Shared Key; exactly one of account_key and sas is set
  std::string sas;          ///< SAS query string without '?', needs sp with r,c,w,l (d to remove)
  /// Objects larger than this go up as blocks of this size (Put Block + Put Block List).
  std::size_t block_size = 4 * 1024 * 1024;
  int page_size = 5000;  ///< List Blobs maxresults per page (Azure's maximum is 5000)
  int retries = 4;       ///< extra attempts after a 5xx, 408, 429, timeout or connection error
  std::chrono::milliseconds first_backoff{250};  ///< doubled per retry, with jitter
  std::chrono::milliseconds max_backoff{8000};
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds timeout{300000};  ///< per request, including the transfer
  /// Added to this machine's clock when signing: simulates a skewed clock in fault drills
  /// (RISKLAB_LAKE_CLOCK_SKEW_SECONDS). The client corrects itself either way, see send().
  std::chrono::seconds clock_skew{0};

  /// Throws InvalidInput("bad_lake_url") naming the first field that is out of range.
  void validate() const;
};

/// A lake in an Azure Blob Storage container (`azure://ACCOUNT/CONTAINER`), over the REST API
/// with libcurl and OpenSSL: there is no Azure SDK package for Debian, so signing, block
/// upload and listing are written here by hand (x-ms-version 2021-08-06).
///
/// Objects are block blobs named by their key. put_if_absent() sends If-None-Match: * so the
/// service itself refuses a second create (409 BlobAlreadyExists), then compares hashes. The
/// sha256 rides along as blob metadata (x-ms-meta-sha256), set in the same request that
/// creates the blob, and Content-MD5 is sent with every upload and checked on every download.
/// Requests that fail with 5xx, 408, 429, a timeout or a connection error are retried with
/// exponential backoff, `retries` times; create-only writes stay safe to retry. Azure refuses
/// a Shared Key request whose x-ms-date is more than 15 minutes off its own clock (403
/// AuthenticationFailed, "Request date header too old"); on a 403 whose Date header shows such
/// a skew the client re-syncs its signing clock to the server's and retries once.
class AzureBlobLake final : public Lake {
 public:
  /// Validates `options` (InvalidInput); does no I/O.
  explicit AzureBlobLake(AzureOptions options);
  ~AzureBlobLake() override;

  PutResult put_if_absent(const std::string& key, std::string_view bytes) override;
  std::string get(const std::string& key) override;
  bool exists(const std::string& key) override;
  std::vector<ObjectInfo> list(const std::string& prefix) override;
  bool remove(const std::string& key) override;
  ObjectInfo verify(const std::string& key) override;
  /// Creates the container (needs the account key or an account SAS).
  bool create_container() override;
  std::string display_url() const override;

  /// The block ids the committed blob is made of (Get Block List), for tests and support.
  /// Throws NotFound or Unavailable.
  std::vector<std::string> committed_blocks(const std::string& key);

  /// What this client adds to the local clock when signing, learned from the server's Date
  /// header after a 403 caused by clock skew (zero until then).
  std::chrono::milliseconds clock_correction() const;

 private:
  struct Call;
  detail::HttpResponse send(const Call& call);
  [[noreturn]] void fail(const detail::HttpResponse& response, const std::string& operation,
                         const std::string& key) const;
  PutResult put_blocks(const std::string& key, std::string_view bytes, const std::string& sha256);
  PutResult existing_or_conflict(const std::string& key, const std::string& sha256);

  AzureOptions options_;
  /// After a 403: if the response's Date shows that `signed_at` was out of Azure's tolerance,
  /// sets the correction so that requests are signed with the server's time; false otherwise.
  bool resync_clock(const detail::HttpResponse& response,
                    std::chrono::system_clock::time_point signed_at,
                    std::chrono::milliseconds correction_used);

  std::string endpoint_path_;  ///< the endpoint's path, e.g. "/devstoreaccount1" or ""
  std::atomic<long long> clock_correction_ms_{0};
  std::unique_ptr<detail::HttpClient> http_;
};

}  // namespace risklab::lake
