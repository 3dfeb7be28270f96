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
  std::string v = EncodeCompositeMeta(DataType::kHash, 0, 42, 7, "tail");
  auto m = DecodeMetadata(v);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->type, DataType::kHash);
  EXPECT_EQ(m->version, 42u);
  EXPECT_EQ(m->size, 7u);
  EXPECT_EQ(m->payload, "tail");
  EXPECT_TRUE(m->IsComposite());
}

TEST(Encoding, RejectsMalformed) {
  EXPECT_FALSE(DecodeMetadata("").has_value());
  EXPECT_FALSE(DecodeMetadata(std::string(3, '\x81')).has_value());
  std::string bad_type = EncodeStringValue("x", 0);
  bad_type[0] = static_cast<char>(0x8f);
  EXPECT_FALSE(DecodeMetadata(bad_type).has_value());
  std::string short_hash = EncodeCompositeMeta(DataType::kHash, 0, 1, 1).substr(0, 12);
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
