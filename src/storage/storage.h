// The RocksDB instance and everything that touches RocksDB's API directly: column families,
// options and memory budgets, compaction filters, the write path, and memory properties.
// rocksdb::Status is translated into mnemo::Status here and nowhere else.
//
// Thread-safe: RocksDB is internally synchronised; Storage adds only the striped key locks and an
// atomic version counter. Owns the DB; column family handles live as long as the Storage.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "storage/lock_manager.h"

namespace rocksdb {
class Cache;
class WriteBufferManager;
}  // namespace rocksdb

namespace mnemo {

enum class ColumnFamily { kMetadata = 0, kSubkeys = 1, kZSetScores = 2 };

struct StorageOptions {
  std::string dir;           // RocksDB directory
  bool sync_writes = false;  // fsync the WAL on every write
  int64_t block_cache_size = 256 << 20;
  int64_t write_buffer_size = 64 << 20;  // per column family
  // Budget of all memtables together (RocksDB WriteBufferManager). Always set: the memory
  // governor lowers it at run time under pressure.
  int64_t write_buffer_budget = 768 << 20;
  int max_write_buffer_number = 4;
  int max_open_files = 4096;
};

// RocksDB's own memory, read from its properties. All fields in bytes.
struct StorageMemory {
  uint64_t block_cache_usage = 0;  // all entries in the shared block cache (incl. pinned)
  uint64_t block_cache_capacity = 0;
  uint64_t block_cache_pinned = 0;  // entries in use by iterators/readers right now
  uint64_t memtables_active = 0;    // cur-size-all-mem-tables: active + unflushed immutable
  uint64_t memtables_all = 0;       // size-all-mem-tables: + pinned (flushed, still referenced)
  uint64_t table_readers = 0;       // estimate-table-readers-mem: index/filter outside the cache
};

Status FromRocks(const rocksdb::Status& s);

class Storage {
 public:
  static StatusOr<std::unique_ptr<Storage>> Open(const StorageOptions& options);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  // Point read at the latest state. NotFound when absent.
  Status Get(ColumnFamily cf, std::string_view key, std::string* value);
  Status Get(ColumnFamily cf, std::string_view key, rocksdb::PinnableSlice* value);
  // Applies a batch atomically (WAL on; fsync when sync_writes).
  Status Write(rocksdb::WriteBatch* batch);
  std::unique_ptr<rocksdb::Iterator> NewIterator(ColumnFamily cf);
  // Deletes every key in [begin, end) in every column family whose keys start with the namespace.
  Status DeleteNamespace(std::string_view ns);
  // Deletes every key of every namespace.
  Status DeleteAll();
  Status Flush();
  Status CompactAll();

  rocksdb::ColumnFamilyHandle* Handle(ColumnFamily cf) const {
    return handles_[static_cast<int>(cf)];
  }
  rocksdb::DB* db() const { return db_.get(); }
  LockManager* locks() { return &locks_; }
  // A fresh version for a composite key: microseconds << 11 | counter, strictly increasing.
  uint64_t NewVersion();

  StorageMemory GetMemory() const;
  // Run-time memory levers (the governor's): shrinking the cache evicts clean blocks only; a
  // lower memtable budget makes RocksDB flush the largest memtable earlier. No data is lost.
  void SetBlockCacheCapacity(uint64_t bytes);
  void SetWriteBufferBudget(uint64_t bytes);
  uint64_t write_buffer_budget() const;
  void set_sync_writes(bool v) { sync_writes_.store(v, std::memory_order_relaxed); }
  // Total bytes of SST and WAL files (disk, not memory).
  uint64_t DiskUsage() const;

 private:
  Storage() = default;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::shared_ptr<rocksdb::Cache> block_cache_;
  std::shared_ptr<rocksdb::WriteBufferManager> write_buffer_manager_;
  std::atomic<bool> sync_writes_{false};
  std::atomic<uint64_t> version_counter_{0};
  LockManager locks_;
};

}  // namespace mnemo
