// Fragmented strings: the layout (which records exist), sparse values, and a seeded random mix
// of the string and bitmap writes over values around the fragment size compared byte for byte
// with a plain std::string model, with the namespace counters equal to a full scan throughout.
#include "types/string_fragments.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <random>

#include "types/bitmap_type.h"
#include "types/string_type.h"

namespace mnemo {
namespace {

constexpr uint64_t kF = kStringFragmentSize;

class StringFragmentsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("mnemo-fragments-test-" + std::to_string(getpid()));
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
  Metadata Meta(std::string_view key) {
    Database db(storage_.get(), "ns");
    auto rec = db.GetRecord(key);
    EXPECT_TRUE(rec.ok());
    meta_raw_ = rec->raw;
    return *DecodeMetadata(meta_raw_);
  }
  // The stored fragments of `key` (index -> bytes), committed state.
  std::map<uint64_t, std::string> Fragments(std::string_view key) {
    Metadata m = Meta(key);
    std::map<uint64_t, std::string> out;
    if (!m.fragmented) return out;
    auto it =
        storage_->NewIterator(ColumnFamily::kSubkeys, EncodeSubkeyPrefix("ns", key, m.version));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      EXPECT_EQ(it->suffix().size(), 4u);
      out[DecodeFixed32BE(it->suffix().data())] = std::string(it->value());
    }
    return out;
  }
  std::string Get(std::string_view key) {
    Database db(storage_.get(), "ns");
    StringType strings(&db, 1 << 30);
    std::string v;
    Status s = strings.Get(key, &v);
    EXPECT_TRUE(s.ok() || s.IsNotFound()) << s.ToString();
    return v;
  }
  void ExpectCountersExact(const char* when) {
    Database db(storage_.get(), "ns");
    auto kept = storage_->Counters("ns");
    auto scanned = db.ScanCounters();
    ASSERT_TRUE(kept.ok() && scanned.ok());
    EXPECT_EQ(kept->keys, scanned->keys) << when;
    EXPECT_EQ(kept->bytes, scanned->bytes) << when;
  }

  std::filesystem::path dir_;
  std::unique_ptr<Storage> storage_;
  std::string meta_raw_;
};

TEST_F(StringFragmentsTest, SmallValuesStayOneRecordLargeOnesAreFragments) {
  Database db(storage_.get(), "ns");
  StringType strings(&db, 1 << 30);
  ASSERT_TRUE(strings.Set("small", std::string(kF, 'a'), {}).ok());
  EXPECT_FALSE(Meta("small").fragmented);
  EXPECT_EQ(Meta("small").payload.size(), kF);
  // Written whole, a value up to kStringInlineWholeMax is one record too.
  std::string medium(kStringInlineWholeMax, 'm');
  ASSERT_TRUE(strings.Set("medium", medium, {}).ok());
  EXPECT_FALSE(Meta("medium").fragmented);
  EXPECT_EQ(Meta("medium").payload, medium);
  EXPECT_TRUE(Fragments("medium").empty());
  // A partial write to it fragments it first, so the writes after it rewrite one fragment.
  ASSERT_EQ(*strings.SetRange("medium", 5, "Z"), static_cast<int64_t>(medium.size()));
  medium[5] = 'Z';
  EXPECT_TRUE(Meta("medium").fragmented);
  EXPECT_EQ(Fragments("medium").size(), kStringInlineWholeMax / kF);
  EXPECT_EQ(Get("medium"), medium);
  std::string big(kStringInlineWholeMax + kF + 10, 'b');
  big.replace(kF, kF, std::string(kF, '\0'));  // an all-zero fragment is not stored
  ASSERT_TRUE(strings.Set("big", big, {}).ok());
  Metadata m = Meta("big");
  EXPECT_TRUE(m.fragmented);
  EXPECT_EQ(m.type, DataType::kString);
  EXPECT_EQ(m.size, big.size());
  EXPECT_EQ(m.bytes, big.size());
  auto frags = Fragments("big");
  const uint64_t last = big.size() / kF;
  ASSERT_EQ(frags.size(), last);  // fragments 0..last, less the zero one
  EXPECT_EQ(frags.count(1), 0u);
  EXPECT_EQ(frags[last], std::string(10, 'b'));  // the last one only to the length
  EXPECT_EQ(Get("big"), big);
  EXPECT_EQ(*strings.StrLen("big"), static_cast<int64_t>(big.size()));
  EXPECT_EQ(*strings.GetRange("big", kF - 2, kF + 1), std::string("bb\0\0", 4));
  EXPECT_EQ(*db.Type("big"), DataType::kString);
  ExpectCountersExact("after the SETs");
}

