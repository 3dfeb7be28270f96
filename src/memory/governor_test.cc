#include "memory/governor.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mnemo {
namespace {

class FakeLevers : public MemoryLevers {
 public:
  uint64_t used = 0;
  uint64_t rss = 0;
  uint64_t cache = 0, memtable = 0, key_cache = 0;
  bool profiling = false;
  int purges = 0, closes = 0, resumes = 0;
  std::vector<std::string> log;

  uint64_t UsedBytes() override { return used; }
  uint64_t ResidentBytes() override { return rss; }
  uint64_t PurgeAllocator() override {
    purges++;
    return 4096;
  }
  void SetBlockCacheCapacity(uint64_t b) override { cache = b; }
  void SetKeyCacheCapacity(uint64_t b) override { key_cache = b; }
  void SetMemtableBudget(uint64_t b) override { memtable = b; }
  bool PauseProfiling() override {
    bool was = profiling;
    profiling = false;
    return was;
  }
  void ResumeProfiling() override {
    profiling = true;
    resumes++;
  }
  int CloseClientsOverOutputLimit() override {
    closes++;
    return 1;
  }
  void LogLevelChange(MemoryLevel from, MemoryLevel to, uint64_t, uint64_t) override {
    log.push_back(std::string(MemoryLevelName(from)) + "->" + MemoryLevelName(to));
  }
};

GovernorSettings Settings() {
  GovernorSettings s;
  s.limit = 1000;
  s.cache_capacity = 800;
  s.cache_floor = 100;
  s.key_cache_capacity = 200;
  s.key_cache_floor = 40;
  s.memtable_budget = 400;
  s.memtable_floor = 100;
  s.steps = 4;
  return s;
}

TEST(MemoryGovernor, NoLimitStaysNormal) {
  FakeLevers lv;
  MemoryGovernor g(&lv);
  GovernorSettings s = Settings();
  s.limit = 0;
  g.UpdateSettings(s);
  lv.used = 1ULL << 40;
  g.Tick();
  EXPECT_EQ(g.level(), MemoryLevel::kNormal);
  EXPECT_EQ(lv.purges, 0);
}

TEST(MemoryGovernor, ClimbsTheLadderWithActionsInOrder) {
  FakeLevers lv;
  lv.profiling = true;
  MemoryGovernor g(&lv);
  g.UpdateSettings(Settings());
  lv.used = 500;
  g.Tick();
  EXPECT_EQ(g.level(), MemoryLevel::kNormal);
  EXPECT_EQ(lv.purges, 0);

  lv.used = 860;  // soft
  g.Tick();
  EXPECT_EQ(g.level(), MemoryLevel::kSoft);
  EXPECT_EQ(lv.purges, 1);
  EXPECT_EQ(lv.cache, 600u);  // one step of 800/4 toward the floor
  EXPECT_EQ(lv.key_cache, 150u);
  EXPECT_EQ(lv.memtable, 300u);
  EXPECT_TRUE(lv.profiling);  // soft does not touch profiling
  for (int i = 0; i < 10; i++) g.Tick();
  EXPECT_EQ(lv.cache, 100u);  // stops at the floor
  EXPECT_EQ(lv.key_cache, 40u);
  EXPECT_EQ(g.key_cache_capacity(), 40u);
  EXPECT_EQ(lv.memtable, 100u);

  lv.used = 960;  // hard
  g.Tick();
  EXPECT_EQ(g.level(), MemoryLevel::kHard);
  EXPECT_FALSE(lv.profiling);
  EXPECT_TRUE(g.profiling_paused());
  EXPECT_GE(lv.closes, 1);

  lv.used = 1000;  // full
  g.Tick();
  EXPECT_EQ(g.level(), MemoryLevel::kFull);
  EXPECT_EQ(lv.log, (std::vector<std::string>{"normal->soft", "soft->hard", "hard->full"}));
}

TEST(MemoryGovernor, HysteresisAndUndoInReverse) {
  FakeLevers lv;
  lv.profiling = true;
  MemoryGovernor g(&lv);
  g.UpdateSettings(Settings());
  lv.used = 1000;
  g.Tick();
  EXPECT_EQ(g.level(), MemoryLevel::kFull);
  lv.used = 990;  // below full's threshold but within hysteresis: stays full
  g.Tick();
  EXPECT_EQ(g.level(), MemoryLevel::kFull);
  lv.used = 960;  // more than 3 % below full: hard
  g.Tick();
  EXPECT_EQ(g.level(), MemoryLevel::kHard);
  EXPECT_FALSE(lv.profiling);
  lv.used = 900;  // below hard - hysteresis: soft, profiling resumes
  g.Tick();
  EXPECT_EQ(g.level(), MemoryLevel::kSoft);
  EXPECT_TRUE(lv.profiling);
  EXPECT_EQ(lv.resumes, 1);
  lv.used = 500;
  g.Tick();
  EXPECT_EQ(g.level(), MemoryLevel::kNormal);
  for (int i = 0; i < 10; i++) g.Tick();
  EXPECT_EQ(lv.cache, 800u);  // restored step by step
  EXPECT_EQ(lv.key_cache, 200u);
  EXPECT_EQ(lv.memtable, 400u);
  EXPECT_EQ(g.counters().level_changes.load(), 6u);
}

TEST(MemoryGovernor, ABurstIsReportedLevelByLevel) {
  FakeLevers lv;
  lv.profiling = true;
  MemoryGovernor g(&lv);
  g.UpdateSettings(Settings());
  lv.used = 2000;
  g.Tick();
  EXPECT_EQ(g.level(), MemoryLevel::kFull);
  EXPECT_EQ(lv.log, (std::vector<std::string>{"normal->soft", "soft->hard", "hard->full"}));
  EXPECT_EQ(lv.purges, 1);  // the soft and hard actions ran in the same tick
  EXPECT_FALSE(lv.profiling);
  lv.used = 0;
  g.Tick();
  EXPECT_EQ(lv.log.back(), "soft->normal");
  EXPECT_EQ(g.counters().level_changes.load(), 6u);
}

TEST(MemoryGovernor, PurgesOnRssWhileUsedMemoryIsLow) {
  FakeLevers lv;
  MemoryGovernor g(&lv);
  g.UpdateSettings(Settings());
  lv.used = 500;
  lv.rss = 800;  // below soft: nothing
  g.Tick();
  EXPECT_EQ(lv.purges, 0);
  lv.rss = 860;  // RSS at soft: a purge, then one every 10 ticks; the rest of the ladder waits
  for (int i = 0; i < 10; i++) g.Tick();
  EXPECT_EQ(lv.purges, 1);
  g.Tick();
  EXPECT_EQ(lv.purges, 2);
  EXPECT_EQ(g.level(), MemoryLevel::kNormal);
  EXPECT_EQ(lv.cache, 0u);  // never shrunk (never set)
  EXPECT_EQ(lv.memtable, 0u);
  EXPECT_EQ(g.last_rss(), 860u);
  lv.rss = 1100;  // RSS at hard or above: every tick, and still no refusal
  g.Tick();
  g.Tick();
  EXPECT_EQ(lv.purges, 4);
  EXPECT_EQ(g.level(), MemoryLevel::kNormal);
  EXPECT_EQ(lv.closes, 0);
  lv.rss = 0;  // not known: used memory alone decides
  for (int i = 0; i < 20; i++) g.Tick();
  EXPECT_EQ(lv.purges, 4);
}

TEST(MemoryGovernor, DoesNotResumeProfilingItDidNotPause) {
  FakeLevers lv;
  lv.profiling = false;
  MemoryGovernor g(&lv);
  g.UpdateSettings(Settings());
  lv.used = 960;
  g.Tick();
  lv.used = 100;
  g.Tick();
  EXPECT_EQ(lv.resumes, 0);
  EXPECT_FALSE(lv.profiling);
}

TEST(MemoryGovernor, ThreadTicks) {
  FakeLevers lv;
  MemoryGovernor g(&lv);
  g.UpdateSettings(Settings());
  lv.used = 2000;
  g.Start(5);
  for (int i = 0; i < 400 && g.level() != MemoryLevel::kFull; i++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  g.Stop();
  EXPECT_EQ(g.level(), MemoryLevel::kFull);
}

}  // namespace
}  // namespace mnemo
