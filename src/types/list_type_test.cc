#include "types/list_type.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace mnemo {
namespace {

TEST(ListEncoding, TailRoundTripsAndPositionsSortAsTheList) {
  ListWindow w{ListWindow::kStart - 3, ListWindow::kStart + 5};
  ListWindow back;
  ASSERT_TRUE(DecodeListTail(EncodeListTail(w), &back));
  EXPECT_EQ(back.head, w.head);
  EXPECT_EQ(back.tail, w.tail);
  EXPECT_FALSE(DecodeListTail("short", &back));
  EXPECT_FALSE(DecodeListTail(EncodeListTail({5, 4}), &back));  // head after tail
  std::string p = "prefix";
  EXPECT_LT(ListElementKey(p, ListWindow::kStart - 1), ListElementKey(p, ListWindow::kStart));
  EXPECT_LT(ListElementKey(p, 255), ListElementKey(p, 256));
  EXPECT_EQ(ListElementKey(p, 1).size(), p.size() + 8);
}

TEST(ListEncoding, ClampFollowsRedis) {
  int64_t a, b;
  ASSERT_TRUE(ClampListRange(10, 0, -1, &a, &b));
  EXPECT_EQ(a, 0);
  EXPECT_EQ(b, 9);
  ASSERT_TRUE(ClampListRange(10, -100, 2, &a, &b));
  EXPECT_EQ(a, 0);
  EXPECT_EQ(b, 2);
  ASSERT_TRUE(ClampListRange(10, 3, INT64_MAX, &a, &b));
  EXPECT_EQ(b, 9);
  ASSERT_TRUE(ClampListRange(10, INT64_MIN, INT64_MAX, &a, &b));
  EXPECT_EQ(a, 0);
  EXPECT_FALSE(ClampListRange(10, 10, 20, &a, &b));
  EXPECT_FALSE(ClampListRange(10, 5, 4, &a, &b));
  EXPECT_FALSE(ClampListRange(0, 0, -1, &a, &b));
  EXPECT_FALSE(ClampListRange(10, -1, -2, &a, &b));
}

class ListTypeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("mnemo-list-test-" + std::to_string(getpid()) + "-" +
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
  std::vector<std::string> All(std::string_view key) {
    Database db(storage_.get(), "ns");
    std::vector<std::string> out;
    Status s = ListType(&db).Range(key, 0, -1, [&](std::string_view v) {
      out.emplace_back(v);
      return true;
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }
  // Element records of the namespace in the subkeys column family, stale versions included.
  size_t SubkeyRecords() {
    auto it = storage_->NewIterator(ColumnFamily::kSubkeys, NamespacePrefix("ns"));
    size_t n = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) n++;
    return n;
  }
  std::filesystem::path dir_;
  std::unique_ptr<Storage> storage_;
};

using V = std::vector<std::string>;

TEST_F(ListTypeTest, InsertAndRemoveRewriteOnlyWhatMoves) {
  Database db(storage_.get(), "ns");
  ListType lists(&db);
  ASSERT_EQ(*lists.Push("l", {"a", "b", "c", "d"}, ListType::End::kRight, false), 4);
  EXPECT_EQ(*lists.Insert("l", true, "b", "x"), 5);   // left side is shorter
  EXPECT_EQ(*lists.Insert("l", false, "c", "y"), 6);  // right side is shorter
  EXPECT_EQ(All("l"), (V{"a", "x", "b", "c", "y", "d"}));
  EXPECT_EQ(*lists.Insert("l", true, "zz", "q"), -1);
  ASSERT_EQ(*lists.Push("l", {"a"}, ListType::End::kRight, false), 7);
  EXPECT_EQ(*lists.Remove("l", -1, "a"), 1);
  EXPECT_EQ(All("l"), (V{"a", "x", "b", "c", "y", "d"}));
  EXPECT_EQ(*lists.Remove("l", 0, "x"), 1);
  EXPECT_EQ(All("l"), (V{"a", "b", "c", "y", "d"}));
  auto rec = db.GetRecord("l");
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(rec->meta.size, 5u);
  EXPECT_EQ(rec->meta.bytes, 5u);
  EXPECT_EQ(SubkeyRecords(), 5u);  // nothing left behind outside the window
}

TEST_F(ListTypeTest, DeleteIsOneRecordAndCompactionReclaimsTheElements) {
  Database db(storage_.get(), "ns");
  ListType lists(&db);
  constexpr int kElements = 20000;
  std::vector<std::string> batch(1000, std::string(20, 'e'));
  std::vector<std::string_view> views(batch.begin(), batch.end());
  for (int i = 0; i < kElements / 1000; i++) {
    ASSERT_TRUE(lists.Push("big", views, ListType::End::kRight, false).ok());
  }
  ASSERT_EQ(*lists.Len("big"), kElements);
  ASSERT_TRUE(storage_->Flush().ok());
  ASSERT_EQ(SubkeyRecords(), static_cast<size_t>(kElements));
  ASSERT_EQ(*db.Delete({"big"}), 1);
  EXPECT_EQ(*lists.Len("big"), 0);
  ASSERT_TRUE(storage_->Flush().ok());
  ASSERT_TRUE(storage_->CompactAll().ok());
  EXPECT_EQ(SubkeyRecords(), 0u);
}

TEST_F(ListTypeTest, PopStopsWithoutWritingWhenTheVisitorRefuses) {
  Database db(storage_.get(), "ns");
  ListType lists(&db);
  ASSERT_EQ(*lists.Push("l", {"a", "b", "c"}, ListType::End::kRight, false), 3);
  int seen = 0;
  auto n = lists.Pop("l", ListType::End::kLeft, 3, [&](std::string_view) { return ++seen < 2; });
  EXPECT_TRUE(ListType::IsStopped(n.status()));
  EXPECT_EQ(All("l"), (V{"a", "b", "c"}));
  V popped;
  n = lists.Pop("l", ListType::End::kRight, INT64_MAX, [&](std::string_view v) {
    popped.emplace_back(v);
    return true;
  });
  EXPECT_EQ(*n, 3);
  EXPECT_EQ(popped, (V{"c", "b", "a"}));
  EXPECT_TRUE(db.GetRecord("l").status().IsNotFound());
}

}  // namespace
}  // namespace mnemo
