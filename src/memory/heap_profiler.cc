#include "memory/heap_profiler.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "common/confined_path.h"
#include "common/string_util.h"
#include "memory/allocator.h"

namespace mnemo {

namespace {

constexpr char kNotActive[] = "jemalloc profiling is not active, please enable it first";
constexpr char kBusy[] = "a heap profile dump is already in progress";
constexpr int64_t kMaxSampleBytes = int64_t{1} << 40;
constexpr int64_t kMaxForSeconds = int64_t{10} * 365 * 24 * 3600;
constexpr auto kTickPeriod = std::chrono::milliseconds(100);

std::string ErrnoText(int err) { return std::strerror(err); }

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

// mkdir -p; directories it creates get mode 0700.
Status MakeDirs(const std::string& path) {
  for (size_t pos = path.find('/', 1);; pos = path.find('/', pos + 1)) {
    std::string prefix = path.substr(0, pos);
    if (::mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST) {
      return Status::IOError("cannot create profiling-dir " + Quote(prefix) + ": " +
                             ErrnoText(errno));
    }
    if (pos == std::string::npos) break;
  }
  return Status::OK();
}

// realpath(3); the errno value on failure.
std::optional<std::string> RealPath(const std::string& path, int* err) {
  char* real = ::realpath(path.c_str(), nullptr);
  if (real == nullptr) {
    *err = errno;
    return std::nullopt;
  }
  std::string out(real);
  std::free(real);
  return out;
}

bool IsDumpName(const std::string& name) {
  return name.starts_with("jeprof.") && name.ends_with(".heap");
}

// The <seq> of jeprof.<pid>.<seq>.heap, for ordering dumps written in the same instant.
uint64_t DumpSeq(const std::string& name) {
  size_t end = name.size() - 5, dot = name.rfind('.', end - 1);
  auto seq =
      dot == std::string::npos ? std::nullopt : ParseUint64(name.substr(dot + 1, end - dot - 1));
  return seq.value_or(0);
}

struct FoundDump {
  HeapProfiler::DumpFile file;
  int64_t mtime_ns;
  uint64_t seq;
};

// jeprof.*.heap regular files under `dir` (symlinks neither listed nor followed), newest first.
std::vector<FoundDump> FindDumps(const std::string& dir) {
  namespace fs = std::filesystem;
  std::vector<FoundDump> found;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    struct stat st;
    if (!IsDumpName(name) || ::lstat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      continue;
    }
    int64_t ns = int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
    std::string path = it->path().string();
    found.push_back(
        {{path.substr(dir.size() + 1), path, static_cast<uint64_t>(st.st_size), ns / 1000000},
         ns,
         DumpSeq(name)});
  }
  std::sort(found.begin(), found.end(), [](const FoundDump& a, const FoundDump& b) {
    return std::tie(a.mtime_ns, a.seq) > std::tie(b.mtime_ns, b.seq);
  });
  return found;
}

StatusOr<uint64_t> AllocatedBytes() {
  auto stats = allocator::ReadStats();
  if (!stats.ok()) return stats.status();
  return stats->allocated;
}

// jemalloc "internal" bytes before this process ever had a HeapProfiler; see Info.
uint64_t InternalBaseline() {
  static const uint64_t baseline = [] {
    auto internal = allocator::InternalBytes();
    return internal.ok() ? *internal : 0;
  }();
  return baseline;
}

}  // namespace

HeapProfiler::HeapProfiler(Settings settings)
    : settings_(std::move(settings)), internal_baseline_(InternalBaseline()) {}

HeapProfiler::~HeapProfiler() { Stop(); }

void HeapProfiler::UpdateSettings(Settings settings) {
  std::lock_guard lock(settings_mu_);
  settings_ = std::move(settings);
}

HeapProfiler::Settings HeapProfiler::GetSettings() const {
  std::lock_guard lock(settings_mu_);
  return settings_;
}

// ---- on / off ----

