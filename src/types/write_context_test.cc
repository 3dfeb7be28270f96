#include "types/write_context.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "types/database.h"
#include "types/string_type.h"

namespace mnemo {
namespace {

class WriteContextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("mnemo-wctx-test-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    StorageOptions o;
    o.dir = dir_.string();
    o.block_cache_size = 8 << 20;
    auto s = Storage::Open(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    storage_ = std::move(s.value());
  }
  void TearDown() override {
    storage_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string Read(std::string_view key) {
    Database db(storage_.get(), "ns");
    std::string v;
    Status s = StringType(&db, 1 << 20).Get(key, &v);
    if (s.IsNotFound()) return "<none>";
    return s.ok() ? v : "<" + s.ToString() + ">";
  }
  std::filesystem::path dir_;
  std::unique_ptr<Storage> storage_;
};

// Commands of one context read what the earlier ones wrote; nobody else sees it before Commit.
TEST_F(WriteContextTest, ReadsItsOwnWritesAndCommitsAtomically) {
  WriteContext ctx(storage_.get());
  {
    Database db(storage_.get(), "ns", &ctx);
    StringType strings(&db, 1 << 20);
    ASSERT_TRUE(strings.IncrBy("n", 5).ok());
    auto r = strings.IncrBy("n", 2);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(*r, 7);
    auto keys = db.Keys("*");
    ASSERT_TRUE(keys.ok());
    EXPECT_EQ(*keys, std::vector<std::string>{"n"});  // iteration overlays the context too
  }
  EXPECT_EQ(Read("n"), "<none>") << "visible before the commit";
  EXPECT_TRUE(ctx.Holds(EncodeMetaKey("ns", "n")));
  ASSERT_TRUE(ctx.Commit().ok());
  EXPECT_FALSE(ctx.Holds(EncodeMetaKey("ns", "n")));
  EXPECT_EQ(Read("n"), "7");
  auto size = Database(storage_.get(), "ns").Size();
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, 1);
}

// A failed command leaves nothing behind, even after Lock committed the writes before it.
TEST_F(WriteContextTest, RollbackCommandDropsOnlyThatCommandsWrites) {
  WriteContext ctx(storage_.get());
  Database db(storage_.get(), "ns", &ctx);
  ctx.BeginCommand();
  db.Lock("a");
  db.PutRecord("a", EncodeStringValue("1", 0));
  ctx.EndCommand();
  ctx.BeginCommand();
  db.Lock("b");
  db.PutRecord("b", EncodeStringValue("2", 0));
  ctx.RollbackCommand();
  ASSERT_TRUE(ctx.Commit().ok());
  EXPECT_EQ(Read("a"), "1");
  EXPECT_EQ(Read("b"), "<none>");

  ctx.BeginCommand();
  db.Lock("c");
  ASSERT_TRUE(ctx.Commit().ok());  // as Lock does when it must wait
  db.PutRecord("c", EncodeStringValue("3", 0));
  ctx.RollbackCommand();
  ASSERT_TRUE(ctx.Commit().ok());
  EXPECT_EQ(Read("c"), "<none>");
}

// Two contexts that take the same keys in opposite orders, over and over, never deadlock and
// lose no increment: Lock commits what it holds before it waits.
TEST_F(WriteContextTest, OppositeLockOrdersNeitherDeadlockNorLoseWrites) {
  constexpr int kRounds = 2000;
  auto run = [&](bool reversed) {
    WriteContext ctx(storage_.get());
    for (int i = 0; i < kRounds; i++) {
      Database db(storage_.get(), "ns", &ctx);
      StringType strings(&db, 1 << 20);
      ASSERT_TRUE(strings.IncrBy(reversed ? "y" : "x", 1).ok());
      ASSERT_TRUE(strings.IncrBy(reversed ? "x" : "y", 1).ok());
      if (i % 7 == 0) {
        ASSERT_TRUE(ctx.Commit().ok());
      }
    }
    ASSERT_TRUE(ctx.Commit().ok());
  };
  std::thread a(run, false), b(run, true);
  a.join();
  b.join();
  EXPECT_EQ(Read("x"), std::to_string(2 * kRounds));
  EXPECT_EQ(Read("y"), std::to_string(2 * kRounds));
}

// The observers of the commit point: AfterCommit actions run once, after the stripes are free,
// with the commit's outcome (Aborted-like error when the writes are dropped); written metadata
// keys are noted only while somebody waits.
TEST_F(WriteContextTest, AfterCommitRunsOnceWithTheOutcomeAndStripesFree) {
  WriteContext ctx(storage_.get());
  Database db(storage_.get(), "ns", &ctx);
  db.Lock("k");
  db.PutRecord("k", EncodeStringValue("v", 0));
  int runs = 0;
  ctx.AfterCommit([&](const Status& s) {
    runs++;
    EXPECT_TRUE(s.ok()) << s.ToString();
    WriteContext other(storage_.get());  // the stripe is free again
    EXPECT_TRUE(other.TryLock(db.MetaKey("k")));
    other.Abandon();
    EXPECT_EQ(Read("k"), "v");  // the write is visible
  });
  EXPECT_FALSE(ctx.empty());
  ASSERT_TRUE(ctx.Commit().ok());
  ASSERT_TRUE(ctx.Commit().ok());
  EXPECT_EQ(runs, 1);

  bool dropped = false;
  db.Lock("k2");
  db.PutRecord("k2", EncodeStringValue("v", 0));
  ctx.AfterCommit([&](const Status& s) { dropped = !s.ok(); });
  ctx.Abandon();
  EXPECT_TRUE(dropped);
  EXPECT_EQ(Read("k2"), "<none>");
}

TEST_F(WriteContextTest, NotesWrittenKeysOnlyWhileSomebodyWaits) {
  std::atomic<int64_t> waiting{0};
  WriteContext ctx(storage_.get());
  ctx.WatchWrites(&waiting);
  Database db(storage_.get(), "ns", &ctx);
  db.Lock(std::vector<std::string_view>{"a", "b"});
  db.PutRecord("a", EncodeStringValue("1", 0));
  EXPECT_FALSE(ctx.has_written());
  waiting = 1;
  db.PutRecord("b", EncodeStringValue("2", 0));
  db.DeleteRecord("a");  // a deletion fills nothing
  std::vector<std::string> keys = ctx.TakeWrittenKeys();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0], db.MetaKey("b"));
  EXPECT_FALSE(ctx.has_written());
  ASSERT_TRUE(ctx.Commit().ok());
}

