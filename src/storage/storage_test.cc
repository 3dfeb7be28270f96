#include "storage/storage.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <map>
#include <random>
#include <tuple>

#include "common/string_util.h"
#include "storage/encoding.h"

namespace mnemo {
namespace {

class StorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("mnemo-storage-test-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    Reopen();
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Reopen(int max_write_buffers = 4, int64_t key_cache = 128 << 20, int per_flush = 1,
              uint64_t min_blob_size = 0) {
    db_.reset();
    StorageOptions o;
    o.min_blob_size = min_blob_size;
    o.dir = dir_.string();
    o.block_cache_size = 8 << 20;
    o.write_buffer_size = 1 << 20;
    o.max_write_buffer_number = max_write_buffers;
    o.memtables_per_flush = per_flush;
    o.key_cache_size = key_cache;
    auto s = Storage::Open(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    db_ = std::move(s.value());
  }
  void Put(std::string_view key, std::string_view value, int64_t expire = 0,
           std::string_view ns = "ns") {
    Batch b(db_.get(), false);
    b.Put(ColumnFamily::kMetadata, EncodeMetaKey(ns, key), EncodeStringValue(value, expire));
    ASSERT_TRUE(db_->Write(&b).ok());
  }
  void Del(std::string_view key, std::string_view ns = "ns") {
    Batch b(db_.get(), false);
    b.Delete(ColumnFamily::kMetadata, EncodeMetaKey(ns, key));
    ASSERT_TRUE(db_->Write(&b).ok());
  }
  NamespaceCounters Counters(std::string_view ns = "ns") {
    auto c = db_->Counters(ns);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? *c : NamespaceCounters{};
  }
  std::filesystem::path dir_;
  std::unique_ptr<Storage> db_;
};

TEST_F(StorageTest, WriteReadSurvivesReopen) {
  Put("k", "v");
  Reopen();
  std::string raw;
  ASSERT_TRUE(db_->Get(ColumnFamily::kMetadata, EncodeMetaKey("ns", "k"), &raw).ok());
  EXPECT_EQ(DecodeMetadata(raw)->payload, "v");
  EXPECT_TRUE(db_->Get(ColumnFamily::kMetadata, EncodeMetaKey("ns", "nope"), &raw).IsNotFound());
}

// With rocksdb.min-blob-size, large records keep their values in blob files: read back the same
// after a flush, a compaction, an overwrite and a restart (also with blobs off again), counted
// in DiskUsage; small records stay in the SST files.
TEST_F(StorageTest, LargeValuesInBlobFilesReadBackTheSame) {
  Reopen(4, /*key_cache=*/0, 1, /*min_blob_size=*/1024);
  // Random bytes: LZ4 leaves them their size, so the files' sizes say where they are.
  std::mt19937 rng(7);
  auto random_bytes = [&](size_t n) {
    std::string v(n, '\0');
    for (char& c : v) c = static_cast<char>(rng());
    return v;
  };
  const std::string big = random_bytes(8000), other = random_bytes(5000);
  Put("big", big);
  Put("small", "s");
  ASSERT_TRUE(db_->Flush().ok());
  const uint64_t with_blob = db_->DiskUsage(ColumnFamily::kMetadata);
  Put("big", other, NowMs() + 600000);
  ASSERT_TRUE(db_->Flush().ok());
  ASSERT_TRUE(db_->CompactAll().ok());
  std::string raw;
  ASSERT_TRUE(db_->Get(ColumnFamily::kMetadata, EncodeMetaKey("ns", "big"), &raw).ok());
  EXPECT_EQ(DecodeMetadata(raw)->payload, other);
  EXPECT_GT(DecodeMetadata(raw)->expire_ms, 0);
  EXPECT_EQ(Counters().bytes, 3 + 5000 + 5 + 1);
  for (uint64_t blobs : {uint64_t{1024}, uint64_t{0}}) {
    Reopen(4, 0, 1, blobs);
    ASSERT_TRUE(db_->Get(ColumnFamily::kMetadata, EncodeMetaKey("ns", "big"), &raw).ok());
    EXPECT_EQ(DecodeMetadata(raw)->payload, other);
    ASSERT_TRUE(db_->Get(ColumnFamily::kMetadata, EncodeMetaKey("ns", "small"), &raw).ok());
    EXPECT_EQ(DecodeMetadata(raw)->payload, "s");
  }
  // The values are in blob files: they hold at least the live 5 000 random bytes.
  uint64_t blob_bytes = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir_)) {
    if (e.path().extension() == ".blob") blob_bytes += e.file_size();
  }
  EXPECT_GT(with_blob, 8000u);  // DiskUsage counts the blob file
  EXPECT_GE(blob_bytes, 5000u);
}

// Expired records stay until a write removes them (the active expiry): the counters count them.
TEST_F(StorageTest, CompactionKeepsExpiredMetadata) {
  Put("old", "v1");
  ASSERT_TRUE(db_->Flush().ok());
  ASSERT_TRUE(db_->CompactAll().ok());
  Put("old", "v2", NowMs() - 1);  // newer, already expired version above it
  ASSERT_TRUE(db_->Flush().ok());
  ASSERT_TRUE(db_->CompactAll().ok());
  Reopen(4, /*key_cache=*/0);  // reads go to RocksDB
  std::string raw;
  ASSERT_TRUE(db_->Get(ColumnFamily::kMetadata, EncodeMetaKey("ns", "old"), &raw).ok());
  EXPECT_EQ(DecodeMetadata(raw)->payload, "v2");
  EXPECT_EQ(Counters().keys, 1);
  EXPECT_EQ(Counters().expires, 1);
}

// Every write keeps the namespace's counters equal to what its records add up to, across
// overwrites, deletes, repeated keys in one batch, namespaces and restarts.
TEST_F(StorageTest, CountersFollowEveryWrite) {
  Put("a", "123");                  // +1 key, 1 + 3 bytes
  Put("bb", "x", NowMs() + 60000);  // +1 key with expiry
  Put("a", "12345");                // overwrite: bytes only
  EXPECT_EQ(Counters().keys, 2);
  EXPECT_EQ(Counters().expires, 1);
  EXPECT_EQ(Counters().bytes, 1 + 5 + 2 + 1);
  EXPECT_GT(Counters().expire_sum_s, 0);
  Put("bb", "y");  // overwrite drops the expiry
  EXPECT_EQ(Counters().expires, 0);
  EXPECT_EQ(Counters().expire_sum_s, 0);
  Del("a");
  Del("a");  // deleting an absent key changes nothing
  Del("missing");
  EXPECT_EQ(Counters().keys, 1);
  EXPECT_EQ(Counters().bytes, 3);
  {
    Batch b(db_.get(), true);  // one batch writing a key three times, then deleting another
    b.Put(ColumnFamily::kMetadata, EncodeMetaKey("ns", "c"), EncodeStringValue("1", 0));
    b.Put(ColumnFamily::kMetadata, EncodeMetaKey("ns", "c"), EncodeStringValue("22", 0));
    b.Delete(ColumnFamily::kMetadata, EncodeMetaKey("ns", "c"));
    b.Put(ColumnFamily::kMetadata, EncodeMetaKey("ns", "c"), EncodeStringValue("333", 0));
    b.Delete(ColumnFamily::kMetadata, EncodeMetaKey("ns", "bb"));
    ASSERT_TRUE(db_->Write(&b).ok());
  }
  EXPECT_EQ(Counters().keys, 1);
  EXPECT_EQ(Counters().bytes, 4);
  Put("a", "1", 0, "other");
  EXPECT_EQ(Counters("other").keys, 1);
  EXPECT_EQ(Counters().keys, 1);
  auto all = db_->AllCounters();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->keys, 2);
  Reopen();
  EXPECT_EQ(Counters().keys, 1);
  EXPECT_EQ(Counters().bytes, 4);
  ASSERT_TRUE(db_->DeleteNamespace("ns").ok());
  EXPECT_EQ(Counters().keys, 0);
  EXPECT_EQ(Counters("other").keys, 1);
  ASSERT_TRUE(db_->DeleteAll().ok());
  EXPECT_EQ(Counters("other").keys, 0);
  Put("z", "1");
  EXPECT_EQ(Counters().keys, 1);
}

