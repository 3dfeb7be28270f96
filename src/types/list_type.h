// The list data type over Database (database.h). A list is a window [head, tail) of 64-bit
// positions: its metadata tail holds head and tail (8 bytes each, big endian), and the element at
// position p is the subkeys record EncodeSubkeyPrefix(ns, key, version) + p (8 bytes, big
// endian), so positions sort as the list does. A new list starts both indexes at 2^63, in the
// middle of the range: pushes at either end, pops, LINDEX and LSET are O(1) record reads and
// writes; LINSERT and LREM rewrite the elements that must move (the shorter side for LINSERT).
// Metadata `size` = elements, `bytes` = the sum of their lengths, both exact after every write; a
// list whose last element goes is deleted.
//
// Readers hand elements to a visitor (no copy of the list is built): the visitor returns false to
// stop, and the operation then fails with Stopped() and, for a writing one (a pop), writes
// nothing. Thread-safe like Database; writers Lock their keys first.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "types/database.h"

namespace mnemo {

// The window of positions a list occupies (its metadata tail).
struct ListWindow {
  static constexpr uint64_t kStart = uint64_t{1} << 63;
  uint64_t head = kStart;  // position of the first element
  uint64_t tail = kStart;  // one past the last element
};
std::string EncodeListTail(const ListWindow& w);
// False when `tail` is not a list's metadata tail.
bool DecodeListTail(std::string_view tail, ListWindow* w);
// The subkeys record key of the element at `position`, after the key's element prefix.
std::string ListElementKey(std::string_view prefix, uint64_t position);

// Redis's LRANGE / LTRIM arithmetic: the relative range [*first, *last] that start..stop selects
// in a list of `len` elements; false when it selects nothing.
bool ClampListRange(int64_t len, int64_t start, int64_t stop, int64_t* first, int64_t* last);

class ListType {
 public:
  enum class End { kLeft, kRight };
  // Gets each element in turn; returns false to stop (the operation then fails with
  // Stopped()).
  using Visit = std::function<bool(std::string_view)>;
  static Status Stopped() { return Status::NotSupported("stopped by the visitor"); }
  static bool IsStopped(const Status& s) { return s.code() == Stopped().code(); }

  explicit ListType(Database* db) : db_(db) {}

  // LPUSH/RPUSH (LPUSHX/RPUSHX with only_existing): the length after the push; 0 when
  // only_existing and the key is absent. WrongType for another type.
  StatusOr<int64_t> Push(std::string_view key, const std::vector<std::string_view>& elements,
                         End end, bool only_existing);
  // LPOP/RPOP/LMPOP: removes up to `count` (>= 0) elements from `end`, visiting them in order.
  // Returns the count removed; NotFound when absent.
  StatusOr<int64_t> Pop(std::string_view key, End end, int64_t count, const Visit& visit);
  // LMPOP: pops from the first of `keys` that exists (NotFound when none). *popped_key is its
  // index in keys. WrongType as soon as a key before it holds another type.
  StatusOr<int64_t> PopFirst(const std::vector<std::string_view>& keys, End end, int64_t count,
                             size_t* popped_key, const Visit& visit);
  StatusOr<int64_t> Len(std::string_view key) const;  // 0 when absent
  // LRANGE: visits the elements start..stop selects (Redis's index rules). OK with nothing
  // visited when absent or empty.
  Status Range(std::string_view key, int64_t start, int64_t stop, const Visit& visit) const;
  // LINDEX (negative: from the tail): NotFound when absent or out of range.
  Status Index(std::string_view key, int64_t index, std::string* value) const;
  // LSET: NotFound when absent, InvalidArgument("index out of range") outside the list.
  Status Set(std::string_view key, int64_t index, std::string_view element);
  // LINSERT: the new length; 0 when absent, -1 when the pivot is not in the list.
  StatusOr<int64_t> Insert(std::string_view key, bool before, std::string_view pivot,
                           std::string_view element);
  // LREM: removes `count` occurrences from the head (> 0), from the tail (< 0), or all (0).
  StatusOr<int64_t> Remove(std::string_view key, int64_t count, std::string_view element);
  // LTRIM: keeps start..stop (Redis's index rules); OK when absent.
  Status Trim(std::string_view key, int64_t start, int64_t stop);
  // LPOS: the positions of matches of `element`, from the `rank`th match (negative: from the
  // tail), at most `count` of them (0 = all), looking at no more than `maxlen` elements (0 =
  // all). REQUIRES: rank != 0, count >= 0, maxlen >= 0.
  StatusOr<std::vector<int64_t>> Positions(std::string_view key, std::string_view element,
                                           int64_t rank, int64_t count, int64_t maxlen) const;
  // LMOVE/RPOPLPUSH: moves one element; false when source is absent. WrongType when either key
  // holds another type (destination checked only when the source exists, as Redis does).
  StatusOr<bool> Move(std::string_view src, std::string_view dst, End from, End to,
                      std::string* element);

 private:
  // A list's metadata as the operations change it.
  struct State {
    bool exists = false;
    int64_t expire_ms = 0;
    uint64_t version = 0;
    uint64_t size = 0;
    uint64_t bytes = 0;
    ListWindow window;
    std::string prefix;  // EncodeSubkeyPrefix of the key's version
  };
  // The list under `key`: NotFound when absent; WrongType; Corruption for a bad tail.
  StatusOr<State> Load(std::string_view key) const;
  // A fresh list's state for `key` (a new version).
  State Fresh(std::string_view key) const;
  // Writes the metadata (or deletes the key when it became empty).
  void Save(std::string_view key, const State& st);
  void PushOne(State* st, std::string_view element, End end);
  // Visits and deletes up to count elements at `end`; returns the count.
  StatusOr<int64_t> PopFrom(State* st, End end, int64_t count, const Visit& visit);
  // Visits relative positions [first, last] in order (from the head) or in reverse; fn gets the
  // absolute position and the element and returns false to stop early (not an error).
  Status Scan(const State& st, int64_t first, int64_t last, bool reverse,
              const std::function<bool(uint64_t, std::string_view)>& fn) const;

  Database* db_;
};

}  // namespace mnemo
