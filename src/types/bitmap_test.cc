#include "types/bitmap.h"

#include <gtest/gtest.h>

#include <random>

namespace mnemo::bitmap {
namespace {

// Expected figures are redis-server 7.0's replies to the same commands (its documentation's
// examples and replies checked by hand).

TEST(Bitmap, SetBitGrowsWithZeros) {
  std::string s;
  EXPECT_EQ(SetBit(&s, 7, 1), 0);
  EXPECT_EQ(s, std::string("\x01", 1));
  EXPECT_EQ(SetBit(&s, 7, 1), 1);
  EXPECT_EQ(SetBit(&s, 7, 0), 1);
  EXPECT_EQ(SetBit(&s, 17, 1), 0);
  EXPECT_EQ(s, std::string("\x00\x00\x40", 3));
  EXPECT_EQ(GetBit(s, 17), 1);
  EXPECT_EQ(GetBit(s, 18), 0);
  EXPECT_EQ(GetBit(s, 1000000), 0);
}

TEST(Bitmap, CountRanges) {
  std::string s = "foobar";
  EXPECT_EQ(Count(s, WholeRange(6)), 26);
  EXPECT_EQ(Count(s, ResolveRange(6, 0, 0, false)), 4);
  EXPECT_EQ(Count(s, ResolveRange(6, 1, 1, false)), 6);
  EXPECT_EQ(Count(s, ResolveRange(6, 5, 30, true)), 17);
  EXPECT_EQ(Count(s, ResolveRange(6, -2, -1, false)), Count("ar", WholeRange(2)));
  EXPECT_EQ(Count(s, ResolveRange(6, 3, 1, false)), 0);
  EXPECT_TRUE(ResolveRange(0, 0, -1, false).empty());
  // A long value: every length class of the word loop against a bit-by-bit count.
  std::mt19937 rng(7);
  std::string big(1000, '\0');
  for (char& c : big) c = static_cast<char>(rng());
  for (int64_t first : {0, 3, 8, 63, 64, 100}) {
    for (int64_t last : {100, 511, 512, 7999}) {
      int64_t slow = 0;
      for (int64_t b = first; b <= last; b++) slow += GetBit(big, b);
      EXPECT_EQ(Count(big, BitRange{first, last}), slow) << first << " " << last;
    }
  }
}

TEST(Bitmap, PosAsRedis) {
  std::string a("\xff\xf0\x00", 3), b("\x00\xff\xf0", 3), z("\x00\x00\x00", 3);
  EXPECT_EQ(Pos(a, 0, WholeRange(3), false), 12);
  EXPECT_EQ(Pos(b, 1, ResolveRange(3, 0, std::nullopt, false), false), 8);
  EXPECT_EQ(Pos(b, 1, ResolveRange(3, 2, std::nullopt, false), false), 16);
  EXPECT_EQ(Pos(b, 1, ResolveRange(3, 2, -1, false), true), 16);
  EXPECT_EQ(Pos(b, 1, ResolveRange(3, 7, 15, true), true), 8);
  EXPECT_EQ(Pos(z, 1, WholeRange(3), false), -1);
  EXPECT_EQ(Pos(z, 1, ResolveRange(3, 7, -3, true), true), -1);
  std::string ones("\xff\xff", 2);
  EXPECT_EQ(Pos(ones, 0, WholeRange(2), false), 16);  // zero padding on the right
  EXPECT_EQ(Pos(ones, 0, ResolveRange(2, 0, -1, false), true), -1);
  EXPECT_EQ(Pos("", 1, WholeRange(0), false), -1);
}

TEST(Bitmap, CombineLikeBitop) {
  std::string x("\x0f\xf0", 2), y("\xff", 1);
  EXPECT_EQ(Combine(Op::kAnd, {x, y}), std::string("\x0f\x00", 2));
  EXPECT_EQ(Combine(Op::kOr, {x, y}), std::string("\xff\xf0", 2));
  EXPECT_EQ(Combine(Op::kXor, {x, y}), std::string("\xf0\xf0", 2));
  EXPECT_EQ(Combine(Op::kNot, {x}), std::string("\xf0\x0f", 2));
  EXPECT_EQ(Combine(Op::kAnd, {x, std::nullopt}), std::string("\x00\x00", 2));
  EXPECT_EQ(Combine(Op::kOr, {std::nullopt, std::nullopt}), "");
}

TEST(Bitmap, FieldTypesAndOffsets) {
  EXPECT_EQ(ParseFieldType("i64")->bits, 64);
  EXPECT_TRUE(ParseFieldType("i64")->is_signed);
  EXPECT_EQ(ParseFieldType("u63")->bits, 63);
  EXPECT_FALSE(ParseFieldType("u64"));
  EXPECT_FALSE(ParseFieldType("i0"));
  EXPECT_FALSE(ParseFieldType("I8"));
  EXPECT_FALSE(ParseFieldType("i"));
  EXPECT_EQ(*ParseFieldOffset("#3", 8), 24);
  EXPECT_EQ(*ParseFieldOffset("100", 8), 100);
  EXPECT_FALSE(ParseFieldOffset("-1", 8));
  EXPECT_FALSE(ParseFieldOffset("#-1", 8));
  EXPECT_FALSE(ParseFieldOffset("#9223372036854775807", 64));
}

TEST(Bitmap, FieldGetSet) {
  std::string s(2, '\0');
  SetField(&s, 1, 5, 0b10110);
  EXPECT_EQ(s, std::string("\x58\x00", 2));
  EXPECT_EQ(GetField(s, 1, 5), 0b10110u);
  EXPECT_EQ(GetFieldValue(s, 1, {true, 5}), -10);
  EXPECT_EQ(GetFieldValue(s, 1, {false, 5}), 22);
  EXPECT_EQ(GetField(s, 12, 64), 0u);  // zero beyond the end
}

TEST(Bitmap, OverflowModes) {
  FieldType u2{false, 2}, i8{true, 8}, i64{true, 64};
  EXPECT_EQ(*Add(u2, 3, 1, Overflow::kWrap), 0);
  EXPECT_EQ(*Add(u2, 3, 1, Overflow::kSat), 3);
  EXPECT_FALSE(Add(u2, 3, 1, Overflow::kFail));
  EXPECT_EQ(*Add(u2, 0, -1, Overflow::kSat), 0);
  EXPECT_EQ(*Add(u2, 0, -1, Overflow::kWrap), 3);
  EXPECT_EQ(*Add(i8, 127, 1, Overflow::kWrap), -128);
  EXPECT_EQ(*Add(i8, 127, 1, Overflow::kSat), 127);
  EXPECT_EQ(*Add(i8, -128, -1, Overflow::kSat), -128);
  EXPECT_EQ(*Add(i8, 100, -300, Overflow::kWrap), 56);
  EXPECT_EQ(*Add(i64, INT64_MAX, 1, Overflow::kWrap), INT64_MIN);
  EXPECT_EQ(*Add(i64, INT64_MAX, 1, Overflow::kSat), INT64_MAX);
  // SET u8 -1: the value itself overflows (as unsigned it is huge).
  EXPECT_EQ(*Add({false, 8}, -1, 0, Overflow::kSat), 255);
  EXPECT_EQ(*Add({false, 8}, -1, 0, Overflow::kWrap), 255);
  EXPECT_EQ(*Add({false, 8}, 256, 0, Overflow::kWrap), 0);
}

TEST(Bitmap, LcsAsRedis) {
  auto r = Lcs("ohmytext", "mynewtext", true, 0);
  EXPECT_EQ(r.lcs, "mytext");
  EXPECT_EQ(r.len, 6u);
  ASSERT_EQ(r.matches.size(), 2u);
  EXPECT_EQ(r.matches[0].a_start, 4u);
  EXPECT_EQ(r.matches[0].a_end, 7u);
  EXPECT_EQ(r.matches[0].b_start, 5u);
  EXPECT_EQ(r.matches[0].b_end, 8u);
  EXPECT_EQ(r.matches[0].len, 4u);
  EXPECT_EQ(r.matches[1].a_start, 2u);
  EXPECT_EQ(r.matches[1].b_start, 0u);
  EXPECT_EQ(Lcs("ohmytext", "mynewtext", true, 4).matches.size(), 1u);
  EXPECT_EQ(LcsLength("ohmytext", "mynewtext"), 6u);
  EXPECT_EQ(LcsLength("", "abc"), 0u);
  EXPECT_EQ(Lcs("", "", true, 0).len, 0u);
  EXPECT_EQ(LcsTableBytes(2, 3), 48u);
  std::mt19937 rng(11);
  for (int round = 0; round < 50; round++) {
    std::string a(rng() % 40, 'a'), b(rng() % 40, 'a');
    for (char& c : a) c = static_cast<char>('a' + rng() % 3);
    for (char& c : b) c = static_cast<char>('a' + rng() % 3);
    EXPECT_EQ(LcsLength(a, b), Lcs(a, b, false, 0).len) << a << " " << b;
  }
}

}  // namespace
}  // namespace mnemo::bitmap
