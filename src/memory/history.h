// MemoryHistory: the recent past of the memory snapshot, and what it says of the future.
//
// Two rings of samples, each a handful of snapshot figures at one moment: one sample a second for
// the last 10 minutes (kFineSamples) and one a minute for the last 24 hours (kCoarseSamples, the
// minute's last sample with the minute's peak of `used`). Both are allocated once, at
// construction, so the history's memory is fixed (Bytes(), reported as the snapshot's `history`
// component) whatever the uptime.
//
// The forecast estimates the growth rate of `used` (the figure the memory limit is enforced on)
// over the last 1 minute, 10 minutes and 1 hour with the Theil–Sen estimator (the median of the
// slopes between every pair of samples), which ignores up to about 29 % of outliers (a burst, a
// purge) where a least-squares line would follow them. From the rate it projects the time until
// the effective limit and recommends a limit for the observed peak plus headroom.
//
// Thread-safety: every method may be called from any thread; one mutex guards the rings (Add once
// a second from the server cron, readers on demand). Forecast works on a copy taken under it.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

namespace mnemo {

// The figures kept per sample, named as the INFO memory fields they come from.
enum class HistoryField : int {
  kUsed,          // used_memory: the figure the limit applies to
  kRss,           // used_memory_rss
  kBlockCache,    // mem_block_cache
  kMemtables,     // mem_memtables
  kTableReaders,  // mem_table_readers
  kKeyCache,      // mem_key_cache
  kClients,       // mem_clients_normal
  kProfiler,      // mem_profiler
  kUnaccounted,   // mem_unaccounted
  kUsedPeak,      // the highest `used` over the sample's period (a coarse sample: its minute)
};
inline constexpr int kHistoryFieldCount = 10;

// The field's name ("used_memory", ...); FindHistoryField is its inverse.
const char* HistoryFieldName(HistoryField f);
std::optional<HistoryField> FindHistoryField(std::string_view name);

struct HistorySample {
  int64_t ms = 0;  // unix ms
  std::array<uint64_t, kHistoryFieldCount> v{};
  uint64_t get(HistoryField f) const { return v[static_cast<int>(f)]; }
  void set(HistoryField f, uint64_t x) { v[static_cast<int>(f)] = x; }
};

// Growth of `used` over one window. The rate is absent when the window holds fewer than
// kMinForecastSamples samples or its samples span less than a quarter of it.
struct GrowthWindow {
  int seconds = 0;
  size_t samples = 0;
  std::optional<double> bytes_per_second;
};

struct MemoryForecast {
  uint64_t used = 0;   // the latest sample's used
  uint64_t limit = 0;  // the effective limit; 0 = none
  GrowthWindow w1m, w10m, w1h;
  // The rate the projection uses: the 10-minute one, else the 1-minute one, else none.
  std::optional<double> rate;
  // Seconds until used reaches the limit at `rate`: absent without a limit or when not growing;
  // 0 once at or past the limit.
  std::optional<double> eta_seconds;
  uint64_t peak_24h = 0;     // highest used over the history (up to 24 hours)
  uint64_t recommended = 0;  // peak_24h x (1 + kForecastHeadroom), rounded up to a MiB
};

inline constexpr size_t kFineSamples = 600;     // 1 s each: 10 minutes
inline constexpr size_t kCoarseSamples = 1440;  // 1 min each: 24 hours
inline constexpr size_t kMinForecastSamples = 5;
inline constexpr double kForecastHeadroom = 0.25;

// The Theil–Sen slope (units of value per second) of (ms, value) points; absent below 2 points
// or when every point has the same time. Pure.
std::optional<double> TheilSenSlope(const std::vector<std::pair<int64_t, double>>& points);

class MemoryHistory {
 public:
  MemoryHistory();

  // Appends a fine sample (the caller takes one a second; a sample not newer than the last is
  // ignored) and, at each new minute, a coarse one.
  void Add(const HistorySample& s);
  // The samples of the last `seconds` up to the newest, oldest first: from the fine ring when
  // seconds <= 600, else from the coarse ring.
  std::vector<HistorySample> Recent(int64_t seconds) const;
  MemoryForecast Forecast(uint64_t limit) const;
  // Bytes the rings take (fixed).
  static constexpr uint64_t Bytes() {
    return (kFineSamples + kCoarseSamples) * sizeof(HistorySample);
  }

 private:
  struct Ring {
    std::vector<HistorySample> slots;
    size_t next = 0, count = 0;
    void Push(const HistorySample& s);
    const HistorySample& Back(size_t i) const;  // i = 0: newest
  };
  mutable std::mutex mu_;
  Ring fine_, coarse_;
  uint64_t minute_peak_ = 0;  // highest used since the last coarse sample
};

}  // namespace mnemo
