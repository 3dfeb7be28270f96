// MemorySnapshot: every number that says where Mnemo's memory is, taken at one moment, and the
// views rendered from it (INFO memory fields, MEMORY STATS fields, the JSON report, MEMORY DOCTOR
// advice). It is the single source for all of them, so two views of one snapshot always agree.
//
// The snapshot reads what memory/ can read itself (jemalloc's stats.* after an epoch refresh,
// the process RSS from /proc/self/statm, the machine's RAM) and takes everything else — RocksDB's
// memory, client buffers, the profiler's cost, the startup and peak baselines, the limits — as
// plain numbers in MemoryInputs, filled by server/. So this module knows nothing of storage,
// sockets or RESP. What each field includes and excludes is documented once, in docs/memory.md
// (a test checks that every field name appears there).
//
// Components and the "unaccounted" gap. Everything RocksDB and the connections allocate goes
// through jemalloc, so the named components are parts of allocator.allocated:
//   components  = block cache usage + memtables (all) + table readers + key cache + client
//                 buffers + running commands + profiler + history + Lua (interpreter and
//                 script cache) + allocator thread caches + the startup remainder
//   unaccounted = allocated - components, clamped at 0
// With cache_index_and_filter_blocks (Mnemo's setting) index and filter blocks live in the block
// cache and estimate-table-readers-mem counts only what is outside it, so the two do not overlap;
// block-cache pinned usage is a subset of the block cache usage and is not added again.
//
// Cost: TakeMemorySnapshot does one jemalloc epoch refresh, seven mallctl reads and one read of
// /proc/self/statm — about 50 us (docs/benchmarks.md) — and takes no Mnemo lock. jemalloc and
// RocksDB take their own internal locks for a moment while their statistics are read, as any
// reader of those statistics does.
//
// Thread-safety: every function may be called from any thread at the same time; all but
// TakeMemorySnapshot are pure functions of their arguments. A MemorySnapshot is a plain value.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "memory/allocator.h"

