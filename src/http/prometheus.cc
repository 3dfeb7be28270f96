#include "http/prometheus.h"

#include <cassert>
#include <cmath>
#include <cstdio>

namespace mnemo {
namespace {

const char* TypeName(MetricType t) {
  switch (t) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

// HELP text escapes backslash and line feed only.
std::string EscapeHelp(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string PrometheusWriter::EscapeLabel(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string PrometheusWriter::FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[32];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    snprintf(buf, sizeof(buf), "%.0f", v);
  } else {
    snprintf(buf, sizeof(buf), "%.17g", v);
  }
  return buf;
}

void PrometheusWriter::Family(std::string_view name, MetricType type, std::string_view help) {
  bool inserted = families_.emplace(name).second;
  assert(inserted && "a metric family is opened twice");
  (void)inserted;
  family_ = name;
  type_ = type;
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  out_ += EscapeHelp(help);
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += TypeName(type);
  out_ += '\n';
}

void PrometheusWriter::Line(std::string_view suffix, const MetricLabels& labels,
                            std::string_view value) {
  out_ += family_;
  out_ += suffix;
  if (!labels.empty()) {
    out_ += '{';
    for (size_t i = 0; i < labels.size(); i++) {
      if (i > 0) out_ += ',';
      out_ += labels[i].first;
      out_ += "=\"";
      out_ += EscapeLabel(labels[i].second);
      out_ += '"';
    }
    out_ += '}';
  }
  out_ += ' ';
  out_ += value;
  out_ += '\n';
}

void PrometheusWriter::Sample(const MetricLabels& labels, uint64_t value) {
  Line("", labels, std::to_string(value));
}

void PrometheusWriter::Sample(const MetricLabels& labels, int64_t value) {
  Line("", labels, std::to_string(value));
}

void PrometheusWriter::Sample(const MetricLabels& labels, double value) {
  Line("", labels, FormatValue(value));
}

void PrometheusWriter::Gauge(std::string_view name, std::string_view help, double value) {
  Family(name, MetricType::kGauge, help);
  Sample({}, value);
}

void PrometheusWriter::Gauge(std::string_view name, std::string_view help, uint64_t value) {
  Family(name, MetricType::kGauge, help);
  Sample({}, value);
}

void PrometheusWriter::Counter(std::string_view name, std::string_view help, uint64_t value) {
  Family(name, MetricType::kCounter, help);
  Sample({}, value);
}

void PrometheusWriter::Histogram(const MetricLabels& labels, const LatencyHistogram& h,
                                 uint64_t sum_usec) {
  assert(type_ == MetricType::kHistogram);
  uint64_t cumulative = 0;
  for (size_t b = 0; b < kLatencyBuckets; b++) {
    cumulative += h.counts[b];
    std::string le = b + 1 == kLatencyBuckets
                         ? "+Inf"
                         : FormatValue(static_cast<double>(LatencyBucketBound(b)) / 1e6);
    MetricLabels with_le = labels;
    with_le.emplace_back("le", le);
    Line("_bucket", with_le, std::to_string(cumulative));
  }
  Line("_sum", labels, FormatValue(static_cast<double>(sum_usec) / 1e6));
  Line("_count", labels, std::to_string(cumulative));
}

}  // namespace mnemo
