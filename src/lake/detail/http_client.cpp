#include "lake/detail/http_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace risklab::lake::detail {
namespace {

void global_init() {
  // curl_global_init is not thread-safe; do it once for the whole process.
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw std::runtime_error("curl_global_init failed");
    }
  });
}

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  static_cast<HttpResponse*>(user)->body.append(data, size * count);
  return size * count;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* response = static_cast<HttpResponse*>(user);
  const std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    // A new status line (after a 100 Continue, say) starts a new set of headers.
    response->headers.clear();
  } else if (const auto colon = line.find(':'); colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    response->headers[name] = trim(line.substr(colon + 1));
  }
  return size * count;
}

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

}  // namespace

struct HttpClient::Pool {
  std::mutex mutex;
  std::vector<CURL*> idle;

  CURL* acquire() {
    {
      std::lock_guard lock(mutex);
      if (!idle.empty()) {
        CURL* handle = idle.back();
        idle.pop_back();
        curl_easy_reset(handle);
        return handle;
      }
    }
    CURL* handle = curl_easy_init();
    if (handle == nullptr) throw std::runtime_error("curl_easy_init failed");
    return handle;
  }

  void release(CURL* handle) {
    std::lock_guard lock(mutex);
    idle.push_back(handle);
  }

  ~Pool() {
    for (CURL* handle : idle) curl_easy_cleanup(handle);
  }
};

HttpClient::HttpClient(std::chrono::milliseconds connect_timeout, std::chrono::milliseconds timeout)
    : pool_(std::make_unique<Pool>()), connect_timeout_(connect_timeout), timeout_(timeout) {
  global_init();
}

HttpClient::~HttpClient() = default;

bool HttpClient::perform(const HttpRequest& request, HttpResponse& response,
                         TransportFailure& failure) {
  response = HttpResponse{};
  // Give the handle back to the pool however this call ends.
  struct Lease {
    Pool& pool;
    CURL* handle;
    ~Lease() { pool.release(handle); }
  } lease{*pool_, pool_->acquire()};
  CURL* handle = lease.handle;

  std::unique_ptr<curl_slist, SlistDeleter> headers;
  const auto add_header = [&headers](const std::string& line) {
    curl_slist* grown = curl_slist_append(headers.get(), line.c_str());
    if (grown == nullptr) throw std::bad_alloc();
    static_cast<void>(headers.release());
    headers.reset(grown);
  };
  for (const auto& [name, value] : request.headers) add_header(name + ": " + value);
  // libcurl would add "Expect: 100-continue" to large PUTs (a wasted round trip) and a form
  // Content-Type to bodies without one; the signature must cover exactly what is sent.
  add_header("Expect:");
  if (!request.headers.contains("content-type")) add_header("Content-Type:");

  curl_easy_setopt(handle, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect_timeout_.count()));
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &response);
  curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(handle, CURLOPT_HEADERDATA, &response);
  if (request.method == "HEAD") {
    curl_easy_setopt(handle, CURLOPT_NOBODY, 1L);
  } else if (request.method == "PUT") {
    curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, "PUT");
    curl_easy_setopt(handle, CURLOPT_POSTFIELDS, request.body.empty() ? "" : request.body.data());
    curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  } else if (request.method != "GET") {
    curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }

  const CURLcode code = curl_easy_perform(handle);
  if (code != CURLE_OK) {
    failure.timeout = code == CURLE_OPERATION_TIMEDOUT;
    failure.message = curl_easy_strerror(code);
    return false;
  }
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &response.status);
  return true;
}

}  // namespace risklab::lake::detail
