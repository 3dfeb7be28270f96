#include "common/net_address.h"

#include <gtest/gtest.h>

namespace mnemo {
namespace {

TEST(NetAddressTest, LoopbackAddresses) {
  for (const char* ip : {"127.0.0.1", "127.1.2.3", "127.255.255.255", "::1", "0:0:0:0:0:0:0:1",
                         "::ffff:127.0.0.1", "::ffff:127.9.9.9"}) {
    EXPECT_TRUE(IsLoopbackIp(ip)) << ip;
  }
}

TEST(NetAddressTest, OtherAddressesAreNotLoopback) {
  for (const char* ip :
       {"0.0.0.0", "::", "10.0.0.1", "192.0.2.2", "128.0.0.1", "126.255.255.255", "fd00::2", "::2",
        "::ffff:10.0.0.1", "::127.0.0.1", "localhost", "", "127.0.0.1:6666", "127.0.0", "*", "?"}) {
    EXPECT_FALSE(IsLoopbackIp(ip)) << ip;
  }
}

TEST(NetAddressTest, HostOfAddress) {
  EXPECT_EQ(HostOfAddress("10.0.0.1:6666"), "10.0.0.1");
  EXPECT_EQ(HostOfAddress("127.0.0.1:0"), "127.0.0.1");
  EXPECT_EQ(HostOfAddress("fd00::2:6666"), "fd00::2");
  EXPECT_EQ(HostOfAddress("::1:50000"), "::1");
  EXPECT_EQ(HostOfAddress("[::1]:6666"), "::1");
  EXPECT_EQ(HostOfAddress("[::1"), "::1");
  EXPECT_EQ(HostOfAddress("unix"), "unix");
  EXPECT_EQ(HostOfAddress(""), "");
}

}  // namespace
}  // namespace mnemo
