#include "core/sha256.hpp"

#include <openssl/evp.h>

#include <array>
#include <memory>
#include <stdexcept>

namespace risklab::core {

// OpenSSL rather than libsodium here: its SHA-256 uses the CPU's SHA extensions, which makes
// hashing an 11 MB import file several times cheaper.
namespace {

// The algorithm, fetched once: with EVP_sha256() OpenSSL 3 looks it up in its provider store
// (EVP_MD_fetch: locks, a hash table) at every EVP_DigestInit_ex, which made ~3 % of a scoring
// request's CPU (the API token's hash; PERFORMANCE.md, session 14). Kept for the process's life.
const EVP_MD* sha256_algorithm() {
  static EVP_MD* const algorithm = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return algorithm;
}

// A context kept by each thread for its next hash: the group commit's writer hashes every
// audit row it chains, and a context's allocation and release cost as much as hashing a row.
struct ContextFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
thread_local std::unique_ptr<EVP_MD_CTX, ContextFree> spare_context;

}  // namespace

Sha256::Sha256() : ctx_(spare_context ? spare_context.release() : EVP_MD_CTX_new()) {
  if (ctx_ == nullptr || sha256_algorithm() == nullptr ||
      EVP_DigestInit_ex(ctx_, sha256_algorithm(), nullptr) != 1) {
    EVP_MD_CTX_free(ctx_);
    throw std::runtime_error("SHA-256: cannot initialise OpenSSL digest");
  }
}

Sha256::~Sha256() {
  if (spare_context) {
    EVP_MD_CTX_free(ctx_);
  } else {
    spare_context.reset(ctx_);
  }
}

void Sha256::update(std::string_view bytes) { EVP_DigestUpdate(ctx_, bytes.data(), bytes.size()); }

std::string Sha256::hex() {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  EVP_DigestFinal_ex(ctx_, digest.data(), &size);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(static_cast<std::size_t>(size) * 2, '\0');
  for (unsigned int i = 0; i < size; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 0x0f];
  }
  return out;
}

std::string Sha256::of(std::string_view bytes) {
  Sha256 hash;
  hash.update(bytes);
  return hash.hex();
}

}  // namespace risklab::core
