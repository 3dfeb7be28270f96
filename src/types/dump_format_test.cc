#include "types/dump_format.h"

#include <gtest/gtest.h>

namespace mnemo {
namespace {

TEST(DumpFormat, Crc64IsRedis) {
  // The check value of Redis's crc64.c test.
  EXPECT_EQ(Crc64(0, "123456789"), 0xe9c6d914c4b8d9caull);
}

TEST(DumpFormat, DecodesRedisPayloads) {
  // DUMP of SET n 123 and of a 40-byte string (LZF-compressed) from redis-server 7.0.
  std::string n("\x00\xc0{\n\x00H\xe2S\xe1\x00zg\xb9", 13);
  auto v = DecodeStringDump(n);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(*v, "123");
  std::string s(
      "\x00\xc3\x12(\nabcdefghija\xe0\x12\t\x01ij\n\x00"
      "3cA}\xc8\x9e|/",
      32);
  v = DecodeStringDump(s);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(*v, "abcdefghijabcdefghijabcdefghijabcdefghij");
}

TEST(DumpFormat, RoundTripsEveryLengthClass) {
  for (size_t len : {0u, 1u, 63u, 64u, 16383u, 16384u, 100000u}) {
    std::string value(len, 'x');
    auto v = DecodeStringDump(EncodeStringDump(value));
    ASSERT_TRUE(v.ok()) << len;
    EXPECT_EQ(*v, value);
  }
}

TEST(DumpFormat, RejectsDamage) {
  std::string p = EncodeStringDump("hello");
  std::string bad_crc = p;
  bad_crc.back() ^= 1;
  EXPECT_EQ(DecodeStringDump(bad_crc).status().message(),
            "DUMP payload version or checksum are wrong");
  EXPECT_EQ(DecodeStringDump("x").status().message(), "DUMP payload version or checksum are wrong");
  // A list (type 18, quicklist 2) with a valid footer.
  std::string list("\x12", 1);
  list += std::string("\x0a\x00", 2);
  uint64_t crc = Crc64(0, list);
  for (int i = 0; i < 8; i++) list.push_back(static_cast<char>(crc >> (8 * i)));
  EXPECT_EQ(DecodeStringDump(list).status().code(), Status::Code::kNotSupported);
  // A length beyond the body.
  std::string body(
      "\x00\x05"
      "ab",
      4);
  body += std::string("\x0a\x00", 2);
  crc = Crc64(0, body);
  for (int i = 0; i < 8; i++) body.push_back(static_cast<char>(crc >> (8 * i)));
  EXPECT_EQ(DecodeStringDump(body).status().message(), "Bad data format");
}

}  // namespace
}  // namespace mnemo
