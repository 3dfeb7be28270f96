#include "types/zset_type.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <random>

namespace mnemo {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(SortableScore, ByteOrderIsNumericOrder) {
  std::vector<double> v = {-kInf,
                           -1e300,
                           -2.5,
                           -1,
                           -std::numeric_limits<double>::denorm_min(),
                           0,
                           std::numeric_limits<double>::denorm_min(),
                           1e-300,
                           1,
                           1.5,
                           3,
                           1e300,
                           std::numeric_limits<double>::max(),
                           kInf};
  for (size_t i = 0; i + 1 < v.size(); i++) {
    EXPECT_LT(EncodeSortableScore(v[i]), EncodeSortableScore(v[i + 1])) << v[i] << " " << v[i + 1];
  }
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> d(-1e6, 1e6);
  for (int i = 0; i < 2000; i++) {
    double a = d(rng), b = d(rng);
    EXPECT_EQ(a < b, EncodeSortableScore(a) < EncodeSortableScore(b));
    EXPECT_EQ(DecodeSortableScore(EncodeSortableScore(a)), a);
  }
}

TEST(SortableScore, NegativeZeroIsZero) {
  EXPECT_EQ(EncodeSortableScore(-0.0), EncodeSortableScore(0.0));
  EXPECT_FALSE(std::signbit(DecodeSortableScore(EncodeSortableScore(-0.0))));
  EXPECT_EQ(DecodeSortableScore(EncodeSortableScore(-kInf)), -kInf);
  EXPECT_EQ(DecodeSortableScore(EncodeSortableScore(kInf)), kInf);
}

TEST(ScoreValue, RoundTrips) {
  for (double x : {0.0, -1.5, 1e-310, kInf, -kInf}) {
    EXPECT_EQ(DecodeScoreValue(EncodeScoreValue(x)), x);
  }
  EXPECT_FALSE(DecodeScoreValue("short").has_value());
}

TEST(ScoreRange, ParsesRedisSyntax) {
  auto r = ParseScoreRange("(1.5", "+inf");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->min_ex);
  EXPECT_FALSE(r->max_ex);
  EXPECT_FALSE(r->Contains(1.5));
  EXPECT_TRUE(r->Contains(1e300));
  EXPECT_TRUE(ParseScoreRange("-inf", "(0")->Contains(-kInf));
  EXPECT_FALSE(ParseScoreRange("nan", "1").ok());
  EXPECT_FALSE(ParseScoreRange("1", "x").ok());
  EXPECT_FALSE(ParseScoreRange("((1", "2").ok());
  EXPECT_TRUE(ParseScoreRange("(1", "1")->Empty());
  EXPECT_FALSE(ParseScoreRange("1", "1")->Empty());
}

TEST(LexRange, ParsesRedisSyntax) {
  auto r = ParseLexRange("[b", "(d");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->AboveMin("a"));
  EXPECT_TRUE(r->AboveMin("b"));
  EXPECT_TRUE(r->BelowMax("c"));
  EXPECT_FALSE(r->BelowMax("d"));
  auto all = ParseLexRange("-", "+");
  EXPECT_TRUE(all->AboveMin("") && all->BelowMax("\xff\xff"));
  EXPECT_TRUE(ParseLexRange("+", "+")->Empty());
  EXPECT_TRUE(ParseLexRange("-", "-")->Empty());
  EXPECT_TRUE(ParseLexRange("(a", "[a")->Empty());
  EXPECT_FALSE(ParseLexRange("a", "[b").ok());
  EXPECT_FALSE(ParseLexRange("", "[b").ok());
  EXPECT_FALSE(ParseLexRange("[a", "++").ok());
}

// Random writes through ZSetType against a model: contents, score order, the metadata's size and
// bytes, and the namespace counters (which Storage derives from the metadata) stay exact.
class ZSetTypeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("mnemo-zset-test-" + std::to_string(getpid()) + "-" +
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
  std::filesystem::path dir_;
  std::unique_ptr<Storage> storage_;
};

