#include "server/protected_mode.h"

#include <gtest/gtest.h>

#include <string>

namespace mnemo {
namespace {

constexpr bool kOn = true, kOff = false, kPassword = true, kNoPassword = false;

// Every combination of bind address x peer address x requirepass, with protected mode on.
TEST(ProtectedModeTest, DecisionTable) {
  struct Case {
    const char* bind;
    const char* peer;
    bool password;
    bool refused;
  };
  const Case cases[] = {
      // Bound to loopback only: nobody is refused (a remote peer can't even connect).
      {"127.0.0.1", "127.0.0.1", kNoPassword, false},
      {"127.0.0.1", "192.0.2.2", kNoPassword, false},
      {"::1", "::1", kNoPassword, false},
      {"127.0.0.1 -::1", "10.0.0.1", kNoPassword, false},
      // Bound to every interface or a public one, no password: only remote peers are refused.
      {"0.0.0.0", "127.0.0.1", kNoPassword, false},
      {"0.0.0.0", "127.0.0.2", kNoPassword, false},
      {"0.0.0.0", "::ffff:127.0.0.1", kNoPassword, false},
      {"0.0.0.0", "192.0.2.2", kNoPassword, true},
      {"0.0.0.0", "::ffff:192.0.2.2", kNoPassword, true},
      {"::", "::1", kNoPassword, false},
      {"::", "fd00::2", kNoPassword, true},
      {"192.0.2.2", "192.0.2.2", kNoPassword, true},  // the machine's own public address
      {"127.0.0.1 192.0.2.2", "192.0.2.7", kNoPassword, true},
      {"*", "10.1.1.1", kNoPassword, true},
      {"", "10.1.1.1", kNoPassword, true},
      {"0.0.0.0", "?", kNoPassword, true},  // an unknown peer is not trusted
      // A password lifts protected mode.
      {"0.0.0.0", "192.0.2.2", kPassword, false},
      {"::", "fd00::2", kPassword, false},
      {"192.0.2.2", "10.0.0.1", kPassword, false},
      {"127.0.0.1", "127.0.0.1", kPassword, false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ProtectedModeRefuses(kOn, c.bind, c.password, c.peer), c.refused)
        << "bind '" << c.bind << "' peer " << c.peer << " password " << c.password;
    // protected-mode no never refuses.
    EXPECT_FALSE(ProtectedModeRefuses(kOff, c.bind, c.password, c.peer)) << c.bind << c.peer;
  }
}

TEST(ProtectedModeTest, RefusalIsRedisWordingNamingMnemo) {
  std::string text = kProtectedModeDenied;
  EXPECT_TRUE(
      text.starts_with("-DENIED Mnemo is running in protected mode because protected "
                       "mode is enabled and no password is set for the default user."))
      << text;
  EXPECT_TRUE(text.ends_with("accepting connections from the outside.\r\n"));
  EXPECT_EQ(text.find("Redis"), std::string::npos);
  EXPECT_EQ(text.find('\n'), text.size() - 1);  // one line
}

}  // namespace
}  // namespace mnemo
