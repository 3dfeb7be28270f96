#include "common/latency_histogram.h"

#include <gtest/gtest.h>

namespace mnemo {
namespace {

TEST(LatencyHistogram, BucketsArePowersOfTwo) {
  EXPECT_EQ(LatencyBucket(0), 0u);
  EXPECT_EQ(LatencyBucket(1), 1u);
  EXPECT_EQ(LatencyBucket(2), 2u);
  EXPECT_EQ(LatencyBucket(3), 2u);
  EXPECT_EQ(LatencyBucket(4), 3u);
  EXPECT_EQ(LatencyBucket(1023), 10u);
  EXPECT_EQ(LatencyBucket(1024), 11u);
  // Every duration lies below its bucket's bound and at or above the previous one's.
  for (uint64_t d : {1ull, 5ull, 100ull, 99999ull, 1ull << 20}) {
    size_t b = LatencyBucket(d);
    EXPECT_LT(d, LatencyBucketBound(b));
    EXPECT_GE(d, LatencyBucketBound(b - 1));
  }
  EXPECT_EQ(LatencyBucket(UINT64_MAX), kLatencyBuckets - 1);
  EXPECT_EQ(LatencyBucket(uint64_t{1} << (kLatencyBuckets - 2)), kLatencyBuckets - 1);
}

TEST(LatencyHistogram, EmptyHasZeroPercentiles) {
  LatencyHistogram h;
  EXPECT_EQ(h.Total(), 0u);
  EXPECT_EQ(h.Percentile(50), 0);
  EXPECT_EQ(h.Percentile(99.9), 0);
}

TEST(LatencyHistogram, PercentilesInterpolateInsideTheBucket) {
  LatencyHistogram h;
  // 100 durations in [8, 16) us, 1 in [1024, 2048) us.
  h.counts[LatencyBucket(10)] = 100;
  h.counts[LatencyBucket(1500)] = 1;
  EXPECT_EQ(h.Total(), 101u);
  // Rank 51 of 100 in [8, 16): 8 + 8 * 51/100.
  EXPECT_DOUBLE_EQ(h.Percentile(50), 8 + 8 * 51.0 / 100);
  // Rank ceil(99.99) = 100: the last of the 100.
  EXPECT_DOUBLE_EQ(h.Percentile(99), 16);
  // Rank 101: the single slow one, at the top of its bucket.
  EXPECT_DOUBLE_EQ(h.Percentile(99.9), 2048);
  EXPECT_DOUBLE_EQ(h.Percentile(100), 2048);
}

TEST(LatencyHistogram, PercentilesNeverDecrease) {
  LatencyHistogram h;
  for (uint64_t d = 0; d < 5000; d += 7) h.counts[LatencyBucket(d)]++;
  double last = 0;
  for (double p = 1; p <= 100; p += 0.5) {
    double v = h.Percentile(p);
    EXPECT_GE(v, last) << p;
    last = v;
  }
  EXPECT_LE(last, 8192);
}

TEST(LatencyHistogram, ZeroDurationsAndTheOverflowBucket) {
  LatencyHistogram h;
  h.counts[0] = 3;
  EXPECT_EQ(h.Percentile(50), 0);
  h.counts[kLatencyBuckets - 1] = 10;
  // The overflow bucket has no upper bound: its lower bound is reported.
  EXPECT_DOUBLE_EQ(h.Percentile(99), static_cast<double>(LatencyBucketBound(kLatencyBuckets - 2)));
}

}  // namespace
}  // namespace mnemo
