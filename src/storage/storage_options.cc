#include "storage/storage_options.h"

#include <rocksdb/filter_policy.h>
#include <rocksdb/statistics.h>

#include <algorithm>

namespace mnemo {

// Small memtables, flushed several at a time. A skiplist insert is bound by memory latency, and
// a small list is shallower and stays in the CPU's caches; merging several full memtables into
// one L0 file writes a key overwritten in them once and keeps L0 files (and so L0 compactions,
// which rewrite the level below) as few as with large memtables. 1 MB x 4 against one 4 MB
// memtable per flush: SET CPU -10 to -15 % (docs/benchmarks.md). Half the memtables may wait,
// so that writes fill the other half while they flush. A read that misses the key cache searches
// each waiting memtable behind its bloom filter. Flushes that the write-buffer budget or the
// governor ask for do not wait.
//
// Under a memory limit, one at a time: with large values pushed at the limit, waiting memtables
// carried used memory to 1.10-1.22x the limit instead of 0.82-0.97x
// (tests/integration/test_maxmemory.py, test_pressure_stays_near_limit). There the memtables
// are larger instead (MemoryBudgets in server/memory_limit.h), so L0 files are not smaller.
int MemtablesPerFlush(int max_write_buffer_number, bool limited) {
  if (limited) return 1;
  return std::clamp(max_write_buffer_number / 2, 1, 4);
}

// L0 at its compaction trigger should hold about 64 MB, from 4 to 8 files, and the first level
// below it about as much. With 4 MB L0 files and RocksDB's 256 MB level base, one L0 compaction
// of 8 files rewrote up to 256 MB of the level below for 32 MB brought in: compaction could not
// keep up with 1 KB values and writes stalled on 20 L0 files (issue 12; docs/internals.md,
// "RocksDB settings", measures it). The stall triggers stay RocksDB's, at least 2.5 and 4.5
// times the compaction trigger.
LevelShape LevelShapeFor(const StorageOptions& o) {
  constexpr uint64_t kL0Target = 64ull << 20;
  uint64_t flush_bytes = static_cast<uint64_t>(std::max<int64_t>(o.write_buffer_size, 1)) *
                         static_cast<uint64_t>(std::max(o.memtables_per_flush, 1));
  LevelShape s;
  s.l0_compaction_trigger = static_cast<int>(std::clamp<uint64_t>(kL0Target / flush_bytes, 4, 8));
  s.l0_slowdown_trigger = std::max(20, s.l0_compaction_trigger * 5 / 2);
  s.l0_stop_trigger = std::max(36, s.l0_compaction_trigger * 9 / 2);
  s.level_base_bytes =
      std::max<uint64_t>(flush_bytes * static_cast<uint64_t>(s.l0_compaction_trigger), 16 << 20);
  return s;
}

// 4 shards of at least 4 MB instead of RocksDB's 1 MB ones (64 shards for 64 MB): an entry larger
// than its shard is evicted as soon as it is released, and a shard is what the governor's
// shrinking divides. Index and filter blocks get 3/4 of the cache as its high-priority pool.
std::shared_ptr<rocksdb::Cache> NewBlockCache(uint64_t capacity) {
  int shard_bits = capacity >= (64ull << 20) ? 4 : 2;
  return rocksdb::NewLRUCache(static_cast<size_t>(capacity), shard_bits, false, 0.75);
}

// Partitioned index, the top level pinned: a file's index is 4 KB partitions in the cache at high
// priority, so they stay there as data blocks come and go, and a point read costs one lookup of
// a partition. A whole index of a 64 MB file (about 16 000 entries, 500 KB) was larger than a
// 1 MB cache shard and was read again from the file for every read: 22 % of the CPU of random
// GETs with 1 KB values under a 256 MB limit (issue 12). Filters are whole per file (files are at
// most a quarter of the level base, so a filter is tens of KB): every SET probes each level's
// filter for the record it replaces, and a partitioned filter added a search of its top level
// and a second cache lookup to each probe (SET +15 %, GET +2-45 %, docs/internals.md).
rocksdb::BlockBasedTableOptions TableOptions(const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::BlockBasedTableOptions t;
  t.block_cache = cache;
  t.block_size = 4 * 1024;                 // small blocks: a point read reads and parses less
  t.cache_index_and_filter_blocks = true;  // index and filters are charged to the cache
  t.cache_index_and_filter_blocks_with_high_priority = true;
  t.pin_l0_filter_and_index_blocks_in_cache = true;
  t.index_type = rocksdb::BlockBasedTableOptions::kTwoLevelIndexSearch;
  t.partition_filters = false;
  t.metadata_block_size = 4 * 1024;
  t.pin_top_level_index_and_filter = true;
  t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10, false));
  t.format_version = 5;
  t.data_block_index_type = rocksdb::BlockBasedTableOptions::kDataBlockBinaryAndHash;
  return t;
}

