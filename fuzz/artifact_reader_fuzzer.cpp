// Fuzzes the model artifact reader, ml::deserialize_model() (what load_model() runs on a .rlm
// file), then uses what it accepts the way the server uses a champion: score a row, explain
// it, and write it back. The first byte picks the input's shape:
//   even: the bytes are a whole .rlm file (magic, version, length and checksum checks);
//   odd:  the bytes are a payload (header length, JSON header, tree arrays) and the prelude
//         is made here with the right length and SHA-256, so mutations get past the checksum
//         and reach the header and tree parsing, where a corrupt file would do harm.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/sha256.hpp"
#include "ml/artifact.hpp"
#include "ml/model.hpp"

namespace {

using risklab::ml::Model;

void put_le(std::string& out, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

std::string with_prelude(std::string_view payload) {
  std::string out("\x89RLM\r\n\x1a\n", 8);
  put_le(out, risklab::ml::kArtifactFormatVersion, 4);
  put_le(out, payload.size(), 8);
  out += risklab::core::Sha256::of(payload);
  out += payload;
  return out;
}

[[noreturn]] void fail(const char* why) {
  std::fprintf(stderr, "artifact_reader: %s\n", why);
  std::abort();
}

// What the server and `risklab ml` do with a loaded model: score rows with typical, extreme
// and missing values, explain them, and look up each feature's training profile.
void use(const Model& model) {
  const std::size_t n = model.features.size();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  // Both families are explained by our TreeSHAP (the forest's trees, or the boosted trees
  // read out of the xgboost bytes), which recurses once per tree level.
  risklab::ml::Explainer explainer(model);
  for (const double fill : {0.0, 1e300, nan}) {
    std::vector<double> row(n, fill);
    if (n > 1) row[1] = -fill;
    const auto scoring = model.score(row.data());
    if (!(scoring.pd >= 0.0 && scoring.pd <= 1.0)) fail("a loaded model gives a PD outside [0, 1]");
    (void)explainer.top_drivers(row.data(), 3);
  }
  for (std::size_t col = 0; col < n; ++col) {
    if (col >= model.profile.features.size()) fail("the profile lacks a feature the model has");
  }
}

// An accepted model writes back to bytes that read back as the same model.
void round_trip(const Model& model) {
  const std::string bytes = risklab::ml::serialize_model(model);
  const Model again = risklab::ml::deserialize_model(bytes, "round-trip");
  if (risklab::ml::serialize_model(again) != bytes) fail("serialize(deserialize(x)) is not stable");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::string bytes = data[0] & 1 ? with_prelude(rest) : std::string(rest);
  Model model;
  try {
    model = risklab::ml::deserialize_model(bytes, "fuzz.rlm");
  } catch (const risklab::core::InvalidInput&) {
    return 0;
  }
  use(model);
  // Writing costs as much as reading: checked for one accepted input in four (chosen by the
  // input, so a failure reproduces).
  if (data[size - 1] % 4 == 0) round_trip(model);
  return 0;
}
