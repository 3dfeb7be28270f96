#include "common/keyspace_events.h"

#include <gtest/gtest.h>

namespace mnemo {

TEST(KeyspaceEvents, CanonicalTextIsRedis) {
  EXPECT_EQ(KeyspaceEventsText(*ParseKeyspaceEvents("KEA")), "AKE");
  EXPECT_EQ(KeyspaceEventsText(*ParseKeyspaceEvents("Ex$gK")), "g$xKE");
  EXPECT_EQ(KeyspaceEventsText(*ParseKeyspaceEvents("")), "");
  EXPECT_EQ(KeyspaceEventsText(*ParseKeyspaceEvents("nmA")), "Am");
  EXPECT_EQ(KeyspaceEventsText(*ParseKeyspaceEvents("g$lshzxetd")), "A");
}

TEST(KeyspaceEvents, RejectsUnknownClasses) {
  EXPECT_FALSE(ParseKeyspaceEvents("KEQ").has_value());
  EXPECT_FALSE(ParseKeyspaceEvents(" ").has_value());
}

TEST(KeyspaceEvents, EffectiveNeedsAChannelKind) {
  EXPECT_EQ(EffectiveKeyspaceEvents(*ParseKeyspaceEvents("A")), 0u);
  EXPECT_NE(EffectiveKeyspaceEvents(*ParseKeyspaceEvents("Kg")) & kNotifyGeneric, 0u);
}

}  // namespace mnemo
