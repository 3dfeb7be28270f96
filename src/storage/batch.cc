#include "storage/batch.h"

#include <rocksdb/db.h>
#include <rocksdb/utilities/write_batch_with_index.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <functional>

#include "common/heap_bytes.h"
#include "storage/storage.h"

namespace mnemo {

namespace {

constexpr size_t kWriteBatchHeader = 12;  // RocksDB's WriteBatch: sequence (8), count (4)

size_t VarintLength(uint64_t v) {
  size_t n = 1;
  while (v >= 128) {
    v >>= 7;
    n++;
  }
  return n;
}

// Frees a buffer whose capacity grew past what is worth keeping; empties it otherwise.
void ClearKeeping(std::string* s) {
  if (s->capacity() > Batch::kKeptBytes) {
    std::string().swap(*s);
  } else {
    s->clear();
  }
}

template <typename T>
void ClearKeeping(std::vector<T>* v) {
  if (v->capacity() * sizeof(T) > Batch::kKeptBytes) {
    std::vector<T>().swap(*v);
  } else {
    v->clear();
  }
}

}  // namespace

Batch::Batch(Storage* storage, bool indexed) : storage_(storage), indexed_(indexed) {}

Batch::~Batch() = default;

uint32_t Batch::Hash(uint8_t cf, std::string_view key) {
  uint64_t h = std::hash<std::string_view>()(key) ^ (uint64_t{cf} * 0x9e3779b97f4a7c15ULL);
  return static_cast<uint32_t>(h ^ (h >> 32));
}

void Batch::Put(ColumnFamily cf, std::string_view key, std::string_view value) {
  Add(cf, key, value, false);
}

void Batch::Delete(ColumnFamily cf, std::string_view key) { Add(cf, key, {}, true); }

void Batch::Add(ColumnFamily cf, std::string_view key, std::string_view value, bool deleted) {
  const uint8_t c = static_cast<uint8_t>(cf);
  Record r{buf_.size(),
           static_cast<uint32_t>(key.size()),
           static_cast<uint32_t>(value.size()),
           Hash(c, key),
           c,
           deleted,
           false};
  buf_.append(key);
  buf_.append(value);
  uint32_t cf_id = storage_->Handle(cf)->GetID();
  encoded_ += 1 + (cf_id != 0 ? VarintLength(cf_id) : 0) + VarintLength(key.size()) + key.size();
  if (!deleted) encoded_ += VarintLength(value.size()) + value.size();
  records_.push_back(r);
  if (!indexed_) return;
  Index(static_cast<uint32_t>(records_.size() - 1));
  if (overlay_) AddToOverlay(r);
}

size_t Batch::SlotOf(uint8_t cf, std::string_view key, uint32_t hash) const {
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (s.record == 0) return i;
    if (s.hash == hash) {
      const Record& r = records_[s.record - 1];
      if (r.cf == cf && KeyOf(r) == key) return i;
    }
  }
}

void Batch::Index(uint32_t record) {
  if ((distinct_ + 1) * 2 > slots_.size()) {
    // Grow to keep the table at most half full; the stored hashes place the old entries.
    std::vector<Slot> grown(std::max<size_t>(64, slots_.size() * 2), Slot{0, 0});
    const size_t mask = grown.size() - 1;
    for (const Slot& s : slots_) {
      if (s.record == 0) continue;
      size_t i = s.hash & mask;
      while (grown[i].record != 0) i = (i + 1) & mask;
      grown[i] = s;
    }
    slots_.swap(grown);
  }
  const Record& r = records_[record];
  Slot& s = slots_[SlotOf(r.cf, KeyOf(r), r.hash)];
  if (s.record == 0) {
    distinct_++;
  } else {
    records_[s.record - 1].superseded = true;
  }
  s = Slot{record + 1, r.hash};
}

void Batch::Reindex() {
  std::fill(slots_.begin(), slots_.end(), Slot{0, 0});
  distinct_ = 0;
  for (Record& r : records_) r.superseded = false;
  for (size_t i = 0; i < records_.size(); i++) Index(static_cast<uint32_t>(i));
}

Batch::Lookup Batch::Find(ColumnFamily cf, std::string_view key, std::string* value) const {
  if (!indexed_ || distinct_ == 0) return Lookup::kAbsent;
  const uint8_t c = static_cast<uint8_t>(cf);
  const Slot& s = slots_[SlotOf(c, key, Hash(c, key))];
  if (s.record == 0) return Lookup::kAbsent;
  const Record& r = records_[s.record - 1];
  if (r.deleted) return Lookup::kDeleted;
  value->assign(buf_.data() + r.offset + r.key_len, r.value_len);
  return Lookup::kPut;
}

