// MEMORY DOCTOR: advice in plain sentences from one MemorySnapshot. Each rule reads only the
// snapshot (its inputs carry the config limits), so the whole doctor is a pure function and is
// unit-tested with made-up snapshots. Thresholds are the kDoctor* constants of snapshot.h.
#include <cstdarg>
#include <cstdio>

#include "common/string_util.h"
#include "memory/history.h"
#include "memory/snapshot.h"

namespace mnemo {
namespace {

__attribute__((format(printf, 1, 2))) std::string Fmt(const char* fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  return buf;
}

const char* H(uint64_t bytes) {
  // Rotating buffers so one sentence can hold several sizes.
  thread_local std::string slots[4];
  thread_local int next = 0;
  std::string& slot = slots[next++ % 4];
  slot = HumanBytes(bytes);
  return slot.c_str();
}

double Ratio(uint64_t a, uint64_t b) {
  return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b);
}

// True when `big` exceeds `small` by both the ratio and kDoctorMinBytes.
bool Exceeds(uint64_t big, uint64_t small, double ratio) {
  return big > small + kDoctorMinBytes && Ratio(big, small) > ratio;
}

using Findings = std::vector<std::string>;

void CheckPeak(const MemorySnapshot& s, Findings* out) {
  uint64_t now = s.allocator.allocated;
  if (!Exceeds(s.peak_allocated, now, kDoctorPeakRatio)) return;
  out->push_back(
      Fmt("Peak memory: the server once had %s allocated, %.1f times the %s allocated "
          "now. Pages freed since then may still be resident and make the "
          "fragmentation ratios look high; MEMORY PURGE returns them now.",
          H(s.peak_allocated), Ratio(s.peak_allocated, now), H(now)));
}

// The allocator's own overhead, in two parts: dirty pages kept resident (resident - active) and
// partly used pages (active - allocated); then the whole (rss / allocated) when neither part is
// big on its own but together they are.
void CheckAllocator(const MemorySnapshot& s, Findings* out) {
  const allocator::Stats& a = s.allocator;
  bool dirty = Exceeds(a.resident, a.active, kDoctorAllocatorRatio);
  bool frag = Exceeds(a.active, a.allocated, kDoctorAllocatorRatio);
  if (dirty) {
    out->push_back(
        Fmt("jemalloc keeps %s of freed pages resident (allocator_rss_ratio %.2f). Run "
            "MEMORY PURGE to return them to the operating system now; otherwise they "
            "are released gradually as they decay.",
            H(a.resident - a.active), Ratio(a.resident, a.active)));
  }
  if (frag) {
    out->push_back(
        Fmt("%s of the allocator's active pages hold no live allocation "
            "(allocator_frag_ratio %.2f): the heap is fragmented. MEMORY PURGE releases "
            "the pages that are entirely free; the rest shrinks as data is rewritten.",
            H(a.active - a.allocated), Ratio(a.active, a.allocated)));
  }
  if (!dirty && !frag && Exceeds(s.rss, a.allocated, kDoctorFragRatio) &&
      a.resident > a.allocated + kDoctorMinBytes) {
    out->push_back(
        Fmt("The process's resident memory (%s) is %.2f times the memory allocated "
            "(%s) (mem_fragmentation_ratio); %s of it is allocator pages without live "
            "data. Run MEMORY PURGE to return unused pages to the operating system.",
            H(s.rss), Ratio(s.rss, a.allocated), H(a.allocated), H(a.resident - a.allocated)));
  }
}

// Resident memory outside jemalloc: code, libraries, thread stacks, other mappings. A fresh
// server already has ~10-20 MiB of it, hence the larger threshold.
void CheckRssBeyondAllocator(const MemorySnapshot& s, Findings* out) {
  if (s.rss_beyond_allocator <= kDoctorRssBeyondBytes) return;
  if (Ratio(s.rss, s.allocator.resident) <= kDoctorRssBeyondRatio) return;
  out->push_back(
      Fmt("%s of the process's resident memory is outside jemalloc (rss_overhead_ratio "
          "%.2f): thread stacks, code and libraries, and memory mapped by other means. "
          "It is not part of used_memory and MEMORY PURGE does not release it.",
          H(s.rss_beyond_allocator), Ratio(s.rss, s.allocator.resident)));
}

void CheckUnaccounted(const MemorySnapshot& s, Findings* out) {
  uint64_t allocated = s.allocator.allocated;
  if (s.unaccounted <= s.in.startup_allocated + kDoctorUnaccountedBytes) return;
  if (Ratio(s.unaccounted, allocated) <= kDoctorUnaccountedShare) return;
  out->push_back(
      Fmt("%s of allocated memory (%.0f%% of used_memory) is in no named component "
          "(block cache, memtables, table readers, key cache, client buffers, profiler); %s was "
          "allocated at startup. To see which code holds it, sample the heap: KPROFILE "
          "MEMORY ENABLE FOR 600, then KPROFILE MEMORY TOP.",
          H(s.unaccounted), 100.0 * Ratio(s.unaccounted, allocated), H(s.in.startup_allocated)));
}

void CheckLimits(const MemorySnapshot& s, Findings* out) {
  const MemoryInputs& in = s.in;
  if (in.maxmemory > 0 && in.block_cache_capacity >= in.maxmemory) {
    out->push_back(
        Fmt("The block cache may grow to %s (rocksdb.block-cache-size), which alone "
            "reaches maxmemory (%s). Lower rocksdb.block-cache-size well below "
            "maxmemory.",
            H(in.block_cache_capacity), H(in.maxmemory)));
  } else if (in.maxmemory > 0 &&
             in.block_cache_capacity + in.memtables_budget + in.key_cache_capacity > in.maxmemory) {
    out->push_back(
        Fmt("The block cache (up to %s), the memtables (up to %s) and the key cache (up to %s) "
            "together may grow beyond maxmemory (%s).",
            H(in.block_cache_capacity), H(in.memtables_budget), H(in.key_cache_capacity),
            H(in.maxmemory)));
  }
  if (in.memtables_budget > 0 &&
      Ratio(in.memtables_all, in.memtables_budget) >= kDoctorMemtablesShare) {
    out->push_back(
        Fmt("Memtables hold %s, %.0f%% of their budget of %s (mem_memtables_budget); at the "
            "budget RocksDB forces flushes or stalls writes. Check that flushes keep up with "
            "the write rate.",
            H(in.memtables_all), 100.0 * Ratio(in.memtables_all, in.memtables_budget),
            H(in.memtables_budget)));
  }
}

// RocksDB's side of larger-than-memory data: a block cache that answers few lookups, and writes
// held back because compaction does not keep up.
void CheckStorage(const MemorySnapshot& s, Findings* out) {
  const MemoryInputs& in = s.in;
  uint64_t lookups = in.block_cache_hits + in.block_cache_misses;
  if (lookups >= kDoctorCacheLookups &&
      Ratio(in.block_cache_hits, lookups) < kDoctorCacheHitRatio) {
    out->push_back(
        Fmt("The block cache (%s) answered only %.0f%% of %llu block lookups since start "
            "(storage_block_cache_hit_ratio): the data being read is larger than the cache, so "
            "most reads that miss the key cache read a block from disk and decompress it. When "
            "reads favour some keys, a larger rocksdb.block-cache-size (or maxmemory, of which "
            "it gets a quarter) keeps them in memory; reads spread evenly over more data than "
            "memory can only go as fast as the disk.",
            H(in.block_cache_capacity), 100.0 * Ratio(in.block_cache_hits, lookups),
            static_cast<unsigned long long>(lookups)));
  }
  if (in.write_stall_us >= kDoctorStallUs) {
    out->push_back(
        Fmt("RocksDB has held writes back for %.1f s in all since start "
            "(storage_write_stall_ms): compaction did not keep up with the writes. There are %llu "
            "L0 files and %s of pending compaction now. Writes that wait are slow, not lost; "
            "more memory for memtables (a higher maxmemory, or rocksdb.write-buffer-size without "
            "a limit) or a faster disk reduce it.",
            static_cast<double>(in.write_stall_us) / 1e6,
            static_cast<unsigned long long>(in.l0_files), H(in.pending_compaction_bytes)));
  }
}

void CheckProfilerAndClients(const MemorySnapshot& s, Findings* out) {
  const MemoryInputs& in = s.in;
  if (in.profiler_active) {
    out->push_back(
        Fmt("Heap profiling is active; the profiler itself holds %s. Switch it off "
            "with KPROFILE MEMORY DISABLE when you are done.",
            H(in.profiler_bytes)));
  }
  if (in.clients_normal_count > 0 &&
      s.clients_normal / in.clients_normal_count > kDoctorClientBytes) {
    out->push_back(
        Fmt("Client buffers average %s per connection (%llu connections, %s in all): "
            "large replies or deep pipelines are held in memory.",
            H(s.clients_normal / in.clients_normal_count),
            static_cast<unsigned long long>(in.clients_normal_count), H(s.clients_normal)));
  }
}

// "about 37 minutes": the largest unit that keeps the number at least 1.
std::string AboutDuration(double seconds) {
  if (seconds < 120) return Fmt("about %.0f seconds", seconds);
  if (seconds < 2 * 3600) return Fmt("about %.0f minutes", seconds / 60);
  return Fmt("about %.1f hours", seconds / 3600);
}

void CheckForecast(const MemoryForecast& f, Findings* out) {
  if (!f.eta_seconds || !f.rate || *f.eta_seconds <= 0 || *f.eta_seconds > kDoctorEtaSeconds) {
    return;
  }
  const char* window = f.w10m.bytes_per_second ? "10 minutes" : "minute";
  out->push_back(
      Fmt("Used memory grows: at the rate of the last %s (%s per minute) it reaches "
          "the limit of %s in %s. Raise maxmemory (%s covers the peak so far with "
          "%.0f%% headroom) or find what grows: MEMORY HISTORY shows which component, "
          "KPROFILE MEMORY ENABLE then DUMP which code.",
          window, H(static_cast<uint64_t>(*f.rate * 60)), H(f.limit),
          AboutDuration(*f.eta_seconds).c_str(), H(f.recommended), kForecastHeadroom * 100));
}

}  // namespace

std::vector<std::string> MemoryDoctor(const MemorySnapshot& s, const MemoryForecast* forecast) {
  Findings out;
  if (forecast != nullptr) CheckForecast(*forecast, &out);
  if (s.allocator_available) {
    CheckPeak(s, &out);
    CheckAllocator(s, &out);
    CheckRssBeyondAllocator(s, &out);
    CheckUnaccounted(s, &out);
  }
  CheckLimits(s, &out);
  CheckStorage(s, &out);
  CheckProfilerAndClients(s, &out);
  if (out.empty()) {
    if (s.allocator_available) {
      out.push_back(
          Fmt("No memory problems found: %s allocated, %s resident, %s not in any named "
              "component.",
              H(s.allocator.allocated), H(s.rss), H(s.unaccounted)));
    } else {
      out.push_back(Fmt("No memory problems found in what can be checked: %s resident.", H(s.rss)));
    }
  }
  if (!s.allocator_available) {
    out.push_back(
        Fmt("Allocator statistics are not available in this build (mem_allocator is "
            "%s), so fragmentation and the unaccounted gap were not checked.",
            s.allocator_name.c_str()));
  }
  return out;
}

}  // namespace mnemo
