#include "memory/allocator.h"

#include <cmath>
#include <cstring>

#if MNEMO_HAVE_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

namespace mnemo::allocator {

namespace {
size_t LgSample(uint64_t bytes) {
  return static_cast<size_t>(std::lround(std::log2(static_cast<double>(bytes))));
}
}  // namespace

uint64_t RoundedSampleBytes(uint64_t bytes) { return uint64_t{1} << LgSample(bytes); }

#if MNEMO_HAVE_JEMALLOC

namespace {

std::string ArenaAll(const char* suffix) {
  return "arena." + std::to_string(MALLCTL_ARENAS_ALL) + "." + suffix;
}

template <typename T>
StatusOr<T> Read(const std::string& name) {
  T value{};
  size_t size = sizeof(value);
  int rc = mallctl(name.c_str(), &value, &size, nullptr, 0);
  if (rc != 0) {
    return Status::IOError("unable to read jemalloc option " + name + ": " + std::strerror(rc));
  }
  return value;
}

template <typename T>
Status Write(const std::string& name, T value) {
  int rc = mallctl(name.c_str(), nullptr, nullptr, &value, sizeof(value));
  if (rc != 0) {
    return Status::IOError("unable to set jemalloc option " + name + ": " + std::strerror(rc));
  }
  return Status::OK();
}

// A mallctl "void" call: no value in, no value out (purge, decay).
Status Call(const std::string& name) {
  int rc = mallctl(name.c_str(), nullptr, nullptr, nullptr, 0);
  if (rc != 0) {
    return Status::IOError("unable to run jemalloc command " + name + ": " + std::strerror(rc));
  }
  return Status::OK();
}

Status RefreshEpoch() {
  uint64_t epoch = 1;
  size_t size = sizeof(epoch);
  int rc = mallctl("epoch", &epoch, &size, &epoch, size);
  if (rc != 0)
    return Status::IOError(std::string("unable to set jemalloc option epoch: ") +
                           std::strerror(rc));
  return Status::OK();
}

StatusOr<uint64_t> ReadSize(const std::string& name) {
  auto v = Read<size_t>(name);
  if (!v.ok()) return v.status();
  return static_cast<uint64_t>(*v);
}

void WriteStatsCallback(void* opaque, const char* text) {
  static_cast<std::string*>(opaque)->append(text);
}

}  // namespace

bool Available() {
  static const bool available = Read<const char*>("version").ok();
  return available;
}

std::string Name() {
  auto version = Read<const char*>("version");
  if (!version.ok() || *version == nullptr) return "libc";
  return std::string("jemalloc-") + *version;
}

StatusOr<Stats> ReadStats() {
  if (Status s = RefreshEpoch(); !s.ok()) return s;
  Stats stats;
  struct Field {
    const char* name;
    uint64_t* out;
  };
  const Field fields[] = {
      {"stats.allocated", &stats.allocated}, {"stats.active", &stats.active},
      {"stats.resident", &stats.resident},   {"stats.mapped", &stats.mapped},
      {"stats.retained", &stats.retained},   {"stats.metadata", &stats.metadata}};
  for (const Field& f : fields) {
    auto v = ReadSize(f.name);
    if (!v.ok()) return v.status();
    *f.out = *v;
  }
  static const std::string tcache =
      "stats.arenas." + std::to_string(MALLCTL_ARENAS_ALL) + ".tcache_bytes";
  auto t = ReadSize(tcache);
  if (!t.ok()) return t.status();
  stats.tcache = *t;
  return stats;
}

StatusOr<uint64_t> Purge() {
  auto before = ReadStats();
  if (!before.ok()) return before.status();
  if (Status s = Call(ArenaAll("purge")); !s.ok()) return s;
  auto after = ReadStats();
  if (!after.ok()) return after.status();
  return before->resident > after->resident ? before->resident - after->resident : 0;
}

Status Decay() { return Call(ArenaAll("decay")); }

StatusOr<std::string> MallocStatsText(bool json) {
  std::string out;
  malloc_stats_print(WriteStatsCallback, &out, json ? "J" : "");
  return out;
}

StatusOr<uint64_t> ThreadAllocated() { return Read<uint64_t>("thread.allocated"); }
StatusOr<uint64_t> ThreadDeallocated() { return Read<uint64_t>("thread.deallocated"); }

ThreadCounterPointers ThreadCounters() {
  ThreadCounterPointers p;
  auto a = Read<uint64_t*>("thread.allocatedp");
  auto d = Read<uint64_t*>("thread.deallocatedp");
  if (a.ok() && d.ok()) {
    p.allocated = *a;
    p.deallocated = *d;
  }
  return p;
}

StatusOr<bool> ProfilingArmed() { return Read<bool>("opt.prof"); }
StatusOr<bool> ProfilingActive() { return Read<bool>("prof.active"); }
Status SetProfilingActive(bool active) { return Write<bool>("prof.active", active); }

Status SetSampleBytes(uint64_t bytes) {
  if (bytes < 1 || bytes > (uint64_t{1} << 40)) {
    return Status::InvalidArgument("sample bytes must be between 1 and 2^40");
  }
  return Write<size_t>("prof.reset", LgSample(bytes));
}

StatusOr<uint64_t> SampleBytes() {
  auto lg = Read<size_t>("prof.lg_sample");
  if (!lg.ok()) return lg.status();
  return uint64_t{1} << *lg;
}

Status DumpProfile(const std::string& path) {
  return Write<const char*>("prof.dump", path.c_str());
}

StatusOr<bool> ProfStatsEnabled() { return Read<bool>("opt.prof_stats"); }

StatusOr<uint64_t> InternalBytes() {
  if (Status s = RefreshEpoch(); !s.ok()) return s;
  return ReadSize("stats.arenas." + std::to_string(MALLCTL_ARENAS_ALL) + ".internal");
}

StatusOr<uint64_t> SampledSmallOverheadBytes() {
  auto enabled = ProfStatsEnabled();
  if (!enabled.ok()) return enabled.status();
  if (!*enabled) return Status::NotSupported("jemalloc opt.prof_stats is off");
  auto nbins = Read<unsigned>("arenas.nbins");
  auto large_min = ReadSize("arenas.lextent.0.size");
  if (!nbins.ok()) return nbins.status();
  if (!large_min.ok()) return large_min.status();
  uint64_t overhead = 0;
  for (unsigned i = 0; i < *nbins; ++i) {
    struct {
      uint64_t req_sum, count;  // jemalloc's prof_stats_t
    } live;
    auto bin_size = ReadSize("arenas.bin." + std::to_string(i) + ".size");
    if (!bin_size.ok()) return bin_size.status();
    std::string name = "prof.stats.bins." + std::to_string(i) + ".live";
    size_t size = sizeof(live);
    int rc = mallctl(name.c_str(), &live, &size, nullptr, 0);
    if (rc != 0) {
      return Status::IOError("unable to read jemalloc option " + name + ": " + std::strerror(rc));
    }
    if (*large_min > *bin_size) overhead += live.count * (*large_min - *bin_size);
  }
  return overhead;
}

StatusOr<AllocationPattern> ReadAllocationPattern() {
  if (Status s = RefreshEpoch(); !s.ok()) return s;
  AllocationPattern pattern;
  const std::string all = "stats.arenas." + std::to_string(MALLCTL_ARENAS_ALL);
  // Reads one size-class family: "<class>.<j>.size" for the size and "<all>.<stats>.<j>.<count>"
  // for the live count.
  auto read_classes = [&](const char* count_name, const char* klass, const char* stats,
                          const char* count, std::vector<SizeClassUsage>* out) -> Status {
    auto n = Read<unsigned>(count_name);
    if (!n.ok()) return n.status();
    for (unsigned j = 0; j < *n; ++j) {
      std::string idx = std::to_string(j);
      auto regions = ReadSize(all + "." + stats + "." + idx + "." + count);
      if (!regions.ok()) return regions.status();
      if (*regions == 0) continue;
      auto size = ReadSize(std::string(klass) + "." + idx + ".size");
      if (!size.ok()) return size.status();
      out->push_back({*size, *regions, *size * *regions});
    }
    return Status::OK();
  };
  if (Status s = read_classes("arenas.nbins", "arenas.bin", "bins", "curregs", &pattern.small);
      !s.ok()) {
    return s;
  }
  if (Status s = read_classes("arenas.nlextents", "arenas.lextent", "lextents", "curlextents",
                              &pattern.large);
      !s.ok()) {
    return s;
  }
  auto narenas = Read<unsigned>("arenas.narenas");
  if (!narenas.ok()) return narenas.status();
  for (unsigned i = 0; i < *narenas; ++i) {
    auto initialized = Read<bool>("arena." + std::to_string(i) + ".initialized");
    if (!initialized.ok()) return initialized.status();
    if (!*initialized) continue;
    std::string prefix = "stats.arenas." + std::to_string(i);
    auto small = ReadSize(prefix + ".small.allocated");
    auto large = ReadSize(prefix + ".large.allocated");
    if (!small.ok()) return small.status();
    if (!large.ok()) return large.status();
    pattern.arenas.push_back({i, *small, *large});
  }
  return pattern;
}

#else  // !MNEMO_HAVE_JEMALLOC

namespace {
Status Unsupported() {
  return Status::NotSupported(
      "memory profiling is not available: this build uses the sanitizer allocator, not jemalloc");
}
}  // namespace

bool Available() { return false; }
std::string Name() { return "libc"; }
StatusOr<Stats> ReadStats() { return Unsupported(); }
StatusOr<uint64_t> Purge() { return Unsupported(); }
Status Decay() { return Unsupported(); }
StatusOr<std::string> MallocStatsText(bool) { return Unsupported(); }
StatusOr<uint64_t> ThreadAllocated() { return Unsupported(); }
StatusOr<uint64_t> ThreadDeallocated() { return Unsupported(); }
ThreadCounterPointers ThreadCounters() { return {}; }
StatusOr<bool> ProfilingArmed() { return Unsupported(); }
StatusOr<bool> ProfilingActive() { return Unsupported(); }
Status SetProfilingActive(bool) { return Unsupported(); }
Status SetSampleBytes(uint64_t) { return Unsupported(); }
StatusOr<uint64_t> SampleBytes() { return Unsupported(); }
Status DumpProfile(const std::string&) { return Unsupported(); }
StatusOr<bool> ProfStatsEnabled() { return Unsupported(); }
StatusOr<uint64_t> InternalBytes() { return Unsupported(); }
StatusOr<uint64_t> SampledSmallOverheadBytes() { return Unsupported(); }
StatusOr<AllocationPattern> ReadAllocationPattern() { return Unsupported(); }

#endif  // MNEMO_HAVE_JEMALLOC

}  // namespace mnemo::allocator
