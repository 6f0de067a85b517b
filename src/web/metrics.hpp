#pragma once

#include <array>
#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

namespace risklab::web {

/// Request counts and latency histograms by route, method and status, plus product counters,
/// rendered in the Prometheus text format. Hand-written: Debian 12 has no prometheus-cpp.
class Metrics {
 public:
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1.0,  5.0};

  /// Counts one finished request and its duration.
  void observe(const std::string& route, const std::string& method, int status, double seconds);
  /// Counts scorings (assessments stored).
  void add_scorings(long long count) { scorings_ += count; }

  /// The whole exposition; `extra` is appended verbatim (gauges computed at scrape time).
  std::string render(const std::string& extra) const;

 private:
  struct Series {
    long long count = 0;
    double sum = 0.0;
    std::array<long long, kBuckets.size()> buckets{};
  };
  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, int>, Series> series_;
  std::atomic<long long> scorings_{0};
};

}  // namespace risklab::web
