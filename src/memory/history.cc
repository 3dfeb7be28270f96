#include "memory/history.h"

#include <algorithm>
#include <cmath>

namespace mnemo {
namespace {

constexpr const char* kFieldNames[kHistoryFieldCount] = {
    "used_memory",       "used_memory_rss",        "mem_block_cache",    "mem_memtables",
    "mem_table_readers", "mem_key_cache",          "mem_clients_normal", "mem_profiler",
    "mem_unaccounted",   "used_memory_peak_period"};

// At most this many points enter one Theil–Sen estimate (evenly thinned): 200 points are 19 900
// pairs, well under a millisecond.
constexpr size_t kMaxSlopePoints = 200;

GrowthWindow Growth(const std::vector<HistorySample>& samples, int seconds) {
  GrowthWindow w;
  w.seconds = seconds;
  if (samples.empty()) return w;
  int64_t from = samples.back().ms - int64_t{seconds} * 1000;
  std::vector<std::pair<int64_t, double>> points;
  for (const HistorySample& s : samples) {
    if (s.ms >= from) points.emplace_back(s.ms, static_cast<double>(s.get(HistoryField::kUsed)));
  }
  w.samples = points.size();
  if (points.size() < kMinForecastSamples) return w;
  // A quarter of the window must be covered, or a young server's 10-minute rate would be a
  // 1-minute one in disguise (the sample count says how much the window held).
  if (points.back().first - points.front().first < int64_t{seconds} * 1000 / 4) return w;
  w.bytes_per_second = TheilSenSlope(points);
  return w;
}

}  // namespace

const char* HistoryFieldName(HistoryField f) { return kFieldNames[static_cast<int>(f)]; }

std::optional<HistoryField> FindHistoryField(std::string_view name) {
  for (int i = 0; i < kHistoryFieldCount; i++) {
    if (name == kFieldNames[i]) return static_cast<HistoryField>(i);
  }
  return std::nullopt;
}

std::optional<double> TheilSenSlope(const std::vector<std::pair<int64_t, double>>& points) {
  std::vector<std::pair<int64_t, double>> p;
  if (points.size() > kMaxSlopePoints) {
    p.reserve(kMaxSlopePoints);
    for (size_t i = 0; i < kMaxSlopePoints; i++) {
      p.push_back(points[i * (points.size() - 1) / (kMaxSlopePoints - 1)]);
    }
  } else {
    p = points;
  }
  std::vector<double> slopes;
  slopes.reserve(p.size() * (p.size() - 1) / 2);
  for (size_t i = 0; i < p.size(); i++) {
    for (size_t j = i + 1; j < p.size(); j++) {
      int64_t dt = p[j].first - p[i].first;
      if (dt != 0) slopes.push_back((p[j].second - p[i].second) * 1000.0 / static_cast<double>(dt));
    }
  }
  if (slopes.empty()) return std::nullopt;
  size_t mid = slopes.size() / 2;
  std::nth_element(slopes.begin(), slopes.begin() + mid, slopes.end());
  double median = slopes[mid];
  if (slopes.size() % 2 == 0) {
    median = (median + *std::max_element(slopes.begin(), slopes.begin() + mid)) / 2;
  }
  return median;
}

void MemoryHistory::Ring::Push(const HistorySample& s) {
  slots[next] = s;
  next = (next + 1) % slots.size();
  count = std::min(count + 1, slots.size());
}

const HistorySample& MemoryHistory::Ring::Back(size_t i) const {
  return slots[(next + slots.size() - 1 - i) % slots.size()];
}

MemoryHistory::MemoryHistory() {
  fine_.slots.resize(kFineSamples);
  coarse_.slots.resize(kCoarseSamples);
}

void MemoryHistory::Add(const HistorySample& sample) {
  std::lock_guard<std::mutex> lock(mu_);
  if (fine_.count > 0 && sample.ms <= fine_.Back(0).ms) return;
  HistorySample s = sample;
  s.set(HistoryField::kUsedPeak, s.get(HistoryField::kUsed));
  fine_.Push(s);
  minute_peak_ = std::max(minute_peak_, s.get(HistoryField::kUsed));
  if (coarse_.count == 0 || s.ms / 60000 != coarse_.Back(0).ms / 60000) {
    s.set(HistoryField::kUsedPeak, minute_peak_);
    coarse_.Push(s);
    minute_peak_ = 0;
  }
}

std::vector<HistorySample> MemoryHistory::Recent(int64_t seconds) const {
  std::lock_guard<std::mutex> lock(mu_);
  const Ring& ring = seconds <= static_cast<int64_t>(kFineSamples) ? fine_ : coarse_;
  std::vector<HistorySample> out;
  if (ring.count == 0) return out;
  int64_t from = fine_.Back(0).ms - seconds * 1000;
  for (size_t i = ring.count; i-- > 0;) {
    const HistorySample& s = ring.Back(i);
    if (s.ms >= from) out.push_back(s);
  }
  return out;
}

MemoryForecast MemoryHistory::Forecast(uint64_t limit) const {
  std::vector<HistorySample> fine = Recent(kFineSamples);
  std::vector<HistorySample> coarse = Recent(3600);
  MemoryForecast f;
  f.limit = limit;
  if (fine.empty()) return f;
  f.used = fine.back().get(HistoryField::kUsed);
  f.w1m = Growth(fine, 60);
  f.w10m = Growth(fine, 600);
  f.w1h = Growth(coarse, 3600);
  f.rate = f.w10m.bytes_per_second ? f.w10m.bytes_per_second : f.w1m.bytes_per_second;
  if (limit > 0 && f.used >= limit) {
    f.eta_seconds = 0;
  } else if (limit > 0 && f.rate && *f.rate > 0) {
    f.eta_seconds = static_cast<double>(limit - f.used) / *f.rate;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t i = 0; i < coarse_.count; i++) {
      f.peak_24h = std::max(f.peak_24h, coarse_.Back(i).get(HistoryField::kUsedPeak));
    }
    f.peak_24h = std::max(f.peak_24h, minute_peak_);
  }
  constexpr uint64_t kMiB = 1 << 20;
  double want = static_cast<double>(f.peak_24h) * (1 + kForecastHeadroom);
  f.recommended = static_cast<uint64_t>(std::ceil(want / kMiB)) * kMiB;
  return f;
}

}  // namespace mnemo
