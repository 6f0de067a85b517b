#include "web/ui/assets.hpp"

#include <span>
#include <stdexcept>

#include "core/embedded_file.hpp"
#include "core/sha256.hpp"

namespace risklab::embedded {
std::span<const core::EmbeddedFile> web_static();
std::span<const core::EmbeddedFile> web_vendor();
}  // namespace risklab::embedded

namespace risklab::web::ui {
namespace {

std::string content_type(std::string_view name) {
  const auto ends = [name](std::string_view suffix) {
    return name.size() >= suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
  };
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".png")) return "image/png";
  if (ends(".ico")) return "image/x-icon";
  return "application/octet-stream";
}

// npm's dist paths are long and say nothing to a reader of the page: keep the file name.
std::string vendor_name(std::string_view path) {
  return "vendor/" + std::string(path.substr(path.rfind('/') + 1));
}

}  // namespace

Assets::Assets() {
  const auto add = [this](const std::string& name, std::string_view data) {
    files_[name] = Asset{data, content_type(name), core::Sha256::of(data).substr(0, 16)};
  };
  for (const auto& file : embedded::web_static()) add(std::string(file.name), file.data);
  for (const auto& file : embedded::web_vendor()) add(vendor_name(file.name), file.data);
}

const Asset* Assets::find(const std::string& name) const {
  const auto it = files_.find(name);
  return it == files_.end() ? nullptr : &it->second;
}

std::string Assets::url(const std::string& name) const {
  const auto* asset = find(name);
  if (!asset) throw std::logic_error("no embedded asset '" + name + "'");
  return "/static/" + asset->hash + "/" + name;
}

}  // namespace risklab::web::ui
