// Allocator control: the only place in Mnemo that talks to jemalloc through mallctl().
//
// Every function is a thin, typed wrapper over one or a few mallctl names. Failures are values:
// "unable to read jemalloc option <name>: <strerror>" / "unable to set jemalloc option <name>:
// <strerror>". In builds without jemalloc (MNEMO_SANITIZE: ASan replaces malloc) every function
// that needs jemalloc returns Status::NotSupported, Available() is false and Name() is "libc".
//
// Thread-safety: all functions are safe to call from any thread at any time; jemalloc serializes
// mallctl internally. Note that jemalloc's profiler state (prof.active, the sample rate) is
// process-global, so callers that change it must agree among themselves (HeapProfiler does).
// Ownership: no state is kept here, apart from the cached capability checks.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace mnemo::allocator {

// True when jemalloc is linked into this build and answers mallctl("version").
bool Available();

// "jemalloc-5.3.0-0-g54eaed1d..." (mallctl "version") or "libc" when jemalloc is not in use.
std::string Name();

// Allocator-wide byte counters, as jemalloc defines them (see `man jemalloc`, "stats.*"):
struct Stats {
  uint64_t allocated = 0;  // bytes in live allocations made by the application
  uint64_t active = 0;     // bytes in active pages (>= allocated; the difference is fragmentation)
  uint64_t resident = 0;   // bytes in physically resident data pages mapped by the allocator
  uint64_t mapped = 0;     // bytes in active extents mapped by the allocator
  uint64_t retained = 0;   // bytes in virtual memory kept mapped but returned to the OS
  uint64_t metadata = 0;   // bytes of allocator metadata (base allocations + internal)
  // Bytes of freed objects kept in the threads' caches for reuse (stats.arenas.<all>.tcache_bytes):
  // jemalloc counts them in `allocated`, since its arenas see them as allocated.
  uint64_t tcache = 0;
};

// Refreshes jemalloc's "epoch" (so the values are current), then reads stats.*. Costs a few µs.
StatusOr<Stats> ReadStats();

// Purges unused dirty pages of all arenas (arena.<MALLCTL_ARENAS_ALL>.purge). Returns the resident
// bytes released (stats.resident before minus after, never negative).
StatusOr<uint64_t> Purge();

// Asks all arenas to decay dirty/muzzy pages per their decay settings (arena.<ALL>.decay).
Status Decay();

// malloc_stats_print() into a string: the human-readable report, or JSON when `json` is set.
StatusOr<std::string> MallocStatsText(bool json);

// Bytes allocated / deallocated so far by the calling thread (thread.allocated/deallocated).
StatusOr<uint64_t> ThreadAllocated();
StatusOr<uint64_t> ThreadDeallocated();
// Where jemalloc keeps the calling thread's two counters (thread.allocatedp / deallocatedp):
// each later reading is one load, no mallctl. The counters live as long as the thread and only
// it writes them. Both null without jemalloc (or when the names are unknown).
struct ThreadCounterPointers {
  const uint64_t* allocated = nullptr;
  const uint64_t* deallocated = nullptr;
  // allocated - deallocated now, modulo 2^64; 0 without the counters. Any thread may call it:
  // the owner writes the counters with plain stores, and an aligned 64-bit load is not torn, so
  // from another thread it is a moment's reading.
  uint64_t Net() const {
    if (allocated == nullptr || deallocated == nullptr) return 0;
    return __atomic_load_n(allocated, __ATOMIC_RELAXED) -
           __atomic_load_n(deallocated, __ATOMIC_RELAXED);
  }
};
ThreadCounterPointers ThreadCounters();
// What a thread's heap grew by between two Net() readings, at least 0. Frees of memory other
// threads allocated (an evicted cache block, a flushed memtable) can make the net shrink, even
// below zero: both readings are taken modulo 2^64, so only their difference, read as signed,
// means anything (an unsigned comparison saw a net that wrapped past zero as 2^64 bytes held).
inline uint64_t GrowthSince(uint64_t base, uint64_t now) {
  int64_t grown = static_cast<int64_t>(now - base);
  return grown > 0 ? static_cast<uint64_t>(grown) : 0;
}

// ---- Heap profiling (jemalloc "prof.*") ----

// opt.prof: profiling compiled in and armed at process start (cannot change at run time).
StatusOr<bool> ProfilingArmed();
// prof.active: samples are being taken now. REQUIRES for the setter: ProfilingArmed().
StatusOr<bool> ProfilingActive();
Status SetProfilingActive(bool active);

// Mean bytes between samples is 2^prof.lg_sample. SetSampleBytes rounds `bytes` to the nearest
// power of two (lg = round(log2(bytes))) and calls prof.reset, which DISCARDS all samples taken so
// far. REQUIRES: 1 <= bytes <= 2^40.
Status SetSampleBytes(uint64_t bytes);
StatusOr<uint64_t> SampleBytes();
// The rate SetSampleBytes(bytes) would set: 2^round(log2(bytes)). Pure; REQUIRES: bytes >= 1.
uint64_t RoundedSampleBytes(uint64_t bytes);

// Writes a heap profile (jemalloc heap_v2 format) to `path` with prof.dump. jemalloc creates or
// truncates the file itself. REQUIRES: ProfilingArmed().
Status DumpProfile(const std::string& path);

// opt.prof_stats: jemalloc keeps per-size-class counts of live sampled allocations.
StatusOr<bool> ProfStatsEnabled();

// Bytes of jemalloc "internal" allocations (stats.arenas.<ALL>.internal): memory jemalloc
// allocates for itself and omits from heap profiles — chiefly the profiler's bookkeeping (per
// thread, per stack trace and per (thread, stack) records and their hash tables).
StatusOr<uint64_t> InternalBytes();

// Extra bytes that sampling costs right now: jemalloc places every sampled small allocation in a
// large extent of arenas.lextent.0.size bytes (16 KiB with 4 KiB pages), so each live sampled
// small object occupies that much instead of its size class. Computed exactly from
// prof.stats.bins.<i>.live. Returns NotSupported when opt.prof_stats is false.
StatusOr<uint64_t> SampledSmallOverheadBytes();

// ---- Allocation pattern (what sizes the heap is made of) ----

// One jemalloc size class and what is allocated in it now, summed over all arenas.
struct SizeClassUsage {
  uint64_t size = 0;     // the class, bytes: arenas.bin.<j>.size / arenas.lextent.<j>.size
  uint64_t regions = 0;  // live allocations: bins.<j>.curregs / lextents.<j>.curlextents
  uint64_t bytes = 0;    // size * regions
};

// Bytes allocated in one arena (stats.arenas.<i>.small.allocated / large.allocated).
struct ArenaUsage {
  unsigned index = 0;
  uint64_t small_allocated = 0;
  uint64_t large_allocated = 0;
};

struct AllocationPattern {
  std::vector<SizeClassUsage> small;  // small bins with regions > 0, ascending size
  std::vector<SizeClassUsage> large;  // large extents with regions > 0, ascending size
  std::vector<ArenaUsage> arenas;     // every initialized arena, ascending index
};

// Refreshes the epoch and reads the allocation pattern (a few hundred mallctl reads: ~0.1-1 ms,
// meant for reports, not for every snapshot). Size classes with no live allocation are left out.
StatusOr<AllocationPattern> ReadAllocationPattern();

}  // namespace mnemo::allocator
