#include "common/log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

namespace mnemo {
namespace {

// Captures what Log writes, at a level, through a log file.
std::string Capture(LogLevel configured, LogLevel level, const char* text) {
  char path[] = "/tmp/mnemo-log-test-XXXXXX";
  int fd = mkstemp(path);
  close(fd);
  EXPECT_TRUE(SetLogFile(path).ok());
  SetLogLevel(configured);
  Log(level, "%s %d", text, 42);
  EXPECT_TRUE(SetLogFile("").ok());
  SetLogLevel(LogLevel::kNotice);
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  unlink(path);
  return ss.str();
}

// "<pid>:<tid> 02 Dec 2026 02:13:00.123 <mark> <message>\n"
std::string Message(const std::string& line, char* mark) {
  static const std::regex kLine(
      R"((\d+):(\d+) \d\d [A-Z][a-z][a-z] \d{4} \d\d:\d\d:\d\d\.\d{3} ([.*#-]) (.*)\n)");
  std::smatch m;
  if (!std::regex_match(line, m, kLine)) return "<no match: " + line + ">";
  EXPECT_EQ(std::stol(m[1]), getpid());
  *mark = m[3].str()[0];
  return m[4];
}

TEST(LogTest, ParsesRedisLevelNames) {
  EXPECT_EQ(ParseLogLevel("debug"), LogLevel::kDebug);
  EXPECT_EQ(ParseLogLevel("VERBOSE"), LogLevel::kVerbose);
  EXPECT_EQ(ParseLogLevel("notice"), LogLevel::kNotice);
  EXPECT_EQ(ParseLogLevel("Warning"), LogLevel::kWarning);
  EXPECT_EQ(ParseLogLevel("warn"), std::nullopt);
  EXPECT_EQ(ParseLogLevel(""), std::nullopt);
}

TEST(LogTest, WritesOneRedisLikeLineAtOrAboveTheLevel) {
  char mark = 0;
  EXPECT_EQ(Message(Capture(LogLevel::kNotice, LogLevel::kNotice, "ready"), &mark), "ready 42");
  EXPECT_EQ(mark, '*');
  EXPECT_EQ(Message(Capture(LogLevel::kNotice, LogLevel::kWarning, "bad"), &mark), "bad 42");
  EXPECT_EQ(mark, '#');
  EXPECT_EQ(Message(Capture(LogLevel::kDebug, LogLevel::kDebug, "dbg"), &mark), "dbg 42");
  EXPECT_EQ(mark, '.');
  EXPECT_EQ(Message(Capture(LogLevel::kDebug, LogLevel::kVerbose, "v"), &mark), "v 42");
  EXPECT_EQ(mark, '-');
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
  EXPECT_LT(out.size(), 4200u);
  EXPECT_EQ(out.back(), '\n');
  EXPECT_NE(out.find(" # xxx"), std::string::npos);
}

TEST(LogTest, OneEventIsOneLine) {
  char mark = 0;
  EXPECT_EQ(Message(Capture(LogLevel::kNotice, LogLevel::kNotice, "a\nb\r\n"), &mark), "a b   42");
  EXPECT_EQ(Message(Capture(LogLevel::kNotice, LogLevel::kNotice, "end:\n"), &mark), "end:  42");
}

TEST(LogTest, AnUnopenableFileIsRefusedAndTheLogGoesOn) {
  Status s = SetLogFile("/dev/null/mnemo.log");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("cannot open logfile '/dev/null/mnemo.log'"), std::string::npos);
  char mark = 0;
  EXPECT_EQ(Message(Capture(LogLevel::kNotice, LogLevel::kNotice, "still"), &mark), "still 42");
}

}  // namespace
}  // namespace mnemo
