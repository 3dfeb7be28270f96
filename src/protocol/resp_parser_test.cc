#include "protocol/resp_parser.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace mnemo {
namespace {

using Args = std::vector<std::string>;
using Result = RespParser::Result;

// Everything a connection would see from the parser for one input.
struct Outcome {
  std::vector<Args> commands;
  bool error = false;
  std::string message;
  size_t leftover = 0;      // input bytes never consumed by the parser
  size_t bytes_wanted = 0;  // BytesWanted() at the end

  bool operator==(const Outcome&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Outcome& o) {
  os << "{commands:";
  for (const Args& args : o.commands) {
    os << " [";
    for (const std::string& a : args) os << '"' << a << "\",";
    os << "]";
  }
  return os << " error:" << o.error << " '" << o.message << "' leftover:" << o.leftover
            << " wanted:" << o.bytes_wanted << "}";
}

// Drives a parser the way a connection does: appends each chunk to its buffer, parses until the
// parser needs more, and drops the consumed bytes. chunks[i] is the size of the i-th delivery; the
// remainder of the input is delivered last.
Outcome Drive(std::string_view input, const std::vector<size_t>& chunks, RespLimits limits = {}) {
  RespParser parser(limits);
  Outcome out;
  std::string buf;
  size_t fed = 0;
  for (size_t i = 0; i <= chunks.size() && !out.error; i++) {
    const size_t n =
        i < chunks.size() ? std::min(chunks[i], input.size() - fed) : input.size() - fed;
    buf.append(input.substr(fed, n));
    fed += n;
    while (true) {
      size_t consumed = 12345;
      Args args;
      Result r = parser.Parse(buf.data(), buf.size(), &consumed, &args);
      EXPECT_LE(consumed, buf.size());
      buf.erase(0, consumed);
      if (r == Result::kError) {
        out.error = true;
        out.message = parser.error();
        break;
      }
      if (r == Result::kNeedMore) break;
      EXPECT_FALSE(args.empty());
      EXPECT_GT(consumed, 0u);
      out.commands.push_back(std::move(args));
    }
  }
  out.leftover = buf.size() + (input.size() - fed);  // after an error, some input is never fed
  out.bytes_wanted = parser.BytesWanted();
  return out;
}

Outcome Whole(std::string_view input, RespLimits limits = {}) { return Drive(input, {}, limits); }

Outcome ByteByByte(std::string_view input, RespLimits limits = {}) {
  return Drive(input, std::vector<size_t>(input.size(), 1), limits);
}

std::vector<size_t> RandomChunks(size_t total, std::mt19937* rng, size_t max_chunk) {
  std::vector<size_t> chunks;
  std::uniform_int_distribution<size_t> size(0, max_chunk);  // 0: a read that brings nothing
  for (size_t sum = 0; sum < total;) sum += chunks.emplace_back(size(*rng));
  return chunks;
}

std::string Multibulk(const Args& args) {
  std::string s = "*" + std::to_string(args.size()) + "\r\n";
  for (const std::string& a : args) s += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return s;
}

// Parses one whole-buffer request and expects exactly `want` from it.
void ExpectCommand(std::string_view input, const Args& want) {
  RespParser parser;
  size_t consumed = 0;
  Args args;
  ASSERT_EQ(parser.Parse(input.data(), input.size(), &consumed, &args), Result::kCommand)
      << parser.error();
  EXPECT_EQ(args, want);
  EXPECT_EQ(consumed, input.size());
}

void ExpectError(std::string_view input, std::string_view message, RespLimits limits = {}) {
  Outcome whole = Whole(input, limits);
  EXPECT_TRUE(whole.error) << whole;
  EXPECT_EQ(whole.message, message);
  EXPECT_EQ(ByteByByte(input, limits), whole);
}

TEST(RespParser, Multibulk) {
  ExpectCommand("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n", {"SET", "key", "value"});
  ExpectCommand("*1\r\n$4\r\nping\r\n", {"ping"});  // the name keeps its case
  ExpectCommand("*2\r\n$3\r\nGET\r\n$0\r\n\r\n", {"GET", ""});
}

TEST(RespParser, MultibulkLeavesFollowingBytes) {
  RespParser parser;
  const std::string in = "*1\r\n$4\r\nPING\r\n*1\r\n$2";
  size_t consumed = 0;
  Args args = {"stale", "values"};
  ASSERT_EQ(parser.Parse(in.data(), in.size(), &consumed, &args), Result::kCommand);
  EXPECT_EQ(args, Args({"PING"}));  // *args is cleared first
  EXPECT_EQ(consumed, 14u);
}

TEST(RespParser, CountsTheArgumentsOfARequestBeingAssembled) {
  RespParser parser;
  Args args;
  size_t consumed = 0;
  const std::string big(100000, 'x');
  const std::string head = "*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000\r\n" + big + "\r\n";
  EXPECT_EQ(parser.assembling_bytes(), 0u);
  ASSERT_EQ(parser.Parse(head.data(), head.size(), &consumed, &args), Result::kNeedMore);
  EXPECT_EQ(consumed, head.size());  // the value left the caller's buffer for the parser
  const size_t assembling = parser.assembling_bytes();
  EXPECT_GE(assembling, big.size() + 1);  // the value's block (SET and k are short strings)
  EXPECT_LT(assembling, big.size() + 64 * 1024);
  const std::string tail = "$7\r\nKEEPTTL\r\n";
  ASSERT_EQ(parser.Parse(tail.data(), tail.size(), &consumed, &args), Result::kCommand);
  EXPECT_EQ(args.size(), 4u);
  EXPECT_EQ(parser.assembling_bytes(), 0u);
  EXPECT_GE(parser.command_bytes(), assembling);  // the same arguments, now the caller's
  // Small arguments count their length, not an allocator lookup; short ones nothing.
  const std::string small = "*2\r\n$4\r\nECHO\r\n$100\r\n" + std::string(100, 'y') + "\r\n";
  ASSERT_EQ(parser.Parse(small.data(), small.size(), &consumed, &args), Result::kCommand);
  EXPECT_GE(parser.command_bytes(), 101 + 2 * sizeof(std::string));
  EXPECT_LE(parser.command_bytes(), 101 + 8 * sizeof(std::string));  // the vector's slots
  // A reset drops the partial request's count with it.
  ASSERT_EQ(parser.Parse(head.data(), head.size(), &consumed, &args), Result::kNeedMore);
  EXPECT_GT(parser.assembling_bytes(), big.size());
  parser.Reset();
  EXPECT_LE(parser.assembling_bytes(), 4 * sizeof(std::string));  // the empty vector's slots
}

TEST(RespParser, Inline) {
  ExpectCommand("SET key value\r\n", {"SET", "key", "value"});
  ExpectCommand("PING\n", {"PING"});
  ExpectCommand("  get \t k  \r\n", {"get", "k"});
  ExpectCommand("$3\r\n", {"$3"});  // only '*' starts a multibulk
}

TEST(RespParser, InlineQuoting) {
  ExpectCommand("SET \"a b\" 'c d'\r\n", {"SET", "a b", "c d"});
  ExpectCommand("SET k \"\\x41\\x7a\\n\\r\\t\\b\\a\\\\\\\"\\q\"\n",
                {"SET", "k", std::string("Az\n\r\t\b\a\\\"q")});
  ExpectCommand("SET k 'it\\'s \\n'\n", {"SET", "k", "it's \\n"});
  ExpectCommand("SET k \"\\xZZ\"\n", {"SET", "k", "xZZ"});  // not a hex escape: '\x' -> 'x'
  ExpectCommand("SET k\"v w\"\n", {"SET", "kv w"});         // a quote may start mid-argument
  ExpectCommand("SET k \"\"\n", {"SET", "k", ""});
  ExpectCommand("a\vb\n", {"a\vb"});  // \v separates only leading blanks, as in sdssplitargs
}

TEST(RespParser, InlineEndsAtNulLikeRedis) {
  ExpectCommand(std::string_view("GET k\0junk\r\n", 12), {"GET", "k"});
  ExpectError(std::string_view("GET \"k\0\"\r\n", 10),
              "Protocol error: unbalanced quotes in request");
}

TEST(RespParser, UnbalancedQuotes) {
  for (const char* in : {"SET \"abc\r\n", "SET 'abc\n", "SET \"a\"b\n", "SET 'a'b\n", "\"\\\"\n"}) {
    ExpectError(in, "Protocol error: unbalanced quotes in request");
  }
}

TEST(RespParser, EmptyInlineLinesAreSkipped) {
  ExpectCommand("\r\n\n  \r\n\t\nPING\r\n", {"PING"});
  Outcome only_empty = Whole("\r\n\n\r\n");
  EXPECT_TRUE(only_empty.commands.empty());
  EXPECT_FALSE(only_empty.error);
  EXPECT_EQ(only_empty.leftover, 0u);  // skipped lines are consumed
}

TEST(RespParser, ZeroAndNegativeCountsAreSkipped) {
  ExpectCommand("*0\r\n*-1\r\n*-5\r\n*1\r\n$4\r\nPING\r\n", {"PING"});
  Outcome skipped = Whole("*0\r\n*-1\r\n");
  EXPECT_TRUE(skipped.commands.empty());
  EXPECT_FALSE(skipped.error);
  EXPECT_EQ(skipped.leftover, 0u);
  ExpectError("*-0\r\n", "Protocol error: invalid multibulk length");
}

TEST(RespParser, Pipelined) {
  const std::string in = Multibulk({"SET", "a", "1"}) + "GET a\r\n" + "\r\n" +
                         Multibulk({"INCR", "a"}) + "*0\r\n" + Multibulk({"DEL", "a"}) +
                         "PING\n*2\r\n$3\r\nGET";
  Outcome out = Whole(in);
  ASSERT_FALSE(out.error) << out.message;
  EXPECT_EQ(
      out.commands,
      std::vector<Args>({{"SET", "a", "1"}, {"GET", "a"}, {"INCR", "a"}, {"DEL", "a"}, {"PING"}}));
  // The trailing "*2\r\n" and "$3\r\n" headers were absorbed; the partial payload "GET" stays.
  EXPECT_EQ(out.leftover, 3u);
  EXPECT_EQ(out.bytes_wanted, 5u);
}

TEST(RespParser, PartialMultibulkAbsorbsCompleteElements) {
  RespParser parser;
  Args args;
  size_t consumed = 0;
  std::string in = "*2\r\n$3\r\nGET\r\n$3\r\nke";
  ASSERT_EQ(parser.Parse(in.data(), in.size(), &consumed, &args), Result::kNeedMore);
  EXPECT_EQ(consumed, in.size() - 2);  // headers and "GET" absorbed; "ke" stays with the caller
  EXPECT_EQ(parser.BytesWanted(), 5u);
  in = "key\r";
  ASSERT_EQ(parser.Parse(in.data(), in.size(), &consumed, &args), Result::kNeedMore);
  EXPECT_EQ(consumed, 0u);
  in = "key\r\n";
  ASSERT_EQ(parser.Parse(in.data(), in.size(), &consumed, &args), Result::kCommand);
  EXPECT_EQ(consumed, 5u);
  EXPECT_EQ(args, Args({"GET", "key"}));
  EXPECT_EQ(parser.BytesWanted(), 0u);
}

// A mix of everything the parser accepts, used by the split tests.
std::string MixedRequests() {
  return Multibulk({"SET", "key", std::string("bin\r\n\0ary", 9)}) + "\r\n" + "GET key\r\n" +
         "SET \"q \\x41\" 'x y'\n" + "*0\r\n" + Multibulk({"MSET", "a", "", "b", "22"}) +
         "*-1\r\n" + Multibulk({std::string(300, 'v')}) + "PING\n";
}

TEST(RespParser, EverySplitPointGivesTheSameResult) {
  const std::string in = MixedRequests();
  const Outcome whole = Whole(in);
  ASSERT_FALSE(whole.error) << whole.message;
  ASSERT_EQ(whole.commands.size(), 6u);
  EXPECT_EQ(whole.leftover, 0u);
  for (size_t cut = 0; cut <= in.size(); cut++) {
    EXPECT_EQ(Drive(in, {cut}), whole) << "cut at " << cut;
  }
  EXPECT_EQ(ByteByByte(in), whole);
}

TEST(RespParser, RandomChunksGiveTheSameResult) {
  const std::string in = MixedRequests() + MixedRequests();
  const Outcome whole = Whole(in);
  std::mt19937 rng(42);
  for (int i = 0; i < 300; i++) {
    std::vector<size_t> chunks = RandomChunks(in.size(), &rng, i % 2 ? 7 : 64);
    ASSERT_EQ(Drive(in, chunks), whole) << "iteration " << i;
  }
}

TEST(RespParser, BinarySafeBulks) {
  const std::string value("\r\n$3\r\n*1\r\n\0\xff", 13);
  ExpectCommand(Multibulk({"SET", value, std::string("\n", 1)}), {"SET", value, "\n"});
}

TEST(RespParser, BigBulkIsTakenOnceComplete) {
  const std::string value(8 * 1024 * 1024 + 3, 'x');
  const std::string in = Multibulk({"SET", "k", value});
  RespParser parser;
  Args args;
  size_t consumed = 0;
  const size_t header_end = in.size() - value.size() - 2;
  ASSERT_EQ(parser.Parse(in.data(), header_end + 1000, &consumed, &args), Result::kNeedMore);
  EXPECT_EQ(consumed, header_end);
  EXPECT_EQ(parser.BytesWanted(), value.size() + 2);
  const char* payload = in.data() + header_end;
  ASSERT_EQ(parser.Parse(payload, value.size() + 1, &consumed, &args), Result::kNeedMore);
  EXPECT_EQ(consumed, 0u);
  ASSERT_EQ(parser.Parse(payload, value.size() + 2, &consumed, &args), Result::kCommand);
  EXPECT_EQ(consumed, value.size() + 2);
  ASSERT_EQ(args.size(), 3u);
  EXPECT_EQ(args[2], value);
  // And in 64 KiB reads, as a socket would deliver it.
  Outcome chunked = Drive(in, std::vector<size_t>(in.size() / 65536, 65536));
  ASSERT_EQ(chunked.commands.size(), 1u);
  EXPECT_EQ(chunked.commands[0][2], value);
}

TEST(RespParser, TakeBulkMakesTheBufferTheArgument) {
  const std::string value(1024 * 1024 + 5, 'v');
  const std::string in = Multibulk({"SET", "k", value, "KEEPTTL"});
  RespParser parser;
  Args args;
  size_t consumed = 0;
  ASSERT_EQ(parser.Parse(in.data(), in.find(value), &consumed, &args), Result::kNeedMore);
  ASSERT_EQ(consumed, in.find(value));  // the headers and "SET", "k" are the parser's now
  ASSERT_EQ(parser.BytesWanted(), value.size() + 2);
  std::string buf = value + "\r\n";
  const char* block = buf.data();
  const size_t before = parser.assembling_bytes();
  ASSERT_EQ(parser.TakeBulk(std::move(buf), &args), Result::kNeedMore);
  EXPECT_TRUE(args.empty());
  EXPECT_EQ(parser.BytesWanted(), 0u);
  EXPECT_GE(parser.assembling_bytes(), before + value.size());  // counted as a parsed argument
  const std::string rest = in.substr(in.find(value) + value.size() + 2);
  ASSERT_EQ(parser.Parse(rest.data(), rest.size(), &consumed, &args), Result::kCommand);
  EXPECT_EQ(consumed, rest.size());
  ASSERT_EQ(args.size(), 4u);
  EXPECT_EQ(args[2], value);
  EXPECT_EQ(args[2].data(), block);  // the same block: not copied
  EXPECT_EQ(args[3], "KEEPTTL");
  // As the last argument, it completes the command.
  const std::string in2 = Multibulk({"SET", "k", value});
  ASSERT_EQ(parser.Parse(in2.data(), in2.find(value), &consumed, &args), Result::kNeedMore);
  ASSERT_EQ(parser.TakeBulk(value + "\r\n", &args), Result::kCommand);
  ASSERT_EQ(args.size(), 3u);
  EXPECT_EQ(args[2], value);
  EXPECT_GE(parser.command_bytes(), value.size());
}

TEST(RespParser, ErrorInvalidMultibulkLength) {
  for (const char* in : {"*abc\r\n", "*\r\n", "*1x\r\n", "*+1\r\n", "*01\r\n", "* 1\r\n",
                         "*1048577\r\n", "*99999999999999999999\r\n"}) {
    ExpectError(in, "Protocol error: invalid multibulk length");
  }
}

TEST(RespParser, ErrorInvalidBulkLength) {
  for (const char* in : {"*1\r\n$abc\r\n", "*1\r\n$-1\r\n", "*1\r\n$\r\n", "*1\r\n$1 \r\n",
                         "*1\r\n$536870913\r\n", "*1\r\n$9223372036854775807\r\n"}) {
    ExpectError(in, "Protocol error: invalid bulk length");
  }
}

TEST(RespParser, ErrorExpectedDollar) {
  ExpectError("*1\r\nfoo\r\n", "Protocol error: expected '$', got 'f'");
  ExpectError("*2\r\n$1\r\na\r\n:1\r\n", "Protocol error: expected '$', got ':'");
  // Redis reports it only once the header line is complete.
  EXPECT_FALSE(Whole("*1\r\nfoo").error);
}

TEST(RespParser, ErrorTooBigCountStrings) {
  ExpectError("*" + std::string(64 * 1024 + 1, '1'), "Protocol error: too big mbulk count string");
  ExpectError("*1\r\n$" + std::string(64 * 1024, '1'), "Protocol error: too big bulk count string");
  // The limit is on the header line, whether or not its '\r' is in the same read.
  ExpectError("*1\r\n$" + std::string(64 * 1024, '1') + "\r\n",
              "Protocol error: too big bulk count string");
  // Up to 64 KiB before the '\r' it is a plain (bad) number.
  ExpectError("*" + std::string(64 * 1024 - 1, '1') + "\r\n",
              "Protocol error: invalid multibulk length");
  EXPECT_FALSE(Whole("*" + std::string(64 * 1024 - 1, '1')).error);
}

TEST(RespParser, ErrorTooBigInlineRequest) {
  const std::string line(64 * 1024 + 1, 'a');
  ExpectError(line, "Protocol error: too big inline request");
  ExpectError(line + "\n", "Protocol error: too big inline request");
  // Exactly the limit (counting a trailing '\r') is accepted, with or without its newline yet.
  const std::string at_limit = std::string(64 * 1024 - 1, 'a') + "\r";
  EXPECT_FALSE(Whole(at_limit).error);
  Outcome ok = Whole(at_limit + "\n");
  ASSERT_EQ(ok.commands.size(), 1u);
  EXPECT_EQ(ok.commands[0][0].size(), 64u * 1024 - 1);
}

TEST(RespParser, Limits) {
  RespLimits small;
  small.max_bulk_len = 3;
  small.max_multibulk_len = 2;
  small.max_inline_len = 8;
  Outcome ok = Whole(Multibulk({"GET", "abc"}) + "GET abcd\r\n", small);  // 9 bytes before '\n'
  EXPECT_EQ(ok.commands.size(), 1u);
  EXPECT_EQ(ok.message, "Protocol error: too big inline request");
  EXPECT_EQ(Whole("GET abc\n", small).commands.size(), 1u);  // 7 bytes
  ExpectError(Multibulk({"GET", "abcd"}), "Protocol error: invalid bulk length", small);
  ExpectError(Multibulk({"DEL", "a", "b"}), "Protocol error: invalid multibulk length", small);

  RespParser parser(small);
  const std::string in = Multibulk({"GET", "abcd"});
  size_t consumed = 0;
  Args args;
  parser.set_limits(RespLimits{});
  EXPECT_EQ(parser.Parse(in.data(), in.size(), &consumed, &args), Result::kCommand);
}

TEST(RespParser, ErrorIsStickyUntilReset) {
  RespParser parser;
  size_t consumed = 0;
  Args args;
  std::string bad = Multibulk({"PING"}) + "*x\r\n";
  ASSERT_EQ(parser.Parse(bad.data(), bad.size(), &consumed, &args), Result::kCommand);
  bad.erase(0, consumed);
  ASSERT_EQ(parser.Parse(bad.data(), bad.size(), &consumed, &args), Result::kError);
  EXPECT_EQ(consumed, 0u);
  const std::string good = Multibulk({"PING"});
  EXPECT_EQ(parser.Parse(good.data(), good.size(), &consumed, &args), Result::kError);
  EXPECT_EQ(parser.error(), "Protocol error: invalid multibulk length");
  parser.Reset();
  EXPECT_EQ(parser.error(), "");
  EXPECT_EQ(parser.Parse(good.data(), good.size(), &consumed, &args), Result::kCommand);
  EXPECT_EQ(args, Args({"PING"}));
}

TEST(RespParser, ResetDropsPartialRequest) {
  RespParser parser;
  size_t consumed = 0;
  Args args;
  const std::string partial = "*2\r\n$3\r\nGET\r\n$1";
  ASSERT_EQ(parser.Parse(partial.data(), partial.size(), &consumed, &args), Result::kNeedMore);
  parser.Reset();
  EXPECT_EQ(parser.BytesWanted(), 0u);
  const std::string in = "PING\r\n";
  ASSERT_EQ(parser.Parse(in.data(), in.size(), &consumed, &args), Result::kCommand);
  EXPECT_EQ(args, Args({"PING"}));
}

TEST(RespParser, SkipsTheTwoBytesAfterCrLikeRedis) {
  // Redis does not check that '\r' is followed by '\n', nor that a payload ends in CRLF.
  ExpectCommand("*1\rx$4\r\nPINGzz", {"PING"});
}

TEST(RespParser, EmptyInputNeedsMore) {
  RespParser parser;
  size_t consumed = 7;
  Args args;
  EXPECT_EQ(parser.Parse(nullptr, 0, &consumed, &args), Result::kNeedMore);
  EXPECT_EQ(consumed, 0u);
  EXPECT_EQ(parser.BytesWanted(), 0u);
}

TEST(RespParser, ManyArgumentsAreNotPreallocatedFromTheCount) {
  // A tiny request announcing the maximum count must not cost a million slots up front; it just
  // waits for its arguments.
  Outcome out = Whole("*1048576\r\n$1\r\na\r\n");
  EXPECT_FALSE(out.error);
  EXPECT_TRUE(out.commands.empty());
  EXPECT_EQ(out.leftover, 0u);
  Args many(5000, "x");
  Outcome big = Drive(Multibulk(many), std::vector<size_t>(100, 97));
  ASSERT_EQ(big.commands.size(), 1u);
  EXPECT_EQ(big.commands[0], many);
}

// Random bytes from an alphabet rich in protocol characters: the parser must not crash, must
// keep consumed <= len (checked in Drive) and must give the same outcome however input is split.
TEST(RespParser, GarbageNeverCrashesAndIsSplitIndependent) {
  std::string alphabet = "**$$\r\n\r\n0123456789-\"'\\ x\tabcAF";
  alphabet.push_back('\0');
  std::mt19937 rng(7);
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  std::uniform_int_distribution<size_t> length(0, 200);
  RespLimits small;
  small.max_bulk_len = 20;
  small.max_multibulk_len = 5;
  small.max_inline_len = 30;
  int errors = 0, commands = 0;
  for (int i = 0; i < 3000; i++) {
    std::string in(length(rng), ' ');
    for (char& c : in) c = alphabet[pick(rng)];
    RespLimits limits = i % 2 ? small : RespLimits{};
    const Outcome whole = Whole(in, limits);
    errors += whole.error;
    commands += static_cast<int>(whole.commands.size());
    ASSERT_EQ(ByteByByte(in, limits), whole) << "input " << i;
    ASSERT_EQ(Drive(in, RandomChunks(in.size(), &rng, 9), limits), whole) << "input " << i;
  }
  // The alphabet reaches both outcomes often; a parser rejecting or accepting everything fails.
  EXPECT_GT(errors, 300);
  EXPECT_GT(commands, 300);
}

}  // namespace
}  // namespace mnemo
