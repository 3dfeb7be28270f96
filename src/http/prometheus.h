// PrometheusWriter: the Prometheus text exposition format, version 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/): one "# HELP" and one "# TYPE"
// line per metric family, then its samples, label values escaped, histograms as cumulative
// `_bucket{le=...}` samples with `_sum` and `_count`.
//
// The writer only formats; which metrics exist is decided by its caller (server/metrics.cc).
// A family must be opened once, before its samples; opening a name twice is a programming error
// (asserted), since Prometheus's parsers reject a repeated family.
//
// Thread-safety: a writer is used by one thread; it owns its text until Take().
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/latency_histogram.h"

namespace mnemo {

enum class MetricType { kCounter, kGauge, kHistogram };

using MetricLabels = std::vector<std::pair<std::string_view, std::string_view>>;

class PrometheusWriter {
 public:
  // Opens family `name` ([a-zA-Z_:][a-zA-Z0-9_:]*; counters end in _total by convention).
  void Family(std::string_view name, MetricType type, std::string_view help);
  // A sample of the family opened last; integers are written exactly.
  void Sample(const MetricLabels& labels, uint64_t value);
  void Sample(const MetricLabels& labels, int64_t value);
  void Sample(const MetricLabels& labels, double value);
  // One family with one unlabelled sample.
  void Gauge(std::string_view name, std::string_view help, double value);
  void Gauge(std::string_view name, std::string_view help, uint64_t value);
  void Counter(std::string_view name, std::string_view help, uint64_t value);
  // A histogram sample set of the (histogram) family opened last, from latency buckets in
  // microseconds, written in seconds: `le` of bucket b is 2^b us, the last bucket is +Inf.
  // `sum_usec` is the total duration; the count is the histogram's total.
  void Histogram(const MetricLabels& labels, const LatencyHistogram& h, uint64_t sum_usec);

  std::string Take() { return std::move(out_); }

  // Escapes a label value: backslash, double quote and line feed.
  static std::string EscapeLabel(std::string_view v);
  // A sample value as the format writes it: integers exactly, NaN and infinities by name.
  static std::string FormatValue(double v);

 private:
  void Line(std::string_view suffix, const MetricLabels& labels, std::string_view value);

  std::string out_;
  std::string family_;
  MetricType type_ = MetricType::kGauge;
  std::set<std::string, std::less<>> families_;
};

}  // namespace mnemo