// The active expiry deletes exactly the keys whose time passed, through the index, and leaves
// the counters exact; stale index entries (a key rewritten without expiry) are dropped.
TEST_F(StorageTest, DeleteExpiredUsesTheIndex) {
  int64_t now = NowMs();
  Put("gone1", "x", now - 10);
  Put("gone2", "x", now - 5);
  Put("later", "x", now + 600000);
  Put("plain", "x");
  Put("rewritten", "x", now - 1);
  Put("rewritten", "y");  // no expiry any more: its old index entry is stale
  EXPECT_EQ(Counters().keys, 5);
  EXPECT_EQ(Counters().expires, 3);
  auto n = db_->DeleteExpired(NowMs(), 1);  // one at a time: the oldest first
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);
  std::string raw;
  EXPECT_TRUE(db_->Get(ColumnFamily::kMetadata, EncodeMetaKey("ns", "gone1"), &raw).IsNotFound());
  n = db_->DeleteExpired(NowMs(), 100);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);
  EXPECT_EQ(Counters().keys, 3);
  EXPECT_EQ(Counters().expires, 1);
  n = db_->DeleteExpired(NowMs(), 100);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0);
  EXPECT_TRUE(db_->Get(ColumnFamily::kMetadata, EncodeMetaKey("ns", "rewritten"), &raw).ok());
  EXPECT_TRUE(db_->Get(ColumnFamily::kMetadata, EncodeMetaKey("ns", "later"), &raw).ok());
  n = db_->DeleteExpired(now + 600001, 100);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);
  EXPECT_EQ(Counters().expires, 0);
  EXPECT_EQ(Counters().keys, 2);
}

