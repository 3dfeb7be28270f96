#include "memory/governor.h"

#include <algorithm>
#include <chrono>

namespace mnemo {
namespace {

// Purging walks every arena; at the soft level once per second is enough to keep dirty pages low.
constexpr int kTicksBetweenPurges = 10;

}  // namespace

const char* MemoryLevelName(MemoryLevel level) {
  switch (level) {
    case MemoryLevel::kSoft:
      return "soft";
    case MemoryLevel::kHard:
      return "hard";
    case MemoryLevel::kFull:
      return "full";
    default:
      return "normal";
  }
}

MemoryGovernor::MemoryGovernor(MemoryLevers* levers) : levers_(levers) {}

MemoryGovernor::~MemoryGovernor() { Stop(); }

void MemoryGovernor::UpdateSettings(const GovernorSettings& s) {
  std::lock_guard<std::mutex> lock(mu_);
  // The first settings describe what storage was opened with; later changes of the baselines
  // are reached step by step by the ticks (Relax).
  if (!configured_) {
    cur_cache_ = s.cache_capacity;
    cur_key_cache_ = s.key_cache_capacity;
    cur_memtable_ = s.memtable_budget;
    configured_ = true;
  }
  settings_ = s;
  limit_ = s.limit;
}

GovernorSettings MemoryGovernor::settings() const {
  std::lock_guard<std::mutex> lock(mu_);
  return settings_;
}

void MemoryGovernor::Start(int tick_ms) {
  std::lock_guard<std::mutex> lock(thread_mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this, tick_ms] {
    pthread_setname_np(pthread_self(), "mnemo-governor");
    std::unique_lock<std::mutex> l(thread_mu_);
    while (!stopping_) {
      l.unlock();
      Tick();
      l.lock();
      wake_.wait_for(l, std::chrono::milliseconds(tick_ms), [this] { return stopping_; });
    }
  });
}

