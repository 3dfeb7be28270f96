#include "memory/snapshot.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

namespace mnemo {
namespace {

constexpr uint64_t kMiB = 1 << 20;

// A quiet, healthy server: 100 MiB allocated, little fragmentation.
MemoryInputs HealthyInputs() {
  MemoryInputs in;
  in.block_cache_usage = 30 * kMiB;
  in.block_cache_capacity = 256 * kMiB;
  in.block_cache_pinned = 1 * kMiB;
  in.memtables_unflushed = 10 * kMiB;
  in.memtables_all = 12 * kMiB;
  in.table_readers = 2 * kMiB;
  in.background_jobs = 1 * kMiB;
  in.keys = 1000;
  in.clients_normal_count = 4;
  in.clients_normal_query = 64 * 1024;
  in.clients_normal_reply = 32 * 1024;
  in.profiler_bytes = 0;
  in.startup_allocated = 20 * kMiB;
  in.peak_allocated = 110 * kMiB;
  in.maxmemory = 0;
  in.memtables_budget = 64 * kMiB * 4 * 3;
  in.threads = {{"mnemo-worker-0", 5000, 4000, 1700000000000}};
  return in;
}

allocator::Stats HealthyStats() {
  allocator::Stats a;
  a.allocated = 100 * kMiB;
  a.active = 104 * kMiB;
  a.resident = 108 * kMiB;
  a.mapped = 120 * kMiB;
  a.retained = 10 * kMiB;
  a.metadata = 3 * kMiB;
  return a;
}

MemorySnapshot Healthy() {
  return CompleteMemorySnapshot(HealthyInputs(), HealthyStats(), "jemalloc-test", 112 * kMiB,
                                8192 * kMiB, 1700000000123);
}

const MemoryField& FieldOf(const std::vector<MemoryField>& fields, std::string_view name) {
  for (const MemoryField& f : fields) {
    if (f.name == name) return f;
  }
  static MemoryField missing{"<missing>", MemoryField::Kind::kText, 0, 0, "<missing>"};
  ADD_FAILURE() << "no field " << name;
  return missing;
}

TEST(MemorySnapshotTest, DerivesComponentsUnaccountedAndDataset) {
  MemorySnapshot s = Healthy();
  uint64_t clients = 96 * 1024;
  EXPECT_EQ(s.clients_normal, clients);
  EXPECT_EQ(s.components, 30 * kMiB + 12 * kMiB + 2 * kMiB + 1 * kMiB + clients);
  EXPECT_EQ(s.unaccounted, 100 * kMiB - s.components);
  EXPECT_EQ(s.rss_beyond_allocator, 4 * kMiB);
  EXPECT_EQ(s.overhead, 20 * kMiB + clients);
  EXPECT_EQ(s.dataset, 100 * kMiB - s.overhead);
  EXPECT_EQ(s.peak_allocated, 110 * kMiB);  // the server's peak is above the current level
}

TEST(MemorySnapshotTest, ClampsGapsAtZeroAndRaisesThePeak) {
  MemoryInputs in = HealthyInputs();
  in.block_cache_usage = 500 * kMiB;  // components above allocated (estimates can overshoot)
  in.startup_allocated = 200 * kMiB;
  in.peak_allocated = 0;
  allocator::Stats a = HealthyStats();
  MemorySnapshot s = CompleteMemorySnapshot(in, a, "jemalloc-test", 50 * kMiB, 0, 0);
  EXPECT_EQ(s.unaccounted, 0u);
  EXPECT_EQ(s.dataset, 0u);
  EXPECT_EQ(s.rss_beyond_allocator, 0u);
  EXPECT_EQ(s.peak_allocated, a.allocated);
}

TEST(MemorySnapshotTest, WithoutAllocatorEverythingDerivedFromItIsZero) {
  MemorySnapshot s = CompleteMemorySnapshot(HealthyInputs(), std::nullopt, "libc", 80 * kMiB, 0, 0);
  EXPECT_FALSE(s.allocator_available);
  EXPECT_EQ(s.unaccounted, 0u);
  EXPECT_EQ(s.rss_beyond_allocator, 0u);
  auto info = InfoMemoryFields(s);
  EXPECT_EQ(FieldOf(info, "used_memory").i, 0);
  EXPECT_EQ(FieldOf(info, "used_memory_rss").i, static_cast<int64_t>(80 * kMiB));
  EXPECT_EQ(FieldOf(info, "mem_fragmentation_ratio").d, 0.0);
  EXPECT_EQ(FieldOf(info, "mem_fragmentation_bytes").i, 0);
  EXPECT_EQ(FieldOf(info, "mem_allocator").text, "libc");
  EXPECT_EQ(FieldOf(info, "mem_block_cache").i, static_cast<int64_t>(30 * kMiB));
}

TEST(MemorySnapshotTest, InfoTextHasRedisNamesAndFormats) {
  std::string text = RenderInfoMemory(Healthy());
  auto has = [&](const std::string& line) {
    EXPECT_NE(text.find("\r\n" + line + "\r\n"), std::string::npos) << line << "\n" << text;
  };
  EXPECT_EQ(text.rfind("used_memory:104857600\r\n", 0), 0u);
  has("used_memory_human:100.00M");
  has("used_memory_rss:117440512");
  has("used_memory_peak:115343360");
  has("used_memory_peak_perc:90.91%");
  has("used_memory_startup:20971520");
  has("allocator_frag_ratio:1.04");
  has("allocator_frag_bytes:4194304");
  has("allocator_rss_ratio:1.04");
  has("rss_overhead_ratio:1.04");
  has("mem_fragmentation_ratio:1.12");
  has("mem_fragmentation_bytes:12582912");
  has("maxmemory:0");
  has("maxmemory_human:0B");
  has("mem_allocator:jemalloc-test");
  has("mem_block_cache:31457280");
  has("mem_memtables:12582912");
  has("mem_clients_normal:98304");
  has("mem_profiler_active:0");
  EXPECT_EQ(text.substr(text.size() - 2), "\r\n");
  EXPECT_EQ(text.find('\n'), text.find("\r\n") + 1);
}

TEST(MemorySnapshotTest, StatsAndInfoShowTheSameNumbers) {
  MemorySnapshot s = Healthy();
  auto info = InfoMemoryFields(s);
  auto stats = MemoryStatsFields(s);
  const std::pair<const char*, const char*> same[] = {
      {"used_memory", "total.allocated"},
      {"used_memory_peak", "peak.allocated"},
      {"used_memory_startup", "startup.allocated"},
      {"used_memory_overhead", "overhead.total"},
      {"used_memory_dataset", "dataset.bytes"},
      {"mem_clients_normal", "clients.normal"},
      {"allocator_active", "allocator.active"},
      {"allocator_frag_bytes", "allocator-fragmentation.bytes"},
      {"mem_fragmentation_bytes", "fragmentation.bytes"},
      {"mem_unaccounted", "unaccounted.bytes"},
      {"mem_components", "components.total"},
  };
  for (auto [i, st] : same) EXPECT_EQ(FieldOf(info, i).i, FieldOf(stats, st).i) << i;
  EXPECT_EQ(FieldOf(info, "mem_fragmentation_ratio").d, FieldOf(stats, "fragmentation").d);
  EXPECT_EQ(FieldOf(stats, "keys.count").i, 1000);
  EXPECT_EQ(FieldOf(stats, "keys.bytes-per-key").i, static_cast<int64_t>(80 * kMiB / 1000));
  EXPECT_NEAR(FieldOf(stats, "peak.percentage").d, 100.0 * 100 / 110, 1e-9);
}

// Python's json module is the reference parser.
void ExpectPythonParses(const std::string& json, const std::string& check) {
  char path[] = "/tmp/mnemo-snapshot-json-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, json.data(), json.size()), static_cast<ssize_t>(json.size()));
  close(fd);
  std::string cmd = "/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); " +
                    check + "' " + path;
  int rc = std::system(cmd.c_str());
  unlink(path);
  EXPECT_EQ(rc, 0) << json;
}

TEST(MemorySnapshotTest, JsonIsValidAndCarriesEveryView) {
  allocator::AllocationPattern pattern;
  pattern.small = {{8, 10, 80}, {16, 1, 16}};
  pattern.large = {{16384, 2, 32768}};
  pattern.arenas = {{0, 96, 32768}};
  MemorySnapshot s = Healthy();
  s.allocator_name = "jemalloc \"quoted\"\n\x01";
  std::string json = RenderMemoryJson(s, pattern);
  EXPECT_NE(json.find(R"("info":{"used_memory":104857600,)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("threads":[{"name":"mnemo-worker-0","allocated":5000,)"),
            std::string::npos);
  EXPECT_NE(json.find(R"("small":[{"size":8,"regions":10,"bytes":80},)"), std::string::npos);
  ExpectPythonParses(json,
                     "assert d[\"info\"][\"used_memory\"] == d[\"stats\"][\"total.allocated\"]; "
                     "assert d[\"allocator\"][\"name\"].endswith(\"\\n\\x01\"); "
                     "assert d[\"components\"][\"total\"] == d[\"info\"][\"mem_components\"]; "
                     "assert d[\"allocation\"][\"arenas\"][0][\"large_allocated\"] == 32768; "
                     "assert len(d[\"doctor\"]) >= 1");
}

TEST(MemorySnapshotTest, JsonWithoutAllocationPatternSaysWhy) {
  StatusOr<allocator::AllocationPattern> missing = Status::NotSupported("no jemalloc here");
  std::string json = RenderMemoryJson(Healthy(), missing);
  EXPECT_NE(json.find(R"("allocation":null,"allocation_error":"no jemalloc here")"),
            std::string::npos);
  ExpectPythonParses(json, "assert d[\"allocation\"] is None");
}

// ---- MEMORY DOCTOR ----

bool Mentions(const std::vector<std::string>& lines, std::string_view what) {
  for (const auto& l : lines) {
    if (l.find(what) != std::string::npos) return true;
  }
  return false;
}

TEST(MemoryDoctorTest, HealthyServerGetsOneAllClearSentence) {
  auto lines = MemoryDoctor(Healthy());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].rfind("No memory problems found", 0), 0u) << lines[0];
}

