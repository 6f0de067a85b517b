#include "core/clock.hpp"

#include <chrono>
#include <cstdio>

#include "core/error.hpp"

namespace risklab::core {

std::string utc_now_iso8601() { return to_iso8601(std::chrono::system_clock::now()); }

std::string to_iso8601(std::chrono::system_clock::time_point when) {
  const auto now = std::chrono::floor<std::chrono::seconds>(when);
  const auto day = std::chrono::floor<std::chrono::days>(now);
  const std::chrono::year_month_day date{day};
  const std::chrono::hh_mm_ss time{now - day};
  // Digits written directly: every stored scoring takes two timestamps, and snprintf's format
  // parsing was ~1 % of a scoring request's CPU (PERFORMANCE.md, session 14). A system_clock
  // time point (nanoseconds) lies within the years 1677-2262: always four digits.
  std::string out = "0000-00-00T00:00:00Z";
  const auto put = [&out](std::size_t at, unsigned value, std::size_t digits) {
    for (std::size_t i = digits; i-- > 0; value /= 10)
      out[at + i] = static_cast<char>('0' + value % 10);
  };
  put(0, static_cast<unsigned>(static_cast<int>(date.year())), 4);
  put(5, static_cast<unsigned>(date.month()), 2);
  put(8, static_cast<unsigned>(date.day()), 2);
  put(11, static_cast<unsigned>(time.hours().count()), 2);
  put(14, static_cast<unsigned>(time.minutes().count()), 2);
  put(17, static_cast<unsigned>(time.seconds().count()), 2);
  return out;
}

double seconds_since(const std::string& iso8601) {
  int year = 0;
  unsigned month = 0, day = 0;
  int hour = 0, minute = 0, second = 0;
  if (iso8601.size() != 20 ||
      std::sscanf(iso8601.c_str(), "%4d-%2u-%2uT%2d:%2d:%2dZ", &year, &month, &day, &hour, &minute,
                  &second) != 6) {
    throw InvalidInput("bad_timestamp", "'" + iso8601 + "' is not an ISO 8601 UTC timestamp");
  }
  const auto when = std::chrono::sys_days{std::chrono::year{year} / std::chrono::month{month} /
                                          std::chrono::day{day}} +
                    std::chrono::hours{hour} + std::chrono::minutes{minute} +
                    std::chrono::seconds{second};
  return std::chrono::duration<double>(std::chrono::system_clock::now() - when).count();
}

std::string utc_today() { return utc_now_iso8601().substr(0, 10); }

bool is_iso_date(const std::string& text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  for (std::size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u}) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  const int year = std::stoi(text.substr(0, 4));
  const unsigned month = static_cast<unsigned>(std::stoi(text.substr(5, 2)));
  const unsigned day = static_cast<unsigned>(std::stoi(text.substr(8, 2)));
  return std::chrono::year_month_day{std::chrono::year{year}, std::chrono::month{month},
                                     std::chrono::day{day}}
      .ok();
}

}  // namespace risklab::core
