#include "common/string_util.h"

#include <gtest/gtest.h>

#include <cmath>

namespace mnemo {

TEST(ParseInt64, AcceptsCanonicalIntegers) {
  EXPECT_EQ(ParseInt64("0"), 0);
  EXPECT_EQ(ParseInt64("-17"), -17);
  EXPECT_EQ(ParseInt64("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(ParseInt64("-9223372036854775808"), INT64_MIN);
}

TEST(ParseInt64, RejectsNonCanonical) {
  for (const char* s : {"", "-", "+1", " 1", "1 ", "01", "-0", "1.0", "9223372036854775808",
                        "-9223372036854775809", "abc", "99999999999999999999"}) {
    EXPECT_FALSE(ParseInt64(s).has_value()) << s;
  }
}

TEST(ParseDouble, ParsesAndRejects) {
  EXPECT_DOUBLE_EQ(*ParseDouble("1.5"), 1.5);
  EXPECT_DOUBLE_EQ(*ParseDouble("-3e2"), -300);
  EXPECT_TRUE(std::isinf(*ParseDouble("inf")));
  EXPECT_FALSE(ParseDouble("nan").has_value());
  EXPECT_FALSE(ParseDouble(" 1").has_value());
  EXPECT_FALSE(ParseDouble("1x").has_value());
  EXPECT_FALSE(ParseDouble("").has_value());
}

TEST(ParseLongDouble, OutOfRangeAsRedis) {
  // Overflow and underflow to zero are refused, a denormal and the text "inf" are not.
  EXPECT_FALSE(ParseLongDouble("1e5000").has_value());
  EXPECT_FALSE(ParseLongDouble("-1e5000").has_value());
  EXPECT_FALSE(ParseLongDouble("1e-5000").has_value());
  ASSERT_TRUE(ParseLongDouble("1e-4940").has_value());
  EXPECT_GT(*ParseLongDouble("1e-4940"), 0.0L);
  EXPECT_TRUE(std::isinf(*ParseLongDouble("-inf")));
  EXPECT_EQ(*ParseLongDouble("0"), 0.0L);
}

TEST(FormatDouble, MatchesRedisIncrByFloat) {
  EXPECT_EQ(FormatDouble(10.5L), "10.5");
  EXPECT_EQ(FormatDouble(3.0L), "3");
  EXPECT_EQ(FormatDouble(-0.0L), "0");
  EXPECT_EQ(FormatDouble(5.0e3L), "5000");
  EXPECT_EQ(FormatDouble(1e300L).size(), 301u);  // every digit, no truncation
}

TEST(ParseMemorySize, Units) {
  EXPECT_EQ(ParseMemorySize("512mb"), 512LL * 1024 * 1024);
  EXPECT_EQ(ParseMemorySize("1GB"), 1LL << 30);
  EXPECT_EQ(ParseMemorySize("100k"), 100000);
  EXPECT_EQ(ParseMemorySize("4096"), 4096);
  EXPECT_FALSE(ParseMemorySize("-1mb").has_value());
  EXPECT_FALSE(ParseMemorySize("12xb").has_value());
  EXPECT_FALSE(ParseMemorySize("mb").has_value());
}

TEST(HumanBytes, Formats) {
  EXPECT_EQ(HumanBytes(512), "512B");
  EXPECT_EQ(HumanBytes(1536), "1.50K");
  EXPECT_EQ(HumanBytes(3ULL << 30), "3.00G");
}

}  // namespace mnemo
