#include "memory/snapshot.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "common/string_util.h"

namespace mnemo {
namespace {

uint64_t PageSize() {
  static const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  return page;
}

uint64_t TotalSystemMemory() {
  long pages = sysconf(_SC_PHYS_PAGES);
  return pages > 0 ? static_cast<uint64_t>(pages) * PageSize() : 0;
}

uint64_t Minus(uint64_t a, uint64_t b) { return a > b ? a - b : 0; }

}  // namespace

// Resident pages of this process (the second number of /proc/self/statm) in bytes; 0 when the
// file cannot be read. A raw read: no stream, no allocation.
uint64_t ReadProcessRss() {
  int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[128];
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = '\0';
  unsigned long long size = 0, resident = 0;
  if (sscanf(buf, "%llu %llu", &size, &resident) != 2) return 0;
  return resident * PageSize();
}

MemorySnapshot CompleteMemorySnapshot(MemoryInputs inputs, std::optional<allocator::Stats> stats,
                                      std::string allocator_name, uint64_t rss,
                                      uint64_t total_system_memory, int64_t now_ms) {
  MemorySnapshot s;
  s.taken_at_ms = now_ms;
  s.allocator_available = stats.has_value();
  if (stats) s.allocator = *stats;
  s.allocator_name = std::move(allocator_name);
  s.rss = rss;
  s.total_system_memory = total_system_memory;
  s.in = std::move(inputs);

  const uint64_t allocated = s.allocator.allocated;
  s.peak_allocated = std::max(s.in.peak_allocated, allocated);
  s.clients_normal = s.in.clients_normal_query + s.in.clients_normal_reply + s.in.pubsub_registry +
                     s.in.clients_running + s.in.clients_pending_writes;
  s.lua = s.in.lua_vm + s.in.lua_scripts;
  s.components = s.in.block_cache_usage + s.in.memtables_all + s.in.table_readers +
                 s.in.background_jobs + s.in.key_cache_usage + s.clients_normal +
                 s.in.profiler_bytes + s.in.history_bytes + s.lua + s.allocator.tcache +
                 s.in.startup_other;
  s.unaccounted = Minus(allocated, s.components);
  s.rss_beyond_allocator = s.allocator_available ? Minus(rss, s.allocator.resident) : 0;
  s.overhead = s.in.startup_allocated + s.clients_normal + s.in.profiler_bytes + s.lua;
  s.dataset = Minus(allocated, s.overhead);
  return s;
}

MemorySnapshot TakeMemorySnapshot(MemoryInputs inputs,
                                  const std::function<void(MemoryInputs*)>& reread) {
  std::optional<allocator::Stats> stats;
  if (allocator::Available()) {
    auto read = allocator::ReadStats();
    if (read.ok()) stats = *read;
  }
  if (reread) {
    MemoryInputs again;
    reread(&again);
    inputs.clients_normal_query = std::max(inputs.clients_normal_query, again.clients_normal_query);
    inputs.clients_normal_reply = std::max(inputs.clients_normal_reply, again.clients_normal_reply);
    inputs.clients_running = std::max(inputs.clients_running, again.clients_running);
    inputs.clients_pending_writes =
        std::max(inputs.clients_pending_writes, again.clients_pending_writes);
  }
  static const std::string name = allocator::Name();
  return CompleteMemorySnapshot(std::move(inputs), stats, name, ReadProcessRss(),
                                TotalSystemMemory(), NowMs());
}

}  // namespace mnemo
