#include "storage/key_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "storage/lfu_counter.h"

namespace mnemo {
namespace {

std::string Get(KeyCache& c, const std::string& key) {
  std::string v;
  uint64_t ticket = 0;
  return c.Lookup(key, &v, &ticket) ? v : "<miss>";
}

TEST(KeyCache, UpdateLookupErase) {
  KeyCache c(1 << 20);
  EXPECT_EQ(Get(c, "a"), "<miss>");
  c.Update("a", "1");
  c.Update("b", std::string(100, 'x'));
  EXPECT_EQ(Get(c, "a"), "1");
  EXPECT_EQ(Get(c, "b"), std::string(100, 'x'));
  c.Update("a", "22");  // in place
  EXPECT_EQ(Get(c, "a"), "22");
  c.Update("a", std::string(500, 'y'));  // outgrows its entry
  EXPECT_EQ(Get(c, "a"), std::string(500, 'y'));
  c.Update("a", "");  // an empty record is still a record
  EXPECT_EQ(Get(c, "a"), "");
  c.Erase("a");
  EXPECT_EQ(Get(c, "a"), "<miss>");
  EXPECT_EQ(Get(c, "b"), std::string(100, 'x'));
  KeyCache::Stats st = c.GetStats();
  EXPECT_EQ(st.entries, 1u);
  EXPECT_EQ(st.hits, 6u);
  EXPECT_EQ(st.misses, 2u);
  c.Clear();
  EXPECT_EQ(Get(c, "b"), "<miss>");
  EXPECT_EQ(c.GetStats().usage, 0u);
}

TEST(KeyCache, ManyKeysSurviveGrowthAndErasure) {
  KeyCache c(64 << 20);
  for (int i = 0; i < 20000; i++) c.Update("key:" + std::to_string(i), std::to_string(i * 7));
  for (int i = 0; i < 20000; i += 2) c.Erase("key:" + std::to_string(i));
  for (int i = 0; i < 20000; i++) {
    std::string want = i % 2 ? std::to_string(i * 7) : "<miss>";
    ASSERT_EQ(Get(c, "key:" + std::to_string(i)), want) << i;
  }
  EXPECT_EQ(c.GetStats().entries, 10000u);
}

TEST(KeyCache, StaysWithinCapacityAndEvictsColdEntries) {
  const size_t cap = 256 << 10;
  KeyCache c(cap);
  c.Update("hot", "h");
  for (int i = 0; i < 20000; i++) {
    c.Update("k" + std::to_string(i), std::string(100, 'v'));
    if (i % 16 == 0) {
      EXPECT_EQ(Get(c, "hot"), "h");  // used often: CLOCK keeps it
    }
    ASSERT_LE(c.GetStats().usage, cap);
  }
  EXPECT_EQ(Get(c, "hot"), "h");
  EXPECT_EQ(Get(c, "k0"), "<miss>");  // cold and old: evicted
  EXPECT_GT(c.GetStats().entries, 100u);

  c.SetCapacity(cap / 4);
  EXPECT_LE(c.GetStats().usage, cap / 4);
  c.SetCapacity(0);
  EXPECT_EQ(c.GetStats().usage, 0u);
  c.Update("x", "1");  // nothing is kept at capacity 0
  EXPECT_EQ(Get(c, "x"), "<miss>");
}

// Metadata and element keys come from different column families and may be equal bytes: each
// kind is its own key space.
TEST(KeyCache, KindsNeverMeet) {
  KeyCache c(1 << 20);
  using K = KeyCache::Kind;
  std::string v;
  uint64_t ticket = 0;
  c.Update("k", "meta");
  EXPECT_FALSE(c.Lookup("k", &v, &ticket, K::kElement));
  c.Update("k", "element", K::kElement);
  EXPECT_TRUE(c.Lookup("k", &v, &ticket, K::kElement));
  EXPECT_EQ(v, "element");
  EXPECT_EQ(Get(c, "k"), "meta");
  c.Erase("k");  // the metadata record only
  EXPECT_EQ(Get(c, "k"), "<miss>");
  EXPECT_TRUE(c.Lookup("k", &v, &ticket, K::kElement));
  EXPECT_EQ(v, "element");
  uint8_t freq = 0;
  EXPECT_FALSE(c.Peek("k", &v, &freq));  // Peek sees metadata records only
  std::vector<KeyCache::Write> batch = {{"k", "m2"}, {"k", {}, true, K::kElement}};
  c.ApplyBatch(&batch);
  EXPECT_EQ(Get(c, "k"), "m2");
  EXPECT_FALSE(c.Lookup("k", &v, &ticket, K::kElement));
  // A fill of one kind is refused after a write of the other only if they share a slot; either
  // way it never lands under the other kind.
  EXPECT_FALSE(c.Lookup("e", &v, &ticket, K::kElement));
  c.Fill("e", "filled", ticket, K::kElement);
  EXPECT_EQ(Get(c, "e"), "<miss>");
  EXPECT_TRUE(c.Lookup("e", &v, &ticket, K::kElement));
  EXPECT_EQ(v, "filled");
}

// Between BeginWrites and ApplyBatch the write may be committed in RocksDB or not: its keys'
// records are not served, and no reader may fill one (it may have read either side).
TEST(KeyCache, BegunWritesAreNeitherServedNorFilled) {
  KeyCache c(1 << 20);
  c.Update("a", "old");
  std::vector<KeyCache::Write> w = {{"a", "new"}, {"b", "new-b"}};
  c.BeginWrites(&w);
  EXPECT_EQ(Get(c, "a"), "<miss>");
  std::string v;
  uint64_t ticket = 0;
  EXPECT_FALSE(c.Lookup("b", &v, &ticket));
  c.Fill("b", "old-b", ticket);  // read from RocksDB while the write was in flight: refused
  EXPECT_EQ(Get(c, "b"), "<miss>");
  c.ApplyBatch(&w, /*begun=*/true);
  EXPECT_EQ(Get(c, "a"), "new");
  EXPECT_EQ(Get(c, "b"), "new-b");
  // Fills work again once no write of the slot is in flight.
  EXPECT_FALSE(c.Lookup("c", &v, &ticket));
  c.Fill("c", "filled", ticket);
  EXPECT_EQ(Get(c, "c"), "filled");

  // A failed write drops its keys' records and lets fills in again.
  std::vector<KeyCache::Write> f = {{"a", "lost"}};
  c.BeginWrites(&f);
  c.AbortWrites(&f);
  EXPECT_FALSE(c.Lookup("a", &v, &ticket));
  c.Fill("a", "reread", ticket);
  EXPECT_EQ(Get(c, "a"), "reread");
}

TEST(KeyCache, LargeElementRecordsAreNotCached) {
  KeyCache c(64 << 20);
  using K = KeyCache::Kind;
  std::string v;
  uint64_t ticket = 0;
  c.Update("e", std::string(KeyCache::kMaxElementRecord, 'x'), K::kElement);
  EXPECT_TRUE(c.Lookup("e", &v, &ticket, K::kElement));
  c.Update("e", std::string(KeyCache::kMaxElementRecord + 1, 'x'), K::kElement);
  EXPECT_FALSE(c.Lookup("e", &v, &ticket, K::kElement));             // and the old one is gone
  c.Update("m", std::string(KeyCache::kMaxElementRecord + 1, 'x'));  // metadata may be larger
  EXPECT_EQ(Get(c, "m").size(), KeyCache::kMaxElementRecord + 1);
}

TEST(KeyCache, LargeRecordsAreNotCachedAndReplaceNothingStale) {
  KeyCache c(64 << 20);
  c.Update("a", "small");
  c.Update("a", std::string(KeyCache::kMaxRecord + 1, 'L'));
  EXPECT_EQ(Get(c, "a"), "<miss>");  // the old record must not survive the write
}

TEST(KeyCache, FillIsRefusedAfterAConcurrentWrite) {
  KeyCache c(1 << 20);
  std::string v;
  uint64_t ticket = 0;
  ASSERT_FALSE(c.Lookup("k", &v, &ticket));
  c.Update("k", "new");  // a writer commits after the reader's storage read
  c.Erase("k");          // and another deletes it
  c.Fill("k", "old", ticket);
  EXPECT_EQ(Get(c, "k"), "<miss>");

  ASSERT_FALSE(c.Lookup("k", &v, &ticket));
  c.Clear();  // a range deletion
  c.Fill("k", "old", ticket);
  EXPECT_EQ(Get(c, "k"), "<miss>");

  ASSERT_FALSE(c.Lookup("k", &v, &ticket));
  c.Fill("k", "fresh", ticket);  // nothing happened in between
  EXPECT_EQ(Get(c, "k"), "fresh");
}

TEST(KeyCache, ApplyBatchKeepsBatchOrder) {
  KeyCache c(1 << 20);
  std::vector<KeyCache::Write> w = {
      {"a", "1", false}, {"b", "2", false}, {"a", "3", false}, {"b", "", true}};
  c.ApplyBatch(&w);
  EXPECT_EQ(Get(c, "a"), "3");
  EXPECT_EQ(Get(c, "b"), "<miss>");
}

// Writers change a "store" and then the cache under a per-key lock, as Storage does; readers
// follow the miss / read store / Fill protocol. Once writers stop, every cached record must equal
// the store's.
TEST(KeyCache, ReadersNeverLeaveStaleRecords) {
  KeyCache c(1 << 20);
  constexpr int kKeys = 64;
  std::vector<std::mutex> locks(kKeys);
  std::vector<std::string> store(kKeys);
  std::mutex store_mu;
  std::atomic<bool> stop{false};
  auto key = [](int i) { return "key" + std::to_string(i); };

  std::vector<std::thread> threads;
  for (int t = 0; t < 2; t++) {
    threads.emplace_back([&, t] {
      for (int n = 0; n < 20000; n++) {
        int i = (n * 7 + t) % kKeys;
        std::lock_guard<std::mutex> lock(locks[i]);
        std::string value = std::to_string(t) + ":" + std::to_string(n);
        {
          std::lock_guard<std::mutex> s(store_mu);
          store[i] = value;
        }
        if (n % 5 == 0) {
          c.Erase(key(i));
        } else {
          c.Update(key(i), value);
        }
      }
    });
  }
  for (int t = 0; t < 2; t++) {
    threads.emplace_back([&] {
      std::string v;
      while (!stop.load()) {
        for (int i = 0; i < kKeys; i++) {
          uint64_t ticket = 0;
          if (c.Lookup(key(i), &v, &ticket)) continue;
          std::string read;
          {
            std::lock_guard<std::mutex> s(store_mu);
            read = store[i];
          }
          c.Fill(key(i), read, ticket);
        }
      }
    });
  }
  threads[0].join();
  threads[1].join();
  stop = true;
  threads[2].join();
  threads[3].join();
  for (int i = 0; i < kKeys; i++) {
    std::string v;
    uint64_t ticket = 0;
    if (c.Lookup(key(i), &v, &ticket)) {
      EXPECT_EQ(v, store[i]) << key(i);
    }
  }
}

int Freq(const KeyCache& c, const std::string& key) {
  std::string v;
  uint8_t f = 0;
  return c.Peek(key, &v, &f) ? f : -1;
}

TEST(KeyCache, CountsAccessFrequency) {
  KeyCache c(1 << 20);
  c.Update("new", "1");  // a key's first write: a new key's counter
  EXPECT_EQ(Freq(c, "new"), LfuCounter::kInitVal);
  EXPECT_EQ(Freq(c, "new"), LfuCounter::kInitVal);  // Peek is no access
  EXPECT_EQ(Get(c, "new"), "1");                    // from 5 an access always counts
  EXPECT_EQ(Freq(c, "new"), LfuCounter::kInitVal + 1);
  c.Update("new", std::string(500, 'x'));  // outgrows its entry: the counter moves along
  EXPECT_GE(Freq(c, "new"), LfuCounter::kInitVal + 1);
  std::string v;
  uint64_t ticket = 0;
  EXPECT_FALSE(c.Lookup("cold", &v, &ticket));
  c.Fill("cold", "2", ticket);  // the read that missed counts
  EXPECT_EQ(Freq(c, "cold"), LfuCounter::kInitVal + 1);
  EXPECT_EQ(Freq(c, "absent"), -1);
  for (int i = 0; i < 1000; i++) Get(c, "hot");  // misses are no access
  EXPECT_EQ(Freq(c, "hot"), -1);
  c.Update("hot", "3");
  for (int i = 0; i < 1000; i++) Get(c, "hot");
  EXPECT_GT(Freq(c, "hot"), Freq(c, "cold") + 5);
  c.Erase("hot");
  EXPECT_EQ(Freq(c, "hot"), -1);
}

TEST(KeyCache, PeekGivesTheMinutesSinceTheLastAccess) {
  KeyCache c(1 << 20);
  c.Update("k", "1");
  std::string v;
  uint8_t f = 0;
  uint32_t idle = 12345;
  ASSERT_TRUE(c.Peek("k", &v, &f, &idle));
  EXPECT_LE(idle, 1u);  // accessed just now (a minute may have turned since)
  EXPECT_FALSE(c.Peek("absent", &v, &f, &idle));
  // The pure part: minutes since the stored minute, across the 16-bit wrap.
  EXPECT_EQ(LfuCounter::New(10).IdleMinutes(25), 15u);
  EXPECT_EQ(LfuCounter::New(65530).IdleMinutes(4), 9u);
}

}  // namespace
}  // namespace mnemo