TEST_F(StringFragmentsTest, ASetBitAtTheHighestOffsetStoresOneFragment) {
  Database db(storage_.get(), "ns");
  StringType strings(&db, 1 << 30);
  BitmapType bitmaps(strings, &db);
  const uint64_t top = (uint64_t{512} << 23) - 1;  // 4294967295, the last bit of 512 MB
  ASSERT_EQ(*bitmaps.SetBit("bm", top, 1), 0);
  Metadata m = Meta("bm");
  EXPECT_TRUE(m.fragmented);
  EXPECT_EQ(m.size, uint64_t{512} << 20);
  auto frags = Fragments("bm");
  ASSERT_EQ(frags.size(), 1u);
  EXPECT_EQ(frags.begin()->first, (m.size - 1) / kF);
  EXPECT_EQ(frags.begin()->second.size(), kF);
  EXPECT_EQ(*bitmaps.GetBit("bm", top), 1);
  EXPECT_EQ(*bitmaps.GetBit("bm", 12345), 0);
  auto v = StringValue::Load(&db, "bm", StringValue::Mode::kRead);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*BitmapType::Count(*v, bitmap::WholeRange(static_cast<int64_t>(m.size))), 1);
  EXPECT_EQ(*BitmapType::Pos(*v, 1, bitmap::WholeRange(static_cast<int64_t>(m.size)), false),
            static_cast<int64_t>(top));
  // Pieces: one run of zeros, then the stored fragment.
  int zero_runs = 0, data_pieces = 0;
  ASSERT_TRUE(v->Scan(0, m.size, [&](uint64_t, uint64_t, const char* data) {
                 (data ? data_pieces : zero_runs)++;
                 return true;
               }).ok());
  EXPECT_EQ(zero_runs, 1);
  EXPECT_EQ(data_pieces, 1);
  // Reads create nothing: BITFIELD with GETs only on a missing key leaves it missing.
  BitmapType::FieldOp get;
  get.type = {false, 8};
  get.offset = top - 7;
  ASSERT_EQ((*bitmaps.BitField("missing", {get}))[0], 0);
  EXPECT_EQ(*db.Type("missing"), DataType::kNone);
  get.offset = top - 7;
  EXPECT_EQ((*bitmaps.BitField("bm", {get}))[0], 1);
  // Clearing the bit leaves an all-zero fragment, which is deleted; the length stays.
  ASSERT_EQ(*bitmaps.SetBit("bm", top, 0), 1);
  EXPECT_TRUE(Fragments("bm").empty());
  EXPECT_EQ(*strings.StrLen("bm"), int64_t{512} << 20);
  ExpectCountersExact("after the SETBITs");
}

// ReadWhole (GET's point reads of the fragments) gives what Load and ReadAll give: zeros for
// fragments not stored and past a short last fragment, the inline bytes of a short value,
// nothing for a missing key; it leaves longer values and a context with writes to Load.
TEST_F(StringFragmentsTest, ReadWholeAgreesWithLoadingAndReading) {
  Database db(storage_.get(), "ns");
  StringType strings(&db, 1 << 30);
  auto whole_of = [&](std::string_view key) {
    auto w = StringValue::ReadWhole(&db, key);
    EXPECT_TRUE(w.ok()) << w.status().ToString();
    return w.ok() ? *w : std::nullopt;
  };
  auto loaded = [&](std::string_view key) {
    auto v = StringValue::Load(&db, key, StringValue::Mode::kRead);
    EXPECT_TRUE(v.ok());
    return *v->ReadAll();
  };
  ASSERT_TRUE(strings.SetRange("sparse", 5 * kF + 100, "tail").ok());  // fragment 5 only
  ASSERT_TRUE(strings.SetRange("sparse", 7, "head").ok());             // and fragment 0
  EXPECT_EQ(Fragments("sparse").size(), 2u);
  std::string want(5 * kF + 104, '\0');
  want.replace(7, 4, "head");
  want.replace(5 * kF + 100, 4, "tail");
  EXPECT_EQ(whole_of("sparse"), want);
  EXPECT_EQ(loaded("sparse"), want);
  std::string mixed;
  for (uint64_t i = 0; i < kStringInlineWholeMax + 3 * kF + 17; i++) {
    mixed.push_back(static_cast<char>('a' + i % 26));
  }
  ASSERT_TRUE(strings.Set("mixed", mixed, {}).ok());
  EXPECT_EQ(whole_of("mixed"), mixed);
  ASSERT_TRUE(strings.Set("short", "abc", {}).ok());
  EXPECT_EQ(whole_of("short"), "abc");
  EXPECT_EQ(whole_of("missing"), std::nullopt);

  const uint64_t longest = StringValue::kPointReadFragments * kF;
  ASSERT_TRUE(strings.SetRange("long", longest - 1, "x").ok());
  EXPECT_EQ(whole_of("long")->size(), longest);
  ASSERT_TRUE(strings.SetRange("long", longest, "y").ok());
  EXPECT_TRUE(StringValue::ReadWhole(&db, "long").status().IsNotSupported());
  std::string v;
  ASSERT_TRUE(strings.Get("long", &v).ok());
  EXPECT_EQ(v.size(), longest + 1);
  EXPECT_EQ(v.substr(longest - 1), "xy");

  WriteContext ctx(storage_.get());
  Database in_ctx(storage_.get(), "ns", &ctx);
  StringType ctx_strings(&in_ctx, 1 << 30);
  ASSERT_TRUE(ctx_strings.SetRange("mixed", kF + 1, "ZZ").ok());
  EXPECT_TRUE(StringValue::ReadWhole(&in_ctx, "mixed").status().IsNotSupported());
  ASSERT_TRUE(ctx_strings.Get("mixed", &v).ok());  // its own write, through Load
  EXPECT_EQ(v, mixed.substr(0, kF + 1) + "ZZ" + mixed.substr(kF + 3));
  ctx.Abandon();
}

