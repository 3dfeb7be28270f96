#include "types/set_type.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include "common/string_util.h"
#include "types/set_sampling.h"

namespace mnemo {
namespace {

TEST(SetSampling, DistinctIndicesAreDistinctSortedAndInRange) {
  SampleRng rng(7);
  for (uint64_t n : {1u, 2u, 10u, 1000u}) {
    for (uint64_t k : {uint64_t{0}, uint64_t{1}, n / 2, n}) {
      auto v = DistinctIndices(n, k, rng);
      ASSERT_EQ(v.size(), k);
      EXPECT_TRUE(std::is_sorted(v.begin(), v.end()));
      EXPECT_EQ(std::set<uint64_t>(v.begin(), v.end()).size(), k);
      for (uint64_t x : v) EXPECT_LT(x, n);
    }
  }
}

TEST(SetSampling, DistinctIndicesAreUniform) {
  // 3 of 10, 30000 times: each index is taken 9000 times on average; a chi-square with 9
  // degrees of freedom above 40 has a probability under 1e-5.
  SampleRng rng(11);
  std::vector<int> hits(10);
  for (int i = 0; i < 30000; i++) {
    for (uint64_t x : DistinctIndices(10, 3, rng)) hits[x]++;
  }
  double chi = 0;
  for (int h : hits) chi += (h - 9000.0) * (h - 9000.0) / 9000.0;
  EXPECT_LT(chi, 40) << "chi-square " << chi;
}

TEST(SetSampling, SeekTargetStaysBetweenFixedWidthBounds) {
  SampleRng rng(3);
  std::map<char, int> first_digit;
  for (int i = 0; i < 5000; i++) {
    std::string t = SeekTarget("element:000000000000", "element:000000099999", rng);
    ASSERT_EQ(t.size(), 20u);
    ASSERT_EQ(t.substr(0, 15), "element:0000000");
    for (char c : t.substr(15)) ASSERT_TRUE(c >= '0' && c <= '9') << t;
    first_digit[t[15]]++;
  }
  EXPECT_EQ(first_digit.size(), 10u);  // every leading digit comes up
  for (auto& [d, n] : first_digit) EXPECT_GT(n, 350) << d;
}

TEST(SetSampling, SeekTargetOfUnequalLengths) {
  SampleRng rng(5);
  for (int i = 0; i < 100; i++) {
    std::string t = SeekTarget("a", "abc", rng);
    EXPECT_EQ(t.size(), 3u);
    EXPECT_EQ(t[0], 'a');
  }
  EXPECT_EQ(SeekTarget("same", "same", rng), "same");
}

TEST(SetSampling, ProbeSpaceSpansTheBytesSeenAtEachPosition) {
  ProbeSpace p = ProbeSpace::Learn({"a1x", "b3x", "a2x"});
  EXPECT_EQ(p.lo, "a1x");
  EXPECT_EQ(p.hi, "b3x");
  EXPECT_EQ(p.Size(), 6);
  SampleRng rng(9);
  std::set<std::string> drawn;
  for (int i = 0; i < 600; i++) drawn.insert(p.Draw(rng));
  EXPECT_EQ(drawn, (std::set<std::string>{"a1x", "a2x", "a3x", "b1x", "b2x", "b3x"}));
  EXPECT_EQ(ProbeSpace::Learn({"ab", "abc"}).Size(), 0);  // lengths differ: no space
  EXPECT_EQ(ProbeSpace::Learn({""}).Size(), 0);
  EXPECT_EQ(ProbeSpace::Learn({}).Size(), 0);
}

class SetTypeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("mnemo-set-test-" + std::to_string(getpid()) + "-" +
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
  std::set<std::string> Members(std::string_view key) {
    Database db(storage_.get(), "ns");
    std::set<std::string> out;
    Status s = SetType(&db).Members(key, [&](std::string_view m) {
      out.emplace(m);
      return true;
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }
  // The metadata's size and bytes must equal what the member records say.
  void ExpectExactMeta(std::string_view key) {
    Database db(storage_.get(), "ns");
    auto rec = db.GetRecord(key);
    ASSERT_TRUE(rec.ok()) << rec.status().ToString();
    uint64_t bytes = 0;
    auto members = Members(key);
    for (auto& m : members) bytes += m.size();
    EXPECT_EQ(rec->meta.size, members.size());
    EXPECT_EQ(rec->meta.bytes, bytes);
  }
  std::filesystem::path dir_;
  std::unique_ptr<Storage> storage_;
};

TEST_F(SetTypeTest, AddRemoveKeepMetadataExact) {
  Database db(storage_.get(), "ns");
  SetType sets(&db);
  EXPECT_EQ(*sets.Add("s", {"a", "bb", "a", ""}), 3);
  EXPECT_EQ(*sets.Add("s", {"bb", "ccc"}), 1);
  ExpectExactMeta("s");
  EXPECT_EQ(Members("s"), (std::set<std::string>{"", "a", "bb", "ccc"}));
  EXPECT_EQ(*sets.Remove("s", {"a", "a", "zz"}), 1);
  ExpectExactMeta("s");
  EXPECT_EQ(*sets.Card("s"), 3);
  EXPECT_EQ(*sets.Remove("s", {"", "bb", "ccc"}), 3);
  EXPECT_TRUE(db.GetRecord("s").status().IsNotFound());  // no empty set is kept
  EXPECT_EQ(*sets.Card("s"), 0);
}

TEST_F(SetTypeTest, WrongTypeWritesNothing) {
  Database db(storage_.get(), "ns");
  db.Lock("str");
  db.PutRecord("str", EncodeStringValue("v", 0));
  ASSERT_TRUE(db.Finish().ok());
  SetType sets(&db);
  EXPECT_EQ(sets.Add("str", {"a"}).status().code(), Status::Code::kWrongType);
  EXPECT_EQ(sets.Pop("str", 1).status().code(), Status::Code::kWrongType);
  EXPECT_EQ(sets.Store(SetOp::kUnion, "d", {"x", "str"}).status().code(), Status::Code::kWrongType);
  EXPECT_TRUE(db.GetRecord("d").status().IsNotFound());
  EXPECT_EQ(*db.Size(), 1);
}

TEST_F(SetTypeTest, PopTakesDistinctMembersSmallAndLarge) {
  for (int n : {40, 3000}) {
    Database db(storage_.get(), "ns");
    SetType sets(&db);
    std::vector<std::string> all;
    for (int i = 0; i < n; i++) all.push_back("m" + std::to_string(i));
    std::vector<std::string_view> views(all.begin(), all.end());
    std::string key = "p" + std::to_string(n);
    ASSERT_EQ(*sets.Add(key, views), n);
    std::set<std::string> popped;
    for (int round = 0; round < 5; round++) {
      auto got = sets.Pop(key, 7);
      ASSERT_TRUE(got.ok());
      ASSERT_EQ(got->size(), 7u) << "n=" << n << " round " << round;
      for (auto& m : *got) EXPECT_TRUE(popped.insert(m).second) << m;
    }
    ExpectExactMeta(key);
    EXPECT_EQ(*sets.Card(key), n - 35);
    for (auto& m : popped) EXPECT_FALSE(*sets.IsMember(key, m));
    auto rest = sets.Pop(key, UINT64_MAX);
    ASSERT_TRUE(rest.ok());
    EXPECT_EQ(rest->size(), static_cast<size_t>(n - 35));
    EXPECT_TRUE(db.GetRecord(key).status().IsNotFound());
  }
}

TEST_F(SetTypeTest, RandMembersOfALargeSetReachEveryPart) {
  // Above kExactSampleMax picks come from random seeks: with fixed-width members every tenth of
  // the set must come up in 2000 draws.
  Database db(storage_.get(), "ns");
  SetType sets(&db);
  std::vector<std::string> all;
  for (int i = 0; i < 5000; i++) {
    char buf[16];
    snprintf(buf, sizeof buf, "e%06d", i);
    all.push_back(buf);
  }
  ASSERT_EQ(*sets.Add("big", std::vector<std::string_view>(all.begin(), all.end())), 5000);
  std::vector<int> tenths(10);
  ASSERT_TRUE(sets.RandMembers("big", -2000,
                               [&](std::string_view m) {
                                 tenths[std::stoi(std::string(m.substr(1))) / 500]++;
                                 return true;
                               })
                  .ok());
  for (int t : tenths) EXPECT_GT(t, 100);
  size_t distinct = 0;
  std::set<std::string> seen;
  ASSERT_TRUE(sets.RandMembers("big", 100,
                               [&](std::string_view m) {
                                 distinct++;
                                 seen.emplace(m);
                                 return true;
                               })
                  .ok());
  EXPECT_EQ(distinct, 100u);
  EXPECT_EQ(seen.size(), 100u);
}

TEST_F(SetTypeTest, CombineAndStore) {
  Database db(storage_.get(), "ns");
  SetType sets(&db);
  ASSERT_TRUE(sets.Add("a", {"x", "y", "z"}).ok());
  ASSERT_TRUE(sets.Add("b", {"y", "z", "w"}).ok());
  auto collect = [&](SetOp op, std::vector<std::string_view> keys) {
    std::vector<std::string> out;
    EXPECT_TRUE(sets.Combine(op, keys,
                             [&](std::string_view m) {
                               out.emplace_back(m);
                               return true;
                             })
                    .ok());
    return out;
  };
  EXPECT_EQ(collect(SetOp::kUnion, {"a", "b", "none"}),
            (std::vector<std::string>{"w", "x", "y", "z"}));
  EXPECT_EQ(collect(SetOp::kInter, {"a", "b"}), (std::vector<std::string>{"y", "z"}));
  EXPECT_TRUE(collect(SetOp::kInter, {"a", "none"}).empty());
  EXPECT_EQ(collect(SetOp::kDiff, {"a", "b"}), (std::vector<std::string>{"x"}));
  EXPECT_TRUE(collect(SetOp::kDiff, {"a", "a"}).empty());
  EXPECT_EQ(*sets.InterCard({"a", "b"}, 1), 1);
  EXPECT_EQ(*sets.InterCard({"a", "b"}, 0), 2);
  // dst among the sources: the result is computed first, then stored under a new version.
  EXPECT_EQ(*sets.Store(SetOp::kUnion, "a", {"a", "b"}), 4);
  ExpectExactMeta("a");
  EXPECT_EQ(*sets.Store(SetOp::kInter, "a", {"a", "none"}), 0);
  EXPECT_TRUE(db.GetRecord("a").status().IsNotFound());
}

TEST_F(SetTypeTest, ScanVisitsEveryMemberOnceEmptyMemberIncluded) {
  Database db(storage_.get(), "ns");
  SetType sets(&db);
  ASSERT_TRUE(sets.Add("s", {"", "a", "b", "c", "d"}).ok());
  std::vector<std::string> seen;
  std::optional<std::string> after;
  for (int steps = 0; steps < 10; steps++) {
    auto r = sets.Scan("s", after ? &*after : nullptr, "", 1);
    ASSERT_TRUE(r.ok());
    seen.insert(seen.end(), r->members.begin(), r->members.end());
    if (!r->more) break;
    after = r->last;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"", "a", "b", "c", "d"}));
}

// SREM / SPOP / SMOVE count the members they delete in the metadata tail, and a small set whose
// count reached its size is rewritten under a new version with the same members, expiry and
// figures; a set above kRepackMax is left as it is.
TEST_F(SetTypeTest, RemovalsAreCountedAndASmallSetIsRepacked) {
  Database db(storage_.get(), "ns");
  SetType sets(&db);
  // The whole record: its metadata's payload is a view into the record's bytes.
  auto meta = [&](std::string_view key) {
    auto rec = db.GetRecord(key);
    EXPECT_TRUE(rec.ok());
    return rec.ok() ? std::move(*rec) : KeyRecord{};
  };
  auto add = [&](std::string_view key, int n, std::set<std::string>* model) {
    std::vector<std::string> all;
    for (int i = 0; i < n; i++) {
      char buf[16];
      snprintf(buf, sizeof buf, "m%05d", i);
      all.push_back(buf);
      model->insert(buf);
    }
    ASSERT_EQ(*sets.Add(key, std::vector<std::string_view>(all.begin(), all.end())), n);
  };
  std::set<std::string> model;
  add("s", 300, &model);
  EXPECT_TRUE(meta("s").meta.payload.empty());  // no removals: the record as before the count
  ASSERT_TRUE(*db.Expire("s", NowMs() + 3600 * 1000, 0));
  const int64_t expire_ms = meta("s").meta.expire_ms;
  const uint64_t version = meta("s").meta.version;
  ASSERT_EQ(*sets.Remove("s", {"m00000", "m00001", "nosuch"}), 2);
  model.erase("m00000");
  model.erase("m00001");
  ASSERT_TRUE(*sets.Move("s", "other", "m00002"));
  model.erase("m00002");
  EXPECT_EQ(DecodeSetTail(meta("s").meta.payload), 3u);
  EXPECT_EQ(DecodeSetTail(meta("other").meta.payload), 0u);
  // Removed k, size 300 - k: the pop that makes k = 150 repacks.
  for (uint64_t k = 4; k < 150; k++) {
    auto got = sets.Pop("s", 1);
    ASSERT_TRUE(got.ok());
    ASSERT_EQ(got->size(), 1u);
    ASSERT_EQ(model.erase((*got)[0]), 1u);
    ASSERT_EQ(meta("s").meta.version, version) << k;
    ASSERT_EQ(DecodeSetTail(meta("s").meta.payload), k);
  }
  auto got = sets.Pop("s", 1);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 1u);
  ASSERT_EQ(model.erase((*got)[0]), 1u);
  KeyRecord rec = meta("s");
  const Metadata& m = rec.meta;
  EXPECT_GT(m.version, version);
  EXPECT_TRUE(m.payload.empty());
  EXPECT_EQ(m.expire_ms, expire_ms);
  EXPECT_EQ(Members("s"), model);
  ExpectExactMeta("s");
  for (const std::string& member : model) ASSERT_TRUE(*sets.IsMember("s", member));

