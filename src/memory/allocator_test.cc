#include "memory/allocator.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace mnemo::allocator {
namespace {

#if MNEMO_SANITIZE

TEST(AllocatorTest, WithoutJemallocEverythingIsNotSupported) {
  EXPECT_FALSE(Available());
  EXPECT_EQ(Name(), "libc");
  auto stats = ReadStats();
  ASSERT_FALSE(stats.ok());
  EXPECT_EQ(stats.status().code(), Status::Code::kNotSupported);
  EXPECT_NE(stats.status().message().find("sanitizer allocator"), std::string::npos);
  EXPECT_EQ(SetProfilingActive(true).code(), Status::Code::kNotSupported);
  EXPECT_EQ(DumpProfile("/tmp/x").code(), Status::Code::kNotSupported);
}

#else

std::vector<std::unique_ptr<char[]> > AllocateMb(int mb) {
  std::vector<std::unique_ptr<char[]> > blocks;
  for (int i = 0; i < mb; ++i) {
    blocks.emplace_back(new char[1 << 20]);
    std::memset(blocks.back().get(), 1, 1 << 20);
  }
  return blocks;
}

TEST(AllocatorTest, NameAndAvailability) {
  EXPECT_TRUE(Available());
  EXPECT_EQ(Name().rfind("jemalloc-5.", 0), 0u) << Name();
}

TEST(AllocatorTest, StatsFollowAllocations) {
  auto before = ReadStats();
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_GT(before->allocated, 0u);
  EXPECT_GE(before->active, before->allocated);
  EXPECT_GE(before->mapped, before->active);
  EXPECT_GT(before->metadata, 0u);
  auto blocks = AllocateMb(32);
  auto after = ReadStats();
  ASSERT_TRUE(after.ok());
  EXPECT_GE(after->allocated, before->allocated + (32u << 20));
  EXPECT_GE(after->resident, 32u << 20);
}

TEST(AllocatorTest, PurgeReleasesFreedPages) {
  // 64 MiB freed just now are dirty pages still resident (decay takes seconds): a purge returns
  // most of them to the system, and a second purge right after has almost nothing left.
  ASSERT_TRUE(Purge().ok());
  { auto blocks = AllocateMb(64); }
  auto released = Purge();
  ASSERT_TRUE(released.ok()) << released.status().ToString();
  EXPECT_GE(*released, 32u << 20);
  auto again = Purge();
  ASSERT_TRUE(again.ok());
  EXPECT_LT(*again, *released / 4);
  { auto blocks = AllocateMb(16); }
  EXPECT_TRUE(Decay().ok());
}

TEST(AllocatorTest, MallocStatsTextAndJson) {
  auto text = MallocStatsText(false);
  ASSERT_TRUE(text.ok());
  EXPECT_NE(text->find("jemalloc statistics"), std::string::npos);
  auto json = MallocStatsText(true);
  ASSERT_TRUE(json.ok());
  ASSERT_FALSE(json->empty());
  EXPECT_EQ(json->front(), '{');
  EXPECT_NE(json->find("\"jemalloc\""), std::string::npos);
}

TEST(AllocatorTest, ThreadCounters) {
  auto before = ThreadAllocated();
  ASSERT_TRUE(before.ok());
  auto blocks = AllocateMb(2);
  auto after = ThreadAllocated();
  ASSERT_TRUE(after.ok());
  EXPECT_GE(*after, *before + (2u << 20));
  EXPECT_TRUE(ThreadDeallocated().ok());
}

TEST(AllocatorTest, ProfilingSwitchAndSampleRate) {
  auto armed = ProfilingArmed();
  ASSERT_TRUE(armed.ok());
  ASSERT_TRUE(*armed) << "the test binary's malloc_conf arms profiling";
  ASSERT_TRUE(SetProfilingActive(true).ok());
  EXPECT_TRUE(*ProfilingActive());
  ASSERT_TRUE(SetProfilingActive(false).ok());
  EXPECT_FALSE(*ProfilingActive());

  ASSERT_TRUE(SetSampleBytes(1 << 20).ok());
  EXPECT_EQ(*SampleBytes(), 1u << 20);
  ASSERT_TRUE(SetSampleBytes(100000).ok());  // log2 = 16.6 -> 2^17
  EXPECT_EQ(*SampleBytes(), 131072u);
  EXPECT_EQ(SetSampleBytes(0).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(SetSampleBytes((uint64_t{1} << 40) + 1).code(), Status::Code::kInvalidArgument);
  ASSERT_TRUE(SetSampleBytes(524288).ok());
  EXPECT_EQ(*SampleBytes(), 524288u);
  EXPECT_EQ(RoundedSampleBytes(1), 1u);
  EXPECT_EQ(RoundedSampleBytes(3), 4u);
  EXPECT_EQ(RoundedSampleBytes(100000), 131072u);
  EXPECT_EQ(RoundedSampleBytes(uint64_t{1} << 40), uint64_t{1} << 40);
}

TEST(AllocatorTest, DumpProfileWritesHeapV2) {
  std::string path = "/tmp/mnemo-allocator-test-" + std::to_string(::getpid()) + ".heap";
  ASSERT_TRUE(DumpProfile(path).ok());
  std::ifstream in(path);
  std::string first;
  std::getline(in, first);
  EXPECT_EQ(first.rfind("heap_v2/", 0), 0u) << first;
  ::unlink(path.c_str());
  Status bad = DumpProfile("/nonexistent-dir/x.heap");
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("unable to set jemalloc option prof.dump"), std::string::npos)
      << bad.message();
}

TEST(AllocatorTest, InternalBytes) {
  // The profiler's bookkeeping is internal: sampling many allocations from distinct stacks
  // raises the figure.
  auto before = InternalBytes();
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  ASSERT_TRUE(SetSampleBytes(4096).ok());
  ASSERT_TRUE(SetProfilingActive(true).ok());
  auto blocks = AllocateMb(16);
  auto during = InternalBytes();
  ASSERT_TRUE(SetProfilingActive(false).ok());
  ASSERT_TRUE(during.ok());
  EXPECT_GT(*during, *before);
  blocks.clear();
  ASSERT_TRUE(SetSampleBytes(524288).ok());
}

// Run a second time by ctest with MALLOC_CONF=prof_stats:true (memory_test_prof_stats).
TEST(AllocatorTest, SampledSmallOverhead) {
  auto enabled = ProfStatsEnabled();
  ASSERT_TRUE(enabled.ok());
  auto overhead = SampledSmallOverheadBytes();
  if (!*enabled) {
    EXPECT_EQ(overhead.status().code(), Status::Code::kNotSupported);
    return;  // without prof_stats the check above is the whole test; memory_test_prof_stats
             // runs the rest
  }
  ASSERT_TRUE(overhead.ok());
  // Reserved before sampling starts: the vector's own growth would be sampled too, with
  // another size class (and so another overhead per sample) than the 8-byte blocks.
  std::vector<std::unique_ptr<char[]> > small;
  small.reserve(100000);
  ASSERT_TRUE(SetSampleBytes(4096).ok());
  ASSERT_TRUE(SetProfilingActive(true).ok());
  // The thread's next sample was drawn at the old rate (mean 512 KiB): 16 MB in large blocks,
  // freed again, passes it, so the 8-byte blocks below are sampled at 4 KiB.
  AllocateMb(16).clear();
  for (int i = 0; i < 100000; ++i) small.emplace_back(new char[8]);
  auto with_samples = SampledSmallOverheadBytes();
  ASSERT_TRUE(SetProfilingActive(false).ok());
  ASSERT_TRUE(with_samples.ok());
  // ~800 KB / 4 KiB = ~195 samples, each 16 KiB - 8 B of extra space.
  EXPECT_GT(*with_samples, 50u * 16376);
  EXPECT_LT(*with_samples, 1000u * 16384);
  small.clear();
  ASSERT_TRUE(SetSampleBytes(524288).ok());
}

#endif  // MNEMO_SANITIZE

}  // namespace
}  // namespace mnemo::allocator
