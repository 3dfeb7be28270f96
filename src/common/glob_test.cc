#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "common/string_util.h"

namespace mnemo {

TEST(GlobMatch, Basics) {
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_TRUE(GlobMatch("*", "anything"));
  EXPECT_TRUE(GlobMatch("h?llo", "hello"));
  EXPECT_FALSE(GlobMatch("h?llo", "hllo"));
  EXPECT_TRUE(GlobMatch("h*llo", "heeeello"));
  EXPECT_TRUE(GlobMatch("h[ae]llo", "hallo"));
  EXPECT_FALSE(GlobMatch("h[ae]llo", "hillo"));
  EXPECT_TRUE(GlobMatch("h[^e]llo", "hallo"));
  EXPECT_FALSE(GlobMatch("h[^e]llo", "hello"));
  EXPECT_TRUE(GlobMatch("h[a-b]llo", "hbllo"));
  EXPECT_FALSE(GlobMatch("h[a-b]llo", "hcllo"));
  EXPECT_TRUE(GlobMatch("user:*:name", "user:42:name"));
  EXPECT_FALSE(GlobMatch("user:*:name", "user:42:age"));
}

TEST(GlobMatch, EscapesAndCase) {
  EXPECT_TRUE(GlobMatch("a\\*b", "a*b"));
  EXPECT_FALSE(GlobMatch("a\\*b", "axb"));
  EXPECT_TRUE(GlobMatch("HELLO", "hello", /*nocase=*/true));
  EXPECT_FALSE(GlobMatch("HELLO", "hello"));
  // An unterminated class ends at the pattern's end, as in Redis's stringmatchlen: "[a-" is the
  // class of 'a' and '-' (a '-' with no upper bound is literal).
  EXPECT_TRUE(GlobMatch("[a-", "a"));
  EXPECT_TRUE(GlobMatch("[a-", "-"));
  EXPECT_FALSE(GlobMatch("[a-", "b"));
  EXPECT_FALSE(GlobMatch("[a-", "ab"));
  EXPECT_TRUE(GlobMatch("x[ab", "xb"));
}

// 50 stars over 10 000 characters: about |p| * |s| = 10^6 steps for the bounded backtracking
// (milliseconds, tens of them under ASan), more than 10^100 for naive recursion. The bound is
// three orders of magnitude above the expected time so that a loaded machine cannot fail it,
// and still far below what an exponential matcher would need.
TEST(GlobMatch, PathologicalPatternIsFast) {
  std::string s(10000, 'a');
  std::string p;
  for (int i = 0; i < 50; i++) p += "*a";
  p += "b";
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(GlobMatch(p, s));
  p.back() = 'a';
  EXPECT_TRUE(GlobMatch(p, s));
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, std::chrono::seconds(10));
}

}  // namespace mnemo