Status HeapProfiler::CheckArmed() const {
  auto armed = allocator::ProfilingArmed();
  if (!armed.ok()) return armed.status();
  if (!*armed) {
    return Status::NotSupported(
        "jemalloc profiling is not armed: the process started with opt.prof=false (a MALLOC_CONF "
        "environment variable overrides the built-in prof:true)");
  }
  return Status::OK();
}

Status HeapProfiler::Enable(std::optional<int64_t> sample_bytes,
                            std::optional<int64_t> for_seconds) {
  if (Status s = CheckArmed(); !s.ok()) return s;
  int64_t bytes = sample_bytes.value_or(GetSettings().default_sample_bytes);
  if (bytes < 1 || bytes > kMaxSampleBytes) {
    return Status::InvalidArgument("sample bytes must be between 1 and 1099511627776");
  }
  if (for_seconds && (*for_seconds < 1 || *for_seconds > kMaxForSeconds)) {
    return Status::InvalidArgument("the profiling duration must be between 1 and " +
                                   std::to_string(kMaxForSeconds) + " seconds");
  }
  std::lock_guard lock(state_mu_);
  auto current = allocator::SampleBytes();
  if (!current.ok()) return current.status();
  if (allocator::RoundedSampleBytes(bytes) != *current) {  // a new rate resets the samples
    if (Status s = allocator::SetSampleBytes(bytes); !s.ok()) return s;
  }
  if (Status s = allocator::SetProfilingActive(true); !s.ok()) return s;
  int64_t zero = 0;
  since_ms_.compare_exchange_strong(zero, NowMs());
  auto_off_at_ms_ = for_seconds ? NowMs() + *for_seconds * 1000 : 0;
  auto_off_deadline_us_ = for_seconds ? MonotonicUs() + *for_seconds * 1000000 : 0;
  auto allocated = AllocatedBytes();
  growth_baseline_ = allocated.ok() ? *allocated : 0;
  return Status::OK();
}

Status HeapProfiler::Disable() {
  auto armed = allocator::ProfilingArmed();
  if (!armed.ok()) return armed.status();
  if (!*armed) return Status::OK();  // nothing can be sampling
  std::lock_guard lock(state_mu_);
  return DisableLocked();
}

Status HeapProfiler::DisableLocked() {
  if (Status s = allocator::SetProfilingActive(false); !s.ok()) return s;
  since_ms_ = 0;
  auto_off_at_ms_ = 0;
  auto_off_deadline_us_ = 0;
  return Status::OK();
}

bool HeapProfiler::Active() const {
  auto armed = allocator::ProfilingArmed();
  auto active = allocator::ProfilingActive();
  return armed.ok() && *armed && active.ok() && *active;
}

// ---- dumps ----

