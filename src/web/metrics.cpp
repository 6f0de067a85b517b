#include "web/metrics.hpp"

#include <cstdio>

namespace risklab::web {

void Metrics::observe(const std::string& route, const std::string& method, int status,
                      double seconds) {
  std::lock_guard lock(mutex_);
  auto& series = series_[{route, method, status}];
  ++series.count;
  series.sum += seconds;
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++series.buckets[i];
  }
}

std::string Metrics::render(const std::string& extra) const {
  std::string out;
  char line[512];
  out += "# HELP risklab_http_requests_total HTTP requests by route, method and status.\n";
  out += "# TYPE risklab_http_requests_total counter\n";
  std::lock_guard lock(mutex_);
  for (const auto& [key, series] : series_) {
    const auto& [route, method, status] = key;
    std::snprintf(line, sizeof line,
                  "risklab_http_requests_total{route=\"%s\",method=\"%s\",status=\"%d\"} %lld\n",
                  route.c_str(), method.c_str(), status, series.count);
    out += line;
  }
  out += "# HELP risklab_http_request_duration_seconds Request latency by route, method and status.\n";
  out += "# TYPE risklab_http_request_duration_seconds histogram\n";
  for (const auto& [key, series] : series_) {
    const auto& [route, method, status] = key;
    const std::string labels =
        "route=\"" + route + "\",method=\"" + method + "\",status=\"" + std::to_string(status) + "\"";
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      std::snprintf(line, sizeof line, "risklab_http_request_duration_seconds_bucket{%s,le=\"%g\"} %lld\n",
                    labels.c_str(), kBuckets[i], series.buckets[i]);
      out += line;
    }
    std::snprintf(line, sizeof line,
                  "risklab_http_request_duration_seconds_bucket{%s,le=\"+Inf\"} %lld\n"
                  "risklab_http_request_duration_seconds_sum{%s} %.9f\n"
                  "risklab_http_request_duration_seconds_count{%s} %lld\n",
                  labels.c_str(), series.count, labels.c_str(), series.sum, labels.c_str(),
                  series.count);
    out += line;
  }
  out += "# HELP risklab_scorings_total Scorings stored as assessments by this replica.\n";
  out += "# TYPE risklab_scorings_total counter\n";
  out += "risklab_scorings_total " + std::to_string(scorings_.load()) + "\n";
  return out + extra;
}

}  // namespace risklab::web