void MemoryGovernor::Stop() {
  {
    std::lock_guard<std::mutex> lock(thread_mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

MemoryLevel MemoryGovernor::Classify(uint64_t used, MemoryLevel current,
                                     const GovernorSettings& s) const {
  if (s.limit == 0) return MemoryLevel::kNormal;
  double ratio = static_cast<double>(used) / static_cast<double>(s.limit);
  const double enter[] = {0, s.soft_ratio, s.hard_ratio, s.full_ratio};
  int level = 0;
  for (int l = 3; l >= 1; l--) {
    // At or above the current level, a level is kept until usage falls `hysteresis` below it.
    double threshold = l <= static_cast<int>(current) ? enter[l] - s.hysteresis : enter[l];
    if (ratio >= threshold) {
      level = l;
      break;
    }
  }
  return static_cast<MemoryLevel>(level);
}

uint64_t MemoryGovernor::StepToward(uint64_t cur, uint64_t target, uint64_t full, int steps) {
  uint64_t step = std::max<uint64_t>(full / static_cast<uint64_t>(std::max(steps, 1)), 1);
  if (cur > target) return cur - std::min(step, cur - target);
  return cur + std::min(step, target - cur);
}

void MemoryGovernor::Tick() {
  std::lock_guard<std::mutex> tick_lock(tick_mu_);
  GovernorSettings s = settings();
  uint64_t used = levers_->UsedBytes();
  uint64_t rss = levers_->ResidentBytes();
  last_used_ = used;
  last_rss_ = rss;
  MemoryLevel before = level();
  MemoryLevel now = Classify(used, before, s);
  if (now != before) {
    level_ = now;
    // A burst can cross several thresholds within one tick: report every level passed, in
    // order, so the log and the counters read as the ladder (this tick runs each level's
    // actions below, too).
    int step = now > before ? 1 : -1;
    for (int l = static_cast<int>(before); l != static_cast<int>(now); l += step) {
      counters_.level_changes++;
      levers_->LogLevelChange(static_cast<MemoryLevel>(l), static_cast<MemoryLevel>(l + step), used,
                              s.limit);
    }
  }
  ticks_since_purge_++;
  // RSS is not smoothed by hysteresis: it only decides how often to purge.
  Purge(std::max(now, Classify(rss, MemoryLevel::kNormal, s)));
  if (now >= MemoryLevel::kSoft) ApplySoft(s);
  if (now >= MemoryLevel::kHard) ApplyHard();
  Relax(now, s);
}

// `pressure` is the higher of the level of used memory and that of RSS. Under a sustained load
// of large writes, pages freed and not yet returned (jemalloc's 1 s decay) carried RSS to
// 1.13-1.36x the limit while used memory was at 0.73x, below the soft level
// (test_pressure_stays_near_limit; docs/memory.md, "The memory limit").
void MemoryGovernor::Purge(MemoryLevel pressure) {
  if (pressure < MemoryLevel::kSoft) return;
  // Near the limit, dirty pages are returned every tick: RSS is what the kernel counts.
  int interval = pressure >= MemoryLevel::kHard ? 1 : kTicksBetweenPurges;
  if (ticks_since_purge_ < interval) return;
  ticks_since_purge_ = 0;
  counters_.purges++;
  counters_.purged_bytes += levers_->PurgeAllocator();
}

void MemoryGovernor::ApplySoft(const GovernorSettings& s) {
  uint64_t cache = cur_cache_.load();
  uint64_t cache_floor = std::min(s.cache_floor, s.cache_capacity);
  if (cache > cache_floor) {
    cache = StepToward(cache, cache_floor, s.cache_capacity, s.steps);
    cur_cache_ = cache;
    levers_->SetBlockCacheCapacity(cache);
    counters_.cache_shrinks++;
  }
  uint64_t key_cache = cur_key_cache_.load();
  uint64_t key_cache_floor = std::min(s.key_cache_floor, s.key_cache_capacity);
  if (key_cache > key_cache_floor) {
    key_cache = StepToward(key_cache, key_cache_floor, s.key_cache_capacity, s.steps);
    cur_key_cache_ = key_cache;
    levers_->SetKeyCacheCapacity(key_cache);
  }
  uint64_t budget = cur_memtable_.load();
  uint64_t budget_floor = std::min(s.memtable_floor, s.memtable_budget);
  if (budget > budget_floor) {
    budget = StepToward(budget, budget_floor, s.memtable_budget, s.steps);
    cur_memtable_ = budget;
    levers_->SetMemtableBudget(budget);
    counters_.memtable_budget_cuts++;
  }
}

void MemoryGovernor::ApplyHard() {
  if (!profiling_paused_.load() && levers_->PauseProfiling()) {
    profiling_paused_ = true;
    counters_.profiling_pauses++;
  }
  int closed = levers_->CloseClientsOverOutputLimit();
  if (closed > 0) counters_.clients_closed += static_cast<uint64_t>(closed);
}

// Undoes actions of the levels above `level`, in reverse order of taking them.
void MemoryGovernor::Relax(MemoryLevel level, const GovernorSettings& s) {
  if (level < MemoryLevel::kHard && profiling_paused_.load()) {
    profiling_paused_ = false;
    levers_->ResumeProfiling();
  }
  if (level >= MemoryLevel::kSoft) return;
  uint64_t budget = cur_memtable_.load();
  if (budget != s.memtable_budget) {
    budget = StepToward(budget, s.memtable_budget, s.memtable_budget, s.steps);
    cur_memtable_ = budget;
    levers_->SetMemtableBudget(budget);
  }
  uint64_t cache = cur_cache_.load();
  if (cache != s.cache_capacity) {
    cache = StepToward(cache, s.cache_capacity, s.cache_capacity, s.steps);
    cur_cache_ = cache;
    levers_->SetBlockCacheCapacity(cache);
    counters_.cache_restores++;
  }
  uint64_t key_cache = cur_key_cache_.load();
  if (key_cache != s.key_cache_capacity) {
    key_cache = StepToward(key_cache, s.key_cache_capacity, s.key_cache_capacity, s.steps);
    cur_key_cache_ = key_cache;
    levers_->SetKeyCacheCapacity(key_cache);
  }
}

}  // namespace mnemo
