#include "server/memory_limit.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "common/log.h"
#include "common/string_util.h"
#include "memory/allocator.h"
#include "memory/heap_profiler.h"
#include "memory/snapshot.h"
#include "server/connection.h"
#include "server/server.h"
#include "server/worker.h"

namespace mnemo {

MemoryBudgets ComputeMemoryBudgets(const Config& config, std::optional<uint64_t> cgroup_limit) {
  MemoryBudgets b;
  b.cgroup_limit = cgroup_limit.value_or(0);
  int64_t maxmemory = config.maxmemory.load();
  if (maxmemory > 0) {
    b.limit = static_cast<uint64_t>(maxmemory);
    b.source = "maxmemory";
  } else if (cgroup_limit) {
    b.limit = static_cast<uint64_t>(static_cast<double>(*cgroup_limit) *
                                    Config::ratio(config.maxmemory_cgroup_ratio));
    b.source = "cgroup";
  } else {
    b.source = "none";
  }
  uint64_t wbs = static_cast<uint64_t>(config.write_buffer_size.load());
  uint64_t per_cf = wbs * static_cast<uint64_t>(config.max_write_buffer_number.load());
  b.cache = static_cast<uint64_t>(config.block_cache_size.load());
  b.memtable_budget = config.write_buffer_budget.load() > 0
                          ? static_cast<uint64_t>(config.write_buffer_budget.load())
                          : 3 * per_cf;  // what three column families can take anyway
  b.key_cache = static_cast<uint64_t>(config.key_cache_size.load());
  if (b.limit > 0) {
    b.cache = std::min(b.cache, b.limit / 4);
    b.key_cache = std::min(b.key_cache, b.limit / 8);
    if (config.write_buffer_budget.load() == 0) b.memtable_budget = b.limit / 4;
  }
  b.memtable_size = wbs;
  b.memtables = static_cast<int>(config.max_write_buffer_number.load());
  if (b.limit > 0) {
    // 1 MB memtables flushed one at a time made 1 MB L0 files: compaction could not keep up
    // and writes stalled on 20 L0 files (issue 12; docs/internals.md, "RocksDB settings").
    constexpr uint64_t kMaxMemtable = 64ull << 20;
    b.memtable_size = std::max(wbs, std::min(b.memtable_budget / 4, kMaxMemtable));
    uint64_t fit = b.memtable_budget / std::max<uint64_t>(b.memtable_size, 1);
    b.memtables = static_cast<int>(
        std::clamp<uint64_t>(fit, 2, static_cast<uint64_t>(std::max(b.memtables, 2))));
  }
  constexpr uint64_t kMinCache = 4 << 20;
  b.cache_floor = std::min(b.cache, std::max(b.cache / 8, kMinCache));
  b.key_cache_floor = std::min(b.key_cache, std::max(b.key_cache / 8, kMinCache));
  constexpr uint64_t kMinMemtables = 1 << 20;
  b.memtable_floor = std::min(b.memtable_budget, std::max(b.memtable_budget / 4, kMinMemtables));
  return b;
}

GovernorSettings GovernorSettingsFor(const Config& config, const MemoryBudgets& b) {
  GovernorSettings s;
  s.limit = b.limit;
  s.soft_ratio = Config::ratio(config.maxmemory_soft_ratio);
  s.hard_ratio = std::max(Config::ratio(config.maxmemory_hard_ratio), s.soft_ratio);
  s.full_ratio = 1.0;
  s.hysteresis = Config::ratio(config.maxmemory_hysteresis);
  s.cache_capacity = b.cache;
  s.cache_floor = b.cache_floor;
  s.key_cache_capacity = b.key_cache;
  s.key_cache_floor = b.key_cache_floor;
  s.memtable_budget = b.memtable_budget;
  s.memtable_floor = b.memtable_floor;
  return s;
}

uint64_t ServerLevers::UsedBytes() {
  // debug-used-memory (tests only) stands in for the allocator's figure; everything after this
  // point is the same path.
  int64_t forced = server_->config().debug_used_memory.load(std::memory_order_relaxed);
  if (forced > 0) return static_cast<uint64_t>(forced);
  auto stats = allocator::ReadStats();
  return stats.ok() ? stats->allocated : 0;
}

uint64_t ServerLevers::ResidentBytes() {
  return ReadProcessRss();  // as INFO's used_memory_rss reads it, once per tick
}

uint64_t ServerLevers::PurgeAllocator() {
  auto released = allocator::Purge();
  return released.ok() ? *released : 0;
}

void ServerLevers::SetBlockCacheCapacity(uint64_t bytes) {
  server_->storage().SetBlockCacheCapacity(bytes);
}

void ServerLevers::SetKeyCacheCapacity(uint64_t bytes) {
  server_->storage().SetKeyCacheCapacity(bytes);
}

void ServerLevers::SetMemtableBudget(uint64_t bytes) {
  server_->storage().SetWriteBufferBudget(bytes);
}

bool ServerLevers::PauseProfiling() {
  HeapProfiler& p = server_->profiler();
  if (!p.Active()) return false;
  paused_sample_bytes_ = p.GetInfo().sample_bytes;
  return p.Disable().ok();
}

void ServerLevers::ResumeProfiling() {
  // The same sampling rate keeps the samples taken before the pause.
  Status s = server_->profiler().Enable(paused_sample_bytes_, std::nullopt);
  Log(LogLevel::kNotice, "memory pressure eased, heap profiling resumed%s",
      s.ok() ? "" : (": " + s.ToString()).c_str());
}

int ServerLevers::CloseClientsOverOutputLimit() {
  // Only client-output-buffer-limit closes a client, as at any level: here it is also applied
  // to clients that produce no replies now (a soft limit held for its seconds by a client that
  // stopped reading is noticed). Pending replies are not dropped on memory pressure alone:
  // ReplyFits keeps large replies that would not fit from being built at all.
  GovernorCounters* counters = &server_->governor().counters();
  // Posted, not awaited: each worker checks its own clients at its next pass.
  server_->ForEachWorkerAsync([counters](Worker& w) {
    for (Connection* c : w.Connections()) {
      if (c->CheckOutputLimit()) counters->clients_closed++;
    }
  });
  return 0;
}

void ServerLevers::LogLevelChange(MemoryLevel from, MemoryLevel to, uint64_t used, uint64_t limit) {
  Log(LogLevel::kWarning, "memory level %s -> %s (used %s of limit %s)", MemoryLevelName(from),
      MemoryLevelName(to), HumanBytes(used).c_str(), HumanBytes(limit).c_str());
}

Status MemoryFullError() {
  return Status::OutOfMemory("command not allowed when used memory > 'maxmemory'.");
}

Status QuotaExceededError(const std::string& ns, int64_t quota) {
  return Status::OutOfMemory("command not allowed: namespace '" + ns +
                             "' would exceed its data quota of " + std::to_string(quota) +
                             " bytes.");
}

}  // namespace mnemo
