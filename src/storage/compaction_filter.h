// The compaction filter that garbage-collects what reads already treat as gone:
//  - SubkeyFilter drops subkeys (and zset score entries) whose owning key is missing, expired,
//    of a string type now, or carries a different version (overwritten or deleted).
// Metadata records are not filtered: expired keys are removed by writes (active expiry), which
// keep the namespace counters exact. RocksDB turns a removed record into a tombstone when older
// versions may sit below, so a dropped element never reappears. Instances are created per
// compaction by the factories.
#pragma once

#include <rocksdb/compaction_filter.h>
#include <rocksdb/db.h>

#include <atomic>

namespace mnemo {

class SubkeyFilterFactory : public rocksdb::CompactionFilterFactory {
 public:
  // The DB and metadata handle are set once the DB is open; until then nothing is dropped.
  void Attach(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* metadata);
  std::unique_ptr<rocksdb::CompactionFilter> CreateCompactionFilter(
      const rocksdb::CompactionFilter::Context& context) override;
  const char* Name() const override { return "mnemo.SubkeyFilterFactory"; }

 private:
  std::atomic<rocksdb::DB*> db_{nullptr};
  std::atomic<rocksdb::ColumnFamilyHandle*> metadata_{nullptr};
};

}  // namespace mnemo