TEST(MemoryDoctorTest, ASmallCacheForTheWorkingSetIsSaidInWords) {
  MemoryInputs in = HealthyInputs();
  in.block_cache_hits = 30000;
  in.block_cache_misses = 70000;
  auto lines = MemoryDoctor(CompleteMemorySnapshot(in, HealthyStats(), "j", 112 * kMiB, 0, 0));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(Mentions(lines, "answered only 30% of 100000 block lookups")) << lines[0];
  EXPECT_TRUE(Mentions(lines, "rocksdb.block-cache-size"));
  // Too few lookups to judge, or a cache that answers most of them: nothing to say.
  in.block_cache_misses = 60000;
  in.block_cache_hits = 1000;
  EXPECT_FALSE(
      Mentions(MemoryDoctor(CompleteMemorySnapshot(in, HealthyStats(), "j", 112 * kMiB, 0, 0)),
               "block lookups"));
  in.block_cache_hits = 60000;
  in.block_cache_misses = 50000;
  EXPECT_FALSE(
      Mentions(MemoryDoctor(CompleteMemorySnapshot(in, HealthyStats(), "j", 112 * kMiB, 0, 0)),
               "block lookups"));
}

TEST(MemoryDoctorTest, StallingWritesAreSaidInWords) {
  MemoryInputs in = HealthyInputs();
  in.write_stall_us = 999999;
  EXPECT_FALSE(
      Mentions(MemoryDoctor(CompleteMemorySnapshot(in, HealthyStats(), "j", 112 * kMiB, 0, 0)),
               "held writes back"));
  in.write_stall_us = 2500000;
  in.l0_files = 21;
  in.pending_compaction_bytes = 300 * kMiB;
  auto lines = MemoryDoctor(CompleteMemorySnapshot(in, HealthyStats(), "j", 112 * kMiB, 0, 0));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(Mentions(lines, "held writes back for 2.5 s")) << lines[0];
  EXPECT_TRUE(Mentions(lines, "21 L0 files and 300.00M of pending compaction")) << lines[0];
}

