#pragma once

// Web internals: the in-memory stream through which httplib reads one buffered request and
// writes its answer (HttpEngine; the tests' httplib reader, tests/support/httplib_reader.hpp).

#include <httplib.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

namespace risklab::web::detail {

/// One buffered request for httplib to read; what httplib writes is kept as the answer. The
/// addresses are referenced, not copied: they must outlive the stream.
class ExchangeStream final : public httplib::Stream {
 public:
  ExchangeStream(std::string_view in, const std::string& remote_ip, int remote_port,
                 const std::string& local_ip, int local_port)
      : in_(in),
        remote_ip_(remote_ip),
        local_ip_(local_ip),
        remote_port_(remote_port),
        local_port_(local_port) {}

  bool is_readable() const override { return pos_ < in_.size(); }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, size_t size) override {
    const std::size_t n = std::min(size, in_.size() - pos_);
    std::memcpy(ptr, in_.data() + pos_, n);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char* ptr, size_t size) override {
    out_.append(ptr, size);
    return static_cast<ssize_t>(size);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = remote_ip_;
    port = remote_port_;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = local_ip_;
    port = local_port_;
  }
  socket_t socket() const override { return INVALID_SOCKET; }

  std::string& out() { return out_; }

 private:
  std::string_view in_;
  std::size_t pos_ = 0;
  std::string out_;
  const std::string& remote_ip_;
  const std::string& local_ip_;
  int remote_port_;
  int local_port_;
};

}  // namespace risklab::web::detail
