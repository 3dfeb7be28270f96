// HeapProfiler: run-time control of jemalloc's heap profiler for operators.
//
// The binary arms jemalloc's profiler at start ("prof:true,prof_active:false": compiled in, no
// sampling, no cost). This class switches sampling on and off, writes heap profile dumps only
// inside one configured directory (temporary name, then rename; newest `max_dumps` kept), turns
// profiling off again at a deadline, dumps automatically when the heap grows, and reads dumps
// back as symbolized top-N call sites or as the growth between two dumps.
//
// Thread-safety: every method may be called from any thread at any time (worker threads and the
// profiler's own background thread). Enable/Disable are serialized and idempotent; at most one
// dump runs at a time (a second concurrent Dump returns Busy instead of waiting).
// jemalloc's profiler is process-global: keep ONE HeapProfiler per process.
// Ownership: the profiler owns its background thread and its symbol cache; it never owns files
// outside `Settings::dir`.
//
// Builds without jemalloc (MNEMO_SANITIZE) compile the same API; every call returns
// NotSupported, Active() is false.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/confined_path.h"
#include "common/status.h"
#include "memory/heap_profile.h"

namespace mnemo {

class HeapProfiler {
 public:
  struct Settings {
    // Directory for dumps (created with mode 0700 when missing). "" = dumps refused. Relative
    // paths are taken from the process's working directory. Changeable at run time.
    std::string dir;
    // Keep at most this many jeprof.*.heap files in `dir` and below; oldest deleted first.
    // < 1 means no limit. Default 32.
    int64_t max_dumps = 32;
    // While active, dump automatically each time stats.allocated grows by this many bytes over
    // the level at Enable / at the last dump. 0 = off (default).
    int64_t auto_dump_growth = 0;
    // Minimum seconds between two automatic dumps. Default 60.
    int64_t auto_dump_interval_s = 60;
    // Mean bytes between samples when Enable gets none; rounded to a power of two. Default
    // 512 KiB (jemalloc's own default): ~1 sample per 512 KiB allocated.
    int64_t default_sample_bytes = 524288;
  };

  explicit HeapProfiler(Settings settings);
  ~HeapProfiler();  // stops the background thread; leaves jemalloc's profiler as it is
  HeapProfiler(const HeapProfiler&) = delete;
  HeapProfiler& operator=(const HeapProfiler&) = delete;

  void UpdateSettings(Settings settings);
  Settings GetSettings() const;

  // Starts/stops the background thread (auto-off deadline, auto-dump on growth; wakes every
  // 100 ms). Both idempotent.
  void Start();
  void Stop();

  // Starts sampling (prof.active = true). `sample_bytes`: mean bytes between samples (1..2^40,
  // rounded to a power of two; default Settings::default_sample_bytes); changing the rate
  // discards the samples taken so far (jemalloc prof.reset), keeping the same rate keeps them.
  // `for_seconds` (> 0): turn off again after that long; without it any earlier deadline is
  // cleared. Enabling when already active only applies the rate and the deadline.
  // Errors: NotSupported (no jemalloc, or opt.prof off at start), InvalidArgument (ranges).
  Status Enable(std::optional<int64_t> sample_bytes, std::optional<int64_t> for_seconds);
  // Stops sampling (prof.active = false). Samples of still-live objects stay in later dumps.
  Status Disable();
  bool Active() const;  // false when not armed
  // OK when profiling can be used at all; NotSupported naming why not (no jemalloc in this
  // build, or opt.prof off at start).
  Status CheckArmed() const;

  // Writes a dump into `subdir` ("" = Settings::dir), named jeprof.<pid>.<seq>.heap (seq chosen
  // so no existing file is overwritten). `subdir` may be absolute or relative to `dir`; it is
  // resolved like a real path but without looking outside `dir` (common/confined_path.h): a path
  // that leads outside, lexically or through a symlink, gets InvalidArgument("'<x>' is outside
  // profiling-dir '<real dir>'") whether or not it exists; inside `dir`, not an existing
  // directory -> InvalidArgument("'<x>' is not a directory").
  // Returns the final path. Errors: InvalidArgument("jemalloc profiling is not active, please
  // enable it first"), Busy("a heap profile dump is already in progress"), IOError (write,
  // rename, disk full, or less than twice the last dump's size free on the disk; the temporary
  // file is removed).
  StatusOr<std::string> Dump(std::string_view subdir);

