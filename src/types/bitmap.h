// Bit operations on string values, as Redis's bitops.c and t_string.c (LCS) define them: bit 0
// is the most significant bit of byte 0; a range of BITCOUNT/BITPOS counts in bytes or bits with
// negative indexes from the end; BITFIELD reads and writes signed and unsigned integers of 1..64
// bits (unsigned 1..63) at any bit offset, with Redis's overflow rules; LCS is the classic
// dynamic programme with Redis's way of walking back the matches.
//
// Pure functions over std::string / std::string_view, no storage: the commands read the value
// (types/string_type.h), call these and write the result back (types/bitmap_type.h).
// Thread-safe (no state).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mnemo::bitmap {

// The bit at `offset`; 0 beyond the end.
int GetBit(std::string_view s, uint64_t offset);
// Sets the bit to `value` (0 or 1), first growing `s` with zero bytes to hold it; returns the
// old bit.
int SetBit(std::string* s, uint64_t offset, int value);

// An inclusive range of bit positions; empty when first > last.
struct BitRange {
  int64_t first = 0;
  int64_t last = -1;
  bool empty() const { return first > last; }
};
// The range of BITCOUNT/BITPOS over a value of `len` bytes: start and end in bytes or (bit_unit)
// in bits, negative from the end, clamped as Redis clamps them. `end` absent: to the end.
BitRange ResolveRange(int64_t len, int64_t start, std::optional<int64_t> end, bool bit_unit);
// The whole value.
inline BitRange WholeRange(int64_t len) { return {0, len * 8 - 1}; }

// BITCOUNT: the set bits in `r`.
int64_t Count(std::string_view s, BitRange r);
// BITPOS: the first bit equal to `bit` in `r`; -1 when none. Looking for 0 without an explicit
// end, a value of all ones answers the bit just after the range (Redis pads with zeros on the
// right); with an explicit end (`end_given`) it answers -1.
int64_t Pos(std::string_view s, int bit, BitRange r, bool end_given);

enum class Op { kAnd, kOr, kXor, kNot };
// BITOP: the result over the sources (nullopt = a missing key, as an empty string), as long as
// the longest source; shorter sources count as zero-padded. REQUIRES: one source for kNot.
std::string Combine(Op op, const std::vector<std::optional<std::string_view>>& sources);

// --- BITFIELD ---
struct FieldType {
  bool is_signed = false;
  int bits = 0;  // 1..64 signed, 1..63 unsigned
};
// Parses "i8", "u16", ...; nullopt when invalid (u64 is not supported, as in Redis).
std::optional<FieldType> ParseFieldType(std::string_view text);
// Parses an offset: a bit number or "#n" = n * type.bits; nullopt when not a non-negative
// integer (the caller bounds it by proto-max-bulk-len).
std::optional<int64_t> ParseFieldOffset(std::string_view text, int bits);

// The raw field at `offset` (zero beyond the end), as unsigned bits.
uint64_t GetField(std::string_view s, uint64_t offset, int bits);
// The field as the type reads it (a signed type sign-extended).
int64_t GetFieldValue(std::string_view s, uint64_t offset, FieldType type);
// Writes the low `bits` of value. REQUIRES: s holds offset + bits bits.
void SetField(std::string* s, uint64_t offset, int bits, uint64_t value);

enum class Overflow { kWrap, kSat, kFail };
// The value to store for `value + incr` in `type` under `mode`; nullopt when it overflows and
// mode is kFail. Redis's checkSignedBitfieldOverflow / checkUnsignedBitfieldOverflow.
std::optional<int64_t> Add(FieldType type, int64_t value, int64_t incr, Overflow mode);

// --- LCS ---
// Bytes of Redis's DP table for strings of these lengths ((alen+1) * (blen+1) * 4).
uint64_t LcsTableBytes(uint64_t alen, uint64_t blen);
// The length only, in O(min(alen, blen)) memory.
uint32_t LcsLength(std::string_view a, std::string_view b);
struct LcsMatch {
  uint32_t a_start, a_end, b_start, b_end, len;
};
struct LcsResult {
  std::string lcs;
  uint32_t len = 0;
  std::vector<LcsMatch> matches;  // as Redis emits them (from the end), at least minmatchlen
};
// The longest common subsequence and its matching ranges, with Redis's table and walk (so ties
// resolve as Redis's do). Allocates LcsTableBytes(a.size(), b.size()): the caller bounds it.
LcsResult Lcs(std::string_view a, std::string_view b, bool want_matches, int64_t minmatchlen);

}  // namespace mnemo::bitmap