TEST_F(ZSetTypeTest, RandomWritesKeepContentsAndCountersExact) {
  std::mt19937_64 rng(42);
  std::map<std::string, std::map<std::string, double>> model;
  const std::vector<std::string> keys = {"k1", "k2", "k3"};
  const std::vector<double> scores = {-kInf, -2, -0.0, 0, 0.5, 1, 3, kInf};
  for (int i = 0; i < 3000; i++) {
    Database db(storage_.get(), "ns");
    ZSetType z(&db);
    const std::string& key = keys[rng() % keys.size()];
    std::string member = "m" + std::to_string(rng() % 12);
    int op = static_cast<int>(rng() % 4);
    if (op <= 1) {
      double s = scores[rng() % scores.size()];
      ASSERT_TRUE(z.Add(key, {}, {{member, s}, {member + "x", s}}).ok());
      model[key][member] = s + 0.0;
      model[key][member + "x"] = s + 0.0;
    } else if (op == 2) {
      ASSERT_TRUE(z.Remove(key, {member, member}).ok());
      model[key].erase(member);
    } else {
      auto popped = z.Pop(key, 2, rng() % 2 == 0);
      ASSERT_TRUE(popped.ok());
      for (auto& e : *popped) model[key].erase(e.member);
    }
  }
  Database db(storage_.get(), "ns");
  ZSetType z(&db);
  int64_t keys_alive = 0, bytes = 0;
  for (auto& [key, members] : model) {
    auto all = z.ReadAll(key, false);
    ASSERT_TRUE(all.ok());
    std::vector<std::pair<double, std::string>> want;
    for (auto& [m, s] : members) want.emplace_back(s, m);
    std::sort(want.begin(), want.end());
    ASSERT_EQ(all->size(), want.size());
    for (size_t i = 0; i < want.size(); i++) {
      EXPECT_EQ((*all)[i].member, want[i].second);
      EXPECT_EQ((*all)[i].score, want[i].first);
    }
    if (members.empty()) {
      EXPECT_TRUE(db.GetRecord(key).status().IsNotFound());
      continue;
    }
    auto rec = db.GetRecordOfType(key, DataType::kZSet);
    ASSERT_TRUE(rec.ok());
    uint64_t member_bytes = 0;
    for (auto& [m, s] : members) member_bytes += m.size() + 8;
    EXPECT_EQ(rec->meta.size, members.size());
    EXPECT_EQ(rec->meta.bytes, member_bytes);
    keys_alive++;
    bytes += static_cast<int64_t>(key.size() + member_bytes);
  }
  auto counters = storage_->Counters("ns");
  ASSERT_TRUE(counters.ok());
  EXPECT_EQ(counters->keys, keys_alive);
  EXPECT_EQ(counters->bytes, bytes);
  auto scanned = db.ScanCounters();
  ASSERT_TRUE(scanned.ok());
  EXPECT_EQ(scanned->keys, keys_alive);
  EXPECT_EQ(scanned->bytes, bytes);
}

