#include "server/pubsub.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace mnemo {
namespace {

using K = PubSubKind;

std::vector<uint64_t> Receivers(const PubSubRegistry& r, K kind, std::string_view ns,
                                std::string_view channel, int64_t* count = nullptr) {
  std::vector<uint64_t> out;
  int64_t n =
      r.Collect(kind, ns, channel, [&](PubSubTarget t, const auto*) { out.push_back(t.conn); });
  if (count != nullptr) *count = n;
  std::sort(out.begin(), out.end());
  return out;
}

TEST(PubSubRegistry, ChannelsPatternsAndCounts) {
  PubSubRegistry r;
  EXPECT_TRUE(r.Add(K::kChannel, "", "news", {1, 0}));
  EXPECT_FALSE(r.Add(K::kChannel, "", "news", {1, 0}));
  EXPECT_TRUE(r.Add(K::kChannel, "", "news", {2, 1}));
  EXPECT_TRUE(r.Add(K::kPattern, "", "n*", {1, 0}));
  EXPECT_TRUE(r.Add(K::kPattern, "", "x*", {3, 1}));
  int64_t n = 0;
  // A client on the channel and on a matching pattern is a receiver twice, as in Redis.
  EXPECT_EQ(Receivers(r, K::kChannel, "", "news", &n), (std::vector<uint64_t>{1, 1, 2}));
  EXPECT_EQ(n, 3);
  EXPECT_EQ(r.NumSub(K::kChannel, "", "news"), 2);
  EXPECT_EQ(r.NumPat(""), 2);
  EXPECT_EQ(r.Channels(K::kChannel, "", nullptr), std::vector<std::string>{"news"});
  std::string pattern = "z*";
  EXPECT_TRUE(r.Channels(K::kChannel, "", &pattern).empty());
}

TEST(PubSubRegistry, NamespacesAndShardChannelsAreApart) {
  PubSubRegistry r;
  ASSERT_TRUE(r.Add(K::kChannel, "t1", "news", {1, 0}));
  ASSERT_TRUE(r.Add(K::kShard, "", "news", {2, 0}));
  ASSERT_TRUE(r.Add(K::kPattern, "t1", "*", {3, 0}));
  EXPECT_TRUE(Receivers(r, K::kChannel, "", "news").empty());
  EXPECT_EQ(Receivers(r, K::kShard, "", "news"), std::vector<uint64_t>{2});
  EXPECT_EQ(Receivers(r, K::kChannel, "t1", "news"), (std::vector<uint64_t>{1, 3}));
  EXPECT_EQ(r.NumPat(""), 0);
  EXPECT_EQ(r.TotalNames(K::kPattern), 1);
  EXPECT_EQ(r.TotalNames(K::kChannel), 1);
  EXPECT_TRUE(r.Channels(K::kChannel, "", nullptr).empty());
  EXPECT_EQ(r.Channels(K::kShard, "", nullptr), std::vector<std::string>{"news"});
}

TEST(PubSubRegistry, RemovalFreesTheNamesAndTheirMemory) {
  PubSubRegistry r;
  EXPECT_EQ(r.MemoryBytes(), 0u);
  ASSERT_TRUE(r.Add(K::kChannel, "", "a-channel", {1, 0}));
  ASSERT_TRUE(r.Add(K::kPattern, "", "a*", {1, 0}));
  EXPECT_GT(r.MemoryBytes(), 0u);
  EXPECT_FALSE(r.Remove(K::kChannel, "", "a-channel", {2, 0}));
  EXPECT_TRUE(r.Remove(K::kChannel, "", "a-channel", {1, 0}));
  EXPECT_TRUE(r.Remove(K::kPattern, "", "a*", {1, 0}));
  EXPECT_FALSE(r.Remove(K::kPattern, "", "a*", {1, 0}));
  EXPECT_EQ(r.MemoryBytes(), 0u);
  EXPECT_EQ(r.NumSub(K::kChannel, "", "a-channel"), 0);
  EXPECT_EQ(r.NumPat(""), 0);
}

TEST(PubSubMessage, RedisShapesInBothProtocols) {
  auto msg = std::make_shared<const PubSubMessage>(PubSubMessage{K::kChannel, "ch", "hi"});
  std::string out;
  AppendPubSubMessage(&out, RespVersion::kResp2, {1, msg, nullptr});
  EXPECT_EQ(out, "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n");
  out.clear();
  AppendPubSubMessage(&out, RespVersion::kResp3, {1, msg, std::make_shared<std::string>("c*")});
  EXPECT_EQ(out, ">4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\nch\r\n$2\r\nhi\r\n");
  out.clear();
  auto shard = std::make_shared<const PubSubMessage>(PubSubMessage{K::kShard, "s", "x"});
  AppendPubSubMessage(&out, RespVersion::kResp2, {1, shard, nullptr});
  EXPECT_EQ(out, "*3\r\n$8\r\nsmessage\r\n$1\r\ns\r\n$1\r\nx\r\n");
}

}  // namespace
}  // namespace mnemo
