// Latency histograms with fixed log-scale buckets: the per-command latency of INFO latencystats,
// SLOWLOG's companion figures and the Prometheus histograms of /metrics come from one of these.
//
// Bucket b counts durations d (whole microseconds) with bit_width(d) == b: bucket 0 holds d = 0,
// bucket b >= 1 holds [2^(b-1), 2^b) us, and the last bucket holds everything from
// 2^(kLatencyBuckets-2) us (about 67 s) up. Measured durations are truncated to whole
// microseconds, so a command counted in bucket b took less than 2^b us: 2^b us is the bucket's
// Prometheus upper bound ("le"). Choosing the bucket is one bit_width, so recording costs one
// relaxed increment of a counter the recording thread owns (commands/command.h stripes them
// per thread slot as CommandStats does): it costs GET and SET nothing measurable.
//
// Percentiles are interpolated linearly inside the bucket that holds the wanted rank, so they
// are exact to within the bucket's width (a factor of 2 at worst, usually much closer for a
// command whose latencies spread over several buckets). Redis computes the same figures from an
// HdrHistogram with 3 significant digits; Mnemo trades that precision for a recording cost of
// one increment and 224 bytes per command and thread slot.
//
// Thread-safety: LatencyHistogram is a plain value (a sum read from the atomics); the free
// functions are pure.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace mnemo {

inline constexpr size_t kLatencyBuckets = 28;

// The bucket of a duration of `usec` microseconds.
inline size_t LatencyBucket(uint64_t usec) {
  size_t b = static_cast<size_t>(std::bit_width(usec));
  return b < kLatencyBuckets ? b : kLatencyBuckets - 1;
}

// Upper bound of bucket `b` in microseconds (exclusive): 2^b. The last bucket has none (+Inf);
// this returns 2^(kLatencyBuckets-1) for it, which callers rendering "le" must not use.
inline uint64_t LatencyBucketBound(size_t b) { return uint64_t{1} << b; }

struct LatencyHistogram {
  std::array<uint64_t, kLatencyBuckets> counts{};

  uint64_t Total() const {
    uint64_t n = 0;
    for (uint64_t c : counts) n += c;
    return n;
  }
  // The `percent`-th percentile (0 < percent <= 100) in microseconds: the smallest duration
  // at or below which `percent` % of the recorded durations fall, interpolated inside its
  // bucket. 0 when nothing was recorded.
  double Percentile(double percent) const;
};

}  // namespace mnemo