// Pops take from the end lists in the metadata (IndexBounds::lowest / highest) while they last:
// every write must keep them exactly the least / greatest entries, or a pop answers a wrong
// entry. Random writes of every kind against a model, each pop's reply checked, and the lists
// checked against the model after every command; some members are too long for the lists.
TEST_F(ZSetTypeTest, PopsAnswerTheEndEntriesWhateverWroteBefore) {
  std::mt19937_64 rng(11);
  std::map<std::string, double> model;
  auto sorted = [&] {
    std::vector<std::pair<std::string, std::string>> v;  // (index suffix, member)
    for (auto& [m, s] : model) v.emplace_back(EncodeSortableScore(s) + m, m);
    std::sort(v.begin(), v.end());
    return v;
  };
  int list_pops = 0, lists_seen = 0;
  for (int i = 0; i < 4000; i++) {
    Database db(storage_.get(), "ns");
    ZSetType z(&db);
    std::string member = "m" + std::to_string(rng() % 40);
    if (rng() % 10 == 0) member.append(70, 'L');  // longer than kEndEntryMaxSize
    double score = static_cast<double>(static_cast<int>(rng() % 21) - 10);
    int op = static_cast<int>(rng() % 7);
    if (op <= 1) {
      ASSERT_TRUE(z.Add("z", {}, {{member, score}}).ok());
      model[member] = score + 0.0;
    } else if (op == 2) {
      ZSetType::AddFlags incr;
      incr.incr = true;
      ASSERT_TRUE(z.Add("z", incr, {{member, score}}).ok());
      model[member] = (model.count(member) ? model[member] : 0) + score + 0.0;
    } else if (op == 3) {
      ASSERT_TRUE(z.Remove("z", {member}).ok());
      model.erase(member);
    } else if (op == 4 && rng() % 4 == 0) {
      ZRangeSpec spec;
      spec.by = ZRangeSpec::By::kScore;
      spec.score = {score, score + 2, false, false};
      ASSERT_TRUE(z.RemoveRange("z", spec).ok());
      std::erase_if(model, [&](auto& e) { return e.second >= score && e.second <= score + 2; });
    } else {
      bool max = rng() % 2 == 0;
      int64_t count = 1 + static_cast<int64_t>(rng() % 3);
      auto want = sorted();
      if (max) std::reverse(want.begin(), want.end());
      auto rec = db.GetRecord("z");
      size_t listed = rec.ok() ? (max ? DecodeIndexBounds(rec->meta.payload).highest.size()
                                      : DecodeIndexBounds(rec->meta.payload).lowest.size())
                               : 0;
      if (listed > static_cast<size_t>(count)) list_pops++;
      auto got = z.Pop("z", count, max);
      ASSERT_TRUE(got.ok());
      ASSERT_EQ(got->size(), std::min<size_t>(count, want.size())) << "step " << i;
      for (size_t j = 0; j < got->size(); j++) {
        EXPECT_EQ((*got)[j].member, want[j].second) << "step " << i << " max " << max;
        model.erase((*got)[j].member);
      }
    }
    auto rec = db.GetRecord("z");
    if (model.empty()) {
      ASSERT_TRUE(rec.status().IsNotFound());
      continue;
    }
    ASSERT_TRUE(rec.ok());
    IndexBounds b = DecodeIndexBounds(rec->meta.payload);
    auto want = sorted();
    ASSERT_TRUE(b.known);
    EXPECT_LE(b.low, want.front().first);
    EXPECT_GE(b.high, want.back().first);
    ASSERT_LE(b.lowest.size(), want.size());
    ASSERT_LE(b.highest.size(), want.size());
    for (size_t j = 0; j < b.lowest.size(); j++) {
      ASSERT_EQ(b.lowest[j], want[j].first) << "step " << i;
    }
    for (size_t j = 0; j < b.highest.size(); j++) {
      ASSERT_EQ(b.highest[j], want[want.size() - 1 - j].first) << "step " << i;
    }
    if (!b.lowest.empty() || !b.highest.empty()) lists_seen++;
  }
  // The case under test happened: many pops were served from a list.
  EXPECT_GT(list_pops, 50);
  EXPECT_GT(lists_seen, 500);
}

