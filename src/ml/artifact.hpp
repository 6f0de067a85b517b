#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "ml/model.hpp"

namespace risklab::ml {

/// The `.rlm` format this build writes and the newest it reads.
inline constexpr std::uint32_t kArtifactFormatVersion = 1;

/// The model as `.rlm` bytes:
///   magic "\x89RLM\r\n\x1a\n" (8 bytes; the PNG trick catches text-mode mangling)
///   format version (u32) | payload length (u64) | SHA-256 of the payload (64 hex chars)
///   payload = header length (u64) | JSON header | tree arrays
/// The JSON header holds features in order, imputer, scaler, calibration, master scale,
/// params (separate from learned state), data profile, metrics, snapshot id and the node
/// count of each tree; then per tree left, right, feature (i32) and threshold, value, cover
/// (f64) arrays. Integers and doubles are little-endian. The same model always gives the
/// same bytes (no timestamps; JSON keys sorted).
std::string serialize_model(const Model& model);

/// Parses `.rlm` bytes, checking in order: magic ("model_foreign"), version ("model_newer"
/// for a newer format, "model_corrupt" for 0), length ("model_truncated"), checksum
/// ("model_corrupt"), then the header and arrays ("model_corrupt", naming the missing or
/// bad field). All are core::InvalidInput; `source` names the file in messages.
Model deserialize_model(std::string_view bytes, const std::string& source = "model");

/// Writes the model to `path` (a temporary file renamed into place, so a reader never sees
/// half a file). Throws core::InvalidInput("file_unwritable").
void save_model(const Model& model, const std::string& path);

/// A master scale from JSON text: {"grades": [{"grade", "lower_pd", "upper_pd"}, ...],
/// "default_grade": "D"} (the artifact's own form). Throws core::InvalidInput
/// ("master_scale_invalid") for malformed JSON, missing fields or a table MasterScale refuses.
MasterScale parse_master_scale(const std::string& json_text);

/// Reads and checks `path`; throws core::InvalidInput("file_unreadable") or the errors of
/// deserialize_model().
Model load_model(const std::string& path);

/// The model's family parameters as the artifact records them (rf or gbdt), for people: the
/// model card, reports.
nlohmann::json model_parameters_json(const Model& model);

}  // namespace risklab::ml
