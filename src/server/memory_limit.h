// The server's side of the memory limit: works out the effective limit and the budgets sized
// from it, implements the governor's levers over storage, allocator, profiler and clients, and
// renders INFO's governor section.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "config/config.h"
#include "memory/governor.h"

namespace mnemo {

class Server;

struct MemoryBudgets {
  uint64_t limit = 0;         // effective limit in bytes; 0 = none
  std::string source;         // "maxmemory", "cgroup" or "none"
  uint64_t cgroup_limit = 0;  // 0 = not under a cgroup limit
  uint64_t cache = 0;         // block cache capacity at the normal level
  uint64_t cache_floor = 0;
  uint64_t memtable_budget = 0;  // WriteBufferManager budget at the normal level
  uint64_t memtable_floor = 0;
  uint64_t memtable_size = 0;  // one memtable (RocksDB write_buffer_size)
  int memtables = 0;           // most memtables per column family (max_write_buffer_number)
  uint64_t key_cache = 0;      // key cache capacity at the normal level
  uint64_t key_cache_floor = 0;
};

// Pure: the budgets for this config and cgroup limit. With a limit, the block cache and the
// memtable budget each get at most a quarter of it and the key cache an eighth, so the server
// fits by itself. Under a limit, memtables are a quarter of their budget each (from
// `rocksdb.write-buffer-size` up to 64 MB), as many per column family as fit in the budget (2
// to `rocksdb.max-write-buffer-number`; 4 up to a 1 GB limit): one full memtable is flushed at a
// time there, so its size is the size of an L0 file.
MemoryBudgets ComputeMemoryBudgets(const Config& config, std::optional<uint64_t> cgroup_limit);
GovernorSettings GovernorSettingsFor(const Config& config, const MemoryBudgets& b);

class ServerLevers : public MemoryLevers {
 public:
  explicit ServerLevers(Server* server) : server_(server) {}
  uint64_t UsedBytes() override;
  uint64_t ResidentBytes() override;
  uint64_t PurgeAllocator() override;
  void SetBlockCacheCapacity(uint64_t bytes) override;
  void SetKeyCacheCapacity(uint64_t bytes) override;
  void SetMemtableBudget(uint64_t bytes) override;
  bool PauseProfiling() override;
  void ResumeProfiling() override;
  int CloseClientsOverOutputLimit() override;
  void LogLevelChange(MemoryLevel from, MemoryLevel to, uint64_t used, uint64_t limit) override;

 private:
  Server* server_;
  std::optional<int64_t> paused_sample_bytes_;
};

// The memory gate's errors, one helper each (a connection's dispatch and a script's commands):
// "-OOM command not allowed when used memory > 'maxmemory'." at the full level, and the
// namespace quota's "-OOM command not allowed: namespace 'ns' would exceed its data quota of N
// bytes.".
Status MemoryFullError();
Status QuotaExceededError(const std::string& ns, int64_t quota);

// At the hard level, requests that can add data and carry more than this are refused.
constexpr int64_t kHardLevelRequestLimit = 64 << 10;

}  // namespace mnemo