TEST_F(ZSetTypeTest, RangesSeekByScoreAndLex) {
  Database db(storage_.get(), "ns");
  ZSetType z(&db);
  ASSERT_TRUE(z.Add("z", {}, {{"a", 1}, {"b", 1}, {"c", 2}, {"d", -kInf}, {"e", kInf}}).ok());
  auto collect = [&](const ZRangeSpec& spec) {
    std::string out;
    EXPECT_TRUE(z.Range("z", spec, [&](std::string_view m, double) {
                   out.append(m);
                   return true;
                 }).ok());
    return out;
  };
  ZRangeSpec s;
  s.by = ZRangeSpec::By::kScore;
  s.score = *ParseScoreRange("(1", "+inf");
  EXPECT_EQ(collect(s), "ce");
  s.rev = true;
  EXPECT_EQ(collect(s), "ec");
  s.score = *ParseScoreRange("-inf", "(2");
  EXPECT_EQ(collect(s), "bad");
  s.offset = 1;
  s.limit = 1;
  EXPECT_EQ(collect(s), "a");
  ZRangeSpec r;
  r.start = -2;
  EXPECT_EQ(collect(r), "ce");
  r.rev = true;
  r.start = 0;
  r.stop = 1;
  EXPECT_EQ(collect(r), "ec");
  auto rank = z.Rank("z", "c", false);
  ASSERT_TRUE(rank.ok());
  EXPECT_EQ(**rank, 3);
  EXPECT_EQ(**z.Rank("z", "c", true), 1);
  EXPECT_FALSE(z.Rank("z", "nosuch", false)->has_value());
}

}  // namespace
}  // namespace mnemo

namespace mnemo {
namespace {

TEST(IndexBounds, RoundTripsAndWidens) {
  IndexBounds b;
  EXPECT_EQ(EncodeIndexBounds(b), "");
  EXPECT_FALSE(DecodeIndexBounds("").known);
  b.Widen("m", true);
  b.Widen("c", false);
  b.Widen("x", false);
  b.Widen("k", false);
  IndexBounds d = DecodeIndexBounds(EncodeIndexBounds(b));
  EXPECT_TRUE(d.known);
  EXPECT_EQ(d.low, "c");
  EXPECT_EQ(d.high, "x");
  EXPECT_FALSE(DecodeIndexBounds(std::string("\0\0\0\x09"
                                             "abc",
                                             7))
                   .known);
}

TEST(IndexBounds, EndListsRoundTripAndStayTheEndEntries) {
  IndexBounds b;
  b.Widen("m", true);
  std::string old_format = EncodeIndexBounds(b);
  EXPECT_EQ(old_format, std::string("\0\0\0\x01mm", 6));  // no lists: the first format
  b.lowest = {"m"};
  b.highest = {"m"};
  b.Add("c", false);  // below both lists' last entries... of lowest only
  b.Add("x", false);
  b.Add("k", false);
  EXPECT_EQ(b.lowest, (std::vector<std::string>{"c", "k", "m"}));
  EXPECT_EQ(b.highest, (std::vector<std::string>{"x", "m"}));
  b.Remove("k");
  b.Remove("x");
  EXPECT_EQ(b.lowest, (std::vector<std::string>{"c", "m"}));
  EXPECT_EQ(b.highest, (std::vector<std::string>{"m"}));
  b.Add(std::string(IndexBounds::kEndEntryMaxSize + 1, 'd'), false);  // too long: ends lowest
  EXPECT_EQ(b.lowest, (std::vector<std::string>{"c"}));
  for (char ch = 'a'; ch > 'a' - 12; ch--) b.Add(std::string(1, ch), false);
  EXPECT_EQ(b.lowest.size(), IndexBounds::kEndEntries);
  EXPECT_TRUE(std::is_sorted(b.lowest.begin(), b.lowest.end()));
  EXPECT_EQ(b.lowest.front(), std::string(1, 'a' - 11));
  IndexBounds d = DecodeIndexBounds(EncodeIndexBounds(b));
  EXPECT_TRUE(d.known);
  EXPECT_EQ(d.low, b.low);
  EXPECT_EQ(d.high, b.high);
  EXPECT_EQ(d.lowest, b.lowest);
  EXPECT_EQ(d.highest, b.highest);
  IndexBounds o = DecodeIndexBounds(old_format);  // a tail written before the lists existed
  EXPECT_TRUE(o.known);
  EXPECT_EQ(o.low, "m");
  EXPECT_EQ(o.high, "m");
  EXPECT_TRUE(o.lowest.empty() && o.highest.empty());
  std::string cut = EncodeIndexBounds(b);
  cut.pop_back();
  EXPECT_FALSE(DecodeIndexBounds(cut).known);
}

}  // namespace
}  // namespace mnemo
