#include "server/memory_limit.h"

#include <gtest/gtest.h>

#include "config/config.h"

namespace mnemo {
namespace {

constexpr uint64_t kMiB = 1 << 20;

TEST(MemoryBudgets, CgroupRatioSetsTheLimitWithoutMaxmemory) {
  Config c;
  ASSERT_TRUE(c.Set("maxmemory-cgroup-ratio", "0.5").ok());
  MemoryBudgets b = ComputeMemoryBudgets(c, 1000 * kMiB);
  EXPECT_EQ(b.source, "cgroup");
  EXPECT_EQ(b.cgroup_limit, 1000 * kMiB);
  EXPECT_EQ(b.limit, 500 * kMiB);
  ASSERT_TRUE(c.Set("maxmemory-cgroup-ratio", "0.9").ok());
  EXPECT_EQ(ComputeMemoryBudgets(c, 1000 * kMiB).limit, 900 * kMiB);
  // The budgets are sized from the effective limit.
  b = ComputeMemoryBudgets(c, 1000 * kMiB);
  EXPECT_LE(b.cache, b.limit / 4);
  EXPECT_LE(b.key_cache, b.limit / 8);
  EXPECT_EQ(b.memtable_budget, b.limit / 4);
}

TEST(MemoryBudgets, MaxmemoryWinsOverTheCgroup) {
  Config c;
  ASSERT_TRUE(c.Set("maxmemory", "64mb").ok());
  MemoryBudgets b = ComputeMemoryBudgets(c, 1000 * kMiB);
  EXPECT_EQ(b.source, "maxmemory");
  EXPECT_EQ(b.limit, 64 * kMiB);
  EXPECT_EQ(b.cgroup_limit, 1000 * kMiB);
}

TEST(MemoryBudgets, NoLimitWithoutEither) {
  Config c;
  MemoryBudgets b = ComputeMemoryBudgets(c, std::nullopt);
  EXPECT_EQ(b.source, "none");
  EXPECT_EQ(b.limit, 0u);
  EXPECT_EQ(b.cgroup_limit, 0u);
}

TEST(MemoryBudgets, UnderALimitMemtablesAreAQuarterOfTheirBudget) {
  Config c;
  MemoryBudgets none = ComputeMemoryBudgets(c, std::nullopt);
  EXPECT_EQ(none.memtable_size, 1 * kMiB);  // rocksdb.write-buffer-size, as configured
  EXPECT_EQ(none.memtables, 16);            // rocksdb.max-write-buffer-number
  ASSERT_TRUE(c.Set("maxmemory", "256mb").ok());
  MemoryBudgets b = ComputeMemoryBudgets(c, std::nullopt);
  EXPECT_EQ(b.memtable_budget, 64 * kMiB);
  EXPECT_EQ(b.memtable_size, 16 * kMiB);
  EXPECT_EQ(b.memtables, 4);
  // Never below the configured size, never above 64 MB, at least two memtables.
  ASSERT_TRUE(c.Set("maxmemory", "8mb").ok());
  b = ComputeMemoryBudgets(c, std::nullopt);
  EXPECT_EQ(b.memtable_size, 1 * kMiB);
  EXPECT_EQ(b.memtables, 2);
  ASSERT_TRUE(c.Set("maxmemory", "4gb").ok());
  b = ComputeMemoryBudgets(c, std::nullopt);
  EXPECT_EQ(b.memtable_size, 64 * kMiB);
  EXPECT_EQ(b.memtables, 16);  // as many as fit in the 1 GB budget, up to the configured 16
}

TEST(GovernorSettingsFor, CopiesTheRatiosAndKeepsHardAtLeastSoft) {
  Config c;
  ASSERT_TRUE(c.Set("maxmemory", "100mb").ok());
  ASSERT_TRUE(c.Set("maxmemory-soft-ratio", "0.5").ok());
  ASSERT_TRUE(c.Set("maxmemory-hard-ratio", "0.7").ok());
  ASSERT_TRUE(c.Set("maxmemory-hysteresis", "0.1").ok());
  GovernorSettings s = GovernorSettingsFor(c, ComputeMemoryBudgets(c, std::nullopt));
  EXPECT_EQ(s.limit, 100 * kMiB);
  EXPECT_DOUBLE_EQ(s.soft_ratio, 0.5);
  EXPECT_DOUBLE_EQ(s.hard_ratio, 0.7);
  EXPECT_DOUBLE_EQ(s.full_ratio, 1.0);
  EXPECT_DOUBLE_EQ(s.hysteresis, 0.1);
  ASSERT_TRUE(c.Set("maxmemory-hard-ratio", "0.3").ok());
  EXPECT_DOUBLE_EQ(GovernorSettingsFor(c, ComputeMemoryBudgets(c, std::nullopt)).hard_ratio, 0.5);
}

}  // namespace
}  // namespace mnemo
