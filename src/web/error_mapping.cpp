#include "web/error_mapping.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "core/error.hpp"

namespace risklab::web {

std::string error_body(const std::string& code, const std::string& message,
                       const std::string& request_id) {
  nlohmann::json error = {{"code", code}, {"message", message}};
  if (!request_id.empty()) error["request_id"] = request_id;
  // Messages may quote the request (a parse error names the bytes it stopped at), which need
  // not be UTF-8: replace ill-formed bytes rather than throw, which made a 422 a 500.
  return nlohmann::json{{"error", error}}.dump(-1, ' ', false,
                                               nlohmann::json::error_handler_t::replace);
}

ErrorResponse map_error(const std::exception& error, const std::string& request_id) {
  if (const auto* known = dynamic_cast<const core::Error*>(&error)) {
    int status = 500;
    if (dynamic_cast<const core::InvalidInput*>(known)) status = 422;
    if (dynamic_cast<const core::NotFound*>(known)) status = 404;
    if (dynamic_cast<const core::Conflict*>(known)) status = 409;
    if (dynamic_cast<const core::Unauthenticated*>(known)) status = 401;
    if (dynamic_cast<const core::Forbidden*>(known)) status = 403;
    if (dynamic_cast<const core::TooManyRequests*>(known)) status = 429;
    if (dynamic_cast<const core::Unavailable*>(known)) status = 503;
    if (status != 500) return {status, error_body(known->code(), known->what(), request_id)};
  }
  spdlog::error("request {} failed with an internal error: {}", request_id, error.what());
  return {500, error_body("internal_error",
                          "internal error; quote request id " + request_id + " to the operator",
                          request_id)};
}

}  // namespace risklab::web
