#include "protocol/resp_parser.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <optional>
#include <string_view>
#include <utility>

#include "common/heap_bytes.h"
#include "common/string_util.h"

namespace mnemo {

namespace {

// Redis's PROTO_INLINE_MAX_SIZE as applied to "*N" and "$N" headers: bytes before the '\r'.
constexpr size_t kMaxHeaderLen = 64 * 1024;
// A multibulk count only preallocates this many argument slots (as Redis does), so a small
// request announcing a million arguments costs nothing up front. The same bound caps the
// argument-vector capacity the parser keeps between commands.
constexpr size_t kMaxPreallocArgs = 1024;

size_t ToSize(int64_t v) { return v < 0 ? 0 : static_cast<size_t>(v); }

// An argument's heap bytes for assembling_bytes(): its block's usable size from 4 KiB on (where
// jemalloc's rounding reaches a KiB), its length + 1 below (no allocator lookup per small
// argument), 0 for a short string kept in the object.
size_t ArgumentBytes(const std::string& a) {
  if (a.size() < sizeof(std::string) / 2) return 0;
  return a.size() >= 4096 ? HeapBytes(a) : a.size() + 1;
}

// isspace() in the C locale, without the locale lookup.
bool IsSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int HexValue(char c) {
  if (c <= '9') return c - '0';
  return (c | 0x20) - 'a' + 10;
}

char UnescapeChar(char c) {
  switch (c) {
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    case 'b':
      return '\b';
    case 'a':
      return '\a';
    default:
      return c;
  }
}

// Splits one inline request into *out like Redis's sdssplitargs: blanks separate arguments;
// "double quotes" take \n \r \t \b \a \xHH and \<any> escapes; 'single quotes' take \' only; a
// closing quote must be followed by a blank or the end of the line. Redis splits a C string, so
// the line ends at its first NUL byte. Returns false on unbalanced quotes.
bool SplitInlineArgs(std::string_view line, std::vector<std::string>* out) {
  if (const void* nul = memchr(line.data(), '\0', line.size())) {
    line = line.substr(0, static_cast<const char*>(nul) - line.data());
  }
  const size_t n = line.size();
  auto at = [&](size_t j) { return j < n ? line[j] : '\0'; };  // '\0' plays the C terminator
  size_t i = 0;
  while (true) {
    while (i < n && IsSpace(line[i])) i++;
    if (i == n) return true;
    std::string& arg = out->emplace_back();
    bool in_double = false, in_single = false, done = false;
    while (!done) {
      const char c = at(i);
      if (in_double) {
        if (c == '\\' && at(i + 1) == 'x' && IsHexDigit(at(i + 2)) && IsHexDigit(at(i + 3))) {
          arg.push_back(static_cast<char>(HexValue(at(i + 2)) * 16 + HexValue(at(i + 3))));
          i += 3;
        } else if (c == '\\' && at(i + 1) != '\0') {
          arg.push_back(UnescapeChar(line[++i]));
        } else if (c == '"') {
          if (at(i + 1) != '\0' && !IsSpace(at(i + 1))) return false;
          done = true;
        } else if (c == '\0') {
          return false;
        } else {
          arg.push_back(c);
        }
      } else if (in_single) {
        if (c == '\\' && at(i + 1) == '\'') {
          arg.push_back('\'');
          i++;
        } else if (c == '\'') {
          if (at(i + 1) != '\0' && !IsSpace(at(i + 1))) return false;
          done = true;
        } else if (c == '\0') {
          return false;
        } else {
          arg.push_back(c);
        }
      } else if (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\0') {
        done = true;  // unlike the leading-blank skip, '\v' and '\f' do not end an argument
      } else if (c == '"') {
        in_double = true;
      } else if (c == '\'') {
        in_single = true;
      } else {
        arg.push_back(c);
      }
      if (i < n) i++;
    }
  }
}

// Where a line ends, if it has arrived. The limit is checked against the position of the line
// end, not against the bytes at hand, so the outcome does not depend on how input is split.
enum class LineEnd { kFound, kNeedMore, kTooLong };

// Looks for `term` in p[0..n), from `scanned` on. A line of more than `max` bytes before its
// terminator is kTooLong whether or not the terminator has arrived.
LineEnd FindLineEnd(const char* p, size_t n, size_t scanned, size_t max, char term, size_t* at) {
  const size_t limit = std::min(n, max + 1);
  const size_t from = std::min(scanned, limit);
  if (const void* hit = memchr(p + from, term, limit - from)) {
    *at = static_cast<size_t>(static_cast<const char*>(hit) - p);
    return LineEnd::kFound;
  }
  *at = n;
  return n > max ? LineEnd::kTooLong : LineEnd::kNeedMore;
}

}  // namespace

RespParser::RespParser(RespLimits limits) : limits_(limits) {}

RespParser::Result RespParser::Parse(const char* buf, size_t len, size_t* consumed,
                                     std::vector<std::string>* args) {
  *consumed = 0;
  if (!error_.empty()) return Result::kError;
  // What the previous call searched belongs to the line starting at buf[0] only.
  size_t scanned = std::exchange(scanned_, 0);
  size_t pos = 0;
  while (true) {
    const char* p = buf + pos;
    const size_t n = len - pos;
    size_t used = 0;
    Step step;
    if (args_left_ == 0) {
      if (n == 0) return Result::kNeedMore;
      step = p[0] == '*' ? ParseMultibulkHeader(p, n, scanned, &used)
                         : ParseInline(p, n, scanned, &used);
    } else if (bulk_len_ < 0) {
      step = ParseBulkHeader(p, n, scanned, &used);
    } else {
      step = ParseBulkPayload(p, n, &used);
    }
    scanned = 0;
    pos += used;
    *consumed = pos;
    switch (step) {
      case Step::kProgress:
        continue;
      case Step::kNeedMore:
        return Result::kNeedMore;
      case Step::kError:
        return Result::kError;
      case Step::kCommand:
        HandOver(args);
        return Result::kCommand;
    }
  }
}

RespParser::Result RespParser::TakeBulk(std::string&& buf, std::vector<std::string>* args) {
  assert(args_left_ > 0 && bulk_len_ >= 0 && buf.size() == BytesWanted());
  buf.resize(static_cast<size_t>(bulk_len_));  // shrinking keeps the block
  assembled_bytes_ += ArgumentBytes(argv_.emplace_back(std::move(buf)));
  bulk_len_ = -1;
  if (--args_left_ > 0) return Result::kNeedMore;
  HandOver(args);
  return Result::kCommand;
}

void RespParser::HandOver(std::vector<std::string>* args) {
  // Without copying: the caller's old vector becomes the next command's storage (its strings
  // are dropped, as the contract clears *args).
  command_bytes_ = assembling_bytes();
  assembled_bytes_ = 0;
  args->swap(argv_);
  if (argv_.capacity() > kMaxPreallocArgs) {
    std::vector<std::string>().swap(argv_);
  } else {
    argv_.clear();
  }
}

RespParser::Step RespParser::ParseInline(const char* p, size_t n, size_t scanned, size_t* used) {
  size_t nl;
  switch (FindLineEnd(p, n, scanned, ToSize(limits_.max_inline_len), '\n', &nl)) {
    case LineEnd::kTooLong:
      return Fail("Protocol error: too big inline request");
    case LineEnd::kNeedMore:
      scanned_ = nl;
      return Step::kNeedMore;
    case LineEnd::kFound:
      break;
  }
  const size_t line_len = (nl > 0 && p[nl - 1] == '\r') ? nl - 1 : nl;
  if (!SplitInlineArgs(std::string_view(p, line_len), &argv_)) {
    argv_.clear();
    return Fail("Protocol error: unbalanced quotes in request");
  }
  *used = nl + 1;
  for (const std::string& a : argv_) assembled_bytes_ += ArgumentBytes(a);
  return argv_.empty() ? Step::kProgress : Step::kCommand;
}

RespParser::Step RespParser::FindHeaderEnd(const char* p, size_t n, size_t scanned,
                                           const char* too_big, size_t* cr) {
  switch (FindLineEnd(p, n, scanned, kMaxHeaderLen, '\r', cr)) {
    case LineEnd::kTooLong:
      return Fail(too_big);
    case LineEnd::kNeedMore:
      scanned_ = *cr;
      return Step::kNeedMore;
    case LineEnd::kFound:
      break;
  }
  if (*cr + 2 > n) {  // the byte after '\r' (skipped unchecked, like Redis) is not here yet
    scanned_ = *cr;
    return Step::kNeedMore;
  }
  return Step::kProgress;
}

RespParser::Step RespParser::ParseMultibulkHeader(const char* p, size_t n, size_t scanned,
                                                  size_t* used) {
  size_t cr;
  Step step = FindHeaderEnd(p, n, scanned, "Protocol error: too big mbulk count string", &cr);
  if (step != Step::kProgress) return step;
  std::optional<int64_t> count = ParseInt64(std::string_view(p + 1, cr - 1));
  if (!count || *count > limits_.max_multibulk_len) {
    return Fail("Protocol error: invalid multibulk length");
  }
  *used = cr + 2;
  if (*count > 0) {  // a count <= 0 is an empty request, skipped like Redis does
    args_left_ = *count;
    argv_.reserve(std::min(static_cast<size_t>(*count), kMaxPreallocArgs));
  }
  return Step::kProgress;
}

RespParser::Step RespParser::ParseBulkHeader(const char* p, size_t n, size_t scanned,
                                             size_t* used) {
  size_t cr;
  Step step = FindHeaderEnd(p, n, scanned, "Protocol error: too big bulk count string", &cr);
  if (step != Step::kProgress) return step;
  if (p[0] != '$') return Fail(std::string("Protocol error: expected '$', got '") + p[0] + "'");
  std::optional<int64_t> len = ParseInt64(std::string_view(p + 1, cr - 1));
  if (!len || *len < 0 || *len > limits_.max_bulk_len) {
    return Fail("Protocol error: invalid bulk length");
  }
  bulk_len_ = *len;
  *used = cr + 2;
  return Step::kProgress;
}

RespParser::Step RespParser::ParseBulkPayload(const char* p, size_t n, size_t* used) {
  const size_t len = static_cast<size_t>(bulk_len_);
  if (n < 2 || n - 2 < len) return Step::kNeedMore;
  const std::string& arg = argv_.emplace_back(p, len);
  assembled_bytes_ += ArgumentBytes(arg);
  *used = len + 2;
  bulk_len_ = -1;
  return --args_left_ == 0 ? Step::kCommand : Step::kProgress;
}

RespParser::Step RespParser::Fail(std::string message) {
  error_ = std::move(message);
  return Step::kError;
}

size_t RespParser::BytesWanted() const {
  return (args_left_ > 0 && bulk_len_ >= 0) ? static_cast<size_t>(bulk_len_) + 2 : 0;
}

void RespParser::Reset() {
  assembled_bytes_ = 0;
  args_left_ = 0;
  bulk_len_ = -1;
  scanned_ = 0;
  argv_.clear();
  error_.clear();
}

}  // namespace mnemo