TEST(MemoryDoctorTest, DirtyPagesSuggestPurge) {
  allocator::Stats a = HealthyStats();
  a.resident = 200 * kMiB;
  auto lines = MemoryDoctor(CompleteMemorySnapshot(HealthyInputs(), a, "j", 204 * kMiB, 0, 0));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(Mentions(lines, "MEMORY PURGE"));
  EXPECT_TRUE(Mentions(lines, "allocator_rss_ratio 1.92"));
}

TEST(MemoryDoctorTest, FragmentedHeapSuggestsPurge) {
  allocator::Stats a = HealthyStats();
  a.active = 150 * kMiB;
  a.resident = 152 * kMiB;
  auto lines = MemoryDoctor(CompleteMemorySnapshot(HealthyInputs(), a, "j", 156 * kMiB, 0, 0));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(Mentions(lines, "fragmented"));
  EXPECT_TRUE(Mentions(lines, "MEMORY PURGE"));
}

TEST(MemoryDoctorTest, RssOutsideTheAllocatorIsExplained) {
  auto lines =
      MemoryDoctor(CompleteMemorySnapshot(HealthyInputs(), HealthyStats(), "j", 300 * kMiB, 0, 0));
  EXPECT_TRUE(Mentions(lines, "outside jemalloc"));
  EXPECT_FALSE(Mentions(lines, "mem_fragmentation_ratio"));  // explained once, not twice
}

