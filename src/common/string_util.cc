#include "common/string_util.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace mnemo {

std::optional<int64_t> ParseInt64(std::string_view s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  size_t i = 0;
  bool neg = false;
  if (s[0] == '-') {
    neg = true;
    i = 1;
    if (s.size() == 1) return std::nullopt;
  }
  if (s[i] == '0' && s.size() > i + 1) return std::nullopt;
  if (neg && s[i] == '0') return std::nullopt;  // "-0" is not canonical
  uint64_t v = 0;
  for (; i < s.size(); i++) {
    char c = s[i];
    if (c < '0' || c > '9') return std::nullopt;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  if (neg) {
    if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + 1) return std::nullopt;
    return static_cast<int64_t>(0 - v);
  }
  if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
  return static_cast<int64_t>(v);
}

std::optional<uint64_t> ParseUint64(std::string_view s) {
  if (s.empty() || s.size() > 20 || s[0] == '-') return std::nullopt;
  if (s[0] == '0' && s.size() > 1) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

std::optional<long double> ParseLongDouble(std::string_view s) {
  if (s.empty() || s.size() > 5000 || isspace(static_cast<unsigned char>(s[0])))
    return std::nullopt;
  std::string buf(s);
  char* end = nullptr;
  errno = 0;
  long double v = strtold(buf.c_str(), &end);
  if (end != buf.c_str() + buf.size() || std::isnan(v)) return std::nullopt;
  // As Redis's string2ld: an overflow (HUGE_VAL) or an underflow to zero is not a number, a
  // denormal result is; the text "inf" is not a range error and stays accepted.
  if (errno == ERANGE && (std::isinf(v) || v == 0)) return std::nullopt;
  return v;
}

std::optional<double> ParseDouble(std::string_view s) {
  auto v = ParseLongDouble(s);
  if (!v) return std::nullopt;
  return static_cast<double>(*v);
}

std::string FormatDouble(long double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  // A long double prints up to 4932 integer digits plus 18 for the point and the decimals.
  char buf[5000];
  int n = snprintf(buf, sizeof(buf), "%.17Lf", v);
  std::string out(buf, static_cast<size_t>(std::min<int>(n, sizeof(buf) - 1)));
  if (out.find('.') != std::string::npos) {
    while (!out.empty() && out.back() == '0') out.pop_back();
    if (!out.empty() && out.back() == '.') out.pop_back();
  }
  if (out == "-0") out = "0";
  return out;
}

std::optional<int64_t> ParseMemorySize(std::string_view s) {
  std::string lower = ToLower(s);
  int64_t mul = 1;
  auto ends = [&](std::string_view suf) {
    return lower.size() > suf.size() &&
           lower.compare(lower.size() - suf.size(), suf.size(), suf) == 0;
  };
  struct Unit {
    const char* suffix;
    int64_t mul;
  };
  static const Unit kUnits[] = {{"kb", 1024}, {"mb", 1024LL * 1024}, {"gb", 1LL << 30},
                                {"k", 1000},  {"m", 1000 * 1000},    {"g", 1000LL * 1000 * 1000},
                                {"b", 1}};
  for (const Unit& u : kUnits) {
    if (ends(u.suffix)) {
      mul = u.mul;
      lower.resize(lower.size() - strlen(u.suffix));
      break;
    }
  }
  auto n = ParseInt64(lower);
  if (!n || *n < 0) return std::nullopt;
  if (*n > std::numeric_limits<int64_t>::max() / mul) return std::nullopt;
  return *n * mul;
}

std::string HumanBytes(uint64_t n) {
  static const char* kUnits[] = {"B", "K", "M", "G", "T", "P"};
  double d = static_cast<double>(n);
  int u = 0;
  while (d >= 1024 && u < 5) {
    d /= 1024;
    u++;
  }
  char buf[64];
  if (u == 0) {
    snprintf(buf, sizeof(buf), "%lluB", static_cast<unsigned long long>(n));
  } else {
    snprintf(buf, sizeof(buf), "%.2f%s", d, kUnits[u]);
  }
  return buf;
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++) {
    if (tolower(static_cast<unsigned char>(a[i])) != tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

int64_t NowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

int64_t NowUs() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

int64_t MonotonicUs() {
  using namespace std::chrono;
  return duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace mnemo
