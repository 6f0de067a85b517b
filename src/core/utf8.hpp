#pragma once

#include <string>
#include <string_view>

namespace risklab::core {

/// Whether `text` is well-formed UTF-8 (RFC 3629: no overlong forms, surrogates or code points
/// past U+10FFFF): what JSON output, and so every API response, can carry.
bool is_valid_utf8(std::string_view text);

/// `text` with each ill-formed byte replaced by U+FFFD, for messages that quote input.
std::string valid_utf8(std::string_view text);

}  // namespace risklab::core