TEST(MemoryDoctorTest, SmallHeapWithHighFragmentationSuggestsPurge) {
  allocator::Stats a;
  a.allocated = 10 * kMiB;
  a.active = 16 * kMiB;    // 6 MiB: each part is under kDoctorMinBytes ...
  a.resident = 24 * kMiB;  // ... 8 MiB, but together 14 MiB
  MemoryInputs in = HealthyInputs();
  in.peak_allocated = 0;
  auto lines = MemoryDoctor(CompleteMemorySnapshot(in, a, "j", 26 * kMiB, 0, 0));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(Mentions(lines, "mem_fragmentation_ratio"));
  EXPECT_TRUE(Mentions(lines, "MEMORY PURGE"));
}

TEST(MemoryDoctorTest, FreshServerBaselineIsNotAProblem) {
  // Numbers of a fresh server: RSS is twice the allocated bytes because of code, libraries and
  // stacks outside jemalloc, which is normal.
  allocator::Stats a;
  a.allocated = 17 * kMiB;
  a.active = 18 * kMiB;
  a.resident = 23 * kMiB;
  MemoryInputs in = HealthyInputs();
  in.startup_allocated = 17 * kMiB;
  in.peak_allocated = 17 * kMiB;
  auto lines = MemoryDoctor(CompleteMemorySnapshot(in, a, "j", 34 * kMiB, 0, 0));
  ASSERT_EQ(lines.size(), 1u) << lines[0];
  EXPECT_TRUE(Mentions(lines, "No memory problems found"));
}

TEST(MemoryDoctorTest, LargeUnaccountedGapPointsToTheProfiler) {
  allocator::Stats a = HealthyStats();
  a.allocated = 400 * kMiB;
  a.active = 410 * kMiB;
  a.resident = 415 * kMiB;
  MemoryInputs in = HealthyInputs();
  in.peak_allocated = 400 * kMiB;
  auto lines = MemoryDoctor(CompleteMemorySnapshot(in, a, "j", 420 * kMiB, 0, 0));
  ASSERT_EQ(lines.size(), 1u) << lines[0];
  EXPECT_TRUE(Mentions(lines, "in no named component"));
  EXPECT_TRUE(Mentions(lines, "KPROFILE MEMORY ENABLE"));
}

TEST(MemoryDoctorTest, BlockCacheBeyondMaxmemory) {
  MemoryInputs in = HealthyInputs();
  in.maxmemory = 128 * kMiB;
  auto lines = MemoryDoctor(CompleteMemorySnapshot(in, HealthyStats(), "j", 112 * kMiB, 0, 0));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(Mentions(lines, "alone reaches maxmemory (128.00M)"));
  in.maxmemory = 512 * kMiB;  // cache fits, cache + memtable budget (768 MiB) does not
  lines = MemoryDoctor(CompleteMemorySnapshot(in, HealthyStats(), "j", 112 * kMiB, 0, 0));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(Mentions(lines, "together may grow beyond maxmemory"));
  in.maxmemory = 0;  // no limit, no advice
  lines = MemoryDoctor(CompleteMemorySnapshot(in, HealthyStats(), "j", 112 * kMiB, 0, 0));
  EXPECT_TRUE(Mentions(lines, "No memory problems found"));
}

TEST(MemoryDoctorTest, MemtablesNearTheirBudget) {
  MemoryInputs in = HealthyInputs();
  in.memtables_budget = 14 * kMiB;  // 12 of 14 MiB = 86%
  auto lines = MemoryDoctor(CompleteMemorySnapshot(in, HealthyStats(), "j", 112 * kMiB, 0, 0));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(Mentions(lines, "86% of their budget"));
}