// A script's context (no_wait) never waits for a stripe another thread holds nor commits
// what it has: the key is recorded as contended and the writes stay uncommitted until Abandon.
TEST_F(WriteContextTest, NoWaitRecordsContendedKeysInsteadOfWaiting) {
  std::string held = EncodeMetaKey("ns", "held");
  std::atomic<bool> locked{false}, release{false};
  std::thread other([&] {
    WriteContext owner(storage_.get());
    owner.Lock(held);
    locked = true;
    while (!release) std::this_thread::yield();
    owner.Abandon();
  });
  while (!locked) std::this_thread::yield();
  WriteContext script(storage_.get());
  script.set_no_wait(true);
  {
    Database db(storage_.get(), "ns", &script);
    StringType strings(&db, 1 << 20);
    ASSERT_TRUE(strings.IncrBy("free", 1).ok());  // a free key is taken as usual
    ASSERT_TRUE(strings.IncrBy("held", 1).ok());  // returns at once instead of waiting
  }
  EXPECT_EQ(script.contended(), std::vector<std::string>{held});
  EXPECT_TRUE(script.Holds(EncodeMetaKey("ns", "free")));
  EXPECT_EQ(Read("free"), "<none>");  // nothing was committed on the way
  script.Abandon();
  EXPECT_TRUE(script.contended().empty());
  release = true;
  other.join();
  EXPECT_EQ(Read("free"), "<none>");
  EXPECT_EQ(Read("held"), "<none>");
}

// A worker's context holds the stripes of hundreds of keys at once: Holds answers for each of
// them, the commit releases every one (another thread can take each), and a second round of
// the same keys takes them again.
TEST_F(WriteContextTest, ManyStripesAreHeldUntilTheCommitAndAllReleased) {
  WriteContext ctx(storage_.get());
  std::vector<std::string> keys;
  for (int i = 0; i < 600; i++) keys.push_back("k" + std::to_string(i));
  for (int round = 0; round < 2; round++) {
    {
      Database db(storage_.get(), "ns", &ctx);
      StringType strings(&db, 1 << 20);
      for (const auto& k : keys) ASSERT_TRUE(strings.IncrBy(k, 1).ok());
    }
    for (const auto& k : keys) ASSERT_TRUE(ctx.Holds(EncodeMetaKey("ns", k))) << k;
    ASSERT_TRUE(ctx.Commit().ok());
    for (const auto& k : keys) EXPECT_FALSE(ctx.Holds(EncodeMetaKey("ns", k))) << k;
    std::atomic<int> taken{0};
    std::thread other([&] {
      WriteContext mine(storage_.get());
      for (const auto& k : keys) taken += mine.TryLock(EncodeMetaKey("ns", k)) ? 1 : 0;
      mine.Abandon();
    });
    other.join();
    EXPECT_EQ(taken.load(), static_cast<int>(keys.size()));
  }
  EXPECT_EQ(Read("k0"), "2");
  EXPECT_EQ(Read("k599"), "2");
}

}  // namespace
}  // namespace mnemo
