// The RocksDB instance and everything that touches RocksDB's API directly: column families,
// options and memory budgets, compaction filters, the write path, and memory properties.
// rocksdb::Status is translated into mnemo::Status here and nowhere else.
//
// Point reads of the metadata column family go through the KeyCache (key_cache.h), which every
// write keeps coherent; see Write() for the rule writers follow.
//
// Thread-safe: RocksDB is internally synchronised; Storage adds the striped key locks, the key
// cache, an atomic version counter, and a gate that keeps range deletions apart from other
// writes. Owns the DB; column family handles live as long as the Storage.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/status.h"
#include "storage/batch.h"
#include "storage/iterator.h"
#include "storage/key_cache.h"
#include "storage/lock_manager.h"
#include "storage/storage_events.h"
#include "storage/write_observer.h"

namespace rocksdb {
class Cache;
class ColumnFamilyHandle;
class DB;
class Statistics;
class Status;
class WriteBatch;
class WriteBufferManager;
}  // namespace rocksdb

namespace mnemo {

// kCounters holds one record per namespace (NamespaceCounters), updated by a merge operator in
// the same batch as every change of a metadata record. kExpiry indexes the keys that have an
// expiry by time (`expire_ms(8, big endian) | metadata key`, empty value), kept in the same batch
// too, so the active expiry finds what expired without scanning the keyspace.
enum class ColumnFamily {
  kMetadata = 0,
  kSubkeys = 1,
  kZSetScores = 2,
  kCounters = 3,
  kExpiry = 4
};
inline constexpr int kDataColumnFamilies = 3;  // metadata, subkeys, zset_scores
inline constexpr int kColumnFamilies = 5;      // and counters, expiry

// Exact figures of one namespace, kept by Storage::Write from the metadata records a batch
// replaces (keys whose expiry passed count until removed, as in Redis's DBSIZE).
struct NamespaceCounters {
  int64_t keys = 0;          // metadata records
  int64_t expires = 0;       // of them, records with an expiry
  int64_t bytes = 0;         // logical bytes: key + value (strings) or elements (LogicalBytes)
  int64_t expire_sum_s = 0;  // sum of the expiry times of `expires`, unix seconds (avg_ttl)
  void Add(const NamespaceCounters& o) {
    keys += o.keys;
    expires += o.expires;
    bytes += o.bytes;
    expire_sum_s += o.expire_sum_s;
  }
  bool empty() const { return keys == 0 && expires == 0 && bytes == 0 && expire_sum_s == 0; }
};

struct StorageOptions {
  std::string dir;           // RocksDB directory
  bool sync_writes = false;  // fsync the WAL on every write
  int64_t block_cache_size = 256 << 20;
  int64_t key_cache_size = 128 << 20;   // KeyCache capacity; 0 keeps nothing
  int64_t write_buffer_size = 1 << 20;  // per memtable, per column family
  // Budget of all memtables together (RocksDB WriteBufferManager). Always set: the memory
  // governor lowers it at run time under pressure.
  int64_t write_buffer_budget = 768 << 20;
  int max_write_buffer_number = 8;  // memtables per column family, the active one included
  // Full memtables one flush waits for and writes as one L0 file; capped at
  // max_write_buffer_number - 1 (see MemtablesPerFlush).
  int memtables_per_flush = 1;
  int max_open_files = 4096;
  // Metadata records of at least this many bytes keep their value in blob files; 0 = never.
  uint64_t min_blob_size = 0;
  uint64_t delayed_write_rate = 16 << 20;  // bytes/s while RocksDB slows writes
};

// RocksDB's own memory, read from its properties. All fields in bytes.
struct StorageMemory {
  uint64_t block_cache_usage = 0;  // all entries in the shared block cache (incl. pinned)
  uint64_t block_cache_capacity = 0;
  uint64_t block_cache_pinned = 0;  // entries in use by iterators/readers right now
  uint64_t memtables_active = 0;    // cur-size-all-mem-tables: active + unflushed immutable
  uint64_t memtables_all = 0;       // size-all-mem-tables: + pinned (flushed, still referenced),
                                    // or the arenas still allocated if more (awaiting deletion)
  uint64_t table_readers = 0;       // estimate-table-readers-mem: index/filter outside the cache
  uint64_t background_jobs = 0;     // what running flushes and compactions hold (JobMemoryListener)
  uint64_t key_cache_usage = 0;     // KeyCache entries (header, key, record) and tables
  uint64_t key_cache_capacity = 0;
  uint64_t key_cache_entries = 0;
  uint64_t key_cache_hits = 0;
  uint64_t key_cache_misses = 0;
};

// RocksDB's figures for INFO storage, MEMORY DOCTOR and /metrics, read in one go
// (storage_figures.cc) once per INFO, scrape or memory snapshot. Per column family figures are
// summed over every column family. Counters are since the server started; the rest are now.
// Cache contents come from RocksDB's scan of the block cache, redone at most every few seconds,
// so they may be that old. Cheap: a few property reads and statistics tickers, no data scan.
struct StorageFigures {
  uint64_t block_cache_hits = 0;     // block lookups the block cache answered (data, index, filter)
  uint64_t block_cache_misses = 0;   // lookups read from a file (then decompressed)
  uint64_t index_filter_misses = 0;  // of the misses, index and filter blocks
  uint64_t index_bytes = 0;          // index blocks in the block cache
  uint64_t filter_bytes = 0;         // filter blocks (one per file) in the cache
  uint64_t l0_files = 0;             // SST files at level 0 (rocksdb.num-files-at-level0)
  uint64_t pending_compaction_bytes = 0;  // estimate-pending-compaction-bytes
  uint64_t running_compactions = 0;
  uint64_t running_flushes = 0;
  uint64_t immutable_memtables = 0;  // full memtables waiting for a flush
  uint64_t stall_micros = 0;         // time writes waited on a slowdown or a stop (STALL_MICROS)
  uint64_t stall_stops = 0;          // write stops since start (io_stalls.total_stop)
  uint64_t stall_slowdowns = 0;      // write slowdowns since start (io_stalls.total_slowdown)
  bool write_stopped = false;        // is-write-stopped now (a stall, not an error)
  uint64_t delayed_write_rate = 0;   // actual-delayed-write-rate, bytes/s; 0 = not delayed
  uint64_t sst_bytes = 0;            // total-sst-files-size
  uint64_t blob_bytes = 0;           // total-blob-file-size (rocksdb.min-blob-size)
  uint64_t live_data_bytes = 0;      // estimate-live-data-size
};

// A RocksDB status as a mnemo Status. No space on the data directory's filesystem (a write's own
// ENOSPC, or the background error that refuses writes after one) is an IOError whose message
// starts with "disk full: " and says the write was refused. For storage/ only.
Status FromRocks(const rocksdb::Status& s);

// How many full memtables of a column family one flush should wait for and write as one L0 file:
// half of `max_write_buffer_number`, from 1 to 4; 1 under a memory limit (`limited`), where
// waiting memtables cost more memory than the saved compaction work is worth.
int MemtablesPerFlush(int max_write_buffer_number, bool limited);

class Storage {
 public:
  static StatusOr<std::unique_ptr<Storage>> Open(const StorageOptions& options);
  // Call once on each thread that serves commands: turns off RocksDB's per-thread perf counters,
  // which cost on every read and which Mnemo does not read.
  static void PrepareWorkerThread();
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  // Point read at the latest state. NotFound when absent. Metadata reads are served from the key
  // cache when it holds the key, and fill it otherwise.
  Status Get(ColumnFamily cf, std::string_view key, std::string* value);
  // A metadata read that is no access (OBJECT FREQ): neither bumps nor fills the key cache.
  // Sets *frequency to the key's access frequency (LfuCounter) when the key cache holds the key,
  // and to 0 otherwise; *idle_minutes (optional) to the whole minutes since its last access, or
  // to kIdleUnknown when the key cache does not hold it. NotFound when absent.
  static constexpr uint32_t kIdleUnknown = UINT32_MAX;
  Status PeekMetadata(std::string_view key, std::string* value, uint8_t* frequency,
                      uint32_t* idle_minutes = nullptr);
  // Reads several keys of one column family at one point in time (one RocksDB MultiGet, not
  // through the key cache): values[i] is nullopt when keys[i] is absent. The caller bounds the
  // keys. Fails on the first storage error.
  Status MultiGet(ColumnFamily cf, const std::vector<std::string>& keys,
                  std::vector<std::optional<std::string>>* values);
  // Applies a batch atomically (WAL on; fsync when sync_writes), then updates the key cache for
  // each metadata key the batch puts or deletes. In the same atomic write it updates each
  // touched namespace's counters from the metadata records the batch replaces (read before the
  // write). The caller must hold the stripes of those keys (LockManager) so that two writes of
  // one key reach the cache and the counters in the order they committed, and must not rely on
  // the batch afterwards (the counters' merges are added to it); it is left for Clear.
  Status Write(Batch* batch);
  // Iterates the keys of `cf` that start with `prefix`, seeing the uncommitted writes of
  // `overlay` too when given (an indexed batch).
  std::unique_ptr<Iterator> NewIterator(ColumnFamily cf, std::string_view prefix,
                                        const Batch* overlay = nullptr);
  // The active expiry's step: deletes keys whose expiry passed by `now_ms`, oldest first, at
  // most `limit` of them (and drops index entries that no longer match their key: a key
  // deleted with its namespace, or given another expiry). Returns the keys deleted. Takes the
  // keys' stripes; a composite's elements are left to the compaction filter. After the deletes
  // committed, `on_deleted(ns, user_key)` is called for each key deleted, when given (the
  // keyspace notifications' "expired").
  StatusOr<int64_t> DeleteExpired(
      int64_t now_ms, size_t limit,
      const std::function<void(std::string_view ns, std::string_view key)>& on_deleted = {});
  // The counters of one namespace (all zero for one never written). From memory: a mirror of
  // the counters column family, loaded at open and moved by every write. Lock-free for readers
  // of other namespaces' writes aside, a shared lock and a hash lookup.
  StatusOr<NamespaceCounters> Counters(std::string_view ns);
  // The counters of every namespace together.
  StatusOr<NamespaceCounters> AllCounters();
  // Every namespace that has counters, with them.
  std::vector<std::pair<std::string, NamespaceCounters>> CountersByNamespace();

