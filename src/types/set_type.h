// The set data type over Database (types/database.h): a metadata record (type set, version,
// size = members, bytes = the members' total length, tail = EncodeSetTail) plus one `subkeys`
// record per member under EncodeSubkeyPrefix(ns, key, version) + member, with an empty value.
// Members come back in byte order, which SSCAN's cursor follows. Writes Lock their keys first,
// read under the lock, write only after every check passed, and delete the key with its last
// member.
//
// Reads of one key see one iterator's snapshot (or one point read); commands over several keys
// read each key on its own, without a snapshot across them, unless they write (SMOVE, *STORE
// lock every key first). Members handed to a MemberSink are views valid only during the call;
// a sink returns false to stop early (the call then returns OK with the rest not visited).
//
// Thread-safe like Database: a cheap value made per command.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "types/database.h"
#include "types/set_sampling.h"

namespace mnemo {

using MemberSink = std::function<bool(std::string_view member)>;

// The metadata tail of a set: `removed(8)`, big endian, the member records deleted under the
// current version so far (SREM, SPOP, SMOVE). RocksDB keeps their deletion markers in the
// element range until compaction and every ordered walk steps over them, so this is an upper
// bound on what a walk pays beyond the live members. Written only when non-zero: an empty tail
// (every set before the count existed) reads as 0.
std::string EncodeSetTail(uint64_t removed);
uint64_t DecodeSetTail(std::string_view tail);

enum class SetOp { kInter, kUnion, kDiff };

class SetType {
 public:
  // Sets up to this many members are sampled exactly (one ordered pass, uniform); larger ones
  // by random seeks (set_sampling.h), unless the request takes a quarter of the set or more.
  static constexpr uint64_t kExactSampleMax = 512;
  // A set of at most kRepackMax members whose removed count reached its size (and at least
  // kRepackMinRemoved) is rewritten under a new version by the command that removed the
  // members (Repack): its walks then cost O(size) again instead of stepping over the deletion
  // markers of every member popped before, which made a drained set's last SPOPs (the exact
  // pass below kExactSampleMax) walk the whole former set each. The rewrite reads size +
  // removed records and writes size, paid for by the removals since the last one. Larger sets
  // are not rewritten (one command would write too much); a random seek steps over the markers
  // between its target and the next live member, removed / size on average, more in the long
  // runs earlier pops left.
  static constexpr uint64_t kRepackMax = 4096;
  static constexpr uint64_t kRepackMinRemoved = 64;
  // Random picks of a large set probe (set_sampling.h) while it holds at least this share of
  // its probe space: up to 8 point reads (each a fraction of a seek's cost) then hit with
  // probability 0.66 or more before the pick falls back to a seek.
  static constexpr double kProbeMinDensity = 0.125;

  explicit SetType(Database* db) : db_(db) {}

  // SADD / SREM: members added (removed) that were absent (present). WrongType on another type.
  StatusOr<int64_t> Add(std::string_view key, const std::vector<std::string_view>& members);
  StatusOr<int64_t> Remove(std::string_view key, const std::vector<std::string_view>& members);
  StatusOr<bool> IsMember(std::string_view key, std::string_view member) const;
  // SMISMEMBER: one answer per member, in order (all false for a missing key).
  StatusOr<std::vector<bool>> AreMembers(std::string_view key,
                                         const std::vector<std::string_view>& members) const;
  StatusOr<int64_t> Card(std::string_view key) const;  // O(1), 0 when absent
  // SMEMBERS: every member in byte order (nothing for a missing key).
  Status Members(std::string_view key, const MemberSink& sink) const;

  // SPOP: removes and returns min(count, size) distinct random members (all of them, and the
  // key, when count >= size). Nothing when the key is absent.
  StatusOr<std::vector<std::string>> Pop(std::string_view key, uint64_t count);
  // SRANDMEMBER: count >= 0 gives min(count, size) distinct random members; count < 0 gives
  // -count members drawn independently (repeats possible). REQUIRES: count > INT64_MIN; the
  // caller bounds -count (it is the reply's length).
  Status RandMembers(std::string_view key, int64_t count, const MemberSink& sink) const;
  // SMOVE: false when src is absent or lacks the member; WrongType when src or an existing dst
  // is not a set (src's type is checked first; an absent src answers false before dst's).
  StatusOr<bool> Move(std::string_view src, std::string_view dst, std::string_view member);

