// The bitmap commands over string values (SETBIT, BITOP, BITFIELD, and the reads GETBIT,
// BITCOUNT, BITPOS), as Redis: a bitmap is a string, so a key written here reads back with GET,
// APPEND, GETRANGE... and a string key takes SETBIT. The bit logic is types/bitmap.h; this class
// reads and writes the value through StringValue (types/string_fragments.h), so on a value
// longer than kStringFragmentSize a SETBIT or BITFIELD write rewrites only the fragment(s) its
// bits fall in, and reads visit only the fragments of their range (docs/internals.md,
// "Bitmaps"). BITOP reads its sources whole and writes its result whole, as Redis does.
//
// Values grow only within proto-max-bulk-len and the memory left under the limit (StringType's
// CheckSize), judged on the logical length even where the fragments are sparse. Thread-safe like
// Database; a cheap value made per command.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "types/bitmap.h"
#include "types/string_fragments.h"
#include "types/string_type.h"

namespace mnemo {

class BitmapType {
 public:
  explicit BitmapType(StringType strings, Database* db) : strings_(strings), db_(db) {}

  // SETBIT: the old bit. REQUIRES: offset / 8 < max_len (the command's range check).
  StatusOr<int> SetBit(std::string_view key, uint64_t offset, int value);
  // BITOP: stores the result in `dst` (without TTL), or deletes `dst` when every source is empty
  // or missing; returns the result's length. WrongType when a source is not a string.
  StatusOr<int64_t> BitOp(bitmap::Op op, std::string_view dst,
                          const std::vector<std::string_view>& sources);

  struct FieldOp {
    enum class Kind { kGet, kSet, kIncrBy } kind = Kind::kGet;
    bitmap::FieldType type;
    uint64_t offset = 0;
    int64_t value = 0;  // SET's value, INCRBY's increment
    bitmap::Overflow overflow = bitmap::Overflow::kWrap;
  };
  // BITFIELD: one result per op, nullopt where OVERFLOW FAIL refused it. With a SET or INCRBY,
  // the value first grows to the highest bit written (so the key exists afterwards even when
  // every write failed, as in Redis). Without one, reads only.
  StatusOr<std::vector<std::optional<int64_t>>> BitField(std::string_view key,
                                                         const std::vector<FieldOp>& ops);

  // GETBIT: the bit at `offset` (0 beyond the end or for a missing key); WrongType.
  StatusOr<int> GetBit(std::string_view key, uint64_t offset) const;
  // BITCOUNT / BITPOS over a loaded value (bitmap::Count and bitmap::Pos, piece by piece; runs
  // of unstored fragments count as zeros without being materialised).
  static StatusOr<int64_t> Count(const StringValue& v, bitmap::BitRange r);
  static StatusOr<int64_t> Pos(const StringValue& v, int bit, bitmap::BitRange r, bool end_given);

 private:
  StringType strings_;
  Database* db_;
};

}  // namespace mnemo