void Batch::AddToOverlay(const Record& r) const {
  // WriteBatchWithIndex fails only past RocksDB's 4 GB batch limit (see Put).
  rocksdb::ColumnFamilyHandle* h = storage_->Handle(static_cast<ColumnFamily>(r.cf));
  if (r.deleted) {
    (void)overlay_->Delete(h, KeyOf(r));
  } else {
    (void)overlay_->Put(h, KeyOf(r),
                        std::string_view(buf_.data() + r.offset + r.key_len, r.value_len));
  }
}

rocksdb::WriteBatchWithIndex* Batch::Overlay() const {
  if (!indexed_) return nullptr;
  if (!overlay_) {
    // overwrite_key: the index keeps only the latest write of a key, which is what overlaying
    // iterators must see.
    overlay_ = std::make_unique<rocksdb::WriteBatchWithIndex>(rocksdb::BytewiseComparator(), 0,
                                                              /*overwrite_key=*/true);
    for (const Record& r : records_) AddToOverlay(r);
  }
  return overlay_.get();
}

rocksdb::WriteBatch* Batch::ToWrite() {
  if (!to_write_) to_write_ = std::make_unique<rocksdb::WriteBatch>();
  to_write_->Clear();
  // The latest write of each key (every write, for a plain batch), sorted by column family and
  // key; writes of one key stay in their order. RocksDB inserts a batch's writes into a
  // memtable's skiplist one after another from where the previous insert ended, so writes in
  // key order skip most of the search that writes in arrival order (random keys) pay.
  order_.clear();
  for (uint32_t i = 0; i < records_.size(); i++) {
    if (!records_[i].superseded) order_.push_back(i);
  }
  std::sort(order_.begin(), order_.end(), [this](uint32_t a, uint32_t b) {
    const Record& ra = records_[a];
    const Record& rb = records_[b];
    if (ra.cf != rb.cf) return ra.cf < rb.cf;
    int c = KeyOf(ra).compare(KeyOf(rb));
    return c != 0 ? c < 0 : a < b;
  });
  // Put and Delete fail only past RocksDB's 4 GB batch limit, which the callers' size checks
  // keep far away; Storage::Write reports every storage error.
  for (uint32_t i : order_) {
    const Record& r = records_[i];
    const std::string_view key = KeyOf(r);
    rocksdb::ColumnFamilyHandle* h = storage_->Handle(static_cast<ColumnFamily>(r.cf));
    if (r.deleted) {
      (void)to_write_->Delete(h, key);
    } else {
      (void)to_write_->Put(h, key,
                           std::string_view(buf_.data() + r.offset + r.key_len, r.value_len));
    }
  }
  return to_write_.get();
}

void Batch::SetSavePoint() {
  if (indexed_) save_points_.push_back({records_.size(), buf_.size(), encoded_});
}

void Batch::RollbackToSavePoint() {
  if (!indexed_ || save_points_.empty()) return;
  SavePoint sp = save_points_.back();
  save_points_.pop_back();
  if (sp.records == records_.size()) return;  // nothing was written since
  records_.resize(sp.records);
  buf_.resize(sp.buf);
  encoded_ = sp.encoded;
  Reindex();
  overlay_.reset();  // rebuilt from records_ when next needed
}

void Batch::PopSavePoint() {
  if (indexed_ && !save_points_.empty()) save_points_.pop_back();
}

size_t Batch::Count() const { return records_.size(); }

size_t Batch::DataSize() const { return kWriteBatchHeader + encoded_; }

size_t Batch::HeapBytes() const {
  size_t n = mnemo::HeapBytes(buf_) + mnemo::HeapBytes(records_) + mnemo::HeapBytes(slots_) +
             mnemo::HeapBytes(save_points_) + mnemo::HeapBytes(order_);
  if (to_write_) n += mnemo::HeapBytes(to_write_->Data());
  return n;
}

void Batch::Clear() {
  ClearKeeping(&buf_);
  ClearKeeping(&records_);
  ClearKeeping(&order_);
  if (slots_.size() * sizeof(Slot) > kKeptBytes) {
    std::vector<Slot>().swap(slots_);
  } else if (distinct_ > 0) {
    std::fill(slots_.begin(), slots_.end(), Slot{0, 0});
  }
  distinct_ = 0;
  encoded_ = 0;
  save_points_.clear();
  if (to_write_ && to_write_->Data().capacity() > kKeptBytes) to_write_.reset();
  overlay_.reset();
}

}  // namespace mnemo
