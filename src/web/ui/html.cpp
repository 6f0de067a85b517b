#include "web/ui/html.hpp"

#include <httplib.h>

#include <cstdio>

namespace risklab::web::ui {
namespace {

int hex_value(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

void parse_pairs(std::string_view text, std::map<std::string, std::string>& out) {
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const auto end = std::min(text.find('&', pos), text.size());
    const auto pair = text.substr(pos, end - pos);
    if (!pair.empty()) {
      const auto eq = pair.find('=');
      auto name = url_decode(pair.substr(0, eq));
      auto value = eq == std::string_view::npos ? std::string() : url_decode(pair.substr(eq + 1));
      out.emplace(std::move(name), std::move(value));
    }
    pos = end + 1;
  }
}

}  // namespace

std::string url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto ch = static_cast<unsigned char>(c);
    if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
        ch == '-' || ch == '.' || ch == '_' || ch == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[ch >> 4];
      out += kHex[ch & 15];
    }
  }
  return out;
}

std::string url_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (ch == '+') {
      out += ' ';
    } else if (ch == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
               hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += ch;
    }
  }
  return out;
}

std::string safe_local_path(std::string_view next) {
  if (next.empty() || next.size() > 2000 || next.front() != '/') return "/";
  if (next.size() > 1 && (next[1] == '/' || next[1] == '\\')) return "/";
  for (const char c : next) {
    const auto ch = static_cast<unsigned char>(c);
    if (ch < 0x20 || ch == 0x7f || ch == '\\') return "/";
  }
  return std::string(next);
}

std::map<std::string, std::string> form_fields(const httplib::Request& req) {
  std::map<std::string, std::string> out;
  if (req.method == "GET" || req.method == "HEAD") {
    for (const auto& [name, value] : req.params) out.emplace(name, value);
    return out;
  }
  const auto type = req.get_header_value("Content-Type");
  if (type.rfind("application/x-www-form-urlencoded", 0) == 0) {
    parse_pairs(req.body, out);
  } else if (req.is_multipart_form_data()) {
    for (const auto& [name, part] : req.files) {
      if (part.filename.empty()) out.emplace(name, part.content);
    }
  }
  return out;
}

std::string cookie_value(const httplib::Request& req, std::string_view name) {
  const auto header = req.get_header_value("Cookie");
  std::size_t pos = 0;
  while (pos < header.size()) {
    const auto end = header.find(';', pos);
    std::string_view part(header);
    part = part.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.size() > name.size() && part.substr(0, name.size()) == name && part[name.size()] == '=') {
      return std::string(part.substr(name.size() + 1));
    }
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  return {};
}

std::string format_pd(double pd) {
  const double percent = pd * 100.0;
  if (percent < 0.01) return "< 0.01 %";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, percent < 1.0 ? "%.2f %%" : "%.1f %%", percent);
  return buffer;
}

std::string script_safe_json(std::string_view json) {
  std::string out;
  out.reserve(json.size());
  for (const char ch : json) {
    if (ch == '<') {
      out += "\\u003c";
    } else if (ch == '>') {
      out += "\\u003e";
    } else if (ch == '&') {
      out += "\\u0026";
    } else {
      out += ch;
    }
  }
  return out;
}

}  // namespace risklab::web::ui
