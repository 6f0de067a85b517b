#pragma once

#include <stdexcept>
#include <string>

namespace risklab::core {

/// Base of every error RiskLab throws on purpose. `code()` is a stable, machine-readable
/// identifier (e.g. "feature_missing"); `what()` is the human message. The edges
/// (web/error_mapping.cpp, cli/main.cpp) translate the subclass to an HTTP status or exit code.
class Error : public std::runtime_error {
 public:
  Error(std::string code, const std::string& message)
      : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const noexcept { return code_; }

 private:
  std::string code_;
};

/// Bad input from a user or a file: CSV, JSON, flag, URL, model file. HTTP 422, exit 2.
class InvalidInput : public Error {
 public:
  using Error::Error;
};

/// An id that does not exist. HTTP 404, exit 3.
class NotFound : public Error {
 public:
  using Error::Error;
};

/// An illegal state change or a duplicate. HTTP 409, exit 4.
class Conflict : public Error {
 public:
  using Error::Error;
};

/// Not logged in. HTTP 401, exit 5.
class Unauthenticated : public Error {
 public:
  using Error::Error;
};

/// Logged in but not allowed (role, four-eyes). HTTP 403, exit 5.
class Forbidden : public Error {
 public:
  using Error::Error;
};

/// Too many attempts (log-in rate limit). HTTP 429, exit 5.
class TooManyRequests : public Error {
 public:
  using Error::Error;
};

/// A dependency (database, lake) is down or unreachable. HTTP 503, exit 6.
class Unavailable : public Error {
 public:
  using Error::Error;
};

}  // namespace risklab::core