// An indexed batch answers reads of its own writes, and iterators overlay them.
TEST_F(StorageTest, IndexedBatchReadsItsOwnWrites) {
  Put("a", "1");
  Put("b", "2");
  Batch b(db_.get(), true);
  std::string v;
  EXPECT_EQ(b.Find(ColumnFamily::kMetadata, EncodeMetaKey("ns", "a"), &v), Batch::Lookup::kAbsent);
  b.Put(ColumnFamily::kMetadata, EncodeMetaKey("ns", "c"), EncodeStringValue("3", 0));
  b.Delete(ColumnFamily::kMetadata, EncodeMetaKey("ns", "a"));
  EXPECT_EQ(b.Find(ColumnFamily::kMetadata, EncodeMetaKey("ns", "a"), &v), Batch::Lookup::kDeleted);
  ASSERT_EQ(b.Find(ColumnFamily::kMetadata, EncodeMetaKey("ns", "c"), &v), Batch::Lookup::kPut);
  EXPECT_EQ(DecodeMetadata(v)->payload, "3");
  EXPECT_EQ(b.Find(ColumnFamily::kSubkeys, EncodeMetaKey("ns", "c"), &v), Batch::Lookup::kAbsent);
  auto keys = [&](const Batch* overlay) {
    std::string seen;
    auto it = db_->NewIterator(ColumnFamily::kMetadata, NamespacePrefix("ns"), overlay);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      std::string_view ns, user;
      EXPECT_TRUE(DecodeMetaKey(it->key(), &ns, &user));
      seen += std::string(user);
    }
    EXPECT_TRUE(it->status().ok());
    std::sort(seen.begin(), seen.end());
    return seen;
  };
  EXPECT_EQ(keys(nullptr), "ab");
  EXPECT_EQ(keys(&b), "bc");
  b.SetSavePoint();
  b.Put(ColumnFamily::kMetadata, EncodeMetaKey("ns", "d"), EncodeStringValue("4", 0));
  b.RollbackToSavePoint();
  EXPECT_EQ(keys(&b), "bc");
  ASSERT_TRUE(db_->Write(&b).ok());
  EXPECT_EQ(keys(nullptr), "bc");
  EXPECT_EQ(Counters().keys, 2);
}

TEST_F(StorageTest, CompactionDropsSubkeysOfStaleVersions) {
  uint64_t v1 = db_->NewVersion(), v2 = db_->NewVersion();
  ASSERT_LT(v1, v2);
  Batch b(db_.get(), false);
  b.Put(ColumnFamily::kMetadata, EncodeMetaKey("ns", "h"),
        EncodeCompositeMeta(DataType::kHash, 0, v2, 1, 5));
  b.Put(ColumnFamily::kSubkeys, EncodeSubkeyPrefix("ns", "h", v1) + "f", "stale");
  b.Put(ColumnFamily::kSubkeys, EncodeSubkeyPrefix("ns", "h", v2) + "f", "live");
  b.Put(ColumnFamily::kSubkeys, EncodeSubkeyPrefix("ns", "gone", v1) + "f", "orphan");
  ASSERT_TRUE(db_->Write(&b).ok());
  // The key cache holds what was written (element records too) and nobody reads stale
  // versions' elements again, so it is not told when compaction drops them: look at RocksDB.
  db_->SetKeyCacheCapacity(0);
  ASSERT_TRUE(db_->Flush().ok());
  ASSERT_TRUE(db_->CompactAll().ok());
  std::string v;
  EXPECT_TRUE(
      db_->Get(ColumnFamily::kSubkeys, EncodeSubkeyPrefix("ns", "h", v1) + "f", &v).IsNotFound());
  EXPECT_TRUE(db_->Get(ColumnFamily::kSubkeys, EncodeSubkeyPrefix("ns", "h", v2) + "f", &v).ok());
  EXPECT_TRUE(db_->Get(ColumnFamily::kSubkeys, EncodeSubkeyPrefix("ns", "gone", v1) + "f", &v)
                  .IsNotFound());
}

