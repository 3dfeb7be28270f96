// The hash data type over Database: a metadata record (type hash, version, size = fields, bytes =
// the fields' and values' lengths, no tail) and one `subkeys` record per field under
// EncodeSubkeyPrefix(ns, key, version) + field, whose value is the field's value. Writes lock the
// key, check everything, then write through the Database's write context (database.h); reads see
// that context's uncommitted writes. HLEN is O(1) from the metadata; whole-hash reads iterate the
// key's elements in field order, handing them to a visitor so the caller bounds its reply.
//
// Thread-safe like Database: a HashType is a cheap value made per command over one Database.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "types/database.h"

namespace mnemo {

class HashType {
 public:
  explicit HashType(Database* db) : db_(db) {}

  using FieldValue = std::pair<std::string_view, std::string_view>;
  // Visitor of (field, value); the views are valid only during the call. Returns false to stop.
  using Visitor = std::function<bool(std::string_view, std::string_view)>;

  // HSET / HMSET: sets every pair in order (a repeated field takes its last value). With
  // `only_new` (HSETNX) a field that exists is left alone. Returns the fields added. WrongType
  // when the key holds another type.
  StatusOr<int64_t> Set(std::string_view key, const std::vector<FieldValue>& pairs, bool only_new);
  // NotFound when the key or the field is absent; WrongType when another type.
  Status Get(std::string_view key, std::string_view field, std::string* value) const;
  // Hands `visit` one entry per field, in order: nullopt for an absent field (or absent key).
  Status MGet(std::string_view key, const std::vector<std::string_view>& fields,
              const std::function<bool(std::optional<std::string_view>)>& visit) const;
  // HDEL: returns the fields removed; the key goes with its last field.
  StatusOr<int64_t> Delete(std::string_view key, const std::vector<std::string_view>& fields);
  // HLEN: the field count from the metadata, O(1); 0 when absent.
  StatusOr<int64_t> Len(std::string_view key) const;
  // Every field and value in field order. `*size` is set to the metadata's field count before
  // the first visit (0 when the key is absent: no visits).
  Status ForEach(std::string_view key, uint64_t* size, const Visitor& visit) const;
  // HINCRBY: the new value. Errors in Redis's words (not an integer, overflow).
  StatusOr<int64_t> IncrBy(std::string_view key, std::string_view field, int64_t delta);
  // HINCRBYFLOAT: the new value as stored (Redis's %.17Lg form).
  StatusOr<std::string> IncrByFloat(std::string_view key, std::string_view field,
                                    long double delta);

  // HSCAN: fields after `*after` (exclusive; null = from the first) matching the optional glob,
  // examining at most `count` fields. With `more`, next_after is the last field examined (which
  // may be the empty field); without, the iteration is complete.
  struct ScanResult {
    bool more = false;
    std::string next_after;
    std::vector<std::pair<std::string, std::string>> items;
  };
  StatusOr<ScanResult> Scan(std::string_view key, const std::string* after,
                            std::string_view pattern, size_t count) const;

  // HRANDFIELD's picks: `count` fields chosen at random — distinct ones (at most the hash's
  // size, every field when count >= size) when `distinct`, else with repetition (exactly
  // `count`). The caller bounds `count` before: memory is O(count + picked fields). Returns the
  // fields (and values) in random order; empty when the key is absent.
  StatusOr<std::vector<std::pair<std::string, std::string>>> RandomFields(std::string_view key,
                                                                          uint64_t count,
                                                                          bool distinct) const;
  // The metadata of the hash at `key` (size, bytes), for callers bounding a reply; nullopt when
  // absent.
  StatusOr<std::optional<Metadata>> Meta(std::string_view key) const;

 private:
  // The live hash under `key`: nullopt when absent; WrongType when another type.
  StatusOr<std::optional<KeyRecord>> Load(std::string_view key) const;
  std::string ElementKey(std::string_view key, uint64_t version, std::string_view field) const;
  // Writes the metadata after a change of `added` fields and `delta_bytes` logical bytes (the
  // record's expiry and version kept; a new hash when `rec` is empty), or deletes the key when
  // no field is left.
  void StoreMeta(std::string_view key, const std::optional<KeyRecord>& rec, uint64_t version,
                 int64_t added, int64_t delta_bytes);
  // Reads a field's value into *value for a read-modify-write: false when absent.
  StatusOr<bool> ReadField(std::string_view key, const std::optional<KeyRecord>& rec,
                           std::string_view field, std::string* value) const;
  // Stores one field's new value (HINCRBY*), with the metadata it changes.
  Status WriteField(std::string_view key, const std::optional<KeyRecord>& rec,
                    std::string_view field, bool existed, size_t old_len, std::string_view value);

  Database* db_;
};

}  // namespace mnemo
