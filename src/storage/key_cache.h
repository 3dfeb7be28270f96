// KeyCache: recently read and written metadata records (for strings: the value itself) and
// element records (a hash field's value, a set member, a list element, a sorted-set member's
// score: the subkeys column family), kept in memory so that a point read of a hot key or element
// costs one hash lookup instead of a RocksDB read (memtables, then filter, index and data blocks
// of every level that may hold the key). The two kinds share the capacity and the CLOCK; a key is
// looked up with its kind (Kind), so equal bytes of the two column families never meet.
//
// Storage is its only user and keeps it coherent with RocksDB:
//  - every committed write updates or erases the cached record of each key it touches
//    (write-through), after the write reached RocksDB and while the writer holds the key's
//    stripe, so writes to one key reach the cache in commit order;
//  - before the write goes to RocksDB, the writer marks its keys as being written
//    (BeginWrites): a marked record is not served and no reader fills one, until the write's
//    ApplyBatch. So a reader sees every key of one write from the same side of RocksDB's commit
//    point (it reads RocksDB meanwhile): the cache never shows one key of a MULTI/EXEC or a
//    script's write new and another still old after the commit;
//  - a reader that misses gets a ticket with the miss and offers what it then read from
//    RocksDB with Fill, which keeps the record only if no write of a key in the same slot
//    reached the cache in between (so a record read before a write never outlives it);
//  - range deletions Clear the whole cache.
//
// Layout: 64 shards, each a mutex, an open-addressing table (linear probing, at most half full)
// of entries that hold key and record in one allocation, and a CLOCK hand for eviction. A write
// of a record no longer than the one cached overwrites it in place. rocksdb::LRUCache was tried
// first: its LRU list and two allocations per update cost a quarter of SET throughput.
//
// Each entry also keeps its key's access frequency (LfuCounter, lfu_counter.h), counted under
// the shard's mutex the access takes anyway: a lookup hit, a fill and a write of a cached key
// each count one access; a key's first write starts it as a new key. Peek reads it.
//
// Memory: `usage` counts entry allocations as the allocator holds them (header, key, record
// capacity: an entry's block rounded up to its size class, malloc_usable_size, is all record
// room) and the tables. A capacity of 0 keeps nothing (writes then only
// erase). Thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/striped_counter.h"

namespace mnemo {

class KeyCache {
 public:
  // Records larger than this are not cached: copying them out costs more than the lookup saves.
  static constexpr size_t kMaxRecord = 16 * 1024;
  // Element records larger than this are not cached: a large string's 4 KiB fragments (read
  // whole, by iterator) would only push hot records out.
  static constexpr size_t kMaxElementRecord = 2 * 1024;
  static constexpr size_t kShards = 64;
  enum class Kind : uint8_t { kMetadata = 0, kElement = 1 };

  explicit KeyCache(size_t capacity);
  ~KeyCache();
  KeyCache(const KeyCache&) = delete;
  KeyCache& operator=(const KeyCache&) = delete;

  // --- readers ---
  // Copies the cached record of `key` into *value and returns true. On a miss returns false and
  // sets *ticket, to be passed to Fill with what the caller then reads from RocksDB.
  bool Lookup(std::string_view key, std::string* value, uint64_t* ticket,
              Kind kind = Kind::kMetadata);
  void Fill(std::string_view key, std::string_view value, uint64_t ticket,
            Kind kind = Kind::kMetadata);
  // Copies the cached record of `key` and its access frequency (LfuCounter, decayed to now) and
  // returns true; false when the key is not held (metadata records only). Unlike Lookup, counts
  // as no access: not in the
  // hit/miss counters, no CLOCK bit, no frequency bump.
  // `idle_minutes` (optional): whole minutes since the key's last access.
  bool Peek(std::string_view key, std::string* value, uint8_t* frequency,
            uint32_t* idle_minutes = nullptr) const;

