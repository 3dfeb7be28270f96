#include "storage/encoding.h"

#include <gtest/gtest.h>

namespace mnemo {

TEST(Encoding, MetaKeyRoundTrip) {
  std::string k = EncodeMetaKey("__namespace", std::string("a\0b", 3));
  std::string_view ns, user;
  ASSERT_TRUE(DecodeMetaKey(k, &ns, &user));
  EXPECT_EQ(ns, "__namespace");
  EXPECT_EQ(user, std::string("a\0b", 3));
  EXPECT_EQ(k.substr(0, NamespacePrefix("__namespace").size()), NamespacePrefix("__namespace"));
  EXPECT_FALSE(DecodeMetaKey(std::string("\x09"
                                         "abc",
                                         4),
                             &ns, &user));
}

TEST(Encoding, KeySlotIsRedisClusters) {
  // Values CLUSTER KEYSLOT gives on Redis.
  EXPECT_EQ(KeySlot("123456789"), 0x31C3);  // the CRC16/XMODEM check value
  EXPECT_EQ(KeySlot("foo"), 12182);
  EXPECT_EQ(KeySlot("somekey"), 11058);
  // A hash tag hashes only the tag; an empty tag hashes the whole key.
  EXPECT_EQ(KeySlot("{user1000}.following"), KeySlot("user1000"));
  EXPECT_EQ(KeySlot("foo{user1000}bar{x}"), KeySlot("user1000"));
  EXPECT_EQ(KeySlot("{}user1000"), KeySlot(std::string_view("{}user1000")));
  EXPECT_NE(KeySlot("{}user1000"), KeySlot("user1000"));
  EXPECT_EQ(KeySlot("{user1000"), KeySlot(std::string_view("{user1000")));
}

TEST(Encoding, SlotFollowsNamespaceInEveryKey) {
  std::string k = EncodeMetaKey("ns", "foo");
  EXPECT_EQ(k.substr(0, 5), SlotPrefix("ns", 12182));
  EXPECT_EQ(k.size(), MetaKeyHeaderSize("ns") + 3);
  std::string sub = EncodeSubkeyPrefix("ns", "foo", 7) + "field";
  EXPECT_EQ(sub.substr(0, 5), SlotPrefix("ns", 12182));
  SubkeyParts parts;
  ASSERT_TRUE(DecodeSubkey(sub, &parts));
  EXPECT_EQ(parts.ns, "ns");
  EXPECT_EQ(parts.user_key, "foo");
  EXPECT_EQ(parts.version, 7u);
  EXPECT_EQ(parts.element, "field");
  EXPECT_FALSE(DecodeSubkey(sub.substr(0, 10), &parts));
  // Keys of one slot sort together: a key with the same tag lands in the same range.
  std::string a = EncodeMetaKey("ns", "{t}a"), b = EncodeMetaKey("ns", "{t}zzz");
  EXPECT_EQ(a.substr(0, 5), b.substr(0, 5));
}

TEST(Encoding, StringValueRoundTrip) {
  std::string v = EncodeStringValue("hello", 1234);
  auto m = DecodeMetadata(v);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->type, DataType::kString);
  EXPECT_EQ(m->expire_ms, 1234);
  EXPECT_EQ(m->payload, "hello");
  EXPECT_TRUE(m->Expired(1234));
  EXPECT_FALSE(m->Expired(1233));
  SetExpireInPlace(&v, 0);
  EXPECT_EQ(DecodeMetadata(v)->expire_ms, 0);
  EXPECT_FALSE(DecodeMetadata(v)->Expired(1LL << 60));
  EXPECT_EQ(DecodeMetadata(v)->payload, "hello");
}

TEST(Encoding, CompositeRoundTrip) {
  std::string v = EncodeCompositeMeta(DataType::kHash, 0, 42, 7, 99, "tail");
  auto m = DecodeMetadata(v);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->type, DataType::kHash);
  EXPECT_EQ(m->version, 42u);
  EXPECT_EQ(m->size, 7u);
  EXPECT_EQ(m->bytes, 99u);
  EXPECT_EQ(LogicalBytes("key", *m), 102u);
  EXPECT_EQ(m->payload, "tail");
  EXPECT_TRUE(m->IsComposite());
}

// A fragmented string: type string, flags bit 6, composite header with size = bytes = length.
TEST(Encoding, FragmentedStringRoundTrip) {
  std::string v = EncodeCompositeMeta(DataType::kString, 77, 42, 10000, 10000);
  EXPECT_EQ(static_cast<uint8_t>(v[0]), kEncoding64 | kFragmented | 1);
  auto m = DecodeMetadata(v);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->type, DataType::kString);
  EXPECT_TRUE(m->fragmented);
  EXPECT_TRUE(m->IsComposite());
  EXPECT_EQ(m->version, 42u);
  EXPECT_EQ(m->size, 10000u);
  EXPECT_TRUE(m->payload.empty());
  EXPECT_EQ(m->MaxRecords(), 3u);  // 10000 bytes in 4096-byte fragments
  EXPECT_EQ(LogicalBytes("key", *m), 10003u);
  EXPECT_EQ(*PeekType(v), DataType::kString);
  SetExpireInPlace(&v, 5);
  EXPECT_EQ(DecodeMetadata(v)->expire_ms, 5);
  EXPECT_TRUE(DecodeMetadata(v)->fragmented);
  auto inline_value = DecodeMetadata(EncodeStringValue(std::string(5000, 'x'), 0));
  EXPECT_FALSE(inline_value->fragmented);  // a long inline value (older data) still reads
  EXPECT_FALSE(inline_value->IsComposite());
  EXPECT_EQ(inline_value->payload.size(), 5000u);
}

TEST(Encoding, RejectsMalformed) {
  EXPECT_FALSE(DecodeMetadata("").has_value());
  EXPECT_FALSE(DecodeMetadata(std::string(3, '\x81')).has_value());
  std::string bad_type = EncodeStringValue("x", 0);
  bad_type[0] = static_cast<char>(0x8f);
  EXPECT_FALSE(DecodeMetadata(bad_type).has_value());
  std::string short_hash = EncodeCompositeMeta(DataType::kHash, 0, 1, 1, 1).substr(0, 30);
  EXPECT_FALSE(DecodeMetadata(short_hash).has_value());
}

TEST(Encoding, SubkeyPrefixOrdersByVersion) {
  EXPECT_LT(EncodeSubkeyPrefix("ns", "k", 1), EncodeSubkeyPrefix("ns", "k", 2));
  EXPECT_LT(EncodeSubkeyPrefix("ns", "k", 255), EncodeSubkeyPrefix("ns", "k", 256));
  // A key that is a prefix of another never shares its subkey range.
  EXPECT_NE(EncodeSubkeyPrefix("ns", "k", 1).substr(0, 8),
            EncodeSubkeyPrefix("ns", "kk", 1).substr(0, 8));
}

}  // namespace mnemo
