#include "memory/heap_profiler.h"

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "common/string_util.h"
#include "memory/allocator.h"

#if !MNEMO_SANITIZE
// The same built-in jemalloc configuration as the mnemo binary (server/main.cc): profiling
// compiled in and armed, not sampling.
extern "C" {
const char* malloc_conf = "prof:true,prof_active:false";
}

// Test hook for the free-space guard: while g_fake_free_bytes >= 0, statvfs (the profiler's
// only way to learn the free space, linked into this binary) reports that many bytes available.
// Everything else of statvfs is the real call's.
std::atomic<int64_t> g_fake_free_bytes{-1};
extern "C" int statvfs(const char* __restrict path, struct statvfs* __restrict buf) noexcept {
  using Real = int (*)(const char*, struct statvfs*);
  static Real real = reinterpret_cast<Real>(dlsym(RTLD_NEXT, "statvfs"));
  int r = real(path, buf);
  int64_t fake = g_fake_free_bytes.load();
  if (r == 0 && fake >= 0) {
    buf->f_frsize = 1;  // so the figure is exact
    buf->f_bavail = static_cast<uint64_t>(fake);
  }
  return r;
}
#endif

namespace mnemo {

using Blocks = std::vector<std::unique_ptr<char[]>>;

// A recognisable, never-inlined allocation site for Top/Diff: 64 MiB in 1 MiB blocks.
__attribute__((noinline)) Blocks MnemoProfilerTestAllocate64Mb() {
  Blocks blocks;
  for (int i = 0; i < 64; ++i) {
    blocks.emplace_back(new char[1 << 20]);
    std::memset(blocks.back().get(), 1, 1 << 20);
  }
  return blocks;
}

// Allocates through std::vector, whose allocation path the compiler inlines into this function.
__attribute__((noinline)) std::vector<std::vector<char>> MnemoProfilerTestVectors() {
  std::vector<std::vector<char>> vectors;
  vectors.reserve(16);
  for (int i = 0; i < 16; ++i) vectors.emplace_back(4 << 20, 'x');
  return vectors;
}

namespace {

namespace fs = std::filesystem;

// Waits up to 5 s for `cond`.
template <typename F>
bool Eventually(F cond) {
  for (int i = 0; i < 100; ++i) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return cond();
}

#if MNEMO_SANITIZE

TEST(HeapProfilerTest, NotSupportedWithoutJemalloc) {
  HeapProfiler profiler({.dir = "/tmp/mnemo-unused"});
  Status s = profiler.Enable(std::nullopt, std::nullopt);
  EXPECT_EQ(s.code(), Status::Code::kNotSupported);
  EXPECT_NE(s.message().find("sanitizer allocator, not jemalloc"), std::string::npos);
  EXPECT_FALSE(profiler.Active());
  EXPECT_EQ(profiler.Dump("").status().code(), Status::Code::kNotSupported);
  EXPECT_EQ(profiler.Top(5, "").status().code(), Status::Code::kNotSupported);
  EXPECT_FALSE(profiler.GetInfo().armed);
}

#else

constexpr char kSite[] = "MnemoProfilerTestAllocate64Mb";

bool HasFrame(const HeapSite& site, std::string_view needle) {
  for (const std::string& f : site.frames) {
    if (f.find(needle) != std::string::npos) return true;
  }
  return false;
}

std::string Frames(const HeapSite& site) {
  std::string out;
  for (const std::string& f : site.frames) out += "  " + f + "\n";
  return out;
}

class HeapProfilerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/mnemo-heap-profiler-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    dir_ = root_ + "/profiles";  // does not exist yet: Dump creates it
    profiler_ = std::make_unique<HeapProfiler>(HeapProfiler::Settings{.dir = dir_});
  }
  void TearDown() override {
    EXPECT_TRUE(profiler_->Disable().ok());
    profiler_.reset();
    if (std::getenv("MNEMO_KEEP_TEST_PROFILES") != nullptr) {  // to inspect them, e.g. with jeprof
      std::printf("kept %s\n", root_.c_str());
      return;
    }
    fs::remove_all(root_);
  }
  void Enable() {
    Status s = profiler_->Enable(std::nullopt, std::nullopt);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  std::string DumpOk(std::string_view subdir = "") {
    auto path = profiler_->Dump(subdir);
    EXPECT_TRUE(path.ok()) << path.status().ToString();
    return path.ok() ? *path : "";
  }
  size_t FilesIn(const std::string& dir) {
    size_t n = 0;
    for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator();
         ++it) {
      n += it->is_regular_file();
    }
    return n;
  }

