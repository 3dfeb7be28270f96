#include "commands/slowlog.h"

#include <gtest/gtest.h>

namespace mnemo {
namespace {

TEST(SlowLog, ThresholdOffZeroAndValue) {
  SlowLog log;
  log.SetThreshold(-1);
  EXPECT_FALSE(log.Slow(0));
  EXPECT_FALSE(log.Slow(UINT64_MAX - 1));
  log.SetThreshold(0);
  EXPECT_TRUE(log.Slow(0));
  log.SetThreshold(100);
  EXPECT_FALSE(log.Slow(99));
  EXPECT_TRUE(log.Slow(100));
}

TEST(SlowLog, NewestFirstBoundedIdsKeepCounting) {
  SlowLog log;
  log.SetMaxLen(2);
  std::vector<std::string> args = {"get", "k"};
  for (int i = 0; i < 3; i++) log.Push(args, 10 + i, "127.0.0.1:1", "n");
  ASSERT_EQ(log.Len(), 2u);
  auto e = log.Get(10);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].id, 2);
  EXPECT_EQ(e[0].usec, 12);
  EXPECT_EQ(e[1].id, 1);
  EXPECT_EQ(log.Get(1).size(), 1u);
  log.Reset();
  EXPECT_EQ(log.Len(), 0u);
  log.Push(args, 1, "a", "");
  EXPECT_EQ(log.Get(1)[0].id, 3);  // RESET does not rewind the ids
  log.SetMaxLen(0);
  EXPECT_EQ(log.Len(), 0u);
}

TEST(SlowLog, TruncatesArgumentsAsRedis) {
  std::vector<std::string> args(40, "x");
  auto t = SlowLog::TruncateArgs(args);
  ASSERT_EQ(t.size(), SlowLog::kMaxArgs);
  EXPECT_EQ(t[30], "x");
  EXPECT_EQ(t[31], "... (9 more arguments)");
  std::vector<std::string> exact(32, "y");
  EXPECT_EQ(SlowLog::TruncateArgs(exact), exact);
  std::vector<std::string> longarg = {"set", std::string(128, 'a'), std::string(130, 'b')};
  t = SlowLog::TruncateArgs(longarg);
  EXPECT_EQ(t[1], std::string(128, 'a'));
  EXPECT_EQ(t[2], std::string(128, 'b') + "... (2 more bytes)");
}

}  // namespace
}  // namespace mnemo
