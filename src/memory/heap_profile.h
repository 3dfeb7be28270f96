// Reading jemalloc heap profiles ("prof.dump" files) and turning them into symbolized sites.
//
// HeapProfile parses the jemalloc 5.x "heap_v2" text format:
//
//   heap_v2/<mean sample bytes>
//     t*: <objects>: <bytes> [<accum objects>: <accum bytes>]     process totals
//     t<thread>: ...                                               per-thread totals (ignored)
//   @ 0x<pc> 0x<pc> ...                                            one sampled stack, innermost
//   first
//     t*: <objects>: <bytes> [<accum objects>: <accum bytes>]     its live sampled counts
//     t<thread>: ...                                               (ignored)
//   MAPPED_LIBRARIES:
//   <the process's /proc/self/maps at dump time>
//
// and estimates the true (un-sampled) counts the way jeprof does (AdjustSamples, "Remote-heap
// version 2"): an allocation of mean size s is sampled with probability 1 - exp(-s / period), so
// counts are scaled by 1 / (1 - exp(-s / period)). jemalloc 5.3 (opt.prof_unbias) pre-distorts
// the numbers it writes precisely so that this formula yields its unbiased estimate.
//
// Symbolizer maps a program counter to source frames using the mapping table of the dump itself
// (so dumps of this process and of an earlier run of the same, unchanged binary both work), with
// elfutils libdw when built in (function, file:line and inlined frames), or "module+0xoffset".
//
// Thread-safety: HeapProfile is an immutable value after parsing. Symbolizer is thread-safe (one
// internal mutex) and caches every file it opens and every address it resolved; keep one
// instance for the process lifetime.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "common/status.h"

namespace mnemo {

// One line of the MAPPED_LIBRARIES section.
struct MemoryMapping {
  uint64_t start = 0, end = 0, offset = 0;
  std::string perms;  // "r-xp"
  std::string path;   // "" for anonymous mappings, "[heap]", "/usr/lib/.../libc.so.6", ...
  bool executable() const { return perms.size() >= 3 && perms[2] == 'x'; }
};

struct HeapSample {
  std::vector<uint64_t> stack;                      // program counters as written, innermost first
  uint64_t sampled_objects = 0, sampled_bytes = 0;  // the numbers in the file
  double objects = 0, bytes = 0;                    // estimated true counts (un-sampled)
};

class HeapProfile {
 public:
  // Parses the text of a heap_v2 dump. Corruption when it is not one.
  static StatusOr<HeapProfile> Parse(std::string_view text);
  // Reads and parses a file. IOError when it cannot be read or is not a regular file (it is
  // opened without blocking and without following a symlink, so a FIFO is refused at once).
  static StatusOr<HeapProfile> ReadFile(const std::string& path);

  // The dump file's modification time (unix ns) when read by ReadFile, else 0. The symbolizer
  // will not trust an ELF file modified after it (a rebuilt binary would give wrong names).
  int64_t written_ns() const { return written_ns_; }
  uint64_t sample_period() const { return sample_period_; }
  const std::vector<HeapSample>& samples() const { return samples_; }
  const std::vector<MemoryMapping>& mappings() const { return mappings_; }
  // The executable mapping containing `pc`, or nullptr.
  const MemoryMapping* FindMapping(uint64_t pc) const;

 private:
  Status ParseStackLine(std::string_view line);
  Status ParseCountsLine(std::string_view line);

  uint64_t sample_period_ = 0;
  int64_t written_ns_ = 0;
  std::vector<HeapSample> samples_;
  std::vector<MemoryMapping> mappings_;
  bool pending_stack_ = false;  // parser state: a "@" line waits for its "t*:" line
};

// A mangled or plain symbol as frames show it: demangled, without symbol version, parameter
// list, template arguments or return type ("_ZNSt6vectorIiSaIiEE9push_backERKi" ->
// "std::vector::push_back").
std::string ShortFunctionName(const char* symbol);

// jeprof's un-sampling of one (objects, bytes) pair; returns {objects, bytes}.
std::pair<double, double> UnsampleHeapV2(uint64_t objects, uint64_t bytes, uint64_t period);

struct SourceFrame {
  std::string function{};  // demangled, without parameter list/template arguments; "" if unknown
  std::string file{};      // base name of the source file; "" if unknown
  int line = 0;
  std::string module{};             // base name of the ELF file
  uint64_t module_offset = 0;       // address in the ELF file (virtual address, or file offset when
                                    // the file could not be read); the pc when no file maps it
  bool allocator_internal = false;  // inside jemalloc / a malloc-family entry point
  bool module_changed = false;      // the ELF file changed after the dump: not symbolized
  // "func (file:line)", "func (module)", "?? (module+0x..)", "?? (0x..)",
  // "?? (module+0x.., changed after the dump)"
  std::string ToString() const;
};

class Symbolizer {
 public:
  Symbolizer();
  ~Symbolizer();
  Symbolizer(const Symbolizer&) = delete;
  Symbolizer& operator=(const Symbolizer&) = delete;

  // Source frames for `pc` in a process whose mappings are `profile`'s, innermost first (more
  // than one when functions were inlined). `pc` must already point inside the call instruction
  // (return address - 1). Never fails: unknown parts are left empty.
  std::vector<SourceFrame> Symbolize(const HeapProfile& profile, uint64_t pc);

  // Heap bytes the symbolizer holds: the debug information of the modules it opened (libdw's
  // reading of a binary's DWARF: tens of MB for Mnemo's own) and its cache of frames. Counted as
  // the net growth of the calling thread's heap (jemalloc's thread.allocated minus
  // thread.deallocated) while a module is opened or a frame looked up and cached; 0 without
  // jemalloc. Part of the profiler's own memory (HeapProfiler::Info::profiler_symbols_bytes).
  uint64_t bytes() const {
    int64_t b = bytes_.load(std::memory_order_relaxed);
    return b > 0 ? static_cast<uint64_t>(b) : 0;
  }

 private:
  struct Module;
  Module* OpenModule(const std::string& path);  // REQUIRES: mu_ held
  std::vector<SourceFrame> Lookup(Module* module, uint64_t file_vaddr);

  std::atomic<int64_t> bytes_{0};
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Module>> modules_;  // by path + identity
  std::map<std::tuple<std::string, uint64_t>, std::vector<SourceFrame>> frames_;
};

// A call stack and how much live heap it holds.
struct HeapSite {
  uint64_t bytes = 0;                 // estimated live bytes (growth, for a diff)
  uint64_t objects = 0;               // estimated live objects (growth, clamped at 0, for a diff)
  double percent = 0;                 // of all live bytes (of the total growth, for a diff)
  std::vector<std::string> frames{};  // "func (file:line)", innermost first, allocator frames cut
};

// Every distinct symbolized stack of `profile` with its estimated bytes and objects, largest
// first; percent is of the profile's total estimated bytes.
std::vector<HeapSite> SummarizeSites(const HeapProfile& profile, Symbolizer& symbolizer);

// The `n` largest sites (all when n == 0).
std::vector<HeapSite> TopSites(std::vector<HeapSite> sites, size_t n);

// Sites that grew from `older` to `newer` (same frames compared), by bytes delta, largest
// first; percent is of the sum of all positive deltas. At most `n` (all when n == 0).
std::vector<HeapSite> DiffSites(const std::vector<HeapSite>& older,
                                const std::vector<HeapSite>& newer, size_t n);

}  // namespace mnemo