  std::string root_, dir_;
  std::unique_ptr<HeapProfiler> profiler_;
};

TEST_F(HeapProfilerTest, EnableDisableStatusAreIdempotent) {
  EXPECT_TRUE(profiler_->GetInfo().armed);
  EXPECT_FALSE(profiler_->Active());
  Enable();
  int64_t since = profiler_->GetInfo().since_ms;
  EXPECT_GT(since, 0);
  Enable();
  HeapProfiler::Info info = profiler_->GetInfo();
  EXPECT_TRUE(info.active);
  EXPECT_EQ(info.since_ms, since);  // still the same profiling session
  EXPECT_EQ(info.sample_bytes, 524288);
  EXPECT_EQ(info.auto_off_at_ms, 0);
  EXPECT_EQ(info.dir, dir_);
  ASSERT_TRUE(profiler_->Disable().ok());
  ASSERT_TRUE(profiler_->Disable().ok());
  EXPECT_FALSE(profiler_->Active());
  EXPECT_FALSE(profiler_->GetInfo().active);
  EXPECT_EQ(profiler_->GetInfo().since_ms, 0);
}

TEST_F(HeapProfilerTest, EnableValidatesAndAppliesSampleRate) {
  ASSERT_TRUE(profiler_->Enable(1 << 20, std::nullopt).ok());
  EXPECT_EQ(profiler_->GetInfo().sample_bytes, 1 << 20);
  ASSERT_TRUE(profiler_->Enable(1000, std::nullopt).ok());  // rounded to 2^10
  EXPECT_EQ(profiler_->GetInfo().sample_bytes, 1024);
  EXPECT_EQ(profiler_->Enable(0, std::nullopt).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(profiler_->Enable(-5, std::nullopt).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(profiler_->Enable(int64_t{1} << 41, std::nullopt).code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(profiler_->Enable(std::nullopt, 0).code(), Status::Code::kInvalidArgument);
  Enable();  // back to the default rate
  EXPECT_EQ(profiler_->GetInfo().sample_bytes, 524288);
}

TEST_F(HeapProfilerTest, DumpWritesJeprofFile) {
  Enable();
  std::string path = DumpOk();
  std::string prefix = dir_ + "/jeprof." + std::to_string(::getpid()) + ".";
  EXPECT_EQ(path.rfind(prefix, 0), 0u) << path;
  EXPECT_TRUE(path.ends_with(".heap")) << path;
  std::ifstream in(path);
  std::string first;
  std::getline(in, first);
  EXPECT_EQ(first, "heap_v2/524288");
  struct stat st;
  ASSERT_EQ(::stat(dir_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);  // created by the profiler
  EXPECT_EQ(FilesIn(dir_), 1u);         // no temporary file left
  std::string second = DumpOk();
  EXPECT_NE(second, path);
  HeapProfiler::Info info = profiler_->GetInfo();
  EXPECT_EQ(info.dumps_taken, 2);
  EXPECT_EQ(info.last_dump, second);
  auto list = profiler_->List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].path, second);  // newest first
  EXPECT_EQ((*list)[0].name, fs::path(second).filename().string());
  EXPECT_GT((*list)[0].size, 0u);
  EXPECT_GT((*list)[0].mtime_ms, 0);
}

// Names of every file under `dir`, hidden temporaries included.
std::vector<std::string> Names(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

TEST_F(HeapProfilerTest, FreeSpaceGuardRefusesAndLeavesNothing) {
  Enable();
  std::string first = DumpOk();
  const uint64_t size = fs::file_size(first);
  const std::vector<std::string> before = Names(dir_);
  g_fake_free_bytes = static_cast<int64_t>(2 * size - 1);  // one byte short of twice the dump
  auto refused = profiler_->Dump("");
  g_fake_free_bytes = static_cast<int64_t>(2 * size);  // exactly enough
  auto allowed = profiler_->Dump("");
  g_fake_free_bytes = -1;
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Status::Code::kIOError);
  EXPECT_EQ(
      refused.status().message().rfind("not enough free disk space for a heap profile dump: " +
                                           std::to_string(2 * size - 1) + " bytes free",
                                       0),
      0u)
      << refused.status().message();
  ASSERT_TRUE(allowed.ok()) << allowed.status().ToString();
  std::vector<std::string> after = before;
  after.push_back(fs::path(*allowed).filename());
  std::sort(after.begin(), after.end());
  EXPECT_EQ(Names(dir_), after);  // the refused dump created nothing
  EXPECT_EQ(profiler_->GetInfo().dumps_taken, 2);
}

TEST_F(HeapProfilerTest, FailedDumpLeavesNothingBehind) {
  Enable();
  std::string first = DumpOk();
  const std::vector<std::string> before = Names(dir_);
  // A write error, as on a full disk: a file size limit of 0 makes jemalloc's first write fail
  // with EFBIG (SIGXFSZ ignored so the process survives it). A limit that lets part of the
  // dump through is not used: jemalloc takes a short write of its buffer as success.
  struct rlimit old_limit;
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  auto old_handler = ::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = old_limit;
  small.rlim_cur = 0;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  auto failed = profiler_->Dump("");
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &old_limit), 0);
  ::signal(SIGXFSZ, old_handler);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), Status::Code::kIOError);
  EXPECT_EQ(failed.status().message().rfind("heap profile dump failed: ", 0), 0u)
      << failed.status().message();
  EXPECT_EQ(Names(dir_), before);  // neither the temporary nor a partial dump is left
  EXPECT_EQ(profiler_->GetInfo().dumps_taken, 1);
  EXPECT_EQ(profiler_->GetInfo().last_dump, first);
  DumpOk();  // and the next dump works
}