  // --- writers (after the write is committed, holding the key's stripe) ---
  void Update(std::string_view key, std::string_view value, Kind kind = Kind::kMetadata);
  void Erase(std::string_view key, Kind kind = Kind::kMetadata);
  // The writes of one batch, in batch order: BeginWrites before the batch goes to RocksDB,
  // ApplyBatch(begun = true) once it is committed (or Clear if it failed). ApplyBatch alone
  // (begun = false) applies writes nobody was told of. Faster than one call per key: the table
  // slots of all keys are prefetched before the first is applied.
  struct Write {
    std::string_view key;
    std::string_view value;
    bool erase = false;
    Kind kind = Kind::kMetadata;
    uint64_t hash = 0;  // filled in by ApplyBatch
  };
  void BeginWrites(std::vector<Write>* writes);
  void ApplyBatch(std::vector<Write>* writes, bool begun = false);
  // Ends begun writes that failed: their keys' records are dropped (the caller then Clears).
  void AbortWrites(std::vector<Write>* writes);
  // Drops every record (range deletions).
  void Clear();

  // Evicts down to the new capacity before returning.
  void SetCapacity(size_t bytes);
  size_t capacity() const { return capacity_.load(std::memory_order_relaxed); }

  struct Stats {
    size_t usage = 0;    // bytes
    size_t entries = 0;  // records held
    uint64_t hits = 0;   // Lookup calls that found the key
    uint64_t misses = 0;
  };
  Stats GetStats() const;

 private:
  struct Entry;
  struct Slot {
    uint64_t hash = 0;
    Entry* entry = nullptr;
  };
  static constexpr size_t kSeqPerShard = 64;
  struct alignas(64) Shard {
    std::mutex mu;
    std::vector<Slot> table;  // size is a power of two, or 0 before the first insert
    // Unsynchronised copies of table's address and mask, for prefetching only: a stale pair can
    // only make a prefetch useless (prefetches never fault).
    std::atomic<Slot*> table_hint{nullptr};
    std::atomic<size_t> mask_hint{0};
    size_t count = 0;
    size_t hand = 0;                               // CLOCK position in `table`
    size_t charge = 0;                             // bytes of entries and table
    uint64_t epoch = 0;                            // bumped by Clear
    std::array<uint64_t, kSeqPerShard> seq{};      // bumped by each write of a key in the slot
    std::array<uint32_t, kSeqPerShard> writing{};  // begun writes of keys in the slot
  };

  static uint64_t Hash(std::string_view key, Kind kind);
  Shard& ShardOf(uint64_t hash) { return shards_[hash >> 58]; }
  static uint64_t& SeqOf(Shard& s, uint64_t hash) { return s.seq[(hash >> 32) % kSeqPerShard]; }
  static uint64_t TicketOf(Shard& s, uint64_t hash) { return s.epoch + SeqOf(s, hash); }
  static uint32_t& WritingOf(Shard& s, uint64_t hash) {
    return s.writing[(hash >> 32) % kSeqPerShard];
  }

  void UpdateHashed(uint64_t hash, std::string_view key, Kind kind, std::string_view value);
  void EraseHashed(uint64_t hash, std::string_view key, Kind kind);
  void Prefetch(uint64_t hash);
  static void Touch(Entry* e);  // one access to e's frequency; the shard's mutex is held
  static void PublishTable(Shard& s);

  // All below: the shard's mutex is held.
  // index or npos
  static size_t Find(const Shard& s, uint64_t hash, std::string_view key, Kind kind);
  void Put(Shard& s, uint64_t hash, std::string_view key, Kind kind, std::string_view value);
  static void EraseAt(Shard& s, size_t index);
  static void Grow(Shard& s);
  void Evict(Shard& s, size_t limit);
  static void DropAll(Shard& s);

  std::atomic<size_t> capacity_;
  mutable std::array<Shard, kShards> shards_;
  // Outside the shards: every lookup counts, and a counter next to the shard's mutex would be
  // one more cache line the workers pass back and forth.
  StripedCounter hits_;
  StripedCounter misses_;
};

}  // namespace mnemo
