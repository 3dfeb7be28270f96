#include "storage/batch.h"

#include <rocksdb/utilities/write_batch_with_index.h>
#include <rocksdb/write_batch.h>

#include "common/heap_bytes.h"
#include "storage/storage.h"

namespace mnemo {

Batch::Batch(Storage* storage, bool indexed) : storage_(storage) {
  if (indexed) {
    // overwrite_key: the index keeps only the latest write of a key, which is what Find and
    // overlaying iterators must see.
    indexed_ = std::make_unique<rocksdb::WriteBatchWithIndex>(rocksdb::BytewiseComparator(), 0,
                                                              /*overwrite_key=*/true);
  } else {
    plain_ = std::make_unique<rocksdb::WriteBatch>();
  }
}

Batch::~Batch() = default;

rocksdb::WriteBatch* Batch::raw() const {
  return indexed_ ? indexed_->GetWriteBatch() : plain_.get();
}

// Put and Delete fail only on a batch larger than RocksDB's 4 GB limit, which the callers'
// size checks keep far away; Storage::Write reports every storage error.
void Batch::Put(ColumnFamily cf, std::string_view key, std::string_view value) {
  if (indexed_) {
    (void)indexed_->Put(storage_->Handle(cf), key, value);
  } else {
    (void)plain_->Put(storage_->Handle(cf), key, value);
  }
}

void Batch::Delete(ColumnFamily cf, std::string_view key) {
  if (indexed_) {
    (void)indexed_->Delete(storage_->Handle(cf), key);
  } else {
    (void)plain_->Delete(storage_->Handle(cf), key);
  }
}

Batch::Lookup Batch::Find(ColumnFamily cf, std::string_view key, std::string* value) const {
  if (!indexed_ || indexed_->GetWriteBatch()->Count() == 0) return Lookup::kAbsent;
  std::unique_ptr<rocksdb::WBWIIterator> it(indexed_->NewIterator(storage_->Handle(cf)));
  it->Seek(key);
  if (!it->Valid()) return Lookup::kAbsent;
  const rocksdb::WriteEntry e = it->Entry();
  if (e.key.ToStringView() != key) return Lookup::kAbsent;
  if (e.type == rocksdb::kDeleteRecord || e.type == rocksdb::kSingleDeleteRecord) {
    return Lookup::kDeleted;
  }
  if (e.type != rocksdb::kPutRecord) return Lookup::kAbsent;
  value->assign(e.value.data(), e.value.size());
  return Lookup::kPut;
}

bool Batch::CoalesceInto(rocksdb::WriteBatch* out) const {
  if (!indexed_ || indexed_->GetWriteBatch()->Count() < 2) return false;
  out->Clear();
  for (int cf = 0; cf < kColumnFamilies; cf++) {
    rocksdb::ColumnFamilyHandle* handle = storage_->Handle(static_cast<ColumnFamily>(cf));
    std::unique_ptr<rocksdb::WBWIIterator> it(indexed_->NewIterator(handle));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const rocksdb::WriteEntry e = it->Entry();
      rocksdb::Status rs;
      switch (e.type) {
        case rocksdb::kPutRecord:
          rs = out->Put(handle, e.key, e.value);
          break;
        case rocksdb::kDeleteRecord:
        case rocksdb::kSingleDeleteRecord:
          rs = out->Delete(handle, e.key);
          break;
        default:  // Batch writes only puts and deletes; anything else: keep the batch as is
          return false;
      }
      if (!rs.ok()) return false;
    }
  }
  return true;
}

void Batch::SetSavePoint() {
  if (indexed_) indexed_->SetSavePoint();
}

void Batch::RollbackToSavePoint() {
  if (indexed_) (void)indexed_->RollbackToSavePoint();
}

void Batch::PopSavePoint() {
  if (indexed_) (void)indexed_->PopSavePoint();
}

size_t Batch::Count() const { return raw()->Count(); }

size_t Batch::DataSize() const { return raw()->GetDataSize(); }

size_t Batch::HeapBytes() const { return mnemo::HeapBytes(raw()->Data()); }

void Batch::Clear() {
  if (indexed_) {
    indexed_->Clear();
  } else {
    plain_->Clear();
  }
}

}  // namespace mnemo