TEST_F(HeapProfilerTest, ChangingTheSampleRateDiscardsSamples) {
  Enable();  // the default 512 KiB
  Blocks blocks = MnemoProfilerTestAllocate64Mb();
  auto has_site = [&] {
    auto top = profiler_->Top(20, "");
    EXPECT_TRUE(top.ok()) << top.status().ToString();
    if (!top.ok()) return false;
    return std::any_of(top->begin(), top->end(),
                       [](const HeapSite& site) { return HasFrame(site, kSite); });
  };
  ASSERT_TRUE(has_site());
  // The same rate again keeps the samples.
  ASSERT_TRUE(profiler_->Enable(524288, std::nullopt).ok());
  EXPECT_TRUE(has_site());
  // Another rate discards them (jemalloc prof.reset), although the blocks are still live.
  ASSERT_TRUE(profiler_->Enable(1 << 20, std::nullopt).ok());
  EXPECT_EQ(profiler_->GetInfo().sample_bytes, 1 << 20);
  EXPECT_FALSE(has_site());
  blocks.clear();
  ASSERT_TRUE(profiler_->Enable(524288, std::nullopt).ok());
}

TEST_F(HeapProfilerTest, DumpRefusedWhenInactive) {
  auto path = profiler_->Dump("");
  ASSERT_FALSE(path.ok());
  EXPECT_EQ(path.status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(path.status().message(), "jemalloc profiling is not active, please enable it first");
  EXPECT_FALSE(fs::exists(dir_));
  EXPECT_EQ(profiler_->Top(5, "").status().code(), Status::Code::kInvalidArgument);
}

TEST_F(HeapProfilerTest, DumpStaysInsideProfilingDir) {
  Enable();
  std::string outside = root_ + "/outside";
  fs::create_directories(outside);
  fs::create_directories(dir_ + "/sub");
  fs::create_symlink(outside, dir_ + "/escape");
  fs::create_symlink(dir_ + "/sub", dir_ + "/inner-link");
  std::ofstream(dir_ + "/file") << "x";

  for (std::string bad :
       {std::string("../outside"), outside, std::string("escape"), std::string("sub/../../outside"),
        dir_ + "/escape", std::string("/"), std::string("../nope"), root_ + "/nope"}) {
    auto r = profiler_->Dump(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument) << bad;
    EXPECT_NE(r.status().message().find("outside profiling-dir"), std::string::npos)
        << r.status().message();
  }
  for (std::string bad : {std::string("file"), std::string("missing"), std::string("sub/x")}) {
    auto r = profiler_->Dump(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().message(), "'" + bad + "' is not a directory");
  }
  EXPECT_EQ(FilesIn(outside), 0u);

  EXPECT_EQ(DumpOk("sub").rfind(dir_ + "/sub/jeprof.", 0), 0u);
  EXPECT_EQ(DumpOk(dir_ + "/sub").rfind(dir_ + "/sub/jeprof.", 0), 0u);
  EXPECT_EQ(DumpOk("inner-link").rfind(dir_ + "/sub/jeprof.", 0), 0u);  // symlink kept inside
  EXPECT_EQ(DumpOk(dir_).rfind(dir_ + "/jeprof.", 0), 0u);
  auto list = profiler_->List();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 4u);  // the symlinked directory is not walked twice
}

