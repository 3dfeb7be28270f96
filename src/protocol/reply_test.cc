#include "protocol/reply.h"

#include <gtest/gtest.h>

#include <cmath>

namespace mnemo {
namespace {

// Writes the same semantic reply in both protocols.
template <typename Fn>
std::pair<std::string, std::string> Both(Fn&& fn) {
  std::string two, three;
  Reply r2(&two, RespVersion::kResp2), r3(&three, RespVersion::kResp3);
  fn(r2);
  fn(r3);
  return {two, three};
}

TEST(Reply, DefaultsToResp2) {
  std::string out;
  Reply r(&out);
  EXPECT_FALSE(r.resp3());
  r.Null();
  EXPECT_EQ(out, "$-1\r\n");
}

TEST(Reply, NullsAndAggregates) {
  using P = std::pair<std::string, std::string>;
  EXPECT_EQ(Both([](Reply& r) { r.Null(); }), P("$-1\r\n", "_\r\n"));
  EXPECT_EQ(Both([](Reply& r) { r.NullArray(); }), P("*-1\r\n", "_\r\n"));
  EXPECT_EQ(Both([](Reply& r) { r.MapHeader(3); }), P("*6\r\n", "%3\r\n"));
  EXPECT_EQ(Both([](Reply& r) { r.SetHeader(2); }), P("*2\r\n", "~2\r\n"));
  EXPECT_EQ(Both([](Reply& r) { r.PushHeader(3); }), P("*3\r\n", ">3\r\n"));
  EXPECT_EQ(Both([](Reply& r) { r.ArrayHeader(2); }), P("*2\r\n", "*2\r\n"));
  EXPECT_EQ(Both([](Reply& r) { r.Integer(-5); }), P(":-5\r\n", ":-5\r\n"));
  EXPECT_EQ(Both([](Reply& r) { r.Bulk("ab"); }), P("$2\r\nab\r\n", "$2\r\nab\r\n"));
}

TEST(Reply, ScalarsOfResp3) {
  using P = std::pair<std::string, std::string>;
  EXPECT_EQ(Both([](Reply& r) { r.Double(1.5); }), P("$3\r\n1.5\r\n", ",1.5\r\n"));
  EXPECT_EQ(Both([](Reply& r) { r.Double(0.1); }),
            P("$19\r\n0.10000000000000001\r\n", ",0.10000000000000001\r\n"));
  EXPECT_EQ(Both([](Reply& r) { r.Double(-INFINITY); }), P("$4\r\n-inf\r\n", ",-inf\r\n"));
  EXPECT_EQ(Both([](Reply& r) { r.Bool(true); }), P(":1\r\n", "#t\r\n"));
  EXPECT_EQ(Both([](Reply& r) { r.Bool(false); }), P(":0\r\n", "#f\r\n"));
  EXPECT_EQ(Both([](Reply& r) { r.BigNumber("123456789012345678901"); }),
            P("$21\r\n123456789012345678901\r\n", "(123456789012345678901\r\n"));
  EXPECT_EQ(Both([](Reply& r) { r.Verbatim("a:b\n"); }),
            P("$4\r\na:b\n\r\n", "=8\r\ntxt:a:b\n\r\n"));
  EXPECT_EQ(Both([](Reply& r) { r.Verbatim("# x", "mkd"); }),
            P("$3\r\n# x\r\n", "=7\r\nmkd:# x\r\n"));
}

TEST(Reply, VersionSwitchesMidBuffer) {
  std::string out;
  Reply r(&out);
  r.Null();
  r.set_version(RespVersion::kResp3);
  EXPECT_EQ(r.version(), RespVersion::kResp3);
  r.Null();
  EXPECT_EQ(out, "$-1\r\n_\r\n");
}

TEST(Reply, ErrorsAreTheSameInBothAndLoseLineBreaks) {
  using P = std::pair<std::string, std::string>;
  EXPECT_EQ(Both([](Reply& r) { r.Error("ERR a\r\nb"); }), P("-ERR a  b\r\n", "-ERR a  b\r\n"));
}

}  // namespace
}  // namespace mnemo
