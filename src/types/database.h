// Database: the keyspace of one namespace over Storage — metadata lookups with expiry applied,
// the generic key commands (DEL, EXISTS, TYPE, EXPIRE*, TTL, KEYS, SCAN, RENAME, ...), and the
// commit of batched writes. Data types (string.h, later hash/list/...) build on it.
//
// Thread-safe: a Database is a cheap value (a Storage pointer and a namespace) created per
// command; all synchronisation is RocksDB's plus the striped key locks.
#pragma once

#include <rocksdb/write_batch.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "storage/encoding.h"
#include "storage/storage.h"

namespace mnemo {

inline constexpr std::string_view kDefaultNamespace = "__namespace";

// Writes of several commands that are committed together in one RocksDB write batch (a
// pipeline's consecutive blind writes). The keys' stripes are locked while the batch commits, so
// a concurrent read-modify-write of one of those keys is never interleaved with it.
struct PendingWrites {
  rocksdb::WriteBatch batch;
  std::vector<std::string> lock_keys;  // encoded metadata keys
  size_t commands = 0;
  bool empty() const { return commands == 0; }
  void Clear() {
    batch.Clear();
    lock_keys.clear();
    commands = 0;
  }
};

// Read-modify-writes (INCR and friends) of one connection's consecutive commands, committed as
// one RocksDB write. The batch holds the stripe of each key from the command that first touches
// it until Commit, so no other thread reads or writes those keys in between, and later commands
// of the batch read the values it holds (Find).
//
// Deadlock freedom: a thread holding a batch's stripes never waits for a lock. TryAcquire only
// try-locks; when it fails, the owner commits the batch (releasing everything) before waiting
// with Acquire, and the owner commits before running any other command. Other lock users
// (KeyLockGuard) may wait while holding stripes, but a cycle of waiters would need a batch
// holder among the waiters, and there is none. Not thread-safe: owned by one connection.
class RmwBatch {
 public:
  explicit RmwBatch(Storage* storage) : storage_(storage) {}
  ~RmwBatch();  // commits what is left
  RmwBatch(const RmwBatch&) = delete;
  RmwBatch& operator=(const RmwBatch&) = delete;

  // Takes the key's stripe if it is free (or already ours); false when another thread holds it.
  bool TryAcquire(std::string_view meta_key);
  // Waits for the key's stripe. REQUIRES: the batch is empty (holds nothing).
  void Acquire(std::string_view meta_key);
  // The record this batch wrote for `meta_key`, or nullptr.
  const std::string* Find(std::string_view meta_key) const;
  // Adds a put of `record`. REQUIRES: Holds(meta_key).
  void Put(std::string_view meta_key, std::string record);
  // Writes the batch (if it has writes) and releases every stripe.
  Status Commit();
  bool empty() const { return held_.empty(); }
  size_t writes() const { return values_.size(); }  // distinct keys written

 private:
  Storage* storage_;
  rocksdb::WriteBatch batch_;
  std::vector<std::pair<std::string, std::string>> values_;  // meta key -> latest record
  std::vector<size_t> held_;                                 // stripes locked by this batch
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
  Database(Storage* storage, std::string_view ns) : storage_(storage), ns_(ns) {}

  Storage* storage() const { return storage_; }
  std::string_view ns() const { return ns_; }
  std::string MetaKey(std::string_view user_key) const { return EncodeMetaKey(ns_, user_key); }

  // Live (not expired) metadata of a key. NotFound when absent or expired; Corruption when
  // undecodable.
  StatusOr<KeyRecord> GetRecord(std::string_view user_key) const;
  // Same, additionally WrongType when the key holds another type. NotFound when absent.
  StatusOr<KeyRecord> GetRecordOfType(std::string_view user_key, DataType type) const;
  // GetRecord's checks applied to a record at hand (say, one an RmwBatch holds).
  static StatusOr<KeyRecord> LiveRecord(std::string raw);

  // Commits and clears `pending`, holding the stripes of its keys while writing.
  Status Commit(PendingWrites* pending);
  // Writes one batch for one key while holding that key's stripe.
  Status WriteLocked(std::string_view meta_key, rocksdb::WriteBatch* batch);

  // --- generic key commands ---
  StatusOr<int64_t> Delete(const std::vector<std::string_view>& keys);
  StatusOr<int64_t> Exists(const std::vector<std::string_view>& keys) const;
  StatusOr<DataType> Type(std::string_view key) const;
  // OBJECT FREQ: the key's access frequency (storage/lfu_counter.h; 0 for a key the key cache
  // does not hold), read without counting as an access. Nullopt when absent or expired.
  StatusOr<std::optional<uint8_t>> Frequency(std::string_view key) const;

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
  StatusOr<int64_t> Size() const;
  // Counted by one scan of the namespace's metadata records, as Size(): exact (expired keys
  // and overwritten versions are not counted), O(keys) — call it off the event loop.
  StatusOr<KeyspaceCounts> CountKeys() const;
  // The same over every namespace.
  static StatusOr<KeyspaceCounts> CountAllKeys(Storage* storage);
  Status Flush();
  // RENAME / RENAMENX. NotFound("no such key") when src is absent; returns false when nx and
  // dst exists.
  StatusOr<bool> Rename(std::string_view src, std::string_view dst, bool nx);

 private:
  // Iterates live keys of the namespace starting after `after`; fn returns false to stop.
  template <typename Fn>
  Status ForEachKey(std::string_view after, Fn&& fn) const;
  // Copies every element record of a composite key to a new version under `dst`.
  Status CopySubkeys(std::string_view src, const Metadata& meta, std::string_view dst,
                     uint64_t new_version, rocksdb::WriteBatch* batch) const;

  Storage* storage_;
  std::string_view ns_;
};

}  // namespace mnemo