TEST_F(HeapProfilerTest, RetentionKeepsNewest) {
  profiler_->UpdateSettings({.dir = dir_, .max_dumps = 3});
  Enable();
  fs::create_directories(dir_ + "/sub");
  std::vector<std::string> paths;
  for (int i = 0; i < 5; ++i) paths.push_back(DumpOk(i % 2 ? "sub" : ""));
  auto list = profiler_->List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].path, paths[4]);
  EXPECT_EQ((*list)[1].path, paths[3]);
  EXPECT_EQ((*list)[2].path, paths[2]);
  EXPECT_FALSE(fs::exists(paths[0]));
  EXPECT_FALSE(fs::exists(paths[1]));
}

TEST_F(HeapProfilerTest, SettingsChangeAtRunTime) {
  Enable();
  std::string other = root_ + "/other";
  profiler_->UpdateSettings({.dir = other});
  EXPECT_EQ(DumpOk().rfind(other + "/jeprof.", 0), 0u);
  EXPECT_EQ(profiler_->GetInfo().dir, other);
  profiler_->UpdateSettings({.dir = ""});
  EXPECT_EQ(profiler_->Dump("").status().code(), Status::Code::kInvalidArgument);
}

TEST_F(HeapProfilerTest, AutoOffFiresAtDeadline) {
  profiler_->Start();
  int64_t before = NowMs();
  ASSERT_TRUE(profiler_->Enable(std::nullopt, 1).ok());
  HeapProfiler::Info info = profiler_->GetInfo();
  EXPECT_GE(info.auto_off_at_ms, before + 1000);
  EXPECT_LE(info.auto_off_at_ms, NowMs() + 1000);
  EXPECT_TRUE(profiler_->Active());
  EXPECT_TRUE(Eventually([&] { return !profiler_->Active(); }));
  EXPECT_GE(NowMs(), before + 1000);
  EXPECT_EQ(profiler_->GetInfo().auto_off_at_ms, 0);
  profiler_->Stop();
  profiler_->Stop();  // idempotent
}

