#include "memory/json_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace mnemo {
namespace {

std::string Quoted(std::string_view s) {
  std::string out;
  JsonWriter::AppendQuoted(&out, s);
  return out;
}

TEST(JsonWriterTest, NestsObjectsAndArraysWithCommas) {
  JsonWriter w;
  w.BeginObject().Member("a", uint64_t{1}).Key("b").BeginArray();
  w.Int(-2).String("x").BeginObject().EndObject().BeginArray().EndArray().Bool(false).Null();
  w.EndArray().Member("c", true).EndObject();
  EXPECT_EQ(w.Take(), R"({"a":1,"b":[-2,"x",{},[],false,null],"c":true})");
}

TEST(JsonWriterTest, MemberPicksTheJsonTypeFromTheCppType) {
  JsonWriter w;
  w.BeginObject().Member("u", uint64_t{18446744073709551615ull}).Member("i", int64_t{-5});
  w.Member("d", 0.25).Member("s", std::string("v")).Member("b", false).EndObject();
  EXPECT_EQ(w.Take(), R"({"u":18446744073709551615,"i":-5,"d":0.25,"s":"v","b":false})");
}

TEST(JsonWriterTest, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(Quoted("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(Quoted("\b\f\n\r\t"), R"("\b\f\n\r\t")");
  EXPECT_EQ(Quoted(std::string("\x01\x1f\x7f", 3)), R"("\u0001\u001f\u007f")");
  EXPECT_EQ(Quoted(std::string("a\0b", 3)), R"("a\u0000b")");
  EXPECT_EQ(Quoted("/"), R"("/")");
}

TEST(JsonWriterTest, KeepsValidUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(Quoted("h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
            "\"h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
  EXPECT_EQ(Quoted("\xff"), R"("\ufffd")");
  EXPECT_EQ(Quoted("\xc3"), R"("\ufffd")");                      // truncated sequence
  EXPECT_EQ(Quoted("\xc0\xaf"), R"("\ufffd\ufffd")");            // overlong '/'
  EXPECT_EQ(Quoted("\xed\xa0\x80"), R"("\ufffd\ufffd\ufffd")");  // surrogate
  EXPECT_EQ(Quoted("\xe2\x82"), R"("\ufffd\ufffd")");
}

TEST(JsonWriterTest, DoublesRoundTripAndNonFiniteBecomesNull) {
  JsonWriter w;
  w.BeginArray().Double(1.5).Double(0.1).Double(1e300).Double(-0.0);
  w.Double(std::numeric_limits<double>::quiet_NaN()).Double(INFINITY).EndArray();
  EXPECT_EQ(w.Take(), "[1.5,0.1,1e+300,-0,null,null]");
}

TEST(JsonWriterTest, KeysAreEscapedToo) {
  JsonWriter w;
  w.BeginObject().Member("a\"\n", uint64_t{0}).EndObject();
  EXPECT_EQ(w.Take(), R"({"a\"\n":0})");
}

}  // namespace
}  // namespace mnemo
