// libFuzzer target for RespParser. Each input is parsed twice, as one read and split into reads
// of pseudo-random sizes, the way a connection drives the parser. Both runs must give the same
// commands and the same final outcome, and every call must keep the Parse contract. Any violation
// aborts, so the fuzzer reports it as a crash (with ASan/UBSan catching memory errors meanwhile).
//
// Input layout: byte 0 selects the limits (bit 0: tiny limits, so limit paths are reachable with
// short inputs) and seeds the chunk sizes; the rest is the request stream.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "protocol/resp_parser.h"

namespace mnemo {
namespace {

#define FUZZ_CHECK(cond)                                                             \
  do {                                                                               \
    if (!(cond)) {                                                                   \
      fprintf(stderr, "%s:%d: invariant violated: %s\n", __FILE__, __LINE__, #cond); \
      abort();                                                                       \
    }                                                                                \
  } while (0)

struct Outcome {
  std::vector<std::vector<std::string>> commands;
  std::string error;      // "" unless the stream ended in kError
  size_t unconsumed = 0;  // input bytes the parser never consumed
  size_t bytes_wanted = 0;
};

// One Parse call on an exactly-sized heap copy of the buffer, so ASan flags any read past len.
RespParser::Result ParseOnce(RespParser* parser, const std::string& buf, size_t* consumed,
                             std::vector<std::string>* args) {
  std::unique_ptr<char[]> exact(new char[buf.size()]);
  if (!buf.empty()) memcpy(exact.get(), buf.data(), buf.size());
  *consumed = SIZE_MAX;
  RespParser::Result r = parser->Parse(exact.get(), buf.size(), consumed, args);
  FUZZ_CHECK(*consumed <= buf.size());
  return r;
}

// Feeds `data` in reads of the given sizes (the rest in a last read), parsing after each read
// until the parser needs more, as a connection does.
Outcome Drive(const uint8_t* data, size_t size, const RespLimits& limits,
              const std::vector<size_t>& reads) {
  RespParser parser(limits);
  Outcome out;
  std::string buf;
  size_t fed = 0;
  for (size_t i = 0; i <= reads.size() && out.error.empty(); i++) {
    size_t n = i < reads.size() ? std::min(reads[i], size - fed) : size - fed;
    buf.append(reinterpret_cast<const char*>(data) + fed, n);
    fed += n;
    while (true) {
      std::vector<std::string> args = {"stale"};
      size_t consumed;
      RespParser::Result r = ParseOnce(&parser, buf, &consumed, &args);
      buf.erase(0, consumed);
      if (r == RespParser::Result::kError) {
        FUZZ_CHECK(!parser.error().empty());
        FUZZ_CHECK(parser.error().rfind("Protocol error: ", 0) == 0);
        out.error = parser.error();
        // The error is sticky until Reset.
        FUZZ_CHECK(ParseOnce(&parser, buf, &consumed, &args) == RespParser::Result::kError);
        FUZZ_CHECK(consumed == 0);
        break;
      }
      if (r == RespParser::Result::kNeedMore) {
        FUZZ_CHECK(args.size() == 1 && args[0] == "stale");  // untouched
        FUZZ_CHECK(parser.BytesWanted() == 0 || parser.BytesWanted() > buf.size());
        break;
      }
      FUZZ_CHECK(consumed > 0);  // so the loop always ends
      FUZZ_CHECK(!args.empty());
      FUZZ_CHECK(args.size() <= static_cast<size_t>(std::max<int64_t>(limits.max_multibulk_len,
                                                                      limits.max_inline_len)));
      for (const std::string& a : args) {
        FUZZ_CHECK(static_cast<int64_t>(a.size()) <=
                   std::max(limits.max_bulk_len, limits.max_inline_len));
      }
      out.commands.push_back(std::move(args));
    }
  }
  out.unconsumed = buf.size() + (size - fed);
  out.bytes_wanted = parser.BytesWanted();
  return out;
}

bool Same(const Outcome& a, const Outcome& b) {
  return a.commands == b.commands && a.error == b.error && a.unconsumed == b.unconsumed &&
         a.bytes_wanted == b.bytes_wanted;
}

}  // namespace
}  // namespace mnemo

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using mnemo::Drive;
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  data++;
  size--;
  mnemo::RespLimits limits;
  if (mode & 1) {
    limits.max_bulk_len = 16;
    limits.max_multibulk_len = 4;
    limits.max_inline_len = 24;
  }
  const mnemo::Outcome whole = Drive(data, size, limits, {});

  uint32_t state = mode * 2654435761u + 1;  // small LCG: chunk sizes 0..15, set by byte 0
  std::vector<size_t> reads;
  for (size_t sum = 0; sum < size;) {
    state = state * 1664525u + 1013904223u;
    sum += reads.emplace_back((state >> 24) & 15);
  }
  FUZZ_CHECK(mnemo::Same(whole, Drive(data, size, limits, reads)));
  if (size <= 512) {
    FUZZ_CHECK(mnemo::Same(whole, Drive(data, size, limits, std::vector<size_t>(size, 1))));
  }
  return 0;
}
