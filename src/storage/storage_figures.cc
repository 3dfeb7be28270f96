// Storage::GetFigures: RocksDB's health figures (storage.h StorageFigures) from its properties.
#include <rocksdb/db.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "storage/storage.h"

namespace mnemo {
namespace {

// "Cumulative stall: 00:00:1.234 H:M:S, ..." of rocksdb.dbstats, in microseconds; 0 if absent.
uint64_t CumulativeStallMicros(const std::string& dbstats) {
  size_t at = dbstats.find("Cumulative stall: ");
  if (at == std::string::npos) return 0;
  unsigned h = 0, m = 0;
  double sec = 0;
  if (sscanf(dbstats.c_str() + at, "Cumulative stall: %u:%u:%lf", &h, &m, &sec) != 3) return 0;
  return static_cast<uint64_t>((h * 3600.0 + m * 60.0 + sec) * 1e6);
}

uint64_t MapValue(const std::map<std::string, std::string>& m, const char* key) {
  auto it = m.find(key);
  return it == m.end() ? 0 : static_cast<uint64_t>(std::strtod(it->second.c_str(), nullptr));
}

}  // namespace

StorageFigures Storage::GetFigures() const {
  StorageFigures f;
  for (auto* h : handles_) {
    uint64_t v = 0;
    if (db_->GetIntProperty(h, rocksdb::DB::Properties::kNumFilesAtLevelPrefix + "0", &v)) {
      f.l0_files += v;
    } else {
      std::string s;
      if (db_->GetProperty(h, rocksdb::DB::Properties::kNumFilesAtLevelPrefix + "0", &s))
        f.l0_files += std::stoull(s);
    }
    if (db_->GetIntProperty(h, rocksdb::DB::Properties::kEstimatePendingCompactionBytes, &v))
      f.pending_compaction_bytes += v;
    if (db_->GetIntProperty(h, rocksdb::DB::Properties::kNumImmutableMemTable, &v))
      f.immutable_memtables += v;
    if (db_->GetIntProperty(h, rocksdb::DB::Properties::kTotalSstFilesSize, &v)) f.sst_bytes += v;
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
  std::string dbstats;
  if (db_->GetProperty(rocksdb::DB::Properties::kDBStats, &dbstats))
    f.stall_micros = CumulativeStallMicros(dbstats);
  return f;
}

}  // namespace mnemo
