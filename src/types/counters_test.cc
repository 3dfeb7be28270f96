// The namespace counters (Storage::Counters: keys, expires, logical bytes, expiry sum) equal a
// full scan of the metadata records (Database::ScanCounters) after a seeded random mix of every
// writing operation the string and bitmap types and the generic commands have, and after reopen.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <thread>

#include "common/string_util.h"
#include "types/bitmap_type.h"
#include "types/database.h"
#include "types/string_type.h"

namespace mnemo {
namespace {

class CountersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("mnemo-counters-test-" + std::to_string(getpid()));
    std::filesystem::remove_all(dir_);
    Open();
  }
  void TearDown() override {
    storage_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Open() {
    storage_.reset();
    StorageOptions o;
    o.dir = dir_.string();
    o.block_cache_size = 8 << 20;
    auto s = Storage::Open(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    storage_ = std::move(s.value());
  }
  void ExpectExact(const char* when) {
    Database db(storage_.get(), "ns");
    auto kept = storage_->Counters("ns");
    auto scanned = db.ScanCounters();
    ASSERT_TRUE(kept.ok() && scanned.ok());
    EXPECT_EQ(kept->keys, scanned->keys) << when;
    EXPECT_EQ(kept->expires, scanned->expires) << when;
    EXPECT_EQ(kept->bytes, scanned->bytes) << when;
    EXPECT_EQ(kept->expire_sum_s, scanned->expire_sum_s) << when;
  }
  // One random write over a small keyspace.
  void RandomWrite(std::mt19937* rng) {
    Database db(storage_.get(), "ns");
    StringType strings(&db, 1 << 20);
    BitmapType bitmaps(strings, &db);
    auto key = [&] { return "k" + std::to_string((*rng)() % 30); };
    std::string k = key(), k2 = key();
    int64_t soon = NowMs() + 1 + static_cast<int64_t>((*rng)() % 40);  // expires during the run
    last_soon_ = std::max(last_soon_, soon);
    int64_t later = NowMs() + 3600 * 1000;
    StringType::SetArgs set;
    switch ((*rng)() % 12) {
      case 0:
        set.expire_ms = (*rng)() % 2 ? soon : later;
        [[fallthrough]];
      case 1:
        (void)strings.Set(k, std::string((*rng)() % 50, 'v'), set);
        break;
      case 2:
        (void)db.Delete({k, k2});
        break;
      case 3:
        (void)strings.Append(k, "abc");
        break;
      case 4:
        (void)strings.IncrBy(k, 5);
        break;
      case 5:
        (void)bitmaps.SetBit(k, (*rng)() % 500, 1);
        break;
      case 6:
        (void)db.Expire(k, (*rng)() % 2 ? soon : later, 0);
        break;
      case 7:
        (void)db.Persist(k);
        break;
      case 8:
        (void)db.Rename(k, k2, false);
        break;
      case 9:
        (void)db.Copy(k, k2, true);
        break;
      case 10:
        (void)bitmaps.BitOp(bitmap::Op::kOr, k, {k2, key()});
        break;
      case 11:
        (void)strings.GetDel(k);
        break;
    }
  }
  std::filesystem::path dir_;
  std::unique_ptr<Storage> storage_;
  int64_t last_soon_ = 0;  // the latest of the short expiries set
};

TEST_F(CountersTest, EqualAFullScanAfterRandomWritesExpiriesAndReopen) {
  std::mt19937 rng(20261201);
  for (int i = 0; i < 3000; i++) {
    RandomWrite(&rng);
    if (i % 500 == 0) ExpectExact("during the writes");
  }
  ExpectExact("after the writes");
  while (NowMs() <= last_soon_) std::this_thread::yield();  // every short expiry has passed
  Database db(storage_.get(), "ns");
  std::string cursor;
  do {
    ASSERT_TRUE(db.DeleteExpired(&cursor, 1 << 20, 1 << 20).ok());
  } while (!cursor.empty());
  ExpectExact("after the expired keys were removed");
  Open();
  ExpectExact("after reopening");
}

// The bitmap writes refuse a key of another type (WRONGTYPE) and leave it as it was; BITOP may
// overwrite one as its destination, as Redis's does.
TEST_F(CountersTest, BitmapWritesRefuseOtherTypes) {
  Database db(storage_.get(), "ns");
  db.PutRecord("h", EncodeCompositeMeta(DataType::kHash, 0, storage_->NewVersion(), 1, 2));
  ASSERT_TRUE(db.Finish().ok());
  StringType strings(&db, 1 << 20);
  BitmapType bitmaps(strings, &db);
  EXPECT_EQ(bitmaps.SetBit("h", 3, 1).status().code(), Status::Code::kWrongType);
  BitmapType::FieldOp set;
  set.kind = BitmapType::FieldOp::Kind::kSet;
  set.type = {false, 8};
  EXPECT_EQ(bitmaps.BitField("h", {set}).status().code(), Status::Code::kWrongType);
  EXPECT_EQ(bitmaps.BitField("h", {}).status().code(), Status::Code::kWrongType);
  EXPECT_EQ(bitmaps.BitOp(bitmap::Op::kOr, "d", {"h"}).status().code(), Status::Code::kWrongType);
  EXPECT_EQ(*db.Type("h"), DataType::kHash);
  ASSERT_TRUE(strings.Set("s", "ab", {}).ok());
  auto n = bitmaps.BitOp(bitmap::Op::kNot, "h", {"s"});
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2);
  EXPECT_EQ(*db.Type("h"), DataType::kString);
  ExpectExact("after a composite was overwritten");
}

}  // namespace
}  // namespace mnemo