TEST(MemoryDoctorTest, ActiveProfilerAndBigClientBuffers) {
  MemoryInputs in = HealthyInputs();
  in.profiler_active = true;
  in.profiler_bytes = 3 * kMiB;
  in.clients_normal_reply = 4 * kMiB;  // ~1 MiB per client
  auto lines = MemoryDoctor(CompleteMemorySnapshot(in, HealthyStats(), "j", 112 * kMiB, 0, 0));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(Mentions(lines, "KPROFILE MEMORY DISABLE"));
  EXPECT_TRUE(Mentions(lines, "per connection (4 connections"));
}

TEST(MemoryDoctorTest, HighPeakIsReported) {
  MemoryInputs in = HealthyInputs();
  in.peak_allocated = 300 * kMiB;
  auto lines = MemoryDoctor(CompleteMemorySnapshot(in, HealthyStats(), "j", 112 * kMiB, 0, 0));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(Mentions(lines, "3.0 times"));
}

TEST(MemoryDoctorTest, WithoutAllocatorSaysWhatWasNotChecked) {
  auto lines =
      MemoryDoctor(CompleteMemorySnapshot(HealthyInputs(), std::nullopt, "libc", 112 * kMiB, 0, 0));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(Mentions(lines, "No memory problems found in what can be checked"));
  EXPECT_TRUE(Mentions(lines, "mem_allocator is libc"));
}

// ---- the live process ----

TEST(MemorySnapshotTest, TakeReadsThisProcess) {
  MemorySnapshot s = TakeMemorySnapshot(HealthyInputs());
  EXPECT_GT(s.rss, 0u);
  EXPECT_GT(s.total_system_memory, s.rss);
  EXPECT_GT(s.taken_at_ms, 0);
#if MNEMO_SANITIZE
  EXPECT_FALSE(s.allocator_available);
  EXPECT_EQ(s.allocator_name, "libc");
  EXPECT_EQ(s.allocator.allocated, 0u);
#else
  EXPECT_TRUE(s.allocator_available);
  EXPECT_EQ(s.allocator_name.rfind("jemalloc-", 0), 0u);
  EXPECT_GT(s.allocator.allocated, 0u);
  EXPECT_LE(s.allocator.allocated, s.allocator.active);
  EXPECT_LE(s.allocator.active, s.allocator.resident);
#endif
}

#if MNEMO_SANITIZE
TEST(AllocationPatternTest, NotSupportedWithoutJemalloc) {
  EXPECT_EQ(allocator::ReadAllocationPattern().status().code(), Status::Code::kNotSupported);
}
#else
TEST(AllocationPatternTest, SeesLiveSmallAndLargeAllocations) {
  std::vector<std::unique_ptr<char[]> > small;
  for (int i = 0; i < 5000; i++) small.emplace_back(new char[100]);  // size class 112
  std::unique_ptr<char[]> large(new char[3 << 20]);
  std::memset(large.get(), 1, 3 << 20);  // used, so the allocation is not elided
  auto pattern = allocator::ReadAllocationPattern();
  ASSERT_TRUE(pattern.ok()) << pattern.status().ToString();
  uint64_t regions_112 = 0, small_bytes = 0;
  for (const auto& c : pattern->small) {
    EXPECT_GT(c.regions, 0u);
    EXPECT_EQ(c.bytes, c.size * c.regions);
    if (c.size == 112) regions_112 = c.regions;
    small_bytes += c.bytes;
  }
  EXPECT_GE(regions_112, 5000u);
  bool saw_large = false;
  for (const auto& c : pattern->large) saw_large |= c.size >= (3u << 20) && c.regions >= 1;
  EXPECT_TRUE(saw_large);
  ASSERT_FALSE(pattern->arenas.empty());
  uint64_t arena_small = 0;
  for (const auto& a : pattern->arenas) arena_small += a.small_allocated;
  // The per-arena totals and the per-class counts describe the same heap.
  EXPECT_EQ(arena_small, small_bytes);
}
#endif

// ---- docs/memory.md documents every field once ----

TEST(MemorySnapshotTest, DocsNameEveryField) {
  std::ifstream f(std::string(MNEMO_SOURCE_DIR) + "/docs/memory.md");
  std::stringstream ss;
  ss << f.rdbuf();
  std::string doc = ss.str();
  ASSERT_FALSE(doc.empty());
  MemorySnapshot s = Healthy();
  for (const auto& fields : {InfoMemoryFields(s), MemoryStatsFields(s)}) {
    for (const MemoryField& field : fields) {
      EXPECT_NE(doc.find("`" + std::string(field.name) + "`"), std::string::npos)
          << "docs/memory.md does not document " << field.name;
    }
  }
}

}  // namespace
}  // namespace mnemo