rocksdb::ColumnFamilyOptions CfOptions(const StorageOptions& o,
                                       const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions cf;
  cf.write_buffer_size = static_cast<size_t>(o.write_buffer_size);
  cf.max_write_buffer_number = o.max_write_buffer_number;
  // Never all of them: a flush that waits for every memtable would never start.
  cf.min_write_buffer_number_to_merge =
      std::clamp(o.memtables_per_flush, 1, std::max(1, o.max_write_buffer_number - 1));
  cf.level_compaction_dynamic_level_bytes = true;
  LevelShape shape = LevelShapeFor(o);
  cf.level0_file_num_compaction_trigger = shape.l0_compaction_trigger;
  cf.level0_slowdown_writes_trigger = shape.l0_slowdown_trigger;
  cf.level0_stop_writes_trigger = shape.l0_stop_trigger;
  cf.max_bytes_for_level_base = shape.level_base_bytes;
  // Files a quarter of the level base: a compaction below L0 picks one file and the files of the
  // next level it overlaps, so smaller files keep each such compaction short and the one
  // compaction thread free for L0 sooner.
  cf.target_file_size_base = std::max<uint64_t>(shape.level_base_bytes / 4, 8 << 20);
  // A whole-key bloom filter per memtable: a point read skips the memtables that cannot hold
  // the key instead of searching their skiplists.
  cf.memtable_whole_key_filtering = true;
  cf.memtable_prefix_bloom_size_ratio = 0.05;
  // LZ4 at every level: while the data is small, every L0 compaction rewrites the bottommost
  // level, and ZSTD there cost about 5 % of SET throughput on two cores.
  cf.compression = rocksdb::kLZ4Compression;
  cf.bottommost_compression = rocksdb::kLZ4Compression;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(TableOptions(cache)));
  return cf;
}

// Blob files of 64 MB (RocksDB's 256 MB would leave a small database one file that garbage
// collection never reaches); LZ4 as the SST files. Garbage collection relocates the live blobs
// of the oldest quarter of the blob files whenever a compaction meets them, so overwritten values
// are reclaimed without a full rewrite of the data.
void UseBlobFiles(const StorageOptions& o, rocksdb::ColumnFamilyOptions* cf) {
  if (o.min_blob_size == 0) return;
  cf->enable_blob_files = true;
  cf->min_blob_size = o.min_blob_size;
  cf->blob_file_size = 64ull << 20;
  cf->blob_compression_type = rocksdb::kLZ4Compression;
  cf->enable_blob_garbage_collection = true;
  cf->blob_garbage_collection_age_cutoff = 0.25;
}

rocksdb::DBOptions DbOptions(const StorageOptions& o) {
  rocksdb::DBOptions db;
  db.create_if_missing = true;
  db.create_missing_column_families = true;
  db.max_open_files = o.max_open_files;
  // One flush and two compactions: a long compaction deep in the tree does not hold back the
  // L0 compaction that keeps writes from stalling. The threads mostly wait on I/O.
  db.max_background_jobs = 3;
  db.max_total_wal_size = 512 << 20;
  // Each file being written (the WAL, a flush's and each compaction's output) buffers up to this
  // much before handing it to the kernel. RocksDB's 1 MB made 3-4 MB that no figure names
  // (docs/memory.md, load b); 256 KB is still few system calls per file.
  db.writable_file_max_buffer_size = 256 << 10;
  db.delayed_write_rate = o.delayed_write_rate;
  // A WAL append that failed (a full disk) leaves a torn record at the end of that WAL, and once
  // space is back RocksDB goes on in a new one. RocksDB's default recovery (point in time)
  // stops at the torn record and drops every later WAL, then refuses to open because flushed
  // SST files hold writes from those WALs ("SST file is ahead of WALs"): a server that survived
  // a full disk could not restart (tests/integration/test_disk_full.py failed so in CI).
  // This mode skips an incomplete record at the end of any WAL, which is a write that was never
  // acknowledged, and replays the rest; corruption anywhere else still fails the open.
  db.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  db.enable_pipelined_write = true;
  db.avoid_unnecessary_blocking_io = true;
  // Tickers only (no histograms, no timers): the block cache's hits and misses and the time
  // writes were stalled, for INFO storage (Storage::GetStats). A ticker is a relaxed add to a
  // per-core counter.
  db.statistics = rocksdb::CreateDBStatistics();
  db.statistics->set_stats_level(rocksdb::StatsLevel::kExceptHistogramOrTimers);
  return db;
}

}  // namespace mnemo
