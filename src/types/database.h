// Database: the keyspace of one namespace over Storage — metadata lookups with expiry applied,
// the generic key commands (DEL, EXISTS, TYPE, EXPIRE*, TTL, KEYS, SCAN, RENAME, COPY, ...), and
// the primitives every data type builds on (string_type.h, hash_type.h, set_type.h, ...):
//
//  - Reads (GetRecord, GetElement, NewElementIterator) see the command's WriteContext first, so a
//    command reads what earlier commands of the same context wrote and not yet committed.
//  - Writes go into that WriteContext: Lock the keys first (before writing any reply), then Put /
//    Delete, then Finish. A Database made without a context (tests, background jobs) makes one
//    per operation, and Finish commits it; with a command's context (the worker's, shared by
//    its connections, or the one EXEC or a script holds), Finish leaves the commit to its owner,
//    which holds the replies until it is done.
//  - A composite key whose last element goes is deleted (its metadata record), never kept with
//    size 0; every metadata record written keeps `size` and `bytes` exact (encoding.h), since
//    the namespace counters follow them.
//
// Thread-safe: a Database is a cheap value (a Storage pointer, a namespace, a context) created
// per command; all synchronisation is RocksDB's plus the striped key locks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "storage/encoding.h"
#include "storage/storage.h"
#include "types/write_context.h"

namespace mnemo {

inline constexpr std::string_view kDefaultNamespace = "__namespace";

// Blind writes of several commands that are committed together in one write (a pipeline's
// plain SETs, the worker's group commit). The keys' stripes are locked while the batch commits,
// so a concurrent read-modify-write of one of those keys is never interleaved with it.
struct PendingWrites {
  explicit PendingWrites(Storage* storage) : batch(storage, /*indexed=*/false) {}
  Batch batch;
  std::vector<std::string> lock_keys;  // encoded metadata keys
  size_t commands = 0;
  bool empty() const { return commands == 0; }
  void Clear() {
    batch.Clear();
    lock_keys.clear();
    commands = 0;
  }
};

// A metadata record read from storage. `raw` owns the bytes `meta.payload` views into; copies
// and moves re-point the view (a short string's bytes live inside the string object itself).
struct KeyRecord {
  std::string raw;
  Metadata meta;

  KeyRecord() = default;
  KeyRecord(const KeyRecord& o) : raw(o.raw), meta(o.meta) { Rebase(o); }
  KeyRecord(KeyRecord&& o) noexcept : meta(o.meta) {
    size_t offset = o.PayloadOffset();
    raw = std::move(o.raw);
    meta.payload = std::string_view(raw).substr(offset, meta.payload.size());
  }
  KeyRecord& operator=(KeyRecord o) noexcept {
    size_t offset = o.PayloadOffset();
    raw = std::move(o.raw);
    meta = o.meta;
    meta.payload = std::string_view(raw).substr(offset, meta.payload.size());
    return *this;
  }

 private:
  size_t PayloadOffset() const {
    return meta.payload.empty() ? raw.size()
                                : static_cast<size_t>(meta.payload.data() - raw.data());
  }
  void Rebase(const KeyRecord& o) {
    meta.payload = std::string_view(raw).substr(o.PayloadOffset(), meta.payload.size());
  }
};

// What INFO keyspace and MEMORY STATS report (Redis's definitions): live keys, those of them
// with an expiry, and the mean time left of those, in ms (0 without any).
struct KeyspaceCounts {
  int64_t keys = 0;
  int64_t expires = 0;
  int64_t avg_ttl_ms = 0;
};

class Database {
 public:
  // `context`: the command's write context; null = one per writing operation.
  Database(Storage* storage, std::string_view ns, WriteContext* context = nullptr)
      : storage_(storage), ns_(ns), context_(context) {}
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  Storage* storage() const { return storage_; }
  std::string_view ns() const { return ns_; }
  // The encoded metadata key of `user_key`, valid until the next call: the last one is kept,
  // since a command encodes one key several times (to lock, read and write it) and each
  // encoding hashes the key for its slot.
  const std::string& MetaKey(std::string_view user_key) const {
    const size_t header = MetaKeyHeaderSize(ns_);
    if (meta_key_.size() != header + user_key.size() ||
        std::string_view(meta_key_).substr(header) != user_key) {
      meta_key_ = EncodeMetaKey(ns_, user_key);  // reads user_key before replacing meta_key_
    }
    return meta_key_;
  }

  // Live (not expired) metadata of a key. NotFound when absent or expired; Corruption when
  // undecodable.
  StatusOr<KeyRecord> GetRecord(std::string_view user_key) const;
  // Same, additionally WrongType when the key holds another type. NotFound when absent.
  StatusOr<KeyRecord> GetRecordOfType(std::string_view user_key, DataType type) const;
  // GetRecord's checks applied to a record at hand.
  static StatusOr<KeyRecord> LiveRecord(std::string raw);

