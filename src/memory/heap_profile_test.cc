#include "memory/heap_profile.h"

#include <gtest/gtest.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "memory/allocator.h"

namespace mnemo {

// Outside the anonymous namespace and not inlined, so the symbolizer test has stable names.
__attribute__((noinline)) uint64_t SymbolizerTestCallee() {
  return reinterpret_cast<uint64_t>(__builtin_return_address(0));
}
__attribute__((noinline)) uint64_t SymbolizerTestCaller() {
  uint64_t ret = SymbolizerTestCallee();
  asm volatile("" ::: "memory");  // keep the call from becoming a tail call
  return ret;
}

namespace {

// Two stacks, per-thread lines (one with a thread name), header totals, and a map table.
constexpr char kHandmade[] =
    "heap_v2/524288\n"
    "  t*: 3: 3145728 [0: 0]\n"
    "  t0: 3: 3145728 [0: 0]\n"
    "@ 0x7f0000001010 0x555500001234 0x555500002000\n"
    "  t*: 2: 2097152 [0: 0]\n"
    "  t0: 2: 2097152 [0: 0] worker-1\n"
    "@ 0x7f0000001010 0x555500003000\n"
    "  t*: 1: 64 [0: 0]\n"
    "  t0: 1: 64 [0: 0]\n"
    "\n"
    "MAPPED_LIBRARIES:\n"
    "555500000000-555500001000 r--p 00000000 fe:00 123      /usr/bin/mnemo\n"
    "555500001000-555500005000 r-xp 00001000 fe:00 123      /usr/bin/mnemo\n"
    "7f0000000000-7f0000010000 r-xp 00000000 fe:00 456      /usr/lib/libjemalloc.so.2\n"
    "7f0000010000-7f0000020000 rw-p 00000000 00:00 0 \n";

TEST(HeapProfileTest, ParsesHandmadeProfile) {
  auto p = HeapProfile::Parse(kHandmade);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->sample_period(), 524288u);
  ASSERT_EQ(p->samples().size(), 2u);
  const HeapSample& a = p->samples()[0];
  EXPECT_EQ(a.stack, (std::vector<uint64_t>{0x7f0000001010, 0x555500001234, 0x555500002000}));
  EXPECT_EQ(a.sampled_objects, 2u);
  EXPECT_EQ(a.sampled_bytes, 2097152u);
  // Mean size 1 MiB = 2 periods: scale 1 / (1 - e^-2).
  double scale = 1 / (1 - std::exp(-2.0));
  EXPECT_NEAR(a.objects, 2 * scale, 1e-9);
  EXPECT_NEAR(a.bytes, 2097152 * scale, 1e-6);
  const HeapSample& b = p->samples()[1];
  EXPECT_EQ(b.sampled_bytes, 64u);
  EXPECT_NEAR(b.bytes, 64 / (1 - std::exp(-64.0 / 524288)), 1e-6);  // ~524320: one sample
  ASSERT_EQ(p->mappings().size(), 4u);
  EXPECT_EQ(p->mappings()[1].start, 0x555500001000u);
  EXPECT_EQ(p->mappings()[1].offset, 0x1000u);
  EXPECT_EQ(p->mappings()[1].path, "/usr/bin/mnemo");
  EXPECT_EQ(p->mappings()[3].path, "");
  EXPECT_EQ(p->FindMapping(0x555500001234), &p->mappings()[1]);
  EXPECT_EQ(p->FindMapping(0x555500000010), nullptr);  // not executable
  EXPECT_EQ(p->FindMapping(0x1), nullptr);
}

TEST(HeapProfileTest, UnsampleMatchesJeprof) {
  auto [objects, bytes] = UnsampleHeapV2(1, 524288, 524288);
  EXPECT_NEAR(objects, 1.5819767, 1e-6);
  EXPECT_NEAR(bytes, 524288 * 1.5819767, 1e-2);
  auto zero = UnsampleHeapV2(0, 0, 524288);
  EXPECT_EQ(zero.first, 0);
  EXPECT_EQ(zero.second, 0);
}

TEST(HeapProfileTest, RejectsWhatIsNotAHeapProfile) {
  EXPECT_EQ(HeapProfile::Parse("").status().code(), Status::Code::kCorruption);
  EXPECT_EQ(HeapProfile::Parse("hello\n").status().code(), Status::Code::kCorruption);
  EXPECT_EQ(HeapProfile::Parse("heap_v2/x\n").status().code(), Status::Code::kCorruption);
  auto bad_addr = HeapProfile::Parse("heap_v2/512\n@ 0x12 0xzz\n  t*: 1: 2 [0: 0]\n");
  EXPECT_EQ(bad_addr.status().code(), Status::Code::kCorruption);
  EXPECT_NE(bad_addr.status().message().find("line 2"), std::string::npos);
  auto bad_counts = HeapProfile::Parse("heap_v2/512\n@ 0x12\n  t*: 1 2\n");
  EXPECT_EQ(bad_counts.status().code(), Status::Code::kCorruption);
  EXPECT_EQ(HeapProfile::ReadFile("/nonexistent/x.heap").status().code(), Status::Code::kIOError);
}

TEST(HeapProfileTest, StackWithoutCountsIsDropped) {
  auto p = HeapProfile::Parse("heap_v2/512\n@ 0x1\n@ 0x2\n  t*: 1: 8 [0: 0]\n@ 0x3\n");
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->samples().size(), 1u);
  EXPECT_EQ(p->samples()[0].stack[0], 2u);
}

