// The JSON documents behind the dashboard page (docs/monitoring.md, "Dashboard"): the memory
// history as columns (MEMORY HISTORY's data), the forecast with the governor's level (MEMORY
// FORECAST), the profiler's state (KPROFILE MEMORY INFO), a TOP report, and the slow log
// (SLOWLOG GET). HttpServer serves them under /debug/ so the debug endpoints' access rules
// apply; the page reads them with fetch().
//
// Pure functions over plain values: no locks, no I/O; thread-safe. The server fills the
// inputs (http/http_server.h, Handlers) from thread-safe reads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "memory/governor.h"
#include "memory/heap_profiler.h"
#include "memory/history.h"

namespace mnemo {

// One SLOWLOG entry, as the slow log keeps it (commands/slowlog.h), copied by the server.
struct SlowCommand {
  int64_t id = 0;
  int64_t unix_seconds = 0;
  int64_t usec = 0;
  std::vector<std::string> args;
  std::string addr;
  std::string name;
};

// {"seconds": S, "fields": [names...], "time_ms": [...], "series": {"<field>": [...], ...}}:
// every history field (memory/history.h) as one column, oldest sample first.
std::string HistoryJson(const std::vector<HistorySample>& samples, int64_t seconds);

// MEMORY FORECAST's keys (nulls where the command answers nil) plus "level" (the governor's
// level name) and "level_code" (0 normal .. 3 full).
std::string ForecastJson(const MemoryForecast& f, MemoryLevel level);

// KPROFILE MEMORY INFO's figures: {"armed", "active", "since_ms", "sample_bytes",
// "auto_off_at_ms", "dumps_taken", "last_dump", "dir", "profiler_bytes"}.
std::string ProfilerJson(const HeapProfiler::Info& info);

// {"dump": name or null, "mtime_ms": ms, "sites": [{"bytes", "objects", "percent", "stack"}]}.
std::string TopJson(const HeapProfiler::DumpFile* dump, const std::vector<HeapSite>& sites);

// {"len": total entries, "entries": [{"id", "time", "usec", "args", "addr", "name"}...]}.
std::string SlowlogJson(size_t len, const std::vector<SlowCommand>& entries);

}  // namespace mnemo
