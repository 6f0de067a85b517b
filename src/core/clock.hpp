#pragma once

#include <chrono>
#include <string>

namespace risklab::core {

/// Current UTC time as ISO 8601 with seconds, e.g. "2026-11-29T08:24:17Z". Timestamps are
/// stored in this form on every backend so they sort and compare as text.
std::string utc_now_iso8601();

/// `when` (UTC) in the same form as utc_now_iso8601().
std::string to_iso8601(std::chrono::system_clock::time_point when);

/// Seconds from `iso8601` (as utc_now_iso8601() writes it) to now; throws InvalidInput if the
/// text is not such a timestamp.
double seconds_since(const std::string& iso8601);

/// Today's UTC date as "YYYY-MM-DD".
std::string utc_today();

/// True if `text` is a valid calendar date written "YYYY-MM-DD".
bool is_iso_date(const std::string& text);

}  // namespace risklab::core
