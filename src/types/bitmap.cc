#include "types/bitmap.h"

#include <algorithm>
#include <limits>

#include "common/string_util.h"

namespace mnemo::bitmap {
namespace {

inline int BitAt(std::string_view s, uint64_t offset) {
  uint64_t byte = offset >> 3;
  if (byte >= s.size()) return 0;
  return (static_cast<uint8_t>(s[byte]) >> (7 - (offset & 7))) & 1;
}

inline void PutBit(std::string* s, uint64_t offset, int value) {
  char& c = (*s)[offset >> 3];
  uint8_t mask = static_cast<uint8_t>(1u << (7 - (offset & 7)));
  c = static_cast<char>(value ? (static_cast<uint8_t>(c) | mask)
                              : (static_cast<uint8_t>(c) & ~mask));
}

}  // namespace

int GetBit(std::string_view s, uint64_t offset) { return BitAt(s, offset); }

int SetBit(std::string* s, uint64_t offset, int value) {
  uint64_t byte = offset >> 3;
  if (s->size() <= byte) s->resize(byte + 1, '\0');
  int old = BitAt(*s, offset);
  PutBit(s, offset, value);
  return old;
}

BitRange ResolveRange(int64_t len, int64_t start, std::optional<int64_t> end, bool bit_unit) {
  int64_t total = bit_unit ? len * 8 : len;
  int64_t e = end.value_or(bit_unit ? len * 8 + 7 : len - 1);
  if (start < 0) start = total + start;
  if (e < 0) e = total + e;
  start = std::max<int64_t>(start, 0);
  e = std::max<int64_t>(e, 0);
  if (e >= total) e = total - 1;
  if (start > e) return BitRange{};
  if (bit_unit) return BitRange{start, e};
  return BitRange{start * 8, e * 8 + 7};
}

int64_t Count(std::string_view s, BitRange r) {
  if (r.empty()) return 0;
  int64_t n = 0;
  int64_t pos = r.first;
  while (pos <= r.last && (pos & 7) != 0) n += BitAt(s, pos++);
  int64_t whole_end = (r.last + 1) & ~int64_t{7};  // first bit of the last partial byte
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  int64_t byte = pos >> 3;
  for (; byte + 8 <= (whole_end >> 3); byte += 8) {
    uint64_t word;
    std::copy(p + byte, p + byte + 8, reinterpret_cast<uint8_t*>(&word));
    n += __builtin_popcountll(word);
  }
  for (; byte < (whole_end >> 3); byte++) n += __builtin_popcount(p[byte]);
  for (pos = std::max(pos, whole_end); pos <= r.last; pos++) n += BitAt(s, pos);
  return n;
}

int64_t Pos(std::string_view s, int bit, BitRange r, bool end_given) {
  if (r.empty()) return -1;
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const uint8_t skip = bit ? 0x00 : 0xFF;  // a byte without the bit looked for
  int64_t pos = r.first;
  while (pos <= r.last) {
    if ((pos & 7) == 0 && pos + 7 <= r.last && p[pos >> 3] == skip) {
      pos += 8;
      continue;
    }
    if (BitAt(s, pos) == bit) return pos;
    pos++;
  }
  if (bit == 1 || end_given) return -1;
  return r.last + 1;
}

std::string Combine(Op op, const std::vector<std::optional<std::string_view>>& sources) {
  size_t maxlen = 0;
  for (const auto& src : sources) maxlen = std::max(maxlen, src ? src->size() : 0);
  std::string out(maxlen, '\0');
  if (maxlen == 0) return out;
  auto byte = [&](size_t k, size_t i) -> uint8_t {
    const auto& src = sources[k];
    return src && i < src->size() ? static_cast<uint8_t>((*src)[i]) : 0;
  };
  for (size_t i = 0; i < maxlen; i++) {
    uint8_t v = byte(0, i);
    if (op == Op::kNot) v = static_cast<uint8_t>(~v);
    for (size_t k = 1; k < sources.size(); k++) {
      uint8_t b = byte(k, i);
      if (op == Op::kAnd) v &= b;
      if (op == Op::kOr) v |= b;
      if (op == Op::kXor) v ^= b;
    }
    out[i] = static_cast<char>(v);
  }
  return out;
}

std::optional<FieldType> ParseFieldType(std::string_view text) {
  if (text.empty() || (text[0] != 'i' && text[0] != 'u')) return std::nullopt;
  FieldType t;
  t.is_signed = text[0] == 'i';
  auto bits = ParseInt64(text.substr(1));
  if (!bits || *bits < 1 || *bits > (t.is_signed ? 64 : 63)) return std::nullopt;
  t.bits = static_cast<int>(*bits);
  return t;
}

std::optional<int64_t> ParseFieldOffset(std::string_view text, int bits) {
  bool hash = !text.empty() && text[0] == '#';
  auto v = ParseInt64(hash ? text.substr(1) : text);
  if (!v) return std::nullopt;
  int64_t off = *v;
  if (hash && __builtin_mul_overflow(off, static_cast<int64_t>(bits), &off)) return std::nullopt;
  if (off < 0) return std::nullopt;
  return off;
}

uint64_t GetField(std::string_view s, uint64_t offset, int bits) {
  uint64_t v = 0;
  for (int j = 0; j < bits; j++) v = (v << 1) | static_cast<uint64_t>(BitAt(s, offset + j));
  return v;
}

int64_t GetFieldValue(std::string_view s, uint64_t offset, FieldType type) {
  uint64_t u = GetField(s, offset, type.bits);
  if (type.is_signed && type.bits < 64 && (u & (uint64_t{1} << (type.bits - 1)))) {
    u |= ~uint64_t{0} << type.bits;
  }
  return static_cast<int64_t>(u);
}

void SetField(std::string* s, uint64_t offset, int bits, uint64_t value) {
  for (int j = 0; j < bits; j++) {
    PutBit(s, offset + j, static_cast<int>((value >> (bits - 1 - j)) & 1));
  }
}

namespace {

// Redis's checkUnsignedBitfieldOverflow, returning the value to store.
std::optional<uint64_t> AddUnsigned(uint64_t value, int64_t incr, int bits, Overflow mode) {
  uint64_t max = (uint64_t{1} << bits) - 1;  // bits <= 63
  auto maxincr = static_cast<int64_t>(max - value);
  int64_t minincr = -static_cast<int64_t>(value);
  bool over = value > max || (incr > 0 && incr > maxincr);
  bool under = !over && incr < 0 && incr < minincr;
  if (!over && !under) return value + static_cast<uint64_t>(incr);
  if (mode == Overflow::kFail) return std::nullopt;
  if (mode == Overflow::kSat) return over ? max : 0;
  return (value + static_cast<uint64_t>(incr)) & max;
}

// Redis's checkSignedBitfieldOverflow, returning the value to store.
std::optional<int64_t> AddSigned(int64_t value, int64_t incr, int bits, Overflow mode) {
  int64_t max = bits == 64 ? std::numeric_limits<int64_t>::max() : (int64_t{1} << (bits - 1)) - 1;
  int64_t min = -max - 1;
  auto maxincr = static_cast<int64_t>(static_cast<uint64_t>(max) - static_cast<uint64_t>(value));
  auto minincr = static_cast<int64_t>(static_cast<uint64_t>(min) - static_cast<uint64_t>(value));
  bool over =
      value > max || (bits != 64 && incr > maxincr) || (value >= 0 && incr > 0 && incr > maxincr);
  bool under = !over && (value < min || (bits != 64 && incr < minincr) ||
                         (value < 0 && incr < 0 && incr < minincr));
  uint64_t sum = static_cast<uint64_t>(value) + static_cast<uint64_t>(incr);
  if (!over && !under) return static_cast<int64_t>(sum);
  if (mode == Overflow::kFail) return std::nullopt;
  if (mode == Overflow::kSat) return over ? max : min;
  if (bits < 64) {
    uint64_t mask = ~uint64_t{0} << bits;
    sum = (sum & (uint64_t{1} << (bits - 1))) ? (sum | mask) : (sum & ~mask);
  }
  return static_cast<int64_t>(sum);
}

}  // namespace

std::optional<int64_t> Add(FieldType type, int64_t value, int64_t incr, Overflow mode) {
  if (type.is_signed) return AddSigned(value, incr, type.bits, mode);
  auto r = AddUnsigned(static_cast<uint64_t>(value), incr, type.bits, mode);
  if (!r) return std::nullopt;
  return static_cast<int64_t>(*r);
}

uint64_t LcsTableBytes(uint64_t alen, uint64_t blen) { return (alen + 1) * (blen + 1) * 4; }

uint32_t LcsLength(std::string_view a, std::string_view b) {
  if (a.size() < b.size()) std::swap(a, b);
  std::vector<uint32_t> prev(b.size() + 1, 0), cur(b.size() + 1, 0);
  for (size_t i = 1; i <= a.size(); i++) {
    for (size_t j = 1; j <= b.size(); j++) {
      cur[j] = a[i - 1] == b[j - 1] ? prev[j - 1] + 1 : std::max(prev[j], cur[j - 1]);
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

LcsResult Lcs(std::string_view a, std::string_view b, bool want_matches, int64_t minmatchlen) {
  const auto alen = static_cast<uint32_t>(a.size());
  const auto blen = static_cast<uint32_t>(b.size());
  std::vector<uint32_t> dp(static_cast<size_t>(alen + 1) * (blen + 1), 0);
  auto at = [&](uint32_t i, uint32_t j) -> uint32_t& {
    return dp[j + static_cast<size_t>(i) * (blen + 1)];
  };
  for (uint32_t i = 1; i <= alen; i++) {
    for (uint32_t j = 1; j <= blen; j++) {
      at(i, j) = a[i - 1] == b[j - 1] ? at(i - 1, j - 1) + 1 : std::max(at(i - 1, j), at(i, j - 1));
    }
  }
  LcsResult r;
  r.len = at(alen, blen);
  r.lcs.assign(r.len, '\0');
  uint32_t idx = r.len;
  // Redis's walk back from the end: a range is open while a_start != alen.
  uint32_t as = alen, ae = 0, bs = 0, be = 0;
  uint32_t i = alen, j = blen;
  while (i > 0 && j > 0) {
    bool emit = false;
    if (a[i - 1] == b[j - 1]) {
      r.lcs[idx - 1] = a[i - 1];
      if (as == alen) {
        as = ae = i - 1;
        bs = be = j - 1;
      } else if (as == i && bs == j) {
        as--;
        bs--;
      } else {
        emit = true;
      }
      if (as == 0 || bs == 0) emit = true;
      idx--;
      i--;
      j--;
    } else {
      if (at(i - 1, j) > at(i, j - 1)) {
        i--;
      } else {
        j--;
      }
      if (as != alen) emit = true;
    }
    if (emit) {
      uint32_t match_len = ae - as + 1;
      if (want_matches && (minmatchlen == 0 || match_len >= minmatchlen)) {
        r.matches.push_back({as, ae, bs, be, match_len});
      }
      as = alen;
    }
  }
  return r;
}

}  // namespace mnemo::bitmap
