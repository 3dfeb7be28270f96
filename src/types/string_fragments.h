// Large strings in fragments. A string longer than kStringFragmentSize (storage/encoding.h) is
// not kept inline in its metadata record — except one written whole (SET, RESTORE, ...) of at
// most kStringInlineWholeMax bytes, until its first partial write: the record holds a version and
// the length (as `size` and `bytes`, flags bit kFragmented, type still "string") and the bytes live
// in `subkeys` records of kStringFragmentSize bytes under that version, field = the fragment's
// index (4 bytes, big endian). A fragment never written, or whose bytes are all zero, is not
// stored and reads as zeros, so a sparse bitmap costs only its non-zero regions; a stored
// fragment never reaches past the value's length (the last may be shorter than the others).
// Strings only grow within a version (Redis's partial writes never shrink them); a value
// written whole (SET, BITOP's result, RESTORE) takes a new version, and the compaction filter
// drops the old fragments as it drops a composite's elements (docs/internals.md, "Bitmaps").
//
// StringValue is one string key as a command sees it, in either layout: byte-range reads, and
// writes kept in memory until Store() puts the fragments they changed (and the metadata record)
// into the Database's write context. So SETBIT, SETRANGE, APPEND and BITFIELD rewrite only the
// fragments they touch. An inline value longer than the threshold, or growing past it, becomes
// fragmented (a new version) on its first partial write.
//
// Not thread-safe: one per command, not outliving its Database. A writer holds the key's lock
// (Database::Lock) from Load to Store; a reader without it still sees one committed state
// (Load pairs the metadata record with an iterator whose snapshot agrees with it).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "types/database.h"

namespace mnemo {

// The subkeys-CF key of fragment `index` of a fragmented string: prefix | index(4, BE).
std::string FragmentKey(std::string_view element_prefix, uint64_t index);
// True when every byte is zero (such a fragment is not stored).
bool AllZero(std::string_view bytes);

class StringValue {
 public:
  enum class Mode { kRead, kWrite };  // kWrite: the caller holds the key's lock
  // The string at `key`; WrongType when it holds another type. An absent (or expired) key is an
  // empty value that does not exist.
  static StatusOr<StringValue> Load(Database* db, std::string_view key, Mode mode);

  // The whole value of the string at `key` read with its record at one point in time, for a
  // fragmented string of at most kPointReadFragments fragments by point reads of them (which
  // skip the files whose bloom filter rules a fragment out, where an iterator seeks in every
  // level). nullopt when the key is absent; NotSupported when the value is longer or the write
  // context holds writes (the caller then Loads and reads).
  static constexpr uint64_t kPointReadFragments = 64;
  static StatusOr<std::optional<std::string>> ReadWhole(Database* db, std::string_view key);

  StringValue(StringValue&&) = default;
  StringValue& operator=(StringValue&&) = default;
  ~StringValue();

  bool exists() const { return exists_; }
  uint64_t length() const { return length_; }
  int64_t expire_ms() const { return expire_ms_; }
  bool fragmented() const { return fragmented_; }

  // Visits bytes [offset, offset + n) clamped to the length, in order and in pieces:
  // fn(at, len, data), data == nullptr for a run of zeros (fragments not stored). fn returns
  // false to stop. Sees this value's own unstored writes.
  using PieceFn = std::function<bool(uint64_t at, uint64_t len, const char* data)>;
  Status Scan(uint64_t offset, uint64_t n, const PieceFn& fn) const;
  // Bytes [offset, offset + n) clamped to the length (empty past its end).
  StatusOr<std::string> Read(uint64_t offset, uint64_t n) const;
  StatusOr<std::string> ReadAll() const { return Read(0, length_); }

  // Overwrites bytes at `offset` with `data`, growing the value with zero bytes to hold them.
  // REQUIRES: Mode::kWrite; offset + data.size() within the caller's size checks.
  Status Write(uint64_t offset, std::string_view data);
  // Grows the value to `length` bytes with zeros (nothing when it is that long already).
  Status Grow(uint64_t length);
  // Puts the changed fragments and the metadata record (always) into the write context; the
  // caller then Finishes. REQUIRES: Mode::kWrite.
  void Store();

  // Writes `value` as the whole new value of `key` (inline up to kStringFragmentSize, else
  // fragments under a new version) into the write context.
  static void PutWhole(Database* db, std::string_view key, std::string_view value,
                       int64_t expire_ms);
  // The same into any batch: put(key, record) for each non-zero fragment (subkeys CF keys);
  // returns the metadata record. `storage` gives the version when one is needed.
  using PutFn = std::function<void(std::string_view key, std::string_view record)>;
  static std::string EncodeWhole(Storage* storage, std::string_view ns, std::string_view key,
                                 std::string_view value, int64_t expire_ms, const PutFn& put);

 private:
  struct Fragment {
    std::string data;
    bool stored = false;  // a record exists for it (a write of all zeros deletes it)
  };
  StringValue(Database* db, std::string_view key) : db_(db), key_(key) {}
  std::string_view InlineView() const;
  std::string Prefix() const { return EncodeSubkeyPrefix(db_->ns(), key_, version_); }
  Status ToFragments();
  StatusOr<Fragment*> LoadFragment(uint64_t index);
  Status ScanFragments(uint64_t offset, uint64_t end, const PieceFn& fn) const;

  Database* db_;
  std::string key_;
  std::optional<KeyRecord> rec_;  // the record read (an inline value's bytes)
  bool exists_ = false;
  bool fragmented_ = false;
  bool new_version_ = false;  // fragments under version_ are all in frags_ (none stored)
  bool inline_copied_ = false;
  uint64_t version_ = 0;
  uint64_t length_ = 0;
  int64_t expire_ms_ = 0;
  std::string inline_;                    // an inline value once written (copied from rec_)
  std::map<uint64_t, Fragment> frags_;    // fragments written, by index
  mutable std::unique_ptr<Iterator> it_;  // a reader's fragments, consistent with rec_
};

}  // namespace mnemo