StatusOr<std::string> HeapProfiler::ProfilingDir(bool create) const {
  std::string dir = GetSettings().dir;
  if (dir.empty()) return Status::InvalidArgument("profiling-dir is not set");
  if (create) {
    if (Status s = MakeDirs(dir); !s.ok()) return s;
  }
  int err = 0;
  auto real = RealPath(dir, &err);
  if (!real) {
    return Status::IOError("cannot open profiling-dir " + Quote(dir) + ": " + ErrnoText(err));
  }
  struct stat st;
  if (::stat(real->c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Status::IOError("profiling-dir " + Quote(dir) + " is not a directory");
  }
  return *real;
}

ConfinedPath HeapProfiler::ResolveInside(const std::string& dir, std::string_view path) const {
  // The configured spelling of the directory (maybe relative, maybe through a symlink) is
  // accepted in absolute paths too: it is how INFO and the config show the directory.
  std::error_code ec;
  std::filesystem::path alias = std::filesystem::absolute(GetSettings().dir, ec);
  return ResolveConfined(dir, path, ec ? std::string() : alias.string());
}

StatusOr<std::string> HeapProfiler::Dump(std::string_view subdir) {
  if (Status s = CheckArmed(); !s.ok()) return s;
  if (!Active()) return Status::InvalidArgument(kNotActive);
  std::unique_lock lock(dump_mu_, std::try_to_lock);
  if (!lock.owns_lock()) return Status::Busy(kBusy);
  auto dir = ProfilingDir(/*create=*/true);
  if (!dir.ok()) return dir.status();
  std::string target = *dir;
  if (!subdir.empty()) {
    ConfinedPath resolved = ResolveInside(*dir, subdir);
    if (resolved.where == ConfinedPath::Where::kOutside) {
      return Status::InvalidArgument(Quote(subdir) + " is outside profiling-dir " + Quote(*dir));
    }
    if (resolved.where != ConfinedPath::Where::kInside || !S_ISDIR(resolved.mode)) {
      return Status::InvalidArgument(Quote(subdir) + " is not a directory");
    }
    target = resolved.path;
  }
  if (::access(target.c_str(), W_OK) != 0) {
    return Status::IOError(Quote(target) + " is not writable: " + ErrnoText(errno));
  }
  auto path = WriteDump(target, /*keep=*/true, *dir);
  if (!path.ok()) return path;
  NoteDumpTaken(*path);
  return path;
}

// Writes a dump to a fresh temporary file in `dir` (created here with O_EXCL, so never a
// pre-existing file or symlink), checks it, and renames it to jeprof.<pid>.<seq>.heap, or
// returns the temporary path as is when !keep. A kept dump first makes room under
// `retention_root` (EnforceRetention), so the directory never holds more than the limit, not
// even for a moment.
StatusOr<std::string> HeapProfiler::WriteDump(const std::string& dir, bool keep,
                                              const std::string& retention_root) {
  // The profiler must never fill the disk: refuse when less than twice the last dump is free.
  uint64_t last = last_dump_bytes_.load();
  struct statvfs fs;
  if (last > 0 && ::statvfs(dir.c_str(), &fs) == 0) {
    uint64_t free_bytes = static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
    if (free_bytes < 2 * last) {
      return Status::IOError("not enough free disk space for a heap profile dump: " +
                             std::to_string(free_bytes) + " bytes free in " + Quote(dir) +
                             ", twice the last dump (" + std::to_string(last) + " bytes) needed");
    }
  }
  std::string prefix = dir + "/jeprof." + std::to_string(::getpid()) + ".";
  std::string final_path, temp;
  for (int attempt = 0;; ++attempt) {
    std::string seq = std::to_string(next_seq_++);
    final_path = prefix + seq + ".heap";
    temp = dir + "/.jeprof." + std::to_string(::getpid()) + "." + seq + ".heap.tmp";
    if (::access(final_path.c_str(), F_OK) == 0) continue;  // from an earlier run with our pid
    int fd = ::open(temp.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0) {
      ::close(fd);
      break;
    }
    if (errno != EEXIST || attempt > 1000) {
      return Status::IOError("cannot create " + Quote(temp) + ": " + ErrnoText(errno));
    }
  }
  Status s = allocator::DumpProfile(temp);
  struct stat st;
  if (s.ok() && (::stat(temp.c_str(), &st) != 0 || st.st_size == 0)) {
    s = Status::IOError("the heap profile written to " + Quote(temp) + " is empty");
  }
  if (s.ok() && keep && !retention_root.empty()) EnforceRetention(retention_root, 1);
  if (s.ok() && keep && ::rename(temp.c_str(), final_path.c_str()) != 0) {
    s = Status::IOError("cannot rename " + Quote(temp) + ": " + ErrnoText(errno));
  }
  if (!s.ok()) {
    ::unlink(temp.c_str());
    return Status::IOError("heap profile dump failed: " + s.message());
  }
  last_dump_bytes_ = static_cast<uint64_t>(st.st_size);
  return keep ? final_path : temp;
}

void HeapProfiler::EnforceRetention(const std::string& dir, int64_t room_for) {
  int64_t max_dumps = GetSettings().max_dumps;
  if (max_dumps < 1) return;
  std::vector<FoundDump> dumps = FindDumps(dir);
  for (size_t i = static_cast<size_t>(std::max<int64_t>(0, max_dumps - room_for)); i < dumps.size();
       ++i) {
    ::unlink(dumps[i].file.path.c_str());
  }
}

void HeapProfiler::NoteDumpTaken(const std::string& path) {
  ++dumps_taken_;
  auto allocated = AllocatedBytes();
  if (allocated.ok()) growth_baseline_ = *allocated;
  std::lock_guard lock(info_mu_);
  last_dump_ = path;
}

StatusOr<std::vector<HeapProfiler::DumpFile>> HeapProfiler::List() const {
  if (Status s = CheckArmed(); !s.ok()) return s;
  std::vector<DumpFile> files;
  std::string dir = GetSettings().dir;
  if (dir.empty() || ::access(dir.c_str(), F_OK) != 0) return files;
  auto real = ProfilingDir(/*create=*/false);
  if (!real.ok()) return real.status();
  for (FoundDump& d : FindDumps(*real)) files.push_back(std::move(d.file));
  return files;
}

// ---- reading dumps ----

// Anything that is not a regular file inside the directory, wherever the name points and
// whether or not that exists, is answered as a missing dump: a client learns nothing of the
// filesystem outside, and nothing outside is opened or looked at (ResolveConfined).
StatusOr<std::string> HeapProfiler::ResolveDump(std::string_view dump) const {
  Status missing = Status::InvalidArgument("no such dump " + Quote(dump));
  auto dir = ProfilingDir(/*create=*/false);
  // No profiling dir yet means no dump has been taken: the name cannot exist.
  if (!dir.ok()) return missing;
  ConfinedPath path = ResolveInside(*dir, dump);
  if (path.where != ConfinedPath::Where::kInside || !S_ISREG(path.mode)) return missing;
  return path.path;
}

StatusOr<std::vector<HeapProfiler::Site>> HeapProfiler::SitesOf(const std::string& path) {
  auto profile = HeapProfile::ReadFile(path);
  if (!profile.ok()) return profile.status();
  return SummarizeSites(*profile, symbolizer_);
}

StatusOr<std::vector<HeapProfiler::Site>> HeapProfiler::Top(size_t n, std::string_view dump) {
  if (Status s = CheckArmed(); !s.ok()) return s;
  if (!dump.empty()) {
    auto path = ResolveDump(dump);
    if (!path.ok()) return path.status();
    auto sites = SitesOf(*path);
    if (!sites.ok()) return sites;
    return TopSites(std::move(*sites), n);
  }
  if (!Active()) return Status::InvalidArgument(kNotActive);
  std::unique_lock lock(dump_mu_, std::try_to_lock);
  if (!lock.owns_lock()) return Status::Busy(kBusy);
  auto dir = ProfilingDir(/*create=*/true);
  if (!dir.ok()) return dir.status();
  auto temp = WriteDump(*dir, /*keep=*/false);
  if (!temp.ok()) return temp.status();
  auto sites = SitesOf(*temp);
  ::unlink(temp->c_str());
  if (!sites.ok()) return sites;
  return TopSites(std::move(*sites), n);
}

StatusOr<std::vector<HeapProfiler::Site>> HeapProfiler::Diff(std::string_view older,
                                                             std::string_view newer, size_t n) {
  if (Status s = CheckArmed(); !s.ok()) return s;
  auto older_path = ResolveDump(older);
  if (!older_path.ok()) return older_path.status();
  auto newer_path = ResolveDump(newer);
  if (!newer_path.ok()) return newer_path.status();
  auto before = SitesOf(*older_path);
  if (!before.ok()) return before;
  auto after = SitesOf(*newer_path);
  if (!after.ok()) return after;
  return DiffSites(*before, *after, n);
}

namespace {

StatusOr<HeapProfiler::Profile> ReadProfile(const std::string& path) {
  auto parsed = HeapProfile::ReadFile(path);
  if (!parsed.ok()) return parsed.status();
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) return Status::IOError("cannot read " + path);
  return HeapProfiler::Profile{std::move(text), std::move(*parsed)};
}

}  // namespace

