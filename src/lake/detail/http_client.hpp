#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace risklab::lake::detail {

/// One HTTP exchange as the Azure client needs it.
struct HttpRequest {
  std::string method;                          ///< GET, HEAD, PUT, DELETE
  std::string url;                             ///< complete, with the query string already encoded
  std::map<std::string, std::string> headers;  ///< lowercase names
  std::string_view body;                       ///< must outlive the call
};

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  ///< lowercase names, values trimmed
  std::string body;
};

/// A transport failure: no HTTP status was received (refused, reset, timed out, DNS).
struct TransportFailure {
  bool timeout = false;
  std::string message;  ///< libcurl's description, without the URL
};

/// A small blocking HTTP/1.1 client over libcurl. Connections are kept in a pool of easy
/// handles, so concurrent calls from several threads are safe and reuse connections.
class HttpClient {
 public:
  HttpClient(std::chrono::milliseconds connect_timeout, std::chrono::milliseconds timeout);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  /// Performs `request`. Returns true and fills `response` when any HTTP status arrived;
  /// returns false and fills `failure` on a transport failure. Never throws for network
  /// errors (only std::bad_alloc).
  bool perform(const HttpRequest& request, HttpResponse& response, TransportFailure& failure);

 private:
  struct Pool;
  std::unique_ptr<Pool> pool_;
  std::chrono::milliseconds connect_timeout_;
  std::chrono::milliseconds timeout_;
};

}  // namespace risklab::lake::detail