TEST_F(StringFragmentsTest, WritesTouchOnlyTheFragmentsTheyChange) {
  Database db(storage_.get(), "ns");
  StringType strings(&db, 1 << 30);
  std::string big(8 * kF, 'x');
  ASSERT_TRUE(strings.Set("k", big, {}).ok());
  uint64_t version = Meta("k").version;
  // SETRANGE across the edge of fragments 2 and 3: only those two change (same version).
  ASSERT_EQ(*strings.SetRange("k", 3 * kF - 1, "AB"), static_cast<int64_t>(big.size()));
  big.replace(3 * kF - 1, 2, "AB");
  EXPECT_EQ(Meta("k").version, version);
  auto frags = Fragments("k");
  EXPECT_EQ(frags[2].back(), 'A');
  EXPECT_EQ(frags[3].front(), 'B');
  // APPEND writes into the last fragment and the next.
  ASSERT_EQ(*strings.Append("k", std::string(kF, 'y')), static_cast<int64_t>(9 * kF));
  big += std::string(kF, 'y');
  EXPECT_EQ(Fragments("k").size(), 9u);
  EXPECT_EQ(Get("k"), big);
  // An inline value that grows past the threshold becomes fragmented.
  ASSERT_TRUE(strings.Set("s", "abc", {}).ok());
  ASSERT_EQ(*strings.SetRange("s", 2 * kF, "z"), static_cast<int64_t>(2 * kF + 1));
  EXPECT_TRUE(Meta("s").fragmented);
  EXPECT_EQ(Fragments("s").size(), 2u);  // fragment 1 is all zeros
  std::string s = "abc" + std::string(2 * kF - 3, '\0') + "z";
  EXPECT_EQ(Get("s"), s);
  // A SET over it is inline again under no version; RENAME and COPY carry the fragments.
  ASSERT_TRUE(db.Rename("k", "k2", false).ok());
  EXPECT_EQ(Get("k2"), big);
  ASSERT_TRUE(*db.Copy("k2", "k3", false));
  EXPECT_EQ(Get("k3"), big);
  EXPECT_NE(Meta("k3").version, Meta("k2").version);
  ASSERT_TRUE(strings.Set("k2", "small", {}).ok());
  EXPECT_FALSE(Meta("k2").fragmented);
  EXPECT_EQ(Get("k2"), "small");
  ExpectCountersExact("after the writes");
}

TEST_F(StringFragmentsTest, CompactionDropsTheFragmentsOfDeletedAndOverwrittenValues) {
  Database db(storage_.get(), "ns");
  StringType strings(&db, 1 << 30);
  ASSERT_TRUE(strings.Set("a", std::string(10 * kF, 'a'), {}).ok());
  ASSERT_TRUE(strings.Set("b", std::string(10 * kF, 'b'), {}).ok());
  ASSERT_TRUE(strings.Set("c", std::string(10 * kF, 'c'), {}).ok());
  ASSERT_EQ(*db.Delete({"a"}), 1);
  ASSERT_TRUE(strings.Set("b", "now small", {}).ok());
  ASSERT_TRUE(storage_->CompactAll().ok());
  auto it = storage_->NewIterator(ColumnFamily::kSubkeys, NamespacePrefix("ns"));
  size_t left = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) left++;
  EXPECT_EQ(left, 10u);  // c's
  EXPECT_EQ(Get("c"), std::string(10 * kF, 'c'));
}

