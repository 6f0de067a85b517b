#include "core/json_text.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/utf8.hpp"

namespace risklab::core {

void append_json_string(std::string& out, std::string_view text) {
  if (std::any_of(text.begin(), text.end(),
                  [](char c) { return static_cast<unsigned char>(c) >= 0x80; }) &&
      !is_valid_utf8(text)) {
    throw std::invalid_argument("text for a JSON string is not valid UTF-8");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  std::size_t plain = 0;  // the first byte not yet appended: runs without escapes go at once
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (static_cast<unsigned char>(c) >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.substr(plain, i - plain));
    plain = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += "\\u00";
        out += kHex[(c >> 4) & 0x0f];
        out += kHex[c & 0x0f];
    }
  }
  out.append(text.substr(plain));
  out += '"';
}

}  // namespace risklab::core
