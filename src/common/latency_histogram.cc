#include "common/latency_histogram.h"

#include <cmath>

namespace mnemo {

double LatencyHistogram::Percentile(double percent) const {
  uint64_t total = Total();
  if (total == 0) return 0;
  // The rank of the wanted duration among the sorted durations, 1-based (nearest rank).
  double rank = std::ceil(percent / 100.0 * static_cast<double>(total));
  if (rank < 1) rank = 1;
  double seen = 0;
  for (size_t b = 0; b < kLatencyBuckets; b++) {
    if (counts[b] == 0) continue;
    double in_bucket = static_cast<double>(counts[b]);
    if (seen + in_bucket < rank) {
      seen += in_bucket;
      continue;
    }
    if (b == 0) return 0;
    double lo = static_cast<double>(LatencyBucketBound(b - 1));
    if (b == kLatencyBuckets - 1) return lo;  // no upper bound: report the lower one
    double hi = static_cast<double>(LatencyBucketBound(b));
    // The rank's position among this bucket's durations, taken as spread evenly over [lo, hi).
    return lo + (hi - lo) * (rank - seen) / in_bucket;
  }
  return 0;  // not reached: rank <= total
}

}  // namespace mnemo
