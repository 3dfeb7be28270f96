// The sorted set data type over Database (database.h). Each member is two records written in the
// same write: `subkeys` CF  prefix | member -> score (8 bytes, the double's bits big endian), for
// O(1) ZSCORE, and `zset_scores` CF  prefix | sortable score (8 bytes) | member -> empty, so that
// score order (ties by member bytes) is key order and score and lex ranges are range scans. The
// metadata record counts members (`size`) and their logical bytes (`bytes` = member + 8 each).
//
// Ranks are not indexed: ZRANK and by-rank ranges walk the score index from the nearer end,
// O(rank). -0.0 is stored as 0.0 (Redis answers 0 for it too). NaN never enters a set.
//
// Thread-safe like Database: a ZSetType is a cheap value per command.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "types/database.h"

namespace mnemo {

// --- the encoding (pure) ---
// 8 bytes whose byte order is the order of the doubles: -inf < ... < -0.0 == 0.0 < ... < +inf.
std::string EncodeSortableScore(double score);
uint64_t SortableScoreBits(double score);
double DecodeSortableScore(std::string_view eight_bytes);
// The value of a member's subkeys record, and back; nullopt when malformed.
std::string EncodeScoreValue(double score);
std::optional<double> DecodeScoreValue(std::string_view value);

// A score argument as Redis reads one (strtod of the whole text; NaN, overflow and trailing bytes
// refused): nullopt when invalid.
std::optional<double> ParseScore(std::string_view s);

// Bounds of a sorted set's score index, kept in its metadata tail: every live entry's index
// suffix (sortable score | member) is >= low and <= high. ZPOPMIN/ZPOPMAX leave deletion
// tombstones at an end of the index until compaction; seeking to a bound instead of the index's
// first or last key skips them (without it, each pop would walk every earlier pop's tombstone).
// known = false (an empty tail): no bounds, walks start at the index's ends.
//
// `lowest` and `highest` are the index's end entries themselves, as the last pop at that end
// read them: `lowest` holds the set's |lowest| least entries in ascending order, `highest` its
// greatest in descending order, exactly (no live entry outside `lowest` is below its last one).
// A pop takes from them without a seek while they hold more than it takes (the seek reads a
// data block of every sorted run RocksDB has, two thirds of a pop's CPU), and refills them from
// the walk it makes otherwise; writes keep them exact (Add, Remove). Empty = not known. Each
// holds at most kEndEntries suffixes of at most kEndEntryMaxSize bytes (a longer one ends it).
struct IndexBounds {
  static constexpr size_t kEndEntries = 8;
  static constexpr size_t kEndEntryMaxSize = 64;
  bool known = false;
  std::string low, high;
  std::vector<std::string> lowest, highest;
  // Takes in a suffix just written; `first` = the set's first entry. Bounds only.
  void Widen(std::string_view suffix, bool first);
  // An entry was written (Widen, and the end lists when it belongs in them).
  void Add(std::string_view suffix, bool first);
  // An entry was deleted: it leaves the end lists (the bounds stay bounds).
  void Remove(std::string_view suffix);
};
// "" when !known. Without end lists, the format before they existed: `low_len(4) | low | high`;
// with them, `0xff | low_len(4) | low | high_len(4) | high | n(1) | (len(1) | suffix)... | n(1) |
// (len(1) | suffix)...` (lowest, then highest). A binary that reads only the first format takes
// the second as no bounds, which is slower but correct.
std::string EncodeIndexBounds(const IndexBounds& b);
IndexBounds DecodeIndexBounds(std::string_view tail);

// A score interval: `(x` excludes x; -inf/+inf as Redis spells them.
struct ScoreRange {
  double min = 0, max = 0;
  bool min_ex = false, max_ex = false;
  bool Contains(double s) const {
    return (min_ex ? s > min : s >= min) && (max_ex ? s < max : s <= max);
  }
  bool Empty() const { return min > max || (min == max && (min_ex || max_ex)); }
};
// Redis's syntax: "1.5", "(1.5", "-inf", "+inf". InvalidArgument "min or max is not a float".
StatusOr<ScoreRange> ParseScoreRange(std::string_view min, std::string_view max);

// A lexicographic interval: "[a" inclusive, "(a" exclusive, "-" below and "+" above every member.
struct LexBound {
  enum class Kind { kValue, kNegInf, kPosInf } kind = Kind::kValue;
  std::string value;
  bool exclusive = false;
};
struct LexRange {
  LexBound min, max;
  bool AboveMin(std::string_view m) const;
  bool BelowMax(std::string_view m) const;
  bool Empty() const;
};
// InvalidArgument "min or max not valid string range item".
StatusOr<LexRange> ParseLexRange(std::string_view min, std::string_view max);

struct ZEntry {
  std::string member;
  double score = 0;
};

// What to walk: by rank (start/stop as Redis normalises them), by score or by lex, optionally
// from the top (rev), skipping `offset` and taking at most `limit` (< 0: all).
struct ZRangeSpec {
  enum class By { kRank, kScore, kLex } by = By::kRank;
  int64_t start = 0, stop = -1;  // kRank
  ScoreRange score;              // kScore
  LexRange lex;                  // kLex
  bool rev = false;
  int64_t offset = 0, limit = -1;
};

class ZSetType {
 public:
  explicit ZSetType(Database* db) : db_(db) {}

