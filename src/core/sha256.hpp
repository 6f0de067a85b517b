#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX

namespace risklab::core {

/// Incremental SHA-256 (OpenSSL). Feed bytes with update(), then hex() once.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::string_view bytes);
  /// Finishes the hash and returns it as 64 lowercase hex digits. Call once.
  std::string hex();

  /// SHA-256 of `bytes` as lowercase hex.
  static std::string of(std::string_view bytes);

 private:
  ::evp_md_ctx_st* ctx_;
};

}  // namespace risklab::core
