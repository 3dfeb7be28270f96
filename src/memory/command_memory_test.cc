#include "memory/command_memory.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <thread>

namespace mnemo {
namespace {

constexpr size_t kBig = 10u << 20;

// 10 MB the compiler cannot elide (new/delete pairs may be optimized away otherwise).
std::unique_ptr<char[]> Hold() {
  auto block = std::make_unique<char[]>(kBig);
  memset(block.get(), 1, kBig);
  asm volatile("" : : "r"(block.get()) : "memory");
  return block;
}

// A thread runs a "command" that holds 10 MB until told to end; this thread reads the figures
// meanwhile, as the governor's cron and INFO do.
TEST(CommandMeterTest, RunningCommandHoldingIsSeenFromOtherThreads) {
  static int tag;  // any address serves as a tag
  std::atomic<int> step{0};
  uint64_t allocated = 0;
  std::thread worker([&] {
    CommandMeter& m = CommandMeter::ThisThread();
    CommandMeter::Mark mark = m.Begin(42, &tag);
    auto block = Hold();
    step = 1;
    while (step.load() != 2) std::this_thread::yield();
    block.reset();
    allocated = m.End(mark);
    step = 3;
    while (step.load() != 4) std::this_thread::yield();
  });
  while (step.load() != 1) std::this_thread::yield();
  if (CommandMeter::Available()) {
    EXPECT_GE(CommandMeter::HoldingOf(42), kBig);
    EXPECT_LT(CommandMeter::HoldingOf(42), kBig + (1u << 20));
    EXPECT_GE(CommandMeter::HoldingOfTag(&tag), kBig);
    EXPECT_GE(CommandMeter::TotalHolding(), kBig);
  } else {  // no jemalloc: every figure is 0
    EXPECT_EQ(CommandMeter::HoldingOf(42), 0u);
    EXPECT_EQ(CommandMeter::TotalHolding(), 0u);
  }
  EXPECT_EQ(CommandMeter::HoldingOf(43), 0u);
  EXPECT_EQ(CommandMeter::HoldingOfTag(&step), 0u);
  step = 2;
  while (step.load() != 3) std::this_thread::yield();
  // Ended: nothing held, and End reported what the call allocated (freed or not).
  EXPECT_EQ(CommandMeter::HoldingOf(42), 0u);
  if (CommandMeter::Available()) {
    EXPECT_GE(allocated, kBig);
  } else {
    EXPECT_EQ(allocated, 0u);
  }
  step = 4;
  worker.join();
}

// A thread that freed more than it allocated (a flushed memtable, blocks other threads filled)
// has a net below zero; what its command then holds is still its growth since Begin.
TEST(CommandMeterTest, HoldingIsRightWhenTheThreadsNetIsBelowZero) {
  if (!CommandMeter::Available()) GTEST_SKIP() << "no jemalloc: every figure is 0";
  auto foreign = Hold();  // allocated by this thread, freed by the worker
  std::atomic<int> step{0};
  std::thread worker([&] {
    CommandMeter& m = CommandMeter::ThisThread();
    foreign.reset();  // this thread's net is now about -10 MB
    CommandMeter::Mark mark = m.Begin(44, nullptr);
    auto block = Hold();  // and then about 0: crossing zero must not hide the 10 MB
    step = 1;
    while (step.load() != 2) std::this_thread::yield();
    m.End(mark);
  });
  while (step.load() != 1) std::this_thread::yield();
  EXPECT_GE(CommandMeter::HoldingOf(44), kBig);
  EXPECT_LT(CommandMeter::HoldingOf(44), kBig + (1u << 20));
  step = 2;
  worker.join();
}

// A nested command (EXEC's queued ones) keeps the outer publication; each End measures its own.
TEST(CommandMeterTest, NestedCommandsKeepTheOuterPublication) {
  CommandMeter& m = CommandMeter::ThisThread();
  CommandMeter::Mark outer = m.Begin(7, nullptr);
  auto first = Hold();
  CommandMeter::Mark inner = m.Begin(7, nullptr);
  auto second = Hold();
  uint64_t inner_bytes = m.End(inner);
  if (CommandMeter::Available()) {
    EXPECT_GE(inner_bytes, kBig);
    EXPECT_LT(inner_bytes, 2 * kBig);
    EXPECT_GE(CommandMeter::HoldingOf(7), 2 * kBig);  // still the outer command's, since Begin
  }
  uint64_t outer_bytes = m.End(outer);
  if (CommandMeter::Available()) {
    EXPECT_GE(outer_bytes, 2 * kBig);
  }
  EXPECT_EQ(CommandMeter::HoldingOf(7), 0u);
}

}  // namespace
}  // namespace mnemo
