#pragma once

#include <map>
#include <string>
#include <string_view>

namespace risklab::web::ui {

/// One static file compiled into the binary.
struct Asset {
  std::string_view data;
  std::string content_type;
  std::string hash;  ///< the first 16 hex digits of its SHA-256: the ETag and the URL's version
};

/// The web assets embedded at build time (web/static/* as "app.css"…, and npm's dist files as
/// "vendor/htmx.min.js"…). Served at /static/<hash>/<name> with a year-long immutable cache, so
/// a new build's file has a new URL; /static/<name> answers too, revalidated by ETag.
class Assets {
 public:
  Assets();

  /// The file called `name`, or null.
  const Asset* find(const std::string& name) const;
  /// "/static/<hash>/<name>"; throws std::logic_error for an unknown name (a template bug).
  std::string url(const std::string& name) const;

 private:
  std::map<std::string, Asset, std::less<>> files_;
};

}  // namespace risklab::web::ui