  // --- primitives for the data types ---
  // The record of one element key (subkeys / zset_scores CF). NotFound when absent.
  Status GetElement(ColumnFamily cf, std::string_view key, std::string* value) const;
  // Several element records at one point in time (Storage::MultiGet; values[i] nullopt when
  // absent). NotSupported when the write context holds uncommitted writes: the caller iterates.
  Status GetElementsAtOnce(ColumnFamily cf, const std::vector<std::string>& keys,
                           std::vector<std::optional<std::string>>* values) const;
  // Iterates the keys of `cf` under `prefix` (one composite key's elements: EncodeSubkeyPrefix),
  // the write context's uncommitted writes included.
  std::unique_ptr<Iterator> NewElementIterator(ColumnFamily cf, std::string_view prefix) const;
  // Takes the stripes of these user keys for this operation's writes (see WriteContext). Call
  // before writing any part of the reply.
  void Lock(std::string_view user_key);
  void Lock(const std::vector<std::string_view>& user_keys);
  void PutRecord(std::string_view user_key, std::string_view record);
  void DeleteRecord(std::string_view user_key);
  void Put(ColumnFamily cf, std::string_view key, std::string_view value);
  void Delete(ColumnFamily cf, std::string_view key);
  // Ends a writing operation: commits a context made for it (returning the commit's status), or
  // leaves the command's context to its owner. When `s` is not OK, a context made for the
  // operation is dropped with its writes and `s` returned; the owner of a command's context
  // drops the writes of a command that failed (WriteContext::RollbackCommand).
  Status Finish(Status s = Status::OK());
  WriteContext* context() { return Context(); }

  // Commits and clears `pending`, holding the stripes of its keys while writing.
  Status Commit(PendingWrites* pending);

  // --- generic key commands ---
  StatusOr<int64_t> Delete(const std::vector<std::string_view>& keys);
  StatusOr<int64_t> Exists(const std::vector<std::string_view>& keys) const;
  StatusOr<DataType> Type(std::string_view key) const;
  // OBJECT FREQ: the key's access frequency (storage/lfu_counter.h; 0 for a key the key cache
  // does not hold), read without counting as an access. Nullopt when absent or expired.
  StatusOr<std::optional<uint8_t>> Frequency(std::string_view key) const;
  // OBJECT IDLETIME: whole minutes since the key's last access as the key cache keeps them
  // (Storage::kIdleUnknown for a key it does not hold), read without counting as an access.
  // Nullopt when absent or expired.
  StatusOr<std::optional<uint32_t>> IdleMinutes(std::string_view key) const;

  // EXPIRE's conditions, combinable as Redis allows (XX with GT or LT).
  enum ExpireFlag : uint32_t { kExpireNX = 1, kExpireXX = 2, kExpireGT = 4, kExpireLT = 8 };
  // Sets the absolute expiry (unix ms). A time in the past deletes the key. Returns false when the
  // key is absent or a condition is not met. A key without expiry counts as an infinite TTL.
  StatusOr<bool> Expire(std::string_view key, int64_t at_ms, uint32_t flags);
  StatusOr<bool> Persist(std::string_view key);
  // Absolute expiry in ms: -2 absent, -1 no expiry.
  StatusOr<int64_t> ExpireAt(std::string_view key) const;

  StatusOr<std::vector<std::string>> Keys(std::string_view pattern) const;
  struct ScanResult {
    std::string next_after;  // last key returned; empty = iteration complete
    std::vector<std::string> keys;
  };
  // Keys after `after` (exclusive; "" = from the start) matching the optional glob and type,
  // examining about `count` keys.
  StatusOr<ScanResult> Scan(std::string_view after, std::string_view pattern, size_t count,
                            DataType type) const;
  StatusOr<std::optional<std::string>> RandomKey() const;
  // DBSIZE: the namespace's key counter, O(1). Counts keys whose expiry has passed until the
  // active expiry removes them (as Redis's DBSIZE).
  StatusOr<int64_t> Size() const;
  // INFO keyspace's figures from the counters, O(1).
  StatusOr<KeyspaceCounts> CountKeys() const;
  // The same over every namespace.
  static StatusOr<KeyspaceCounts> CountAllKeys(Storage* storage);
  // One scan of the namespace's metadata records counting what the counters count (tests and
  // DEBUG: the counters must agree), O(keys).
  StatusOr<NamespaceCounters> ScanCounters() const;
  Status Flush();
  // RENAME / RENAMENX. NotFound("no such key") when src is absent; returns false when nx and
  // dst exists.
  StatusOr<bool> Rename(std::string_view src, std::string_view dst, bool nx);
  // COPY: false when src is absent, or dst exists and not `replace`.
  StatusOr<bool> Copy(std::string_view src, std::string_view dst, bool replace);
  // MEMORY USAGE: the stored bytes of a key — its metadata record and, for a composite, its
  // element records (with samples > 0 at most that many read, the rest estimated from their mean
  // size). nullopt when absent.
  StatusOr<std::optional<uint64_t>> StoredSize(std::string_view key, int64_t samples) const;
  // Deletes up to `limit` keys of the namespace whose expiry passed, examining at most
  // `budget` records starting after `*cursor` (a metadata key; "" = from the start). Updates
  // *cursor (empty once the namespace was walked to its end). Returns the keys removed.
  StatusOr<int64_t> DeleteExpired(std::string* cursor, size_t budget, size_t limit);

 private:
  // Iterates live keys of the namespace starting after `after`; fn returns false to stop.
  template <typename Fn>
  Status ForEachKey(std::string_view after, Fn&& fn) const;
  // Copies every element record of a composite key to a new version under `dst`.
  Status CopySubkeys(std::string_view src, const Metadata& meta, std::string_view dst,
                     uint64_t new_version);
  WriteContext* Context();

  Storage* storage_;
  std::string_view ns_;
  WriteContext* context_;
  std::unique_ptr<WriteContext> own_context_;  // made on first write when context_ is null
  mutable std::string meta_key_;               // MetaKey's last answer (empty: none yet)
};

}  // namespace mnemo