  // SINTER / SUNION / SDIFF over `keys` (an absent key is an empty set; WrongType when any key
  // holds another type, checked for every key before any member is visited). Members of a
  // union come in byte order; of an intersection / difference, in the order of the smallest /
  // first set.
  Status Combine(SetOp op, const std::vector<std::string_view>& keys, const MemberSink& sink) const;
  // SINTERCARD: the intersection's size, counting stopped at `limit` (0 = no limit).
  StatusOr<int64_t> InterCard(const std::vector<std::string_view>& keys, uint64_t limit) const;
  // SINTERSTORE / SUNIONSTORE / SDIFFSTORE: dst becomes the result (a new version, no expiry,
  // whatever dst held), or is deleted when the result is empty. Returns the result's size.
  StatusOr<int64_t> Store(SetOp op, std::string_view dst,
                          const std::vector<std::string_view>& keys);

  struct ScanResult {
    bool more = false;  // members remain after `last`
    std::string last;   // the last member examined
    std::vector<std::string> members;
  };
  // SSCAN: members after `*after` (null = from the first), examining `count` of them; those that
  // match the glob `pattern` ("" = all) are returned.
  StatusOr<ScanResult> Scan(std::string_view key, const std::string* after,
                            std::string_view pattern, size_t count) const;

 private:
  // The live set under `key`: nullopt when absent, WrongType when another type.
  StatusOr<std::optional<KeyRecord>> Load(std::string_view key) const;
  std::string Prefix(std::string_view key, uint64_t version) const;
  // Loads every key of a multi-key command in order (nullopt entries for absent keys).
  StatusOr<std::vector<std::optional<KeyRecord>>> LoadAll(
      const std::vector<std::string_view>& keys) const;
  Status CombineLoaded(SetOp op, const std::vector<std::string_view>& keys,
                       const std::vector<std::optional<KeyRecord>>& recs,
                       const MemberSink& sink) const;
  StatusOr<bool> Contains(std::string_view key, const KeyRecord& rec,
                          std::string_view member) const;
  // One member by point reads of random strings of `space` not in `chosen` (may be null); false
  // when a few of them all missed.
  StatusOr<bool> Probe(std::string_view prefix, const ProbeSpace& space,
                       const std::unordered_set<std::string>* chosen, SampleRng& rng,
                       std::string* member) const;
  static bool Probing(uint64_t size, const ProbeSpace& space);
  // k distinct members (k < size) chosen as kExactSampleMax says.
  Status PickDistinct(std::string_view key, const KeyRecord& rec, uint64_t k,
                      std::vector<std::string>* out) const;
  // The members of `key` under `rec`, all of them, in order.
  Status ReadAll(std::string_view key, const KeyRecord& rec, std::vector<std::string>* out) const;
  // Writes the metadata of a set that now has `size` members of `bytes` bytes and `removed`
  // removed ones (EncodeSetTail), or deletes the key when size is 0.
  void PutMeta(std::string_view key, int64_t expire_ms, uint64_t version, uint64_t size,
               uint64_t bytes, uint64_t removed);
  // PutMeta for a command that removed members: Repack instead when kRepackMax says so.
  Status PutMetaAfterRemoval(std::string_view key, int64_t expire_ms, uint64_t version,
                             uint64_t size, uint64_t bytes, uint64_t removed);
  // Copies the `size` members of `key` under `version` (this command's writes included) to a
  // new version and writes the metadata for it, removed count 0. Corruption when the member
  // records do not match `size`.
  Status Repack(std::string_view key, int64_t expire_ms, uint64_t version, uint64_t size,
                uint64_t bytes);

  Database* db_;
};

}  // namespace mnemo