StatusOr<HeapProfiler::Profile> HeapProfiler::FreshProfile() {
  if (Status s = CheckArmed(); !s.ok()) return s;
  if (!Active()) return Status::InvalidArgument(kNotActive);
  std::unique_lock lock(dump_mu_, std::try_to_lock);
  if (!lock.owns_lock()) return Status::Busy(kBusy);
  auto dir = ProfilingDir(/*create=*/true);
  if (!dir.ok()) return dir.status();
  auto temp = WriteDump(*dir, /*keep=*/false);
  if (!temp.ok()) return temp.status();
  auto profile = ReadProfile(*temp);
  ::unlink(temp->c_str());
  return profile;
}

StatusOr<HeapProfiler::Profile> HeapProfiler::ReadDump(std::string_view dump) {
  if (Status s = CheckArmed(); !s.ok()) return s;
  auto path = ResolveDump(dump);
  if (!path.ok()) return path.status();
  return ReadProfile(*path);
}

// ---- status ----

HeapProfiler::Info HeapProfiler::GetInfo() const {
  Info info;
  auto armed = allocator::ProfilingArmed();
  info.armed = armed.ok() && *armed;
  info.active = info.armed && Active();
  info.since_ms = info.active ? since_ms_.load() : 0;
  auto sample = allocator::SampleBytes();
  info.sample_bytes = info.armed && sample.ok() ? static_cast<int64_t>(*sample) : 0;
  info.auto_off_at_ms = auto_off_at_ms_;
  info.dumps_taken = dumps_taken_;
  info.ticks = ticks_.load(std::memory_order_relaxed);
  info.dir = GetSettings().dir;
  {
    std::lock_guard lock(info_mu_);
    info.last_dump = last_dump_;
    info.last_auto_dump_error = last_auto_dump_error_;
  }
  auto internal = allocator::InternalBytes();
  if (internal.ok() && *internal > internal_baseline_) {
    info.profiler_metadata_bytes = *internal - internal_baseline_;
  }
  auto sampling = allocator::SampledSmallOverheadBytes();
  info.profiler_sampling_known = sampling.ok();
  info.profiler_sampling_bytes = sampling.ok() ? *sampling : 0;
  info.profiler_symbols_bytes = symbolizer_.bytes();
  info.profiler_bytes =
      info.profiler_metadata_bytes + info.profiler_sampling_bytes + info.profiler_symbols_bytes;
  return info;
}

