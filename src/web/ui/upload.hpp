#pragma once

#include <filesystem>
#include <string>

namespace httplib {
struct Request;
}

namespace risklab::web::ui {

/// A file posted in a multipart form, saved under a fresh temporary directory with its own
/// (sanitised) name so that services which read files by path, and name them in their error
/// messages, can take it; removed with the directory when this goes out of scope.
class Upload {
 public:
  /// Saves form part `field`. Throws InvalidInput("no_file") if none (or an empty one) was sent.
  Upload(const httplib::Request& req, const std::string& field);
  ~Upload();
  Upload(const Upload&) = delete;
  Upload& operator=(const Upload&) = delete;

  std::string path() const { return path_.string(); }
  const std::string& name() const { return name_; }
  /// `message` with the temporary directory taken out, so it names the file as the user did.
  std::string display(std::string message) const;

 private:
  std::filesystem::path dir_;
  std::filesystem::path path_;
  std::string name_;
};

}  // namespace risklab::web::ui
