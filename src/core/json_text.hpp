#pragma once

#include <string>
#include <string_view>

namespace risklab::core {

/// Appends `text` as a JSON string, byte for byte as nlohmann::json's dump() writes one
/// (ensure_ascii off): `"` and `\` escaped, \b \f \n \r \t, other bytes below 0x20 as \u00xx,
/// everything else as is. For answers and rows built by hand on hot paths, where a JSON value
/// built only to be dumped cost more than the rest. Throws std::invalid_argument, naming
/// nothing of the text, if `text` is not well-formed UTF-8 (nlohmann refuses it too).
void append_json_string(std::string& out, std::string_view text);

}  // namespace risklab::core