TEST_F(StorageTest, DeleteNamespaceLeavesOthers) {
  Put("a", "1");
  Put("a", "2", 0, "nt");
  ASSERT_TRUE(db_->DeleteNamespace("ns").ok());
  std::string raw;
  EXPECT_TRUE(db_->Get(ColumnFamily::kMetadata, EncodeMetaKey("ns", "a"), &raw).IsNotFound());
  EXPECT_TRUE(db_->Get(ColumnFamily::kMetadata, EncodeMetaKey("nt", "a"), &raw).ok());
}

// The key cache answers metadata reads; every kind of write must keep it equal to RocksDB.
TEST_F(StorageTest, KeyCacheFollowsEveryWrite) {
  auto read = [&](std::string_view key) {
    std::string raw;
    Status s = db_->Get(ColumnFamily::kMetadata, EncodeMetaKey("ns", key), &raw);
    if (s.IsNotFound()) return std::string("<none>");
    EXPECT_TRUE(s.ok()) << s.ToString();
    return std::string(DecodeMetadata(raw)->payload);
  };
  Put("k", "v1");
  EXPECT_EQ(read("k"), "v1");  // written through
  EXPECT_GE(db_->GetMemory().key_cache_hits, 1u);
  Put("k", "v2");
  EXPECT_EQ(read("k"), "v2");
  Del("k");
  EXPECT_EQ(read("k"), "<none>");

  // After a restart the cache is empty: the first read fills it from RocksDB.
  Put("k", "v3");
  Reopen();
  EXPECT_EQ(read("k"), "v3");
  StorageMemory m = db_->GetMemory();
  EXPECT_EQ(m.key_cache_misses, 1u);
  EXPECT_EQ(m.key_cache_entries, 1u);
  EXPECT_GT(m.key_cache_usage, 0u);
  EXPECT_EQ(read("k"), "v3");
  EXPECT_EQ(db_->GetMemory().key_cache_hits, 1u);

  ASSERT_TRUE(db_->DeleteNamespace("ns").ok());
  EXPECT_EQ(read("k"), "<none>");
  Put("k", "v4");
  ASSERT_TRUE(db_->DeleteAll().ok());
  EXPECT_EQ(read("k"), "<none>");
  EXPECT_EQ(db_->GetMemory().key_cache_entries, 0u);
}

// Element records (the subkeys column family) are cached too: written through on commit, erased
// by deletes, dropped by range deletions, and never confused with a metadata key of equal bytes.
TEST_F(StorageTest, KeyCacheFollowsElementWrites) {
  const std::string ek = EncodeSubkeyPrefix("ns", "h", 7) + "field";
  auto read = [&](ColumnFamily cf, const std::string& key) {
    std::string v;
    Status s = db_->Get(cf, key, &v);
    if (s.IsNotFound()) return std::string("<none>");
    EXPECT_TRUE(s.ok()) << s.ToString();
    return v;
  };
  auto write = [&](ColumnFamily cf, const std::string& key, const char* value) {
    Batch b(db_.get(), true);
    if (value == nullptr) {
      b.Delete(cf, key);
    } else {
      b.Put(cf, key, value);
    }
    ASSERT_TRUE(db_->Write(&b).ok());
  };
  write(ColumnFamily::kSubkeys, ek, "v1");
  uint64_t hits = db_->GetMemory().key_cache_hits;
  EXPECT_EQ(read(ColumnFamily::kSubkeys, ek), "v1");
  EXPECT_EQ(db_->GetMemory().key_cache_hits, hits + 1);    // written through
  EXPECT_EQ(read(ColumnFamily::kMetadata, ek), "<none>");  // same bytes, other column family
  write(ColumnFamily::kSubkeys, ek, "v2");
  EXPECT_EQ(read(ColumnFamily::kSubkeys, ek), "v2");
  write(ColumnFamily::kSubkeys, ek, nullptr);
  EXPECT_EQ(read(ColumnFamily::kSubkeys, ek), "<none>");
  write(ColumnFamily::kSubkeys, ek, "v3");
  Reopen();
  EXPECT_EQ(read(ColumnFamily::kSubkeys, ek), "v3");  // filled from RocksDB
  hits = db_->GetMemory().key_cache_hits;
  EXPECT_EQ(read(ColumnFamily::kSubkeys, ek), "v3");
  EXPECT_EQ(db_->GetMemory().key_cache_hits, hits + 1);
  ASSERT_TRUE(db_->DeleteNamespace("ns").ok());
  EXPECT_EQ(read(ColumnFamily::kSubkeys, ek), "<none>");
}