std::string SelfMaps() {
  std::ifstream in("/proc/self/maps");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string Hex(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// A profile of this very process: the first pc is SymbolizerTestCallee's entry, the second a
// return address inside SymbolizerTestCaller (looked up as pc - 1).
TEST(HeapProfileTest, SymbolizesThisProcess) {
  uint64_t callee = reinterpret_cast<uint64_t>(&SymbolizerTestCallee);
  uint64_t ret = SymbolizerTestCaller();
  std::string text = "heap_v2/524288\n@ " + Hex(callee) + " " + Hex(ret) +
                     "\n  t*: 1: 1048576 [0: 0]\n@ 0x10\n  t*: 1: 16 [0: 0]\nMAPPED_LIBRARIES:\n" +
                     SelfMaps();
  auto p = HeapProfile::Parse(text);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  Symbolizer symbolizer;
  std::vector<HeapSite> sites = SummarizeSites(*p, symbolizer);
  ASSERT_EQ(sites.size(), 2u);
  EXPECT_GT(sites[0].percent, 60.0);  // the one 16-byte sample stands for ~512 KiB
  ASSERT_EQ(sites[0].frames.size(), 2u);
#if MNEMO_HAVE_LIBDW
  EXPECT_EQ(sites[0].frames[0].rfind("mnemo::SymbolizerTestCallee (heap_profile_test.cc:", 0), 0u)
      << sites[0].frames[0];
  EXPECT_EQ(sites[0].frames[1].rfind("mnemo::SymbolizerTestCaller (heap_profile_test.cc:", 0), 0u)
      << sites[0].frames[1];
#endif
  EXPECT_EQ(sites[1].frames, std::vector<std::string>{"?? (0x10)"});
  // The debug information read is the symbolizer's memory (the profiler's, in INFO), when the
  // allocator counts it; and it does not grow by answering from its cache.
  const uint64_t held = symbolizer.bytes();
#if MNEMO_HAVE_LIBDW
  if (allocator::ThreadCounters().allocated != nullptr) EXPECT_GT(held, 64u * 1024);
#endif
  // The cache answers the same thing the second time.
  EXPECT_EQ(SummarizeSites(*p, symbolizer)[0].frames, sites[0].frames);
  EXPECT_EQ(symbolizer.bytes(), held);
}

// A dump older than the binary it names is not symbolized with that binary (it was rebuilt).
TEST(HeapProfileTest, BinaryChangedAfterDumpIsNotTrusted) {
  uint64_t callee = reinterpret_cast<uint64_t>(&SymbolizerTestCallee);
  std::string path = "/tmp/mnemo-heap-profile-test-" + std::to_string(::getpid()) + ".heap";
  std::ofstream(path) << "heap_v2/524288\n@ " + Hex(callee) +
                             "\n  t*: 1: 1048576 [0: 0]\nMAPPED_LIBRARIES:\n" + SelfMaps();
  struct timeval old_time[2] = {{1000, 0}, {1000, 0}};  // 1970: before any build
  ASSERT_EQ(::utimes(path.c_str(), old_time), 0);
  auto p = HeapProfile::ReadFile(path);
  ::unlink(path.c_str());
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->written_ns(), int64_t{1000} * 1000000000);
  Symbolizer symbolizer;
  std::vector<HeapSite> sites = SummarizeSites(*p, symbolizer);
  ASSERT_EQ(sites.size(), 1u);
  ASSERT_EQ(sites[0].frames.size(), 1u);
  EXPECT_TRUE(sites[0].frames[0].starts_with("?? (memory_test+0x")) << sites[0].frames[0];
  EXPECT_TRUE(sites[0].frames[0].ends_with(", changed after the dump)")) << sites[0].frames[0];
}

TEST(HeapProfileTest, AllocatorFramesAreCut) {
  auto p = HeapProfile::Parse(kHandmade);  // innermost pc lies in "libjemalloc.so.2"
  ASSERT_TRUE(p.ok());
  Symbolizer symbolizer;
  std::vector<HeapSite> sites = SummarizeSites(*p, symbolizer);
  ASSERT_EQ(sites.size(), 2u);
  for (const HeapSite& s : sites) {
    for (const std::string& f : s.frames) EXPECT_EQ(f.find("libjemalloc"), std::string::npos) << f;
  }
}

TEST(HeapProfileTest, ShortFunctionNames) {
  EXPECT_EQ(ShortFunctionName("_ZNSt6vectorIiSaIiEE9push_backERKi"), "std::vector::push_back");
  EXPECT_EQ(ShortFunctionName("_Z3fooIiEvT_"), "foo");  // "void foo<int>(int)"
  EXPECT_EQ(ShortFunctionName("_Znwm"), "operator new");
  EXPECT_EQ(ShortFunctionName("_Znam"), "operator new[]");
  EXPECT_EQ(ShortFunctionName("_ZNSt3mapIiiSt4lessIiESaISt4pairIKiiEEEixERS3_"),
            "std::map::operator[]");
  EXPECT_EQ(ShortFunctionName("_ZN12_GLOBAL__N_13FooEv"), "(anonymous namespace)::Foo");
  EXPECT_EQ(ShortFunctionName("_ZNK5mnemo3Bar3BazEv"), "mnemo::Bar::Baz");  // const method
  EXPECT_EQ(ShortFunctionName("_Z7FillMapv.cold"), "FillMap");
  EXPECT_EQ(ShortFunctionName("__libc_start_main@@GLIBC_2.34"), "__libc_start_main");
  EXPECT_EQ(ShortFunctionName("malloc"), "malloc");
  EXPECT_EQ(ShortFunctionName(""), "");
}

TEST(HeapProfileTest, TopAndDiff) {
  std::vector<HeapSite> older = {{.bytes = 100, .objects = 10, .frames = {"a"}},
                                 {.bytes = 500, .objects = 5, .frames = {"b"}},
                                 {.bytes = 50, .objects = 1, .frames = {"gone"}}};
  std::vector<HeapSite> newer = {{.bytes = 400, .objects = 40, .frames = {"a"}},
                                 {.bytes = 200, .objects = 2, .frames = {"b"}},
                                 {.bytes = 100, .objects = 1, .frames = {"new"}}};
  std::vector<HeapSite> top = TopSites(newer, 2);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].frames[0], "a");
  EXPECT_EQ(top[1].frames[0], "b");
  std::vector<HeapSite> diff = DiffSites(older, newer, 0);
  ASSERT_EQ(diff.size(), 2u);  // b shrank, gone is gone
  EXPECT_EQ(diff[0].frames[0], "a");
  EXPECT_EQ(diff[0].bytes, 300u);
  EXPECT_EQ(diff[0].objects, 30u);
  EXPECT_DOUBLE_EQ(diff[0].percent, 75.0);
  EXPECT_EQ(diff[1].frames[0], "new");
  EXPECT_DOUBLE_EQ(diff[1].percent, 25.0);
  EXPECT_EQ(DiffSites(older, newer, 1).size(), 1u);
  EXPECT_TRUE(DiffSites(newer, newer, 0).empty());
}

}  // namespace
}  // namespace mnemo
