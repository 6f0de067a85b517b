#pragma once

#include <exception>
#include <string>

namespace risklab::web {

/// The HTTP status and the `{"error":{"code","message"}}` body for an exception thrown by a
/// handler. core::Error subclasses map by class (STYLE.md's table); anything else is a bug:
/// 500 with a generic message naming the request id (the details go to the log only).
struct ErrorResponse {
  int status = 500;
  std::string body;
};

ErrorResponse map_error(const std::exception& error, const std::string& request_id);

/// The JSON error body for `code` and `message`.
std::string error_body(const std::string& code, const std::string& message,
                       const std::string& request_id = "");

}  // namespace risklab::web