// A write context's batch is committed as the latest write of each key: the outcome is that of
// every write in order.
TEST_F(StorageTest, IndexedBatchCommitsTheLatestWriteOfEachKey) {
  Batch b(db_.get(), true);
  const std::string mk = EncodeMetaKey("ns", "h");
  const std::string e1 = EncodeSubkeyPrefix("ns", "h", 9) + "a";
  const std::string e2 = EncodeSubkeyPrefix("ns", "h", 9) + "b";
  b.Put(ColumnFamily::kSubkeys, e2, "b1");
  b.Put(ColumnFamily::kMetadata, mk, EncodeCompositeMeta(DataType::kHash, 0, 9, 1, 3));
  b.Put(ColumnFamily::kSubkeys, e1, "a1");
  b.Put(ColumnFamily::kMetadata, mk, EncodeCompositeMeta(DataType::kHash, 0, 9, 2, 6));
  b.Delete(ColumnFamily::kSubkeys, e2);
  b.Put(ColumnFamily::kSubkeys, e1, "a2");
  b.Put(ColumnFamily::kMetadata, mk, EncodeCompositeMeta(DataType::kHash, 0, 9, 1, 3));
  EXPECT_EQ(b.Count(), 7u);
  ASSERT_TRUE(db_->Write(&b).ok());
  db_->SetKeyCacheCapacity(0);  // what RocksDB holds
  std::string v;
  ASSERT_TRUE(db_->Get(ColumnFamily::kSubkeys, e1, &v).ok());
  EXPECT_EQ(v, "a2");
  EXPECT_TRUE(db_->Get(ColumnFamily::kSubkeys, e2, &v).IsNotFound());
  ASSERT_TRUE(db_->Get(ColumnFamily::kMetadata, mk, &v).ok());
  EXPECT_EQ(DecodeMetadata(v)->size, 1u);
  auto c = db_->Counters("ns");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->keys, 1);
}

// Save points restore what Find, Count, DataSize and the commit see, repeated keys included, and
// an overlay index built mid-batch follows later writes and rollbacks.
TEST_F(StorageTest, IndexedBatchRollsBackToItsSavePoints) {
  Put("k", "base");
  Batch b(db_.get(), true);
  const std::string k = EncodeMetaKey("ns", "k");
  std::string v;
  auto value_of = [&](const std::string& key) {
    switch (b.Find(ColumnFamily::kMetadata, key, &v)) {
      case Batch::Lookup::kAbsent:
        return std::string("<absent>");
      case Batch::Lookup::kDeleted:
        return std::string("<deleted>");
      case Batch::Lookup::kPut:
        return std::string(DecodeMetadata(v)->payload);
    }
    return std::string("?");
  };
  auto seen = [&]() {
    std::string out;
    auto it = db_->NewIterator(ColumnFamily::kMetadata, NamespacePrefix("ns"), &b);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      std::string_view ns, user;
      EXPECT_TRUE(DecodeMetaKey(it->key(), &ns, &user));
      out += std::string(user) + "=" + std::string(DecodeMetadata(it->value())->payload) + ";";
    }
    return out;
  };
  b.Put(ColumnFamily::kMetadata, k, EncodeStringValue("1", 0));
  const size_t count1 = b.Count(), size1 = b.DataSize();
  b.SetSavePoint();
  b.Put(ColumnFamily::kMetadata, k, EncodeStringValue("2", 0));
  EXPECT_EQ(seen(), "k=2;");  // builds the overlay
  b.SetSavePoint();
  b.Delete(ColumnFamily::kMetadata, k);
  b.Put(ColumnFamily::kMetadata, EncodeMetaKey("ns", "x"), EncodeStringValue("x", 0));
  EXPECT_EQ(value_of(k), "<deleted>");
  EXPECT_EQ(seen(), "x=x;");  // the overlay followed the writes
  b.RollbackToSavePoint();
  EXPECT_EQ(value_of(k), "2");
  EXPECT_EQ(value_of(EncodeMetaKey("ns", "x")), "<absent>");
  EXPECT_EQ(seen(), "k=2;");
  b.RollbackToSavePoint();
  EXPECT_EQ(value_of(k), "1");
  EXPECT_EQ(b.Count(), count1);
  EXPECT_EQ(b.DataSize(), size1);
  b.RollbackToSavePoint();  // none left: nothing happens
  EXPECT_EQ(value_of(k), "1");
  b.SetSavePoint();
  b.Put(ColumnFamily::kMetadata, k, EncodeStringValue("3", 0));
  b.PopSavePoint();  // keeps the write
  EXPECT_EQ(value_of(k), "3");
  ASSERT_TRUE(db_->Write(&b).ok());
  b.Clear();
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(value_of(k), "<absent>");
  db_->SetKeyCacheCapacity(0);
  ASSERT_TRUE(db_->Get(ColumnFamily::kMetadata, k, &v).ok());
  EXPECT_EQ(DecodeMetadata(v)->payload, "3");
}

