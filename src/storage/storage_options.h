// The RocksDB options Mnemo opens its database with: table format, block cache use, memtables,
// L0 triggers and level sizing, compression, background jobs. Every choice has its reason and
// its measurement beside it in storage_options.cc and in docs/internals.md ("RocksDB settings").
//
// For storage/ only (RocksDB types). Pure functions of StorageOptions: no state, thread-safe.
#pragma once

#include <rocksdb/cache.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>

#include <memory>

#include "storage/storage.h"

namespace mnemo {

// The level shape that follows from the memtables: how many L0 files start a compaction, and
// the size of the first level below L0 (close to what L0 holds at the trigger, so an L0
// compaction rewrites about as much as it brings).
struct LevelShape {
  int l0_compaction_trigger = 8;
  int l0_slowdown_trigger = 20;
  int l0_stop_trigger = 36;
  uint64_t level_base_bytes = 256ull << 20;
};
LevelShape LevelShapeFor(const StorageOptions& o);

// The block cache shared by every column family; `capacity` in bytes.
std::shared_ptr<rocksdb::Cache> NewBlockCache(uint64_t capacity);
rocksdb::BlockBasedTableOptions TableOptions(const std::shared_ptr<rocksdb::Cache>& cache);
rocksdb::ColumnFamilyOptions CfOptions(const StorageOptions& o,
                                       const std::shared_ptr<rocksdb::Cache>& cache);
// Values of at least o.min_blob_size in blob files (no-op when it is 0). For the metadata
// column family only: it has no compaction filter, which would read each blob back.
void UseBlobFiles(const StorageOptions& o, rocksdb::ColumnFamilyOptions* cf);
// The database-wide options but the listeners, the logger and the write buffer manager.
rocksdb::DBOptions DbOptions(const StorageOptions& o);

}  // namespace mnemo
