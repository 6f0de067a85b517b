#include "web/ui/upload.hpp"

#include <httplib.h>

#include <fstream>

#include "core/error.hpp"
#include "service/auth_service.hpp"

namespace risklab::web::ui {

Upload::Upload(const httplib::Request& req, const std::string& field) {
  if (!req.has_file(field) || req.get_file_value(field).content.empty()) {
    throw core::InvalidInput("no_file", "choose a CSV file to upload");
  }
  const auto part = req.get_file_value(field);
  // Only the base name, and only characters that cannot climb out of the directory.
  std::string base = std::filesystem::path(part.filename).filename().string();
  for (char& ch : base) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                    ch == '.' || ch == '-' || ch == '_';
    if (!ok) ch = '_';
  }
  if (base.empty() || base.front() == '.') base = "upload" + base;
  name_ = base;
  dir_ = std::filesystem::temp_directory_path() /
         ("risklab-upload-" + service::random_hex_secret().substr(0, 16));
  std::filesystem::create_directories(dir_);
  path_ = dir_ / base;
  std::ofstream out(path_, std::ios::binary);
  out.write(part.content.data(), static_cast<std::streamsize>(part.content.size()));
  if (!out) throw core::Unavailable("upload_failed", "could not store the uploaded file");
}

Upload::~Upload() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string Upload::display(std::string message) const {
  const std::string prefix = dir_.string() + "/";
  for (auto at = message.find(prefix); at != std::string::npos; at = message.find(prefix, at)) {
    message.erase(at, prefix.size());
  }
  return message;
}

}  // namespace risklab::web::ui