// A plain batch is handed to RocksDB sorted by key, and writes of one key keep their order: the
// last of them is what RocksDB, the key cache and the counters hold.
TEST_F(StorageTest, PlainBatchKeepsTheOrderOfWritesToOneKey) {
  Put("x", "old");
  Batch b(db_.get(), false);
  b.Put(ColumnFamily::kMetadata, EncodeMetaKey("ns", "z"), EncodeStringValue("1", 0));
  b.Put(ColumnFamily::kMetadata, EncodeMetaKey("ns", "k"), EncodeStringValue("1", 0));
  b.Delete(ColumnFamily::kMetadata, EncodeMetaKey("ns", "x"));
  b.Put(ColumnFamily::kMetadata, EncodeMetaKey("ns", "k"), EncodeStringValue("22", 0));
  b.Put(ColumnFamily::kMetadata, EncodeMetaKey("ns", "a"), EncodeStringValue("1", 0));
  b.Put(ColumnFamily::kMetadata, EncodeMetaKey("ns", "x"), EncodeStringValue("333", 0));
  b.Delete(ColumnFamily::kMetadata, EncodeMetaKey("ns", "z"));
  b.Put(ColumnFamily::kMetadata, EncodeMetaKey("ns", "k"), EncodeStringValue("4444", 0));
  EXPECT_EQ(b.Count(), 8u);
  ASSERT_TRUE(db_->Write(&b).ok());
  auto value_of = [&](std::string_view key) {
    std::string v;
    Status s = db_->Get(ColumnFamily::kMetadata, EncodeMetaKey("ns", key), &v);
    if (s.IsNotFound()) return std::string("<none>");
    EXPECT_TRUE(s.ok()) << s.ToString();
    return std::string(DecodeMetadata(v)->payload);
  };
  for (int pass = 0; pass < 2; pass++) {  // the key cache, then RocksDB
    EXPECT_EQ(value_of("k"), "4444");
    EXPECT_EQ(value_of("x"), "333");
    EXPECT_EQ(value_of("a"), "1");
    EXPECT_EQ(value_of("z"), "<none>");
    db_->SetKeyCacheCapacity(0);
  }
  EXPECT_EQ(Counters().keys, 3);
  EXPECT_EQ(Counters().bytes, (1 + 4) + (1 + 3) + (1 + 1));
}