  // Server state kept beside the data (namespace tokens...): small records in the default
  // column family under `state:` + key, written with the WAL and fsynced.
  Status PutState(std::string_view key, std::string_view value);
  Status DeleteState(std::string_view key);
  // Every state record whose key starts with `prefix`, keys without "state:".
  StatusOr<std::vector<std::pair<std::string, std::string>>> ListState(std::string_view prefix);
  // Deletes every key in [begin, end) in every column family whose keys start with the namespace.
  Status DeleteNamespace(std::string_view ns);
  // Deletes every key of every namespace.
  Status DeleteAll();
  // Writes every memtable of the data column families to files and waits until what was written
  // before the call is in them; fails if the storage refuses writes (a background error).
  Status Flush();
  Status CompactAll();
  // Replaces `path` with a consistent copy of the whole database (a RocksDB checkpoint: hard
  // links to the SST files on the same file system, copies otherwise, plus the WAL). It is built
  // at `path`.tmp and renamed, so `path` always holds a whole checkpoint or the previous one.
  Status ReplaceCheckpoint(const std::string& path);

  LockManager* locks() { return &locks_; }
  // Registers the observer of writes (write_observer.h), or none with null. Call before the
  // workers start; the observer must outlive the Storage's writes.
  void SetWriteObserver(WriteObserver* observer) { observer_ = observer; }
  // A fresh version for a composite key: microseconds << 11 | counter, strictly increasing.
  uint64_t NewVersion();

