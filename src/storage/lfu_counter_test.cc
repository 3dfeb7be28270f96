#include "storage/lfu_counter.h"

#include <gtest/gtest.h>

namespace mnemo {
namespace {

TEST(LfuCounter, IncrementProbabilityShrinksWithTheCounter) {
  // At or below the initial value every access counts.
  EXPECT_EQ(LfuCounter::Increment(0, 0.999), 1);
  EXPECT_EQ(LfuCounter::Increment(LfuCounter::kInitVal, 0.999), LfuCounter::kInitVal + 1);
  // Above it, p = 1 / ((counter - 5) * 10 + 1): at 6, 1/11; at 15, 1/101.
  EXPECT_EQ(LfuCounter::Increment(6, 1.0 / 11 - 1e-9), 7);
  EXPECT_EQ(LfuCounter::Increment(6, 1.0 / 11 + 1e-9), 6);
  EXPECT_EQ(LfuCounter::Increment(15, 1.0 / 101 - 1e-9), 16);
  EXPECT_EQ(LfuCounter::Increment(15, 1.0 / 101 + 1e-9), 15);
}

TEST(LfuCounter, SaturatesAt255) {
  EXPECT_EQ(LfuCounter::Increment(254, 0.0), 255);
  EXPECT_EQ(LfuCounter::Increment(255, 0.0), 255);
  LfuCounter c = LfuCounter::New(0);
  for (int i = 0; i < 300; i++) c.Touch(0, 0.0);  // random 0: every access counts
  EXPECT_EQ(c.Value(0), 255);
}

TEST(LfuCounter, GrowsLogarithmically) {
  // The mean over many keys, so that the bounds hold whatever the random draws: from 5, reaching
  // c takes about 5 * (c - 5)^2 accesses, so 100 give about 9.7 and 1000 about 19.4.
  constexpr int kKeys = 200;
  double sum100 = 0, sum1000 = 0;
  for (int k = 0; k < kKeys; k++) {
    LfuCounter c = LfuCounter::New(0);
    for (int i = 1; i <= 1000; i++) {
      c.Touch(0, LfuCounter::ThreadRandom());
      if (i == 100) sum100 += c.Value(0);
    }
    sum1000 += c.Value(0);
  }
  EXPECT_NEAR(sum100 / kKeys, 9.7, 1.0);
  EXPECT_NEAR(sum1000 / kKeys, 19.4, 1.5);
}

TEST(LfuCounter, DecaysOnePerMinute) {
  EXPECT_EQ(LfuCounter::Decayed(10, 0), 10);
  EXPECT_EQ(LfuCounter::Decayed(10, 3), 7);
  EXPECT_EQ(LfuCounter::Decayed(10, 10), 0);
  EXPECT_EQ(LfuCounter::Decayed(10, 1000), 0);
  LfuCounter c = LfuCounter::New(100);  // 5 at minute 100
  EXPECT_EQ(c.Value(100), 5);
  EXPECT_EQ(c.Value(102), 3);
  EXPECT_EQ(c.Value(200), 0);
  // An access decays first, then counts (from 3, below the initial value: always).
  EXPECT_TRUE(c.Touch(102, 0.999));
  EXPECT_EQ(c.Value(102), 4);
}

TEST(LfuCounter, MinuteClockWraps) {
  EXPECT_EQ(LfuCounter::ElapsedMinutes(10, 12), 2u);
  EXPECT_EQ(LfuCounter::ElapsedMinutes(65534, 1), 2u);  // Redis's arithmetic: 65535 - then + now
  LfuCounter c = LfuCounter::New(65534);
  EXPECT_EQ(c.Value(1), 3);
}

TEST(LfuCounter, TouchReportsNoChangeWhenNothingMoved) {
  LfuCounter c = LfuCounter::New(7);
  EXPECT_TRUE(c.Touch(7, 0.5));   // 5 -> 6: always
  EXPECT_FALSE(c.Touch(7, 0.5));  // at 6 needs random < 1/11
  EXPECT_TRUE(c.Touch(8, 0.5));   // a new minute is stored (decayed to 5, then back to 6)
  EXPECT_EQ(c.Value(8), 6);
}

TEST(LfuCounter, ThreadRandomIsInUnitInterval) {
  double sum = 0;
  for (int i = 0; i < 10000; i++) {
    double r = LfuCounter::ThreadRandom();
    ASSERT_GE(r, 0.0);
    ASSERT_LT(r, 1.0);
    sum += r;
  }
  EXPECT_NEAR(sum / 10000, 0.5, 0.05);
}

}  // namespace
}  // namespace mnemo
