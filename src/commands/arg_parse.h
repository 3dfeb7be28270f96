// Argument parsing helpers shared by command families. Each returns Redis's error text on bad
// input, so every family answers the same way.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/string_util.h"

namespace mnemo {

inline StatusOr<int64_t> ArgInt(std::string_view s) {
  auto v = ParseInt64(s);
  if (!v) return Status::InvalidArgument("value is not an integer or out of range");
  return *v;
}

inline StatusOr<double> ArgFloat(std::string_view s) {
  auto v = ParseDouble(s);
  if (!v) return Status::InvalidArgument("value is not a valid float");
  return *v;
}

// Converts a relative or absolute expiry argument to absolute unix ms, with Redis's checks:
// non-positive or overflowing values give "invalid expire time in '<cmd>' command".
enum class ExpireUnit { kSeconds, kMillis, kUnixSeconds, kUnixMillis };
inline StatusOr<int64_t> ArgExpireAt(std::string_view arg, ExpireUnit unit, std::string_view cmd,
                                     bool allow_non_positive = false) {
  auto v = ParseInt64(arg);
  if (!v) return Status::InvalidArgument("value is not an integer or out of range");
  std::string err = "invalid expire time in '" + ToLower(cmd) + "' command";
  int64_t n = *v;
  if (n <= 0 && !allow_non_positive) return Status::InvalidArgument(err);
  bool seconds = unit == ExpireUnit::kSeconds || unit == ExpireUnit::kUnixSeconds;
  if (seconds) {
    if (n > std::numeric_limits<int64_t>::max() / 1000 ||
        n < std::numeric_limits<int64_t>::min() / 1000) {
      return Status::InvalidArgument(err);
    }
    n *= 1000;
  }
  if (unit == ExpireUnit::kSeconds || unit == ExpireUnit::kMillis) {
    int64_t now = NowMs();
    if (n > std::numeric_limits<int64_t>::max() - now) return Status::InvalidArgument(err);
    n += now;
  }
  // An expiry in the past still means "delete"; keep it positive so 0 never means "persist".
  return n <= 0 ? int64_t{1} : n;
}

// A blocking command's timeout: seconds with decimals, read as Redis 7.0 reads it (a long double,
// times 1000, truncated to whole milliseconds; 0 = forever, so is anything under 1 ms). Returns
// the milliseconds, or "timeout is not a float or out of range", "timeout is negative" (also for
// what milliseconds cannot count, which Redis's conversion turns negative), "timeout is out of
// range" (the deadline would overflow).
inline StatusOr<int64_t> ArgBlockTimeout(std::string_view arg) {
  auto v = ParseLongDouble(arg);
  if (!v) return Status::InvalidArgument("timeout is not a float or out of range");
  // As Redis: rounded up to whole milliseconds, so a positive timeout under 1 ms waits 1 ms and
  // only 0 (or what rounds up to it, as -0.0001) waits forever.
  long double ms = ceill(*v * 1000.0L);
  constexpr long double kLimit = 9223372036854775808.0L;  // 2^63
  int64_t tval =
      ms >= -kLimit && ms < kLimit ? static_cast<int64_t>(ms) : std::numeric_limits<int64_t>::min();
  if (tval < 0) return Status::InvalidArgument("timeout is negative");
  if (tval > std::numeric_limits<int64_t>::max() - NowMs()) {
    return Status::InvalidArgument("timeout is out of range");
  }
  return tval;
}

// HSCAN / SSCAN / ZSCAN options from args[first] on: MATCH pattern and COUNT n (n >= 1, capped
// at 2^20 so one step stays bounded). Redis parses them only once the key was found (a missing
// key answers an empty scan whatever follows), so callers look the key up first.
inline Status ParseElementScanOptions(const std::vector<std::string>& args, size_t first,
                                      std::string* pattern, size_t* count) {
  for (size_t i = first; i < args.size(); i += 2) {
    if (i + 1 >= args.size()) return Status::InvalidArgument("syntax error");
    if (EqualsIgnoreCase(args[i], "count")) {
      auto c = ArgInt(args[i + 1]);
      if (!c.ok()) return c.status();
      if (*c < 1) return Status::InvalidArgument("syntax error");
      *count = static_cast<size_t>(std::min<int64_t>(*c, 1 << 20));
    } else if (EqualsIgnoreCase(args[i], "match")) {
      *pattern = args[i + 1];
    } else {
      return Status::InvalidArgument("syntax error");
    }
  }
  return Status::OK();
}

}  // namespace mnemo