  struct AddFlags {
    bool nx = false, xx = false, gt = false, lt = false, ch = false, incr = false;
  };
  struct AddResult {
    int64_t count = 0;            // added (or added + changed with CH)
    std::optional<double> score;  // INCR: the new score; nullopt when a condition refused it
  };
  // ZADD / ZINCRBY. InvalidArgument "resulting score is not a number (NaN)" when an increment
  // gives NaN (nothing written). REQUIRES: items not empty, flags valid together.
  StatusOr<AddResult> Add(std::string_view key, const AddFlags& flags,
                          const std::vector<ZEntry>& items);
  StatusOr<int64_t> Remove(std::string_view key, const std::vector<std::string_view>& members);
  StatusOr<std::optional<double>> Score(std::string_view key, std::string_view member) const;
  StatusOr<int64_t> Card(std::string_view key) const;
  // The 0-based rank (from the top with rev) of a member: nullopt when absent. O(rank).
  StatusOr<std::optional<int64_t>> Rank(std::string_view key, std::string_view member,
                                        bool rev) const;

  // Hands the entries of the range to `visit` in reply order; visit returns false to stop.
  using Visitor = std::function<bool(std::string_view member, double score)>;
  Status Range(std::string_view key, const ZRangeSpec& spec, const Visitor& visit) const;
  // Number of entries in the range (offset/limit ignored).
  StatusOr<int64_t> Count(std::string_view key, const ZRangeSpec& spec) const;
  // ZREMRANGEBY*: removes the range; returns how many.
  StatusOr<int64_t> RemoveRange(std::string_view key, const ZRangeSpec& spec);
  // ZPOPMIN/ZPOPMAX: removes and returns up to `count` entries from the low (or high) end.
  StatusOr<std::vector<ZEntry>> Pop(std::string_view key, int64_t count, bool max);

  // Every entry in score order (set operations, ZRANDMEMBER). A key of type set reads as its
  // members with score 1 (as Redis's ZUNIONSTORE takes sets); WrongType for other types.
  // `allow_set` false: sets are WrongType too.
  StatusOr<std::vector<ZEntry>> ReadAll(std::string_view key, bool allow_set) const;
  // ZSCAN: up to about `count` entries of members after `after` ("" = from the start), in member
  // order; *next is the last member returned, or empty when the walk is complete.
  Status Scan(std::string_view key, std::string_view after, size_t count, std::vector<ZEntry>* out,
              std::string* next) const;

  // Replaces `dst` (of any type, or absent) with the given entries (distinct members); an empty
  // list deletes it. Returns the new size.
  StatusOr<int64_t> Store(std::string_view dst, const std::vector<ZEntry>& entries);

 private:
  // The live sorted set under `key`: nullopt when absent; WrongType for another type.
  StatusOr<std::optional<KeyRecord>> Load(std::string_view key) const;
  Status Walk(std::string_view key, const Metadata& meta, const ZRangeSpec& spec,
              const Visitor& visit) const;
  Status WalkRank(const std::string& prefix, const IndexBounds& b, uint64_t size,
                  const ZRangeSpec& spec, const Visitor& visit) const;
  Status WalkScore(const std::string& prefix, const IndexBounds& b, const ZRangeSpec& spec,
                   const Visitor& visit) const;
  Status WalkLex(const std::string& prefix, const IndexBounds& b, const ZRangeSpec& spec,
                 const Visitor& visit) const;
  // A pop's walk: the `take` entries at one end of the index (from its bound) into `taken`, in
  // pop order; the entry after them becomes the bound, and it and up to kEndEntries - 1 more
  // the end list.
  Status ReadEnd(const std::string& prefix, IndexBounds* b, bool max, uint64_t take,
                 std::vector<std::string>* taken) const;
  void PutMember(const std::string& prefix, std::string_view member, double score);
  void DeleteMember(const std::string& prefix, std::string_view member, double score);
  // Writes the metadata after a change: deleted when `size` is 0.
  Status Commit(std::string_view key, const Metadata& meta, uint64_t size, uint64_t bytes,
                const IndexBounds& bounds);

  Database* db_;
};

}  // namespace mnemo
