#include "core/sha256.hpp"

#include <openssl/evp.h>

#include <stdexcept>

namespace risklab::core {

// OpenSSL rather than libsodium here: its SHA-256 uses the CPU's SHA extensions, which makes
// hashing an 11 MB import file several times cheaper.
struct Sha256::State {
  EVP_MD_CTX* ctx = nullptr;
};

namespace {

// The algorithm, fetched once: with EVP_sha256() OpenSSL 3 looks it up in its provider store
// (EVP_MD_fetch: locks, a hash table) at every EVP_DigestInit_ex, which made ~3 % of a scoring
// request's CPU (the API token's hash; PERFORMANCE.md, session 14). Kept for the process's life.
const EVP_MD* sha256_algorithm() {
  static EVP_MD* const algorithm = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return algorithm;
}

}  // namespace

Sha256::Sha256() : state_(std::make_unique<State>()) {
  state_->ctx = EVP_MD_CTX_new();
  if (state_->ctx == nullptr || sha256_algorithm() == nullptr ||
      EVP_DigestInit_ex(state_->ctx, sha256_algorithm(), nullptr) != 1) {
    EVP_MD_CTX_free(state_->ctx);
    throw std::runtime_error("SHA-256: cannot initialise OpenSSL digest");
  }
}

Sha256::~Sha256() { EVP_MD_CTX_free(state_->ctx); }

void Sha256::update(std::string_view bytes) {
  EVP_DigestUpdate(state_->ctx, bytes.data(), bytes.size());
}

std::string Sha256::hex() {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  EVP_DigestFinal_ex(state_->ctx, digest.data(), &size);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (unsigned int i = 0; i < size; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0x0f]);
  }
  return out;
}

std::string Sha256::of(std::string_view bytes) {
  Sha256 hash;
  hash.update(bytes);
  return hash.hex();
}

}  // namespace risklab::core