// A batch of many keys reads their old records a chunk at a time (Storage::kReadChunk), some from
// the key cache, some from the memtables and some from files, and gets the counters and the
// expiry index right for each: overwrites, new keys, deletes of present and absent keys, and keys
// written twice. MultiGet over the same keys, across chunk boundaries, answers what Get does.
TEST_F(StorageTest, CountersOfABatchOfManyKeysMatchAModel) {
  struct Rec {
    std::string value;
    int64_t expire;
  };
  std::map<std::string, Rec> model;
  const int64_t later = NowMs() + 3600 * 1000;
  for (int i = 0; i < 150; i++) {
    std::string key = "k" + std::to_string(i);
    Rec r{std::string(i % 7 + 1, 'v'), i % 5 == 0 ? later + i : 0};
    Put(key, r.value, r.expire);
    model[key] = r;
    if (i == 99) {  // k0..k99 in a file, the rest in memtables
      ASSERT_TRUE(db_->Flush().ok());
    }
  }
  db_->SetKeyCacheCapacity(0);  // empty it, then let it hold a few
  db_->SetKeyCacheCapacity(128 << 20);
  std::string v;
  for (int i = 0; i < 150; i += 3) {
    ASSERT_TRUE(
        db_->Get(ColumnFamily::kMetadata, EncodeMetaKey("ns", "k" + std::to_string(i)), &v).ok());
  }
  Batch b(db_.get(), false);
  for (int i = 0; i < 300; i++) {
    std::string key = (i % 2 ? "k" : "n") + std::to_string(i / 2 + (i % 4 == 1 ? 75 : 0));
    if (i % 11 == 0) {
      b.Delete(ColumnFamily::kMetadata, EncodeMetaKey("ns", key));
      model.erase(key);
      continue;
    }
    Rec r{std::string(i % 3 + 1, 'w'), i % 4 == 0 ? later - i : 0};
    b.Put(ColumnFamily::kMetadata, EncodeMetaKey("ns", key), EncodeStringValue(r.value, r.expire));
    model[key] = r;
  }
  ASSERT_TRUE(db_->Write(&b).ok());
  int64_t bytes = 0, expires = 0;
  for (const auto& [key, r] : model) {
    bytes += static_cast<int64_t>(key.size() + r.value.size());
    expires += r.expire > 0;
  }
  for (int pass = 0; pass < 2; pass++) {  // then as loaded again from the counters' records
    EXPECT_EQ(Counters().keys, static_cast<int64_t>(model.size()));
    EXPECT_EQ(Counters().bytes, bytes);
    EXPECT_EQ(Counters().expires, expires);
    Reopen();
  }
  std::vector<std::string> keys;
  for (int i = 0; i < 400; i++) {
    keys.push_back(EncodeMetaKey("ns", (i % 2 ? "k" : "n") + std::to_string(i / 2)));
  }
  for (int i = 0; i < 400; i += 5) {  // some in the key cache again
    (void)db_->Get(ColumnFamily::kMetadata, keys[i], &v);
  }
  std::vector<std::optional<std::string>> got;
  ASSERT_TRUE(db_->MultiGet(ColumnFamily::kMetadata, keys, &got).ok());
  ASSERT_EQ(got.size(), keys.size());
  for (int i = 0; i < 400; i++) {
    auto it = model.find((i % 2 ? "k" : "n") + std::to_string(i / 2));
    ASSERT_EQ(got[i].has_value(), it != model.end()) << i;
    if (!got[i]) continue;
    auto meta = DecodeMetadata(*got[i]);
    ASSERT_TRUE(meta.has_value());
    EXPECT_EQ(meta->payload, it->second.value) << i;
    EXPECT_EQ(meta->expire_ms, it->second.expire) << i;
  }
}

// An indexed batch's DataSize is that of the same writes in a plain (RocksDB) batch, and its
// hash table finds every key of a batch far larger than its first table.
TEST_F(StorageTest, IndexedBatchSizeAndLookupMatchAPlainBatch) {
  Batch indexed(db_.get(), true);
  Batch plain(db_.get(), false);
  EXPECT_EQ(indexed.DataSize(), plain.DataSize());
  const ColumnFamily cfs[] = {ColumnFamily::kMetadata, ColumnFamily::kSubkeys};
  for (int i = 0; i < 5000; i++) {
    ColumnFamily cf = cfs[i % 2];
    std::string key = "key" + std::to_string(i % 3000);
    std::string value(i % 300, 'v');
    if (i % 7 == 0) {
      indexed.Delete(cf, key);
      plain.Delete(cf, key);
    } else {
      indexed.Put(cf, key, value);
      plain.Put(cf, key, value);
    }
  }
  EXPECT_EQ(indexed.Count(), plain.Count());
  EXPECT_EQ(indexed.DataSize(), plain.DataSize());
  EXPECT_GT(indexed.HeapBytes(), indexed.DataSize() / 2);
  for (int j = 0; j < 3000; j++) {
    // The latest write of key j: the largest i < 5000 with i % 3000 == j.
    int i = j + 3000 < 5000 ? j + 3000 : j;
    std::string v;
    Batch::Lookup want = i % 7 == 0 ? Batch::Lookup::kDeleted : Batch::Lookup::kPut;
    ASSERT_EQ(indexed.Find(cfs[i % 2], "key" + std::to_string(j), &v), want) << j;
    if (want == Batch::Lookup::kPut) {
      EXPECT_EQ(v.size(), static_cast<size_t>(i % 300));
    }
    // Both writes of key j are in one column family (3000 is even): the other has none.
    EXPECT_EQ(indexed.Find(cfs[(i + 1) % 2], "key" + std::to_string(j), &v), Batch::Lookup::kAbsent)
        << j;
  }
  std::string v;
  EXPECT_EQ(indexed.Find(ColumnFamily::kMetadata, "key3000", &v), Batch::Lookup::kAbsent);
}

