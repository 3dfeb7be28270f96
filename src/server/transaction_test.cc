#include "server/transaction.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "common/string_util.h"
#include "storage/encoding.h"

namespace mnemo {
namespace {

class WatchRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("mnemo-watch-test-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    StorageOptions o;
    o.dir = dir_.string();
    o.block_cache_size = 8 << 20;
    auto s = Storage::Open(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    storage_ = std::move(s.value());
    registry_ = std::make_unique<WatchRegistry>(storage_.get());
    storage_->SetWriteObserver(registry_.get());
  }
  void TearDown() override {
    registry_->UnwatchAll(&a_);
    registry_->UnwatchAll(&b_);
    storage_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Put(std::string_view ns, std::string_view key, std::string_view value, int64_t expire = 0) {
    Batch b(storage_.get(), false);
    b.Put(ColumnFamily::kMetadata, EncodeMetaKey(ns, key), EncodeStringValue(value, expire));
    ASSERT_TRUE(storage_->Write(&b).ok());
  }
  void Delete(std::string_view ns, std::string_view key) {
    Batch b(storage_.get(), false);
    b.Delete(ColumnFamily::kMetadata, EncodeMetaKey(ns, key));
    ASSERT_TRUE(storage_->Write(&b).ok());
  }
  void Watch(WatchRegistry::Watcher* w, std::string_view ns, std::string_view key) {
    registry_->Watch(w, EncodeMetaKey(ns, key), NowMs());
  }
  bool Changed(const WatchRegistry::Watcher* w) { return registry_->Changed(w, NowMs()); }

  std::filesystem::path dir_;
  std::unique_ptr<Storage> storage_;
  std::unique_ptr<WatchRegistry> registry_;
  WatchRegistry::Watcher a_, b_;
};

TEST_F(WatchRegistryTest, InactiveUntilSomethingIsWatched) {
  EXPECT_FALSE(registry_->active());
  Watch(&a_, "ns", "k");
  EXPECT_TRUE(registry_->active());
  EXPECT_EQ(registry_->watched_keys(), 1u);
  registry_->UnwatchAll(&a_);
  EXPECT_FALSE(registry_->active());
  EXPECT_EQ(registry_->watched_keys(), 0u);
}

TEST_F(WatchRegistryTest, AWriteMarksOnlyTheWatchersOfItsKey) {
  Watch(&a_, "ns", "k");
  Watch(&b_, "ns", "other");
  Put("ns", "unrelated", "v");
  Put("other-ns", "k", "v");  // the same user key in another namespace
  EXPECT_FALSE(Changed(&a_));
  EXPECT_FALSE(Changed(&b_));
  Put("ns", "k", "v");
  EXPECT_TRUE(Changed(&a_));
  EXPECT_FALSE(Changed(&b_));
}

TEST_F(WatchRegistryTest, UnwatchClearsTheMarkAndWatchesAgainFresh) {
  Watch(&a_, "ns", "k");
  Put("ns", "k", "v");
  EXPECT_TRUE(Changed(&a_));
  registry_->UnwatchAll(&a_);
  EXPECT_FALSE(Changed(&a_));
  Watch(&a_, "ns", "k");
  Watch(&a_, "ns", "k");  // twice: one watch
  EXPECT_EQ(a_.keys.size(), 1u);
  EXPECT_FALSE(Changed(&a_));
  Delete("ns", "k");
  EXPECT_TRUE(Changed(&a_));
}

TEST_F(WatchRegistryTest, ExpiryPassingAfterWatchIsAChange) {
  int64_t soon = NowMs() + 100000;
  Put("ns", "k", "v", soon);
  Watch(&a_, "ns", "k");
  EXPECT_FALSE(registry_->Changed(&a_, soon - 1));
  EXPECT_TRUE(registry_->Changed(&a_, soon));
}

TEST_F(WatchRegistryTest, AKeyExpiredWhenWatchedChangesOnlyByANewWrite) {
  Put("ns", "k", "v", NowMs() - 1000);  // logically expired already
  Watch(&a_, "ns", "k");
  EXPECT_FALSE(Changed(&a_));
  Delete("ns", "k");  // what the active expiry writes: no change (Redis 7.0)
  EXPECT_FALSE(Changed(&a_));
  Put("ns", "k", "new");
  EXPECT_TRUE(Changed(&a_));
}

TEST_F(WatchRegistryTest, FlushMarksWatchersOfKeysThatExisted) {
  Put("ns", "k", "v");
  Watch(&a_, "ns", "k");
  Watch(&b_, "ns", "missing");
  ASSERT_TRUE(storage_->DeleteNamespace("other").ok());
  EXPECT_FALSE(Changed(&a_));
  ASSERT_TRUE(storage_->DeleteNamespace("ns").ok());
  EXPECT_TRUE(Changed(&a_));
  EXPECT_FALSE(Changed(&b_));  // as Redis: a key that was not there did not change
  registry_->UnwatchAll(&a_);
  Put("ns", "k", "v");
  Watch(&a_, "ns", "k");
  ASSERT_TRUE(storage_->DeleteAll().ok());
  EXPECT_TRUE(Changed(&a_));
}

TEST(Transaction, QueueCountsItsMemoryAndFlags) {
  Transaction t;
  EXPECT_FALSE(t.active());
  t.Begin();
  static const CommandSpec kSet{"set", -3, kCmdWrite | kCmdDenyOOM, 1, 1, 1, nullptr, "", "", {}};
  static const CommandSpec kGet{"get", 2, kCmdReadOnly, 1, 1, 1, nullptr, "", "", {}};
  size_t one = t.Queue(&kGet, {"get", std::string(1000, 'k')});
  EXPECT_GE(one, 1000u);
  EXPECT_FALSE(t.deny_oom());
  size_t two = t.Queue(&kSet, {"set", "k", std::string(5000, 'v')});
  EXPECT_GE(two, one + 5000);
  EXPECT_TRUE(t.deny_oom());
  EXPECT_EQ(t.count(), 2u);
  EXPECT_FALSE(t.flagged());
  t.Flag();
  EXPECT_TRUE(t.flagged());
  t.Clear();
  EXPECT_FALSE(t.active());
  EXPECT_FALSE(t.flagged());
  EXPECT_EQ(t.count(), 0u);
  EXPECT_EQ(t.memory(), 0u);
}

TEST(Transaction, AScriptingCommandMakesEXECBorrowTheVm) {
  Transaction t;
  t.Begin();
  static const CommandSpec kIncr{"incr", 2, kCmdWrite, 1, 1, 1, nullptr, "string", "", {}};
  static const CommandSpec kEval{"eval", -3, kCmdNoScript, 0, 0, 0, nullptr, "scripting", "", {}};
  t.Queue(&kIncr, {"incr", "k"});
  EXPECT_FALSE(t.has_script());
  t.Queue(&kEval, {"eval", "return 1", "0"});
  EXPECT_TRUE(t.has_script());
  t.DropQueue();  // the queue outgrew its limit: EXEC can only abort, the mark stays
  EXPECT_TRUE(t.has_script());
  t.Clear();
  EXPECT_FALSE(t.has_script());
}

}  // namespace
}  // namespace mnemo
