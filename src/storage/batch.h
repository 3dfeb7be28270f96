// Batch: writes that Storage::Write applies atomically, in Mnemo's own terms (column families by
// name, no RocksDB types in the interface). An indexed batch also answers reads of its own
// uncommitted writes (Find, and iterators that overlay it: Storage::NewIterator), which is what a
// write context needs; a plain batch (the pipeline's blind SETs) skips the index.
//
// Not thread-safe: a batch belongs to one writer. Created against a Storage, whose column family
// handles it uses; must not outlive it.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace rocksdb {
class WriteBatch;
class WriteBatchWithIndex;
}  // namespace rocksdb

namespace mnemo {

class Storage;
enum class ColumnFamily;

class Batch {
 public:
  Batch(Storage* storage, bool indexed);
  ~Batch();
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;

  void Put(ColumnFamily cf, std::string_view key, std::string_view value);
  void Delete(ColumnFamily cf, std::string_view key);

  // What an indexed batch holds for a key: its latest put (value filled), a delete, or nothing.
  // A plain batch always answers kAbsent.
  enum class Lookup { kAbsent, kPut, kDeleted };
  Lookup Find(ColumnFamily cf, std::string_view key, std::string* value) const;

  // Save points (indexed batches): Rollback drops every write since the matching Set; Pop
  // forgets the save point and keeps them. Nested save points form a stack.
  void SetSavePoint();
  void RollbackToSavePoint();
  void PopSavePoint();

  // For an indexed batch with repeated keys or more than one write: fills *out with the latest
  // write of each key, column family by column family in key order, and returns true (the
  // batch's effect, in fewer and sorted writes: see Storage::Write). False leaves *out alone.
  bool CoalesceInto(rocksdb::WriteBatch* out) const;

  size_t Count() const;     // writes added (every put and delete, repeated keys included)
  size_t DataSize() const;  // bytes of the encoded batch
  // What the allocator holds for the encoded writes: their buffer's block, whose capacity a
  // Clear keeps for the next writes (an indexed batch's index is freed by Clear).
  size_t HeapBytes() const;
  bool empty() const { return Count() == 0; }
  bool indexed() const { return indexed_ != nullptr; }
  void Clear();

 private:
  friend class Storage;
  rocksdb::WriteBatch* raw() const;

  Storage* storage_;
  std::unique_ptr<rocksdb::WriteBatch> plain_;
  std::unique_ptr<rocksdb::WriteBatchWithIndex> indexed_;
};

}  // namespace mnemo