namespace mnemo {

struct MemoryForecast;

// One worker thread's allocation counters (jemalloc thread.allocated / thread.deallocated),
// published by the thread itself into atomics once a second, since thread.* is per calling thread.
struct ThreadMemory {
  std::string name;          // "mnemo-worker-0", ...
  uint64_t allocated = 0;    // bytes the thread allocated since it started (monotonic)
  uint64_t deallocated = 0;  // bytes the thread freed since it started (monotonic)
  int64_t published_ms = 0;  // unix ms of the last publication; 0 = not yet published
};

// One namespace's figures (types/namespaces.h NamespaceFigures::Fields: name, value in the
// documented order), as MEMORY STATS and MEMORY REPORT show them.
struct NamespaceMemory {
  std::string name;
  std::vector<std::pair<const char*, int64_t>> fields;
};

// What server/ gathers for a snapshot. All sizes in bytes.
struct MemoryInputs {
  // RocksDB (Storage::GetMemory).
  uint64_t block_cache_usage = 0;     // all entries in the shared block cache, pinned included
  uint64_t block_cache_capacity = 0;  // configured capacity (rocksdb.block-cache-size)
  uint64_t block_cache_pinned = 0;    // entries in use by readers now (subset of usage)
  uint64_t memtables_unflushed = 0;   // cur-size-all-mem-tables: active + unflushed immutable
  uint64_t memtables_all = 0;         // size-all-mem-tables: + flushed but still pinned
  uint64_t table_readers = 0;         // estimate-table-readers-mem: outside the block cache
  uint64_t background_jobs = 0;       // running flushes' and compactions' heap growth
  // What cold reads and writes cost RocksDB (Storage::GetStats), for the doctor. Since start.
  uint64_t block_cache_hits = 0;
  uint64_t block_cache_misses = 0;
  uint64_t write_stall_us = 0;            // time writes waited on a slowdown or a stop
  uint64_t l0_files = 0;                  // now
  uint64_t pending_compaction_bytes = 0;  // now
  // Live keys of every namespace, counted exactly (types/database.h CountAllKeys, a scan) by
  // the callers that report them — MEMORY STATS and MEMORY REPORT — and 0 in other snapshots.
  uint64_t keys = 0;
  // Mnemo's key cache (storage/key_cache.h): entries and tables, capacity, records held.
  uint64_t key_cache_usage = 0;
  uint64_t key_cache_capacity = 0;
  uint64_t key_cache_entries = 0;
  // Clients ("normal" is the only client type today).
  uint64_t clients_normal_count = 0;
  uint64_t clients_normal_query = 0;  // capacity of every connection's query buffer
  uint64_t clients_normal_reply = 0;  // capacity of every connection's reply buffer
  uint64_t pubsub_registry = 0;       // the pub/sub registry's names and entries (approximate)
  // What the commands running now hold (memory/command_memory.h CommandMeter::TotalHolding): a
  // reply being built, values gathered; 0 without jemalloc.
  uint64_t clients_running = 0;
  // The workers' write batches (server/worker.h batch_bytes): the writes of pipelined commands
  // waiting for their pass's commit, and the buffers kept for the next pass's.
  uint64_t clients_pending_writes = 0;
  // The heap profiler's state and its own cost (HeapProfiler::Info::profiler_bytes; the server
  // refreshes that from its 100 ms cron, since reading it costs a second epoch refresh).
  bool profiler_active = false;
  uint64_t profiler_bytes = 0;
  // The memory history's rings (memory/history.h: fixed at start, 0 when the history is off).
  uint64_t history_bytes = 0;
  // Lua scripting (script/script_engine.h): the interpreter's bytes (its counting allocator)
  // and the script cache's (bodies and entries), and how many scripts the cache holds.
  uint64_t lua_vm = 0;
  uint64_t lua_scripts = 0;
  uint64_t lua_cached_scripts = 0;
  // Baselines kept by the server: allocated bytes once started, and the highest seen so far.
  uint64_t startup_allocated = 0;
  // What no other component named once the server had started (its unaccounted bytes then):
  // RocksDB's open state, thread structures, tables sized at start. Fixed after start.
  uint64_t startup_other = 0;
  uint64_t peak_allocated = 0;
  // Limits from the config, for the views and the doctor. 0 = none.
  uint64_t maxmemory = 0;
  uint64_t memtables_budget = 0;  // write-buffer-size x max-write-buffer-number x column families
  std::vector<ThreadMemory> threads;
  // The namespaces the caller may see, filled by MEMORY STATS and MEMORY REPORT (as keys).
  std::vector<NamespaceMemory> namespaces;
};

struct MemorySnapshot {
  int64_t taken_at_ms = 0;
  // Allocator: jemalloc's counters; all 0 when allocator_available is false (libc/sanitizer
  // builds), and so is everything derived from them.
  bool allocator_available = false;
  std::string allocator_name;  // "jemalloc-5.3.0-..." or "libc"
  allocator::Stats allocator;
  uint64_t rss = 0;                  // process resident set size (/proc/self/statm)
  uint64_t total_system_memory = 0;  // physical RAM of the machine
  MemoryInputs in;