  struct Info {
    bool armed = false;                // opt.prof: profiling compiled in and armed at start
    bool active = false;               // sampling now
    int64_t since_ms = 0;              // unix ms when sampling last went on; 0 when inactive
    int64_t sample_bytes = 0;          // mean bytes between samples (2^prof.lg_sample)
    int64_t auto_off_at_ms = 0;        // unix ms of the auto-off deadline; 0 = none
    int64_t dumps_taken = 0;           // dumps written by this process (manual and automatic)
    std::string last_dump;             // path of the newest dump written by this process
    std::string last_auto_dump_error;  // why the last automatic dump failed; "" if it did not
    std::string dir;                   // Settings::dir
    // Passes of the background thread completed (each checks the auto-off deadline and the
    // auto-dump growth): a caller that saw it advance twice knows a whole check ran since.
    int64_t ticks = 0;
    // Memory the profiler itself costs, in bytes: profiler_metadata_bytes +
    // profiler_sampling_bytes + profiler_symbols_bytes. See docs/memory-profiling.md.
    uint64_t profiler_bytes = 0;
    // jemalloc's internal allocations (stats.arenas.<all>.internal) above their level when the
    // process's first HeapProfiler was created: the profiler's per-thread, per-stack and
    // per-(thread, stack) records and hash tables. Stays allocated after Disable while sampled
    // objects live.
    uint64_t profiler_metadata_bytes = 0;
    // Extra bytes held by live sampled small objects (each sits in a 16 KiB extent instead of
    // its size class). Exact; only known when jemalloc runs with opt.prof_stats (else 0 and
    // profiler_sampling_known is false).
    uint64_t profiler_sampling_bytes = 0;
    bool profiler_sampling_known = false;
    // What the symbolizer of TOP, DIFF and the HTTP profile holds (Symbolizer::bytes): the
    // debug information it read and the frames it cached. Kept until the server stops.
    uint64_t profiler_symbols_bytes = 0;
  };
  Info GetInfo() const;

  struct DumpFile {
    std::string name;  // path relative to Settings::dir, e.g. "jeprof.12.3.heap", "a/jeprof..."
    std::string path;  // absolute real path
    uint64_t size = 0;
    int64_t mtime_ms = 0;
  };
  // The jeprof.*.heap files in `dir` and below, newest first. Empty when `dir` is missing.
  StatusOr<std::vector<DumpFile>> List() const;

  using Site = HeapSite;
  // The `n` largest live-heap call sites (n == 0: all) of dump `dump` (a name from List() or a
  // path, resolved inside `dir` like Dump), or of a fresh profile of the live heap when `dump`
  // is "" (needs Active(); Busy while a dump runs). Anything but a regular file inside `dir` —
  // missing, outside (existing or not), a directory, a FIFO — gets the same
  // InvalidArgument("no such dump '<x>'"), and nothing outside `dir` is opened or looked at.
  StatusOr<std::vector<Site>> Top(size_t n, std::string_view dump);
  // Sites that grew from dump `older` to dump `newer`, largest growth first; bytes/objects are
  // the growth, percent is of the total growth.
  StatusOr<std::vector<Site>> Diff(std::string_view older, std::string_view newer, size_t n);

  // A heap profile as written and as parsed: for readers that need the dump itself (the HTTP
  // endpoint's pprof, jeprof and SVG forms).
  struct Profile {
    std::string text;  // the jemalloc dump file's bytes
    HeapProfile parsed;
  };
  // A fresh profile of the live heap (written to a temporary file in `dir`, read, removed; not
  // counted in retention). Errors as Top("").
  StatusOr<Profile> FreshProfile();
  // Stored dump `dump` (a name from List()), resolved as Top resolves it, with its errors.
  StatusOr<Profile> ReadDump(std::string_view dump);
  // The profiler's symbol cache, for symbolizing the profiles above.
  Symbolizer& symbolizer() { return symbolizer_; }

 private:
  Status DisableLocked();                                 // REQUIRES: state_mu_ held
  StatusOr<std::string> ProfilingDir(bool create) const;  // real path of Settings::dir
  // `path` resolved inside `dir` (the real profiling-dir) without looking outside it.
  ConfinedPath ResolveInside(const std::string& dir, std::string_view path) const;
  StatusOr<std::string> ResolveDump(std::string_view dump) const;
  // REQUIRES: dump_mu_ held
  StatusOr<std::string> WriteDump(const std::string& dir, bool keep,
                                  const std::string& retention_root = "");
  StatusOr<std::vector<Site>> SitesOf(const std::string& path);
  // Deletes the oldest dumps under `dir` until at most max_dumps - room_for are left.
  void EnforceRetention(const std::string& dir, int64_t room_for = 0);
  void NoteDumpTaken(const std::string& path);
  void Run();
  void Tick();

  mutable std::mutex settings_mu_;
  Settings settings_;

  std::mutex state_mu_;  // serializes Enable/Disable
  std::atomic<int64_t> since_ms_{0};
  std::atomic<int64_t> auto_off_at_ms_{0};        // unix ms, for display
  std::atomic<int64_t> auto_off_deadline_us_{0};  // monotonic, for the background thread
  std::atomic<uint64_t> growth_baseline_{0};      // stats.allocated at enable / last dump
  std::atomic<int64_t> last_auto_dump_us_{0};     // monotonic
  std::atomic<int64_t> ticks_{0};                 // Info::ticks

  std::mutex dump_mu_;  // held while a dump is written
  std::atomic<uint64_t> next_seq_{0};
  std::atomic<int64_t> dumps_taken_{0};
  std::atomic<uint64_t> last_dump_bytes_{0};  // size of the last dump, for the free-space check
  mutable std::mutex info_mu_;                // guards the two strings below
  std::string last_dump_;
  std::string last_auto_dump_error_;

  uint64_t internal_baseline_ = 0;  // allocator::InternalBytes() at the first construction
  Symbolizer symbolizer_;

  std::mutex thread_mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace mnemo