  StorageMemory GetMemory() const;
  // Block cache hits and contents, L0 files, compactions, flushes and write stalls. Costs a few
  // property reads per column family and, at most every few seconds, RocksDB's scan of the
  // block cache.
  StorageFigures GetFigures() const;
  // Run-time memory levers (the governor's): shrinking the cache evicts clean blocks only; a
  // lower memtable budget makes RocksDB flush the largest memtable earlier. No data is lost.
  void SetBlockCacheCapacity(uint64_t bytes);
  void SetWriteBufferBudget(uint64_t bytes);
  void SetKeyCacheCapacity(uint64_t bytes) { key_cache_.SetCapacity(bytes); }
  const KeyCache& key_cache() const { return key_cache_; }
  uint64_t write_buffer_budget() const;
  // Full memtables one flush of the metadata column family waits for, as RocksDB applies it.
  int memtables_per_flush() const;
  void set_sync_writes(bool v) { sync_writes_.store(v, std::memory_order_relaxed); }
  // Total bytes of SST and WAL files (disk, not memory).
  uint64_t DiskUsage() const;
  // Full memtables of a column family not yet flushed.
  uint64_t ImmutableMemtables(ColumnFamily cf) const;
  // Disk bytes of one column family's SST files (tests: compaction reclaims deleted elements).
  uint64_t DiskUsage(ColumnFamily cf) const;
  // Background error state (storage_events.h): whether RocksDB refuses writes now, and why.
  StorageHealth GetHealth() const { return errors_->Get(); }