  // Derived by CompleteMemorySnapshot.
  uint64_t peak_allocated = 0;        // max(in.peak_allocated, allocator.allocated)
  uint64_t clients_normal = 0;        // query + reply buffers + pub/sub registry + running
  uint64_t lua = 0;                   // mem_lua: lua_vm + lua_scripts
  uint64_t components = 0;            // the sum named in the header comment
  uint64_t unaccounted = 0;           // allocated - components, >= 0
  uint64_t rss_beyond_allocator = 0;  // rss - allocator.resident, >= 0; 0 without an allocator
  uint64_t overhead = 0;              // startup + clients + profiler + Lua (Redis's overhead.total)
  uint64_t dataset = 0;               // allocated - overhead, >= 0 (Redis's dataset.bytes)
};

// Reads the allocator, RSS and RAM now and completes the snapshot from `inputs`. `reread`, when
// given, reads the client figures again after the allocator (see ReadClientFigures'
// callers): each is then the larger of its two readings, so that memory moving between
// components while they are read (a 32 MB reply leaving a running command for its output
// buffer, a buffer allocated after it was read) is not left in mem_unaccounted. Memory freed
// between the readings may then be named once too often, never once too few.
MemorySnapshot TakeMemorySnapshot(MemoryInputs inputs,
                                  const std::function<void(MemoryInputs*)>& reread = nullptr);

// Resident pages of this process (/proc/self/statm) in bytes, 0 when unreadable: a raw read, no
// allocation (the governor calls it once per tick).
uint64_t ReadProcessRss();

// The pure part: a snapshot from the given readings (`stats` absent = no allocator numbers).
MemorySnapshot CompleteMemorySnapshot(MemoryInputs inputs, std::optional<allocator::Stats> stats,
                                      std::string allocator_name, uint64_t rss,
                                      uint64_t total_system_memory, int64_t now_ms);

// One named value of a view. Bytes and counts are kInt (signed: Redis's *.bytes differences may
// be negative), ratios and percentages kDouble, names kText.
struct MemoryField {
  enum class Kind { kInt, kDouble, kText };
  const char* name;
  Kind kind;
  int64_t i = 0;
  double d = 0;
  std::string text;
};

// The fields of INFO memory, in order (Redis's names where Redis has the field; *_human copies
// included).
std::vector<MemoryField> InfoMemoryFields(const MemorySnapshot& s);
// "name:value\r\n" for every INFO field; doubles with two decimals, as Redis prints them.
std::string RenderInfoMemory(const MemorySnapshot& s);
// The fields of MEMORY STATS, in order (Redis's names and shape, then Mnemo's components).
std::vector<MemoryField> MemoryStatsFields(const MemorySnapshot& s);
// The whole snapshot as one JSON document (MEMORY REPORT): structured sections, the INFO and
// MEMORY STATS views, the doctor's advice and, when given, the allocation pattern (else
// "allocation" is null and "allocation_error" says why).
std::string RenderMemoryJson(const MemorySnapshot& s,
                             const StatusOr<allocator::AllocationPattern>& pattern);

// MEMORY DOCTOR: plain-sentence findings; one all-clear sentence when nothing is wrong. Pure.
// The thresholds are the kDoctor* constants below (documented in docs/memory.md). With a
// forecast (memory/history.h), a limit reached within kDoctorEtaSeconds is a finding too.
std::vector<std::string> MemoryDoctor(const MemorySnapshot& s,
                                      const MemoryForecast* forecast = nullptr);

inline constexpr double kDoctorEtaSeconds = 24 * 3600;    // warn of a limit reached within a day
inline constexpr uint64_t kDoctorMinBytes = 10ull << 20;  // ignore gaps smaller than 10 MiB
inline constexpr double kDoctorFragRatio = 1.4;           // rss / allocated
inline constexpr double kDoctorAllocatorRatio = 1.1;      // active/allocated, resident/active
inline constexpr double kDoctorRssBeyondRatio = 1.1;      // rss / allocator resident
inline constexpr uint64_t kDoctorRssBeyondBytes = 64ull << 20;    // rss - allocator resident
inline constexpr uint64_t kDoctorUnaccountedBytes = 64ull << 20;  // above the startup level
inline constexpr double kDoctorUnaccountedShare = 0.25;           // of allocated
inline constexpr double kDoctorMemtablesShare = 0.8;              // of the memtables budget
inline constexpr double kDoctorPeakRatio = 1.5;                   // peak / allocated
inline constexpr uint64_t kDoctorClientBytes = 200ull << 10;      // average per client
inline constexpr uint64_t kDoctorCacheLookups = 100000;  // block lookups before judging the cache
inline constexpr double kDoctorCacheHitRatio = 0.5;      // block cache hits / lookups
inline constexpr uint64_t kDoctorStallUs = 1000000;      // write stall time since start

}  // namespace mnemo