TEST_F(HeapProfilerTest, EnableWithoutDeadlineClearsIt) {
  profiler_->Start();
  ASSERT_TRUE(profiler_->Enable(std::nullopt, 1).ok());
  Enable();
  EXPECT_EQ(profiler_->GetInfo().auto_off_at_ms, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_TRUE(profiler_->Active());
}

TEST_F(HeapProfilerTest, AutoDumpOnGrowth) {
  profiler_->UpdateSettings({.dir = dir_, .auto_dump_growth = 32 << 20, .auto_dump_interval_s = 0});
  profiler_->Start();
  Enable();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(profiler_->GetInfo().dumps_taken, 0);  // no growth yet
  Blocks blocks = MnemoProfilerTestAllocate64Mb();
  EXPECT_TRUE(Eventually([&] { return profiler_->GetInfo().dumps_taken >= 1; }));
  auto list = profiler_->List();
  ASSERT_TRUE(list.ok());
  ASSERT_GE(list->size(), 1u);
  EXPECT_EQ(profiler_->GetInfo().last_auto_dump_error, "");
  // The baseline moved: without more growth no further dumps come.
  int64_t taken = profiler_->GetInfo().dumps_taken;
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  EXPECT_EQ(profiler_->GetInfo().dumps_taken, taken);
}

TEST_F(HeapProfilerTest, TopOfLiveHeapFindsAllocatingFunction) {
  Enable();
  Blocks blocks = MnemoProfilerTestAllocate64Mb();
  auto top = profiler_->Top(5, "");
  ASSERT_TRUE(top.ok()) << top.status().ToString();
  ASSERT_FALSE(top->empty());
  const HeapSite& first = (*top)[0];
  EXPECT_TRUE(HasFrame(first, kSite)) << Frames(first);
  EXPECT_GT(first.bytes, 32u << 20);
  EXPECT_LT(first.bytes, 128u << 20);
  EXPECT_GT(first.percent, 50.0);
  EXPECT_NE(first.frames[0].find(kSite), std::string::npos)  // allocator frames are cut
      << Frames(first);
  EXPECT_EQ(FilesIn(dir_), 0u);  // the fresh profile is not kept
  EXPECT_LE(top->size(), 5u);
}

TEST_F(HeapProfilerTest, TopShowsInlinedFrames) {
  Enable();
  auto vectors = MnemoProfilerTestVectors();
  auto top = profiler_->Top(1, "");
  ASSERT_TRUE(top.ok()) << top.status().ToString();
  ASSERT_EQ(top->size(), 1u);
  const std::vector<std::string>& frames = (*top)[0].frames;
  auto has = [&](std::string_view needle) {
    return std::find_if(frames.begin(), frames.end(),
                        [&](const std::string& f) { return f.find(needle) != std::string::npos; });
  };
  auto vector_frame = has("std::vector::vector (");
  auto caller = has("mnemo::MnemoProfilerTestVectors (heap_profiler_test.cc:");
  ASSERT_NE(vector_frame, frames.end()) << Frames((*top)[0]);
  ASSERT_NE(caller, frames.end()) << Frames((*top)[0]);
  EXPECT_LT(vector_frame, caller);  // innermost first
}

TEST_F(HeapProfilerTest, DiffRanksNewAllocationFirst) {
  Enable();
  std::string older = DumpOk();
  Blocks blocks = MnemoProfilerTestAllocate64Mb();
  std::string newer = DumpOk();
  auto list = profiler_->List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  auto diff = profiler_->Diff((*list)[1].name, (*list)[0].name, 3);  // by name
  ASSERT_TRUE(diff.ok()) << diff.status().ToString();
  ASSERT_FALSE(diff->empty());
  EXPECT_TRUE(HasFrame((*diff)[0], kSite)) << Frames((*diff)[0]);
  EXPECT_GT((*diff)[0].bytes, 32u << 20);
  EXPECT_GT((*diff)[0].percent, 50.0);
  auto by_path = profiler_->Diff(older, newer, 1);  // by absolute path
  ASSERT_TRUE(by_path.ok());
  ASSERT_EQ(by_path->size(), 1u);
  EXPECT_EQ((*by_path)[0].frames, (*diff)[0].frames);
  if (std::getenv("MNEMO_KEEP_TEST_PROFILES") != nullptr) {
    for (const HeapSite& s : *diff)
      std::printf("%llu bytes %.1f%%\n%s", (unsigned long long)s.bytes, s.percent,
                  Frames(s).c_str());
  }
  auto top = profiler_->Top(1, (*list)[0].name);  // Top of a stored dump
  ASSERT_TRUE(top.ok());
  EXPECT_TRUE(HasFrame((*top)[0], kSite)) << Frames((*top)[0]);
}

TEST_F(HeapProfilerTest, ReadingDumpsIsConfined) {
  Enable();
  DumpOk();
  std::ofstream(root_ + "/outside.heap") << "heap_v2/1\n";
  auto missing = profiler_->Top(5, "nope");
  EXPECT_EQ(missing.status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(missing.status().message(), "no such dump 'nope'");
  // Outside (existing or not), through a symlink, a directory or a FIFO: the same answer as a
  // missing dump. The FIFOs would block a reader that opened them.
  ASSERT_EQ(::mkfifo((root_ + "/outside.fifo").c_str(), 0600), 0);
  ASSERT_EQ(::mkfifo((dir_ + "/jeprof.2.2.heap").c_str(), 0600), 0);
  fs::create_symlink(root_ + "/outside.heap", dir_ + "/jeprof.3.3.heap");
  for (std::string bad :
       {std::string("../outside.heap"), root_ + "/outside.heap", std::string("../outside.fifo"),
        root_ + "/outside.fifo", root_ + "/absent.heap", std::string("/etc/shadow"),
        std::string("jeprof.2.2.heap"), std::string("jeprof.3.3.heap"), std::string("."), dir_}) {
    EXPECT_EQ(profiler_->Top(5, bad).status().message(), "no such dump '" + bad + "'");
    EXPECT_EQ(profiler_->Diff(bad, "nope", 5).status().message(), "no such dump '" + bad + "'");
  }
  EXPECT_EQ(profiler_->Diff("nope", "nope2", 5).status().message(), "no such dump 'nope'");
  std::ofstream(dir_ + "/jeprof.1.1.heap") << "garbage\n";
  EXPECT_EQ(profiler_->Top(5, "jeprof.1.1.heap").status().code(), Status::Code::kCorruption);
}

TEST_F(HeapProfilerTest, ConcurrentDumpsAreSerialized) {
  profiler_->UpdateSettings({.dir = dir_, .max_dumps = 1000});
  Enable();
  std::atomic<int> ok{0}, busy{0}, other{0};
  auto worker = [&] {
    for (int i = 0; i < 20; ++i) {
      auto r = profiler_->Dump("");
      if (r.ok()) {
        ++ok;
      } else if (r.status().code() == Status::Code::kBusy) {
        EXPECT_EQ(r.status().message(), "a heap profile dump is already in progress");
        ++busy;
      } else {
        ++other;
      }
    }
  };
  std::thread a(worker), b(worker);
  for (int i = 0; i < 20; ++i) {  // and switching on and off meanwhile stays consistent
    EXPECT_TRUE(profiler_->Enable(std::nullopt, std::nullopt).ok());
    (void)profiler_->GetInfo();
  }
  a.join();
  b.join();
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(ok + busy, 40);
  EXPECT_GE(ok.load(), 1);
  EXPECT_EQ(profiler_->List()->size(), static_cast<size_t>(ok.load()));
  EXPECT_EQ(FilesIn(dir_), static_cast<size_t>(ok.load()));  // no temporary files left
}

// Run a second time by ctest with MALLOC_CONF=prof_stats:true (memory_test_prof_stats).
TEST_F(HeapProfilerTest, ProfilerBytesCountsProfilerMemory) {
  HeapProfiler::Info before = profiler_->GetInfo();
  ASSERT_TRUE(profiler_->Enable(4096, std::nullopt).ok());
  std::vector<std::unique_ptr<char[]>> small;
  for (int i = 0; i < 100000; ++i) small.emplace_back(new char[16]);
  std::thread([&] {  // a second thread: its own per-thread profiler records
    for (int i = 0; i < 1000; ++i) small.emplace_back(nullptr);
    Blocks blocks = MnemoProfilerTestAllocate64Mb();
  })
      .join();
  HeapProfiler::Info after = profiler_->GetInfo();
  EXPECT_GT(after.profiler_metadata_bytes, before.profiler_metadata_bytes);
  auto prof_stats = allocator::ProfStatsEnabled();
  ASSERT_TRUE(prof_stats.ok());
  EXPECT_EQ(after.profiler_sampling_known, *prof_stats);
  if (*prof_stats) {
    EXPECT_GT(after.profiler_sampling_bytes, 100u * 16368);  // ~390 samples of 16 B
  } else {
    EXPECT_EQ(after.profiler_sampling_bytes, 0u);
  }
  EXPECT_EQ(after.profiler_bytes, after.profiler_metadata_bytes + after.profiler_sampling_bytes);
}

#endif  // MNEMO_SANITIZE

}  // namespace
}  // namespace mnemo