TEST_F(StorageTest, MemoryPropertiesMove) {
  StorageMemory before = db_->GetMemory();
  EXPECT_EQ(before.block_cache_capacity, 8u << 20);
  for (int i = 0; i < 1000; i++) Put("key" + std::to_string(i), std::string(100, 'x'));
  StorageMemory after = db_->GetMemory();
  EXPECT_GT(after.memtables_active, before.memtables_active + 100 * 1000);
  EXPECT_GE(after.memtables_all, after.memtables_active);
}

TEST(MemtablesPerFlushTest, HalfTheMemtablesFromOneToFourAndOneUnderALimit) {
  EXPECT_EQ(MemtablesPerFlush(2, false), 1);
  EXPECT_EQ(MemtablesPerFlush(3, false), 1);
  EXPECT_EQ(MemtablesPerFlush(4, false), 2);
  EXPECT_EQ(MemtablesPerFlush(8, false), 4);
  EXPECT_EQ(MemtablesPerFlush(64, false), 4);
  EXPECT_EQ(MemtablesPerFlush(8, true), 1);
}

// Full memtables are flushed several at a time; a flush that waited for all of them would never
// start (one is always active), so Storage caps the count at one less. Either way every write
// completes and reads find the newest value, in a memtable or in a flushed file.
TEST_F(StorageTest, WritesAcrossManyMemtablesNeverStallAndReadNewest) {
  for (auto [buffers, per_flush, applied] :
       {std::tuple{2, 4, 1}, {4, 2, 2}, {8, 4, 4}, {8, 1, 1}}) {
    Reopen(buffers, /*key_cache=*/0, per_flush);  // every read goes to RocksDB
    EXPECT_EQ(db_->memtables_per_flush(), applied) << buffers << " buffers";
    const int kKeys = 2000;
    for (int round = 0; round < 4; round++) {  // 4 x 2000 x ~1 KiB: about 8 memtables
      for (int i = 0; i < kKeys; i++) {
        Put("key" + std::to_string(i), std::to_string(round) + std::string(1000, 'x'));
      }
    }
    for (int i = 0; i < kKeys; i += 97) {
      std::string raw;
      ASSERT_TRUE(
          db_->Get(ColumnFamily::kMetadata, EncodeMetaKey("ns", "key" + std::to_string(i)), &raw)
              .ok());
      EXPECT_EQ(DecodeMetadata(raw)->payload.substr(0, 1), "3") << buffers << " buffers, key " << i;
    }
    Reopen(buffers, 0, per_flush);  // and after WAL replay
    std::string raw;
    ASSERT_TRUE(db_->Get(ColumnFamily::kMetadata, EncodeMetaKey("ns", "key1999"), &raw).ok());
    EXPECT_EQ(DecodeMetadata(raw)->payload.substr(0, 1), "3");
  }
}

// With the production options (8 memtables, 4 merged per flush), a manual flush that arrives
// while an automatic flush of 4 full memtables is queued must still return: RocksDB 7.8 lets
// the queued flush consume the manual request, leaving the newer memtables (fewer than 4) with
// no flush scheduled, and a waiting Flush() then hung (see Storage::Flush). A hang fails the
// test after a deadline far beyond any flush on a slow machine.
TEST_F(StorageTest, FlushReturnsWithFourMemtablesMergedPerFlush) {
  Reopen(8, /*key_cache=*/0, MemtablesPerFlush(8, false));
  ASSERT_EQ(db_->memtables_per_flush(), 4);
  for (int iter = 0; iter < 30; iter++) {
    int memtables = 4 + iter % 4;  // 4-7 memtables' worth: one automatic flush, then the rest
    for (int i = 0; i < memtables * 1000; i++) {
      Put("k" + std::to_string(iter) + "-" + std::to_string(i), std::string(1000, 'v'));
    }
    auto flushed = std::async(std::launch::async, [this] { return db_->Flush(); });
    if (flushed.wait_for(std::chrono::minutes(2)) != std::future_status::ready) {
      std::fprintf(stderr, "Storage::Flush did not return within 2 minutes (iteration %d)\n", iter);
      std::abort();  // the flushing thread cannot be joined
    }
    Status s = flushed.get();
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(db_->ImmutableMemtables(ColumnFamily::kMetadata), 0u) << "iteration " << iter;
  }
  std::string raw;
  ASSERT_TRUE(db_->Get(ColumnFamily::kMetadata, EncodeMetaKey("ns", "k29-0"), &raw).ok());
}

}  // namespace
}  // namespace mnemo
