// MemoryGovernor: keeps the process under its memory limit by degrading gracefully.
//
// Every tick (about 100 ms, on its own thread) it compares used memory with the limit and walks
// a ladder of levels with hysteresis (a level is entered at its threshold and left only when
// usage falls `hysteresis` below it). The process's RSS is read on the same tick: when it is at
// or above a level's threshold, the allocator's dirty pages are purged as at that level, even
// while used memory is lower (freed pages that the allocator has not returned yet are resident
// but not used; the rest of the ladder acts on used memory only):
//   soft (>= soft ratio): purge the allocator's dirty pages; shrink the block cache and key
//        cache capacities step by step toward their floors; lower the memtable budget so
//        memtables flush earlier.
//   hard (>= hard ratio): pause active heap profiling; apply the configured output-buffer
//        limit to every client, also those not being served; refuse oversized requests
//        (dispatch reads the level).
//   full (>= full ratio): refuse commands that can add data (-OOM); reads, deletes and admin
//        commands keep working.
// Coming back down, actions are undone in reverse order: cache capacities and memtable budget
// are restored step by step and profiling resumes if the governor paused it. No action drops
// data: shrinking a cache evicts clean copies, a smaller memtable budget only flushes earlier.
//
// The governor only decides; the server implements the levers (MemoryLevers). The hot path
// reads level() — one relaxed atomic load. Thread-safety: Tick runs on the governor thread (or
// a test); setters and readers may be called from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace mnemo {

enum class MemoryLevel : int { kNormal = 0, kSoft = 1, kHard = 2, kFull = 3 };
const char* MemoryLevelName(MemoryLevel level);  // "normal", "soft", "hard", "full"

// What the governor can act on. Implemented by the server over storage, allocator, profiler and
// clients. Called only from the governor's thread.
class MemoryLevers {
 public:
  virtual ~MemoryLevers() = default;
  virtual uint64_t UsedBytes() = 0;       // the allocator's allocated bytes (or debug-used-memory)
  virtual uint64_t ResidentBytes() = 0;   // the process's RSS; 0 = not known
  virtual uint64_t PurgeAllocator() = 0;  // returns resident bytes released
  virtual void SetBlockCacheCapacity(uint64_t bytes) = 0;
  virtual void SetKeyCacheCapacity(uint64_t bytes) = 0;
  virtual void SetMemtableBudget(uint64_t bytes) = 0;
  virtual bool PauseProfiling() = 0;  // true when profiling was active and is now paused
  virtual void ResumeProfiling() = 0;
  // Closes the clients over the configured output-buffer limit. Returns how many it closed at
  // once; closes it leaves to other threads count themselves in clients_closed.
  virtual int CloseClientsOverOutputLimit() = 0;
  virtual void LogLevelChange(MemoryLevel from, MemoryLevel to, uint64_t used, uint64_t limit) = 0;
};

struct GovernorSettings {
  uint64_t limit = 0;  // effective limit in bytes; 0 = no limit (level stays normal)
  double soft_ratio = 0.85;
  double hard_ratio = 0.95;
  double full_ratio = 1.0;
  double hysteresis = 0.03;         // of the limit
  uint64_t cache_capacity = 0;      // the block cache capacity at normal level
  uint64_t cache_floor = 0;         // never shrink the cache below this
  uint64_t key_cache_capacity = 0;  // the key cache capacity at normal level
  uint64_t key_cache_floor = 0;
  uint64_t memtable_budget = 0;  // the memtable budget at normal level
  uint64_t memtable_floor = 0;   // never lower the memtable budget below this
  int steps = 8;                 // shrink/restore in this many steps
};

struct GovernorCounters {
  std::atomic<uint64_t> purges{0};
  std::atomic<uint64_t> purged_bytes{0};
  std::atomic<uint64_t> cache_shrinks{0};
  std::atomic<uint64_t> cache_restores{0};
  std::atomic<uint64_t> memtable_budget_cuts{0};
  std::atomic<uint64_t> profiling_pauses{0};
  std::atomic<uint64_t> clients_closed{0};
  std::atomic<uint64_t> level_changes{0};
  std::atomic<uint64_t> refused_commands{0};   // counted by dispatch
  std::atomic<uint64_t> refused_oversized{0};  // counted by dispatch
  std::atomic<uint64_t> refused_replies{0};    // counted by the server's ReplyFits
};

class MemoryGovernor {
 public:
  explicit MemoryGovernor(MemoryLevers* levers);
  ~MemoryGovernor();
  MemoryGovernor(const MemoryGovernor&) = delete;
  MemoryGovernor& operator=(const MemoryGovernor&) = delete;

  void UpdateSettings(const GovernorSettings& s);
  GovernorSettings settings() const;

  void Start(int tick_ms = 100);
  void Stop();
  // One step of the ladder. Public for tests and for an immediate re-check; serialized.
  void Tick();

  MemoryLevel level() const { return level_.load(std::memory_order_relaxed); }
  uint64_t limit() const { return limit_.load(std::memory_order_relaxed); }  // lock-free
  uint64_t cache_capacity() const { return cur_cache_.load(std::memory_order_relaxed); }
  uint64_t key_cache_capacity() const { return cur_key_cache_.load(std::memory_order_relaxed); }
  uint64_t memtable_budget() const { return cur_memtable_.load(std::memory_order_relaxed); }
  bool profiling_paused() const { return profiling_paused_.load(std::memory_order_relaxed); }
  uint64_t last_used() const { return last_used_.load(std::memory_order_relaxed); }
  uint64_t last_rss() const { return last_rss_.load(std::memory_order_relaxed); }
  GovernorCounters& counters() { return counters_; }

 private:
  MemoryLevel Classify(uint64_t used, MemoryLevel current, const GovernorSettings& s) const;
  void Purge(MemoryLevel pressure);
  void ApplySoft(const GovernorSettings& s);
  void ApplyHard();
  void Relax(MemoryLevel level, const GovernorSettings& s);
  static uint64_t StepToward(uint64_t cur, uint64_t target, uint64_t full, int steps);

  MemoryLevers* levers_;
  mutable std::mutex mu_;  // guards settings_ and configured_
  GovernorSettings settings_;
  bool configured_ = false;
  std::mutex tick_mu_;  // one Tick at a time (the thread, or a caller wanting an immediate one)
  std::atomic<MemoryLevel> level_{MemoryLevel::kNormal};
  std::atomic<uint64_t> limit_{0};
  std::atomic<uint64_t> cur_cache_{0};
  std::atomic<uint64_t> cur_key_cache_{0};
  std::atomic<uint64_t> cur_memtable_{0};
  std::atomic<bool> profiling_paused_{false};
  std::atomic<uint64_t> last_used_{0};
  std::atomic<uint64_t> last_rss_{0};
  int ticks_since_purge_ = 1 << 20;
  GovernorCounters counters_;

  std::mutex thread_mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace mnemo
