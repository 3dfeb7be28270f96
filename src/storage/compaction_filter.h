// Compaction filters that garbage-collect what reads already treat as gone:
//  - MetadataFilter drops metadata whose expiry has passed.
//  - SubkeyFilter drops subkeys (and zset score entries) whose owning key is missing, expired,
//    of a string type now, or carries a different version (overwritten or deleted).
// RocksDB turns a removed record into a tombstone when older versions may sit below, so an
// expired key never reappears. Instances are created per compaction by the factories.
#pragma once

#include <rocksdb/compaction_filter.h>
#include <rocksdb/db.h>

#include <atomic>

namespace mnemo {

class MetadataFilterFactory : public rocksdb::CompactionFilterFactory {
 public:
  std::unique_ptr<rocksdb::CompactionFilter> CreateCompactionFilter(
      const rocksdb::CompactionFilter::Context& context) override;
  const char* Name() const override { return "mnemo.MetadataFilterFactory"; }
};

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