  // Above kRepackMax, removals reaching the size leave the set under its version.
  std::set<std::string> big;
  add("big", 2 * static_cast<int>(SetType::kRepackMax) + 200, &big);
  const uint64_t big_version = meta("big").meta.version;
  auto half = sets.Pop("big", SetType::kRepackMax + 100);
  ASSERT_TRUE(half.ok());
  EXPECT_EQ(meta("big").meta.version, big_version);
  EXPECT_EQ(DecodeSetTail(meta("big").meta.payload), SetType::kRepackMax + 100);
  auto more = sets.Pop("big", 200);  // now kRepackMax - 100 members, removed above that
  ASSERT_TRUE(more.ok());
  for (auto& popped : {*half, *more}) {
    for (auto& member : popped) ASSERT_EQ(big.erase(member), 1u);
  }
  EXPECT_GT(meta("big").meta.version, big_version);
  EXPECT_EQ(DecodeSetTail(meta("big").meta.payload), 0u);
  EXPECT_EQ(Members("big"), big);
  ExpectExactMeta("big");
}

// A fixed-width set half of whose id range is missing: a random seek lands on the member after
// the gap half of the time, point reads of the probe space hit every member alike. So the
// member after the gap comes up rarely (seeks alone: about half the draws), and the rest evenly.
TEST_F(SetTypeTest, ProbedPicksAreUniformOverAFixedWidthSet) {
  Database db(storage_.get(), "ns");
  SetType sets(&db);
  std::vector<std::string> all;
  auto id = [](int i) {
    char buf[16];
    snprintf(buf, sizeof buf, "e%06d", i);
    return std::string(buf);
  };
  for (int i = 0; i < 2500; i++) all.push_back(id(i));
  for (int i = 7500; i < 10000; i++) all.push_back(id(i));
  ASSERT_EQ(*sets.Add("gap", std::vector<std::string_view>(all.begin(), all.end())), 5000);
  // Fewer draws per call than members, or they would come from one read of the whole set.
  constexpr int kDraws = 20000, kPerCall = 4000;
  std::map<std::string, int> counts;
  for (int call = 0; call < kDraws / kPerCall; call++) {
    ASSERT_TRUE(sets.RandMembers("gap", -kPerCall,
                                 [&](std::string_view m) {
                                   counts[std::string(m)]++;
                                   return true;
                                 })
                    .ok());
  }
  const int after_gap = counts[id(7500)];
  // Probes hit with probability 1/2 (5000 members of 10000 strings), so 8 miss 1/256 of the
  // time and a seek follows: about 20000 / 256 / 2 = 40 draws of the member after the gap.
  EXPECT_LT(after_gap, 1500);
  std::vector<int> tenths(10);
  for (auto& [m, c] : counts) {
    if (m == id(7500)) continue;
    int i = std::stoi(m.substr(1));
    tenths[(i < 2500 ? i : i - 5000) / 500] += c;
  }
  const double expected = (kDraws - after_gap) / 10.0;
  for (int t : tenths) {
    EXPECT_GT(t, expected * 0.85);
    EXPECT_LT(t, expected * 1.15);
  }
  // Distinct picks probe too: SPOP of a count takes distinct members.
  std::set<std::string> popped;
  for (int round = 0; round < 5; round++) {
    auto got = sets.Pop("gap", 7);
    ASSERT_TRUE(got.ok());
    ASSERT_EQ(got->size(), 7u);
    for (auto& m : *got) EXPECT_TRUE(popped.insert(m).second) << m;
  }
  EXPECT_EQ(*sets.Card("gap"), 5000 - 35);
  for (auto& m : popped) EXPECT_FALSE(*sets.IsMember("gap", m));
  ExpectExactMeta("gap");
}

}  // namespace
}  // namespace mnemo
