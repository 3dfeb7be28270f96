// Storage::GetFigures: RocksDB's figures (storage.h StorageFigures) from its statistics tickers
// and properties, in one read.
#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/statistics.h>

#include <cstdlib>
#include <map>
#include <string>

#include "storage/storage.h"

namespace mnemo {
namespace {

uint64_t MapValue(const std::map<std::string, std::string>& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? 0 : static_cast<uint64_t>(std::strtod(it->second.c_str(), nullptr));
}

// rocksdb.num-files-at-level0 is a string property (GetIntProperty refuses it).
uint64_t L0Files(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* h) {
  std::string s;
  if (!db->GetProperty(h, rocksdb::DB::Properties::kNumFilesAtLevelPrefix + "0", &s)) return 0;
  return std::strtoull(s.c_str(), nullptr, 10);
}

}  // namespace

StorageFigures Storage::GetFigures() const {
  StorageFigures f;
  f.block_cache_hits = statistics_->getTickerCount(rocksdb::BLOCK_CACHE_HIT);
  f.block_cache_misses = statistics_->getTickerCount(rocksdb::BLOCK_CACHE_MISS);
  f.index_filter_misses = statistics_->getTickerCount(rocksdb::BLOCK_CACHE_INDEX_MISS) +
                          statistics_->getTickerCount(rocksdb::BLOCK_CACHE_FILTER_MISS);
  // The same microseconds as the "Cumulative stall" of rocksdb.dbstats (RocksDB adds each
  // delay to both), without formatting that report.
  f.stall_micros = statistics_->getTickerCount(rocksdb::STALL_MICROS);
  std::map<std::string, std::string> entries;
  if (db_->GetMapProperty(handles_.back(), rocksdb::DB::Properties::kBlockCacheEntryStats,
                          &entries)) {
    using Keys = rocksdb::BlockCacheEntryStatsMapKeys;
    f.index_bytes = MapValue(entries, Keys::UsedBytes(rocksdb::CacheEntryRole::kIndexBlock));
    f.filter_bytes = MapValue(entries, Keys::UsedBytes(rocksdb::CacheEntryRole::kFilterBlock)) +
                     MapValue(entries, Keys::UsedBytes(rocksdb::CacheEntryRole::kFilterMetaBlock));
  }
  for (auto* h : handles_) {
    f.l0_files += L0Files(db_.get(), h);
    uint64_t v = 0;
    if (db_->GetIntProperty(h, rocksdb::DB::Properties::kEstimatePendingCompactionBytes, &v))
      f.pending_compaction_bytes += v;
    if (db_->GetIntProperty(h, rocksdb::DB::Properties::kNumImmutableMemTable, &v))
      f.immutable_memtables += v;
    if (db_->GetIntProperty(h, rocksdb::DB::Properties::kTotalSstFilesSize, &v)) f.sst_bytes += v;
    if (db_->GetIntProperty(h, rocksdb::DB::Properties::kTotalBlobFileSize, &v)) f.blob_bytes += v;
    if (db_->GetIntProperty(h, rocksdb::DB::Properties::kEstimateLiveDataSize, &v))
      f.live_data_bytes += v;
    std::map<std::string, std::string> cf;
    if (db_->GetMapProperty(h, rocksdb::DB::Properties::kCFStats, &cf)) {
      f.stall_stops += MapValue(cf, "io_stalls.total_stop");
      f.stall_slowdowns += MapValue(cf, "io_stalls.total_slowdown");
    }
  }
  uint64_t v = 0;
  if (db_->GetIntProperty(rocksdb::DB::Properties::kNumRunningCompactions, &v))
    f.running_compactions = v;
  if (db_->GetIntProperty(rocksdb::DB::Properties::kNumRunningFlushes, &v)) f.running_flushes = v;
  if (db_->GetIntProperty(rocksdb::DB::Properties::kIsWriteStopped, &v)) f.write_stopped = v != 0;
  if (db_->GetIntProperty(rocksdb::DB::Properties::kActualDelayedWriteRate, &v))
    f.delayed_write_rate = v;
  return f;
}

}  // namespace mnemo