// ---- background thread ----

void HeapProfiler::Start() {
  std::lock_guard lock(thread_mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Run(); });
}

void HeapProfiler::Stop() {
  std::thread thread;
  {
    std::lock_guard lock(thread_mu_);
    if (!thread_.joinable()) return;
    stopping_ = true;
    thread = std::move(thread_);
  }
  wake_.notify_all();
  thread.join();
}

void HeapProfiler::Run() {
  std::unique_lock lock(thread_mu_);
  while (!stopping_) {
    lock.unlock();
    Tick();
    ticks_.fetch_add(1, std::memory_order_relaxed);
    lock.lock();
    wake_.wait_for(lock, kTickPeriod, [this] { return stopping_; });
  }
}

void HeapProfiler::Tick() {
  if (auto_off_deadline_us_ != 0 && MonotonicUs() >= auto_off_deadline_us_) {
    std::lock_guard lock(state_mu_);  // re-checked: an Enable may have moved the deadline
    if (auto_off_deadline_us_ != 0 && MonotonicUs() >= auto_off_deadline_us_) {
      (void)DisableLocked();
    }
  }
  Settings settings = GetSettings();
  if (settings.auto_dump_growth <= 0 || !Active()) return;
  auto allocated = AllocatedBytes();
  if (!allocated.ok() ||
      *allocated < growth_baseline_ + static_cast<uint64_t>(settings.auto_dump_growth)) {
    return;
  }
  int64_t now = MonotonicUs();
  int64_t last = last_auto_dump_us_;
  if (last != 0 && now - last < settings.auto_dump_interval_s * 1000000) return;
  auto dump = Dump("");
  if (!dump.ok() && dump.status().code() == Status::Code::kBusy) return;  // retry next tick
  last_auto_dump_us_ = now;
  std::lock_guard lock(info_mu_);
  last_auto_dump_error_ = dump.ok() ? "" : dump.status().message();
}

}  // namespace mnemo