// A seeded random mix of writes at offsets around fragment edges, each key compared with a
// model string after every step, the counters with a full scan now and then, and after reopen.
TEST_F(StringFragmentsTest, RandomWritesAgreeWithAPlainStringModel) {
  std::mt19937_64 rng(20261202);
  std::map<std::string, std::string> model;
  auto offset = [&] {
    uint64_t edge = (rng() % 6) * kF;
    return edge + rng() % 9 - std::min<uint64_t>(edge, 4);
  };
  for (int step = 0; step < 1500; step++) {
    Database db(storage_.get(), "ns");
    StringType strings(&db, 1 << 30);
    BitmapType bitmaps(strings, &db);
    std::string k = "k" + std::to_string(rng() % 4);
    std::string& m = model[k];
    switch (rng() % 6) {
      case 0: {
        std::string v(rng() % (2 * kF), static_cast<char>('a' + rng() % 26));
        ASSERT_TRUE(strings.Set(k, v, {}).ok());
        m = v;
        break;
      }
      case 1: {
        uint64_t at = offset();
        std::string v(1 + rng() % 10, static_cast<char>('A' + rng() % 26));
        ASSERT_TRUE(strings.SetRange(k, static_cast<int64_t>(at), v).ok());
        if (m.size() < at + v.size()) m.resize(at + v.size(), '\0');
        m.replace(at, v.size(), v);
        break;
      }
      case 2: {
        std::string v(rng() % 300, 'p');
        ASSERT_TRUE(strings.Append(k, v).ok());
        m += v;
        break;
      }
      case 3: {
        uint64_t bit = offset() * 8 + rng() % 8;
        int value = static_cast<int>(rng() % 2);
        auto old = bitmaps.SetBit(k, bit, value);
        ASSERT_TRUE(old.ok());
        EXPECT_EQ(*old, bitmap::SetBit(&m, bit, value)) << k << " " << bit;
        break;
      }
      case 4: {
        BitmapType::FieldOp op;
        op.kind = BitmapType::FieldOp::Kind::kIncrBy;
        op.type = {true, 1 + static_cast<int>(rng() % 64)};
        op.offset = offset() * 8 + rng() % 8;
        op.value = static_cast<int64_t>(rng() % 1000);
        auto r = bitmaps.BitField(k, {op});
        ASSERT_TRUE(r.ok());
        uint64_t need = ((op.offset + op.type.bits - 1) >> 3) + 1;
        if (m.size() < need) m.resize(need, '\0');
        int64_t next = *bitmap::Add(op.type, bitmap::GetFieldValue(m, op.offset, op.type), op.value,
                                    op.overflow);
        bitmap::SetField(&m, op.offset, op.type.bits, static_cast<uint64_t>(next));
        EXPECT_EQ((*r)[0], next);
        break;
      }
      case 5: {
        int64_t a = static_cast<int64_t>(offset()) - 3, b = static_cast<int64_t>(offset());
        auto r = strings.GetRange(k, a, b);
        ASSERT_TRUE(r.ok());
        int64_t len = static_cast<int64_t>(m.size());
        int64_t s = a < 0 ? std::max<int64_t>(len + a, 0) : a;
        int64_t e = std::min(b, len - 1);
        EXPECT_EQ(*r, len == 0 || s > e ? "" : m.substr(s, e - s + 1));
        auto v = StringValue::Load(&db, k, StringValue::Mode::kRead);
        ASSERT_TRUE(v.ok());
        auto whole = bitmap::WholeRange(len);
        EXPECT_EQ(*BitmapType::Count(*v, whole), bitmap::Count(m, whole));
        for (int bit : {0, 1}) {
          EXPECT_EQ(*BitmapType::Pos(*v, bit, whole, false), bitmap::Pos(m, bit, whole, false));
        }
        break;
      }
    }
    if (m.empty() && Get(k).empty()) continue;
    ASSERT_EQ(Get(k), m) << "step " << step << " key " << k;
    if (step % 300 == 0) ExpectCountersExact("during the writes");
  }
  ExpectCountersExact("after the writes");
  Open();
  ExpectCountersExact("after reopening");
  for (const auto& [k, m] : model) EXPECT_EQ(Get(k), m) << k;
}

}  // namespace
}  // namespace mnemo
