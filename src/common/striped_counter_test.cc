#include "common/striped_counter.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace mnemo {
namespace {

TEST(StripedCounter, SumsEveryThreadsAdds) {
  StripedCounter c;
  std::vector<std::thread> threads;
  for (size_t t = 0; t < 10; t++) {  // more threads than slots: some share a stripe
    threads.emplace_back([&c, t] {
      SetThreadSlot(t);
      EXPECT_EQ(ThreadSlot(), t % kThreadSlots);
      for (int i = 0; i < 10000; i++) c.Add(2);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.Load(), 10u * 10000 * 2);
  c.Reset();
  EXPECT_EQ(c.Load(), 0u);
}

}  // namespace
}  // namespace mnemo
