#include "memory/history.h"

#include <gtest/gtest.h>

#include <cmath>

#include "memory/snapshot.h"

namespace mnemo {
namespace {

constexpr int64_t kStart = 1'700'000'000'000;  // a minute boundary would be by chance only
constexpr uint64_t kMiB = 1 << 20;

HistorySample At(int64_t second, uint64_t used) {
  HistorySample s;
  s.ms = kStart + second * 1000;
  s.set(HistoryField::kUsed, used);
  s.set(HistoryField::kRss, used * 2);
  return s;
}

TEST(TheilSen, ExactOnALine) {
  std::vector<std::pair<int64_t, double>> p;
  for (int i = 0; i < 50; i++) p.emplace_back(i * 1000, 100 + 7.0 * i);
  auto slope = TheilSenSlope(p);
  ASSERT_TRUE(slope);
  EXPECT_DOUBLE_EQ(*slope, 7.0);
}

TEST(TheilSen, IgnoresAFifthOfOutliers) {
  std::vector<std::pair<int64_t, double>> p;
  for (int i = 0; i < 100; i++) {
    double y = 1000.0 * i;
    if (i % 5 == 0) y += (i % 10 == 0 ? 1 : -1) * 5e6;  // bursts and purges
    p.emplace_back(i * 1000, y);
  }
  auto slope = TheilSenSlope(p);
  ASSERT_TRUE(slope);
  EXPECT_NEAR(*slope, 1000.0, 50.0);
}

TEST(TheilSen, NeedsTwoDistinctTimes) {
  EXPECT_FALSE(TheilSenSlope({}));
  EXPECT_FALSE(TheilSenSlope({{5, 1.0}}));
  EXPECT_FALSE(TheilSenSlope({{5, 1.0}, {5, 9.0}}));
}

TEST(TheilSen, ThinsLongSeriesAndStaysExact) {
  std::vector<std::pair<int64_t, double>> p;
  for (int i = 0; i < 5000; i++) p.emplace_back(i * 1000, -3.0 * i);
  auto slope = TheilSenSlope(p);
  ASSERT_TRUE(slope);
  EXPECT_NEAR(*slope, -3.0, 1e-9);
}

TEST(MemoryHistory, FineRingKeepsTenMinutesAndFieldsRoundTrip) {
  MemoryHistory h;
  for (int i = 0; i < 700; i++) h.Add(At(i, 1000 + i));
  std::vector<HistorySample> all = h.Recent(600);
  ASSERT_EQ(all.size(), 600u);  // the ring holds 600; the 601st second fell out
  EXPECT_EQ(all.front().get(HistoryField::kUsed), 1100u);
  EXPECT_EQ(all.back().get(HistoryField::kUsed), 1699u);
  EXPECT_EQ(all.back().get(HistoryField::kRss), 3398u);
  std::vector<HistorySample> last = h.Recent(10);
  ASSERT_EQ(last.size(), 11u);  // both ends included
  EXPECT_EQ(last.front().ms, kStart + 689 * 1000);
}

TEST(MemoryHistory, OlderOrEqualSamplesAreIgnored) {
  MemoryHistory h;
  h.Add(At(10, 1));
  h.Add(At(10, 2));
  h.Add(At(9, 3));
  ASSERT_EQ(h.Recent(600).size(), 1u);
  EXPECT_EQ(h.Recent(600)[0].get(HistoryField::kUsed), 1u);
}

TEST(MemoryHistory, CoarseRingTakesOneSampleAMinuteWithTheMinutesPeak) {
  MemoryHistory h;
  // 5 minutes; in each minute one spike of 10x.
  for (int i = 0; i < 300; i++) h.Add(At(i, i % 60 == 30 ? 10'000 : 1000));
  std::vector<HistorySample> coarse = h.Recent(3600);
  ASSERT_GE(coarse.size(), 5u);
  ASSERT_LE(coarse.size(), 6u);
  // Every minute after the first sample saw a spike; the peak field carries it.
  int with_peak = 0;
  for (const HistorySample& s : coarse) {
    if (s.get(HistoryField::kUsedPeak) == 10'000) with_peak++;
  }
  EXPECT_GE(with_peak, 4);
  EXPECT_EQ(h.Forecast(0).peak_24h, 10'000u);
}

TEST(MemoryHistory, ForecastOfSteadyGrowth) {
  MemoryHistory h;
  const uint64_t base = 100 * kMiB, rate = 64 * 1024;  // 64 KiB/s
  for (int i = 0; i <= 600; i++) h.Add(At(i, base + rate * i));
  const uint64_t limit = 1024 * kMiB;
  MemoryForecast f = h.Forecast(limit);
  ASSERT_TRUE(f.w1m.bytes_per_second);
  ASSERT_TRUE(f.w10m.bytes_per_second);
  EXPECT_NEAR(*f.w1m.bytes_per_second, rate, 1.0);
  EXPECT_NEAR(*f.w10m.bytes_per_second, rate, 1.0);
  EXPECT_FALSE(f.w1h.bytes_per_second);  // 10 minutes of coarse samples do not cover an hour
  ASSERT_TRUE(f.eta_seconds);
  double expect = static_cast<double>(limit - (base + rate * 600)) / rate;
  EXPECT_NEAR(*f.eta_seconds, expect, 1.0);
  EXPECT_EQ(f.used, base + rate * 600);
  EXPECT_EQ(f.peak_24h, base + rate * 600);
  uint64_t want = static_cast<uint64_t>(std::ceil((base + rate * 600) * 1.25 / kMiB)) * kMiB;
  EXPECT_EQ(f.recommended, want);
}

TEST(MemoryHistory, NoEtaWhenShrinkingNoLimitOrTooFewSamples) {
  MemoryHistory shrinking;
  for (int i = 0; i < 120; i++) shrinking.Add(At(i, 1'000'000 - 100 * i));
  MemoryForecast f = shrinking.Forecast(2'000'000);
  ASSERT_TRUE(f.rate);
  EXPECT_LT(*f.rate, 0);
  EXPECT_FALSE(f.eta_seconds);

  MemoryHistory growing;
  for (int i = 0; i < 120; i++) growing.Add(At(i, 1000 + 100 * i));
  EXPECT_FALSE(growing.Forecast(0).eta_seconds);

  MemoryHistory young;
  for (int i = 0; i < 3; i++) young.Add(At(i, 1000 + 100 * i));
  MemoryForecast y = young.Forecast(1'000'000);
  EXPECT_FALSE(y.rate);
  EXPECT_FALSE(y.eta_seconds);
  EXPECT_EQ(y.w1m.samples, 3u);
}

TEST(MemoryHistory, AtTheLimitTheEtaIsZero) {
  MemoryHistory h;
  for (int i = 0; i < 10; i++) h.Add(At(i, 5000));
  MemoryForecast f = h.Forecast(4000);
  ASSERT_TRUE(f.eta_seconds);
  EXPECT_EQ(*f.eta_seconds, 0);
}

TEST(MemoryHistory, FieldNamesRoundTrip) {
  for (int i = 0; i < kHistoryFieldCount; i++) {
    auto f = static_cast<HistoryField>(i);
    ASSERT_EQ(FindHistoryField(HistoryFieldName(f)), f);
  }
  EXPECT_FALSE(FindHistoryField("nope"));
}

TEST(MemoryDoctorForecast, WarnsOfALimitWithinADayOnly) {
  MemorySnapshot s;  // no allocator: the other rules stay quiet
  MemoryForecast f;
  f.limit = 1024 * kMiB;
  f.used = 512 * kMiB;
  f.rate = 512.0 * kMiB / (37 * 60);
  f.w10m.bytes_per_second = f.rate;
  f.eta_seconds = 37 * 60;
  f.recommended = 700 * kMiB;
  std::vector<std::string> lines = MemoryDoctor(s, &f);
  bool found = false;
  for (const std::string& l : lines) {
    if (l.find("about 37 minutes") != std::string::npos) {
      found = true;
      EXPECT_NE(l.find("last 10 minutes"), std::string::npos) << l;
      EXPECT_NE(l.find("700.00M"), std::string::npos) << l;
    }
    EXPECT_EQ(l.find("No memory problems"), std::string::npos) << l;
  }
  EXPECT_TRUE(found);

  f.eta_seconds = 3 * 86400.0;
  for (const std::string& l : MemoryDoctor(s, &f)) {
    EXPECT_EQ(l.find("reaches the limit"), std::string::npos) << l;
  }
}

}  // namespace
}  // namespace mnemo
