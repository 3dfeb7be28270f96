#include "types/zset_type.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
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

}  // namespace
}  // namespace mnemo
