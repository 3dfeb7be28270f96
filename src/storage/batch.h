// Batch: writes that Storage::Write applies atomically, in Mnemo's own terms (column families by
// name, no RocksDB types in the interface). An indexed batch also answers reads of its own
// uncommitted writes (Find, and iterators that overlay it: Storage::NewIterator), which is what a
// write context needs; a plain batch (the pipeline's blind SETs) skips the index.
//
// A batch keeps its writes in one buffer, in order. An indexed one adds a hash table from
// (column family, key) to the latest write of the key: Put, Delete and Find cost one hash probe,
// and it is committed as the latest write of each key. Both are handed to RocksDB sorted by key
// (ToWrite), which makes RocksDB's memtable inserts cheaper. The ordered index that an
// overlaying iterator needs (a RocksDB WriteBatchWithIndex) is built only when such an iterator
// is asked for, and kept up to date from then on until the batch is cleared or rolled back: most
// passes of writes never iterate, and a skiplist insert per write cost them about a fifth of an
// INCR's CPU (docs/benchmarks.md).
//
// Not thread-safe: a batch belongs to one writer. Created against a Storage, whose column family
// handles it uses; must not outlive it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

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
  // forgets the save point and keeps them. Nested save points form a stack; Rollback and Pop
  // without a save point do nothing.
  void SetSavePoint();
  void RollbackToSavePoint();
  void PopSavePoint();

  size_t Count() const;     // writes added (every put and delete, repeated keys included)
  size_t DataSize() const;  // bytes of the batch encoded as RocksDB's WriteBatch, every write
  // What the allocator holds for the writes: their buffers' blocks (the write buffer, the
  // records, an indexed batch's hash table, and the sorted encoding handed to RocksDB), whose
  // capacity a Clear keeps for the next writes up to kKeptBytes each. An overlay index, when one
  // was built, is freed by Clear and is not counted.
  size_t HeapBytes() const;
  bool empty() const { return Count() == 0; }
  bool indexed() const { return indexed_; }
  void Clear();

  // Buffers larger than this are freed by Clear rather than kept for the next writes: twice the
  // size at which the server commits a batch early (4 MiB), so a steady load of large writes
  // keeps its buffers and only a burst (a 64 MB SET) gives its memory back.
  static constexpr size_t kKeptBytes = 8 << 20;

 private:
  friend class Storage;
  // What Storage::Write writes: the writes (for an indexed batch, the latest write of each key)
  // sorted by column family and key, writes of one key in their order, encoded into a buffer the
  // batch keeps (Storage::Write appends the derived writes to it).
  rocksdb::WriteBatch* ToWrite();
  // The ordered index of an indexed batch's latest writes, built on first use
  // (Storage::NewIterator).
  rocksdb::WriteBatchWithIndex* Overlay() const;

  struct Record {
    size_t offset;  // of the key in buf_; the value follows it
    uint32_t key_len;
    uint32_t value_len;
    uint32_t hash;  // Hash(cf, key)
    uint8_t cf;
    bool deleted;
    bool superseded;  // a later record writes the same key
  };
  struct Slot {
    uint32_t record;  // index + 1 of the latest record of a key; 0: empty
    uint32_t hash;
  };
  struct SavePoint {
    size_t records, buf, encoded;
  };
  static uint32_t Hash(uint8_t cf, std::string_view key);
  std::string_view KeyOf(const Record& r) const { return {buf_.data() + r.offset, r.key_len}; }
  void Add(ColumnFamily cf, std::string_view key, std::string_view value, bool deleted);
  // The slot holding (cf, key), or the empty slot where it would go. slots_ must not be empty.
  size_t SlotOf(uint8_t cf, std::string_view key, uint32_t hash) const;
  void Index(uint32_t record);  // makes records_[record] the latest write of its key
  void Reindex();               // rebuilds the hash table from records_
  void AddToOverlay(const Record& r) const;

  Storage* storage_;
  const bool indexed_;
  std::string buf_;
  std::vector<Record> records_;
  std::vector<Slot>
      slots_;  // an indexed batch's; open addressing, linear probing, a power of two or empty
  size_t distinct_ = 0;  // keys in slots_
  size_t encoded_ = 0;   // bytes of records_ in WriteBatch encoding (without its header)
  std::vector<SavePoint> save_points_;
  std::vector<uint32_t> order_;  // ToWrite's sort of records_
  std::unique_ptr<rocksdb::WriteBatch> to_write_;
  mutable std::unique_ptr<rocksdb::WriteBatchWithIndex> overlay_;
};

}  // namespace mnemo
