#pragma once

#include <charconv>
#include <string>
#include <string_view>

namespace risklab::core {

/// Appends finite `value` as a JSON number: the shortest text that reads back as the same
/// double, always a floating-point literal ("1.0", not "1"), so that readers see a float.
inline void append_json_double(std::string& out, double value) {
  char buffer[32];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  const std::string_view text(buffer, static_cast<std::size_t>(end - buffer));
  out += text;
  if (text.find_first_of(".e") == std::string_view::npos) out += ".0";
}

}  // namespace risklab::core
