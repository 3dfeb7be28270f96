#include "http/prometheus.h"

#include <gtest/gtest.h>

namespace mnemo {
namespace {

TEST(PrometheusWriter, FamiliesHaveHelpTypeAndSamples) {
  PrometheusWriter w;
  w.Counter("mnemo_commands_processed_total", "Commands run.", uint64_t{42});
  w.Gauge("mnemo_memory_ratio", "A ratio\nwith a line feed \\ and a backslash.", 1.5);
  w.Family("mnemo_namespace_keys", MetricType::kGauge, "Keys per namespace.");
  w.Sample({{"namespace", "a\"b\\c\nd"}}, int64_t{-3});
  EXPECT_EQ(w.Take(),
            "# HELP mnemo_commands_processed_total Commands run.\n"
            "# TYPE mnemo_commands_processed_total counter\n"
            "mnemo_commands_processed_total 42\n"
            "# HELP mnemo_memory_ratio A ratio\\nwith a line feed \\\\ and a backslash.\n"
            "# TYPE mnemo_memory_ratio gauge\n"
            "mnemo_memory_ratio 1.5\n"
            "# HELP mnemo_namespace_keys Keys per namespace.\n"
            "# TYPE mnemo_namespace_keys gauge\n"
            "mnemo_namespace_keys{namespace=\"a\\\"b\\\\c\\nd\"} -3\n");
}

TEST(PrometheusWriter, Values) {
  EXPECT_EQ(PrometheusWriter::FormatValue(3), "3");
  EXPECT_EQ(PrometheusWriter::FormatValue(0.25), "0.25");
  EXPECT_EQ(PrometheusWriter::FormatValue(1e-6), "9.9999999999999995e-07");
  EXPECT_EQ(PrometheusWriter::FormatValue(1.0 / 0.0), "+Inf");
  EXPECT_EQ(PrometheusWriter::FormatValue(0.0 / 0.0), "NaN");
}

TEST(PrometheusWriter, HistogramIsCumulativeInSeconds) {
  LatencyHistogram h;
  h.counts[LatencyBucket(3)] = 2;     // [2, 4) us
  h.counts[LatencyBucket(1000)] = 1;  // [512, 1024) us
  h.counts[kLatencyBuckets - 1] = 1;  // beyond every bound
  PrometheusWriter w;
  w.Family("mnemo_command_duration_seconds", MetricType::kHistogram, "Durations.");
  w.Histogram({{"command", "get"}}, h, 2000000);
  std::string text = w.Take();
  EXPECT_NE(text.find("# TYPE mnemo_command_duration_seconds histogram\n"), std::string::npos);
  // le of bucket 1 is 2 us: nothing below it; bucket 2 (le 4 us) holds the two.
  EXPECT_NE(text.find("mnemo_command_duration_seconds_bucket{command=\"get\",le=\"1."
                      "9999999999999999e-06\"} 0\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("le=\"3.9999999999999998e-06\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("le=\"0.001024\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("le=\"+Inf\"} 4\n"), std::string::npos) << text;
  EXPECT_NE(text.find("mnemo_command_duration_seconds_sum{command=\"get\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("mnemo_command_duration_seconds_count{command=\"get\"} 4\n"),
            std::string::npos);
  // One bucket line per bucket, cumulative counts never decrease.
  size_t buckets = 0, pos = 0;
  uint64_t last = 0;
  while ((pos = text.find("_bucket{", pos)) != std::string::npos) {
    size_t end = text.find('\n', pos);
    uint64_t v = std::stoull(text.substr(text.rfind(' ', end) + 1, end));
    EXPECT_GE(v, last);
    last = v;
    buckets++;
    pos = end;
  }
  EXPECT_EQ(buckets, kLatencyBuckets);
}

}  // namespace
}  // namespace mnemo
