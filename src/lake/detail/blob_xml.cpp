#include "lake/detail/blob_xml.hpp"

#include <charconv>

namespace risklab::lake::detail {
namespace {

std::string decode_entities(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out.push_back(text[i]);
      continue;
    }
    const auto end = text.find(';', i);
    if (end == std::string_view::npos) {
      out.push_back('&');
      continue;
    }
    const std::string_view entity = text.substr(i + 1, end - i - 1);
    if (entity == "amp") {
      out.push_back('&');
    } else if (entity == "lt") {
      out.push_back('<');
    } else if (entity == "gt") {
      out.push_back('>');
    } else if (entity == "quot") {
      out.push_back('"');
    } else if (entity == "apos") {
      out.push_back('\'');
    } else if (entity.starts_with("#") && entity.size() > 1) {
      // Numeric references: names here come from our own key charset, so ASCII suffices.
      unsigned value = 0;
      const bool hex = entity[1] == 'x';
      const auto digits = entity.substr(hex ? 2 : 1);
      std::from_chars(digits.data(), digits.data() + digits.size(), value, hex ? 16 : 10);
      out.push_back(static_cast<char>(value));
    } else {
      out.append(text.substr(i, end - i + 1));
    }
    i = end;
  }
  return out;
}

/// The raw content of the first <name>...</name> at or after `from`; advances `from` past it.
std::string_view element(std::string_view xml, std::string_view name, std::size_t& from) {
  const std::string open = "<" + std::string(name) + ">";
  const std::string close = "</" + std::string(name) + ">";
  const auto start = xml.find(open, from);
  if (start == std::string_view::npos) {
    from = std::string_view::npos;
    return {};
  }
  const auto end = xml.find(close, start + open.size());
  if (end == std::string_view::npos) {
    from = std::string_view::npos;
    return {};
  }
  from = end + close.size();
  return xml.substr(start + open.size(), end - start - open.size());
}

}  // namespace

std::string xml_text(std::string_view xml, std::string_view name) {
  std::size_t from = 0;
  return decode_entities(element(xml, name, from));
}

BlobListPage parse_blob_list(std::string_view xml) {
  BlobListPage page;
  std::size_t from = 0;
  while (true) {
    const std::string_view blob = element(xml, "Blob", from);
    if (from == std::string_view::npos) break;
    ObjectInfo info;
    info.key = xml_text(blob, "Name");
    const std::string length = xml_text(blob, "Content-Length");
    std::from_chars(length.data(), length.data() + length.size(), info.size);
    std::size_t at = 0;
    info.sha256 = xml_text(element(blob, "Metadata", at), "sha256");
    page.blobs.push_back(std::move(info));
  }
  page.next_marker = xml_text(xml, "NextMarker");
  return page;
}

std::vector<std::string> parse_block_names(std::string_view xml) {
  std::vector<std::string> names;
  std::size_t from = 0;
  while (true) {
    const std::string_view name = element(xml, "Name", from);
    if (from == std::string_view::npos) break;
    names.push_back(decode_entities(name));
  }
  return names;
}

std::string block_list_xml(const std::vector<std::string>& block_ids) {
  std::string xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>";
  for (const auto& id : block_ids) xml += "<Latest>" + id + "</Latest>";
  return xml + "</BlockList>";
}

}  // namespace risklab::lake::detail
