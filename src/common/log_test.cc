#include "common/log.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace mnemo {
namespace {

// Captures what Log writes, at a level, into a string.
std::string Capture(LogLevel configured, LogLevel level, const char* text) {
  FILE* f = tmpfile();
  SetLogSink(f);
  SetLogLevel(configured);
  Log(level, "%s %d", text, 42);
  SetLogSink(nullptr);
  SetLogLevel(LogLevel::kNotice);
  std::string out(8192, '\0');
  rewind(f);
  out.resize(fread(out.data(), 1, out.size(), f));
  fclose(f);
  return out;
}

TEST(LogTest, ParsesRedisLevelNames) {
  EXPECT_EQ(ParseLogLevel("debug"), LogLevel::kDebug);
  EXPECT_EQ(ParseLogLevel("VERBOSE"), LogLevel::kVerbose);
  EXPECT_EQ(ParseLogLevel("notice"), LogLevel::kNotice);
  EXPECT_EQ(ParseLogLevel("Warning"), LogLevel::kWarning);
  EXPECT_EQ(ParseLogLevel("warn"), std::nullopt);
  EXPECT_EQ(ParseLogLevel(""), std::nullopt);
}

TEST(LogTest, WritesOneLineAtOrAboveTheLevel) {
  EXPECT_EQ(Capture(LogLevel::kNotice, LogLevel::kNotice, "ready"), "mnemo: ready 42\n");
  EXPECT_EQ(Capture(LogLevel::kNotice, LogLevel::kWarning, "bad"), "mnemo: bad 42\n");
  EXPECT_EQ(Capture(LogLevel::kDebug, LogLevel::kDebug, "dbg"), "mnemo: dbg 42\n");
}

TEST(LogTest, DropsLinesBelowTheLevel) {
  EXPECT_EQ(Capture(LogLevel::kWarning, LogLevel::kNotice, "ready"), "");
  EXPECT_EQ(Capture(LogLevel::kNotice, LogLevel::kVerbose, "chatty"), "");
  EXPECT_EQ(GetLogLevel(), LogLevel::kNotice);
}

TEST(LogTest, CutsLongLinesAndStillEndsThem) {
  std::string big(10000, 'x');
  std::string out = Capture(LogLevel::kNotice, LogLevel::kWarning, big.c_str());
  ASSERT_FALSE(out.empty());
  EXPECT_LT(out.size(), 4097u);
  EXPECT_EQ(out.back(), '\n');
  EXPECT_EQ(out.rfind("mnemo: xxx", 0), 0u);
}

}  // namespace
}  // namespace mnemo
