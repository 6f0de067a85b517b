#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace risklab::core {

/// The length (1-4) of the well-formed UTF-8 sequence at the start of `text`, or 0 if there is
/// none (an ill-formed or truncated sequence, or empty text).
std::size_t utf8_sequence_length(std::string_view text);

/// Whether `text` is well-formed UTF-8 (RFC 3629: no overlong forms, surrogates or code points
/// past U+10FFFF): what JSON output, and so every API response, can carry.
bool is_valid_utf8(std::string_view text);

/// `text` with each ill-formed byte replaced by U+FFFD, for messages that quote input.
std::string valid_utf8(std::string_view text);

}  // namespace risklab::core