 private:
  friend class Batch;
  explicit Storage(size_t key_cache_size);
  rocksdb::ColumnFamilyHandle* Handle(ColumnFamily cf) const {
    return handles_[static_cast<int>(cf)];
  }
  // Write for batches that contain range deletions: excludes every other write while the range
  // is deleted and the key cache cleared, so no concurrent write's record survives the clear.
  // The range is namespace `ns`, or everything when `all` (for the observer).
  Status WriteExclusive(rocksdb::WriteBatch* batch, std::string_view ns, bool all);
  Status WriteToRocks(rocksdb::WriteBatch* batch);
  // Refuses a data directory written in another on-disk format; marks an empty one as ours.
  Status CheckFormat(const std::string& dir);
  using CounterDeltas = std::vector<std::pair<std::string, NamespaceCounters>>;
  // Adds to `batch` the counter merges and expiry index changes for the metadata records it
  // replaces; `deltas` gets the counter changes, for the in-memory mirror once written.
  Status AddDerivedWrites(rocksdb::WriteBatch* batch, CounterDeltas* deltas);
  // Reads the metadata records of keys[0..n) (n <= kReadChunk; through the key cache, as Get),
  // calling found(i, record) for each present key; absent keys are skipped. A chunk bounds the
  // values RocksDB holds at once.
  static constexpr size_t kReadChunk = 32;
  Status ReadEach(const std::string_view* keys, size_t n,
                  const std::function<void(size_t, std::string_view)>& found);
  // Reads the counters column family into the mirror (at open, and after a failed write).
  Status LoadCounters();
  void KeepWalGuard();
  // Tells the observer which metadata keys `batch` wrote. REQUIRES: observer_ active.
  void NotifyObserver(rocksdb::WriteBatch* batch);

  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::shared_ptr<rocksdb::Cache> block_cache_;
  std::shared_ptr<rocksdb::WriteBufferManager> write_buffer_manager_;
  std::shared_ptr<rocksdb::Statistics> statistics_;  // tickers only (storage_options.cc)
  std::shared_ptr<StorageErrorListener> errors_ = std::make_shared<StorageErrorListener>();
  std::shared_ptr<JobMemoryListener> jobs_ = std::make_shared<JobMemoryListener>();
  std::atomic<bool> sync_writes_{false};
  std::atomic<uint64_t> version_counter_{0};
  LockManager locks_;
  KeyCache key_cache_;
  WriteObserver* observer_ = nullptr;
  std::shared_mutex write_gate_;  // shared: Write; exclusive: WriteExclusive
  mutable std::shared_mutex counters_mu_;
  std::unordered_map<std::string, NamespaceCounters> counters_;  // the mirror, by namespace
};

}  // namespace mnemo
