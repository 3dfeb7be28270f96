#include "storage/storage.h"

#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/perf_level.h>
#include <rocksdb/statistics.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/utilities/write_batch_with_index.h>
#include <rocksdb/write_batch.h>
#include <rocksdb/write_buffer_manager.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <filesystem>
#include <map>
#include <unordered_map>

#include "common/string_util.h"
#include "storage/compaction_filter.h"
#include "storage/encoding.h"
#include "storage/storage_options.h"

namespace mnemo {

Status FromRocks(const rocksdb::Status& s) {
  if (s.ok()) return Status::OK();
  if (s.IsNotFound()) return Status::NotFound();
  if (s.IsNoSpace()) {
    return Status::IOError("disk full: write refused until space is freed (" + s.ToString() + ")");
  }
  if (s.IsCorruption()) return Status::Corruption("storage corruption: " + s.ToString());
  if (s.IsInvalidArgument()) return Status::InvalidArgument("storage: " + s.ToString());
  return Status::IOError("storage error: " + s.ToString());
}

namespace {

const char* const kCfNames[] = {"metadata", "subkeys", "zset_scores", "counters", "expiry"};

// The on-disk format this build reads and writes, kept in the default column family. A data
// directory with data but another (or no) format is refused at start rather than misread.
constexpr const char* kFormatKey = "mnemo-format";
constexpr const char* kFormatVersion = "2";  // 2: slot after the namespace, composite bytes

// NamespaceCounters as 4 fixed 64-bit big-endian fields; merged by adding them.
std::string EncodeCounters(const NamespaceCounters& c) {
  std::string out;
  for (int64_t v : {c.keys, c.expires, c.bytes, c.expire_sum_s}) {
    PutFixed64BE(&out, static_cast<uint64_t>(v));
  }
  return out;
}

NamespaceCounters DecodeCounters(std::string_view v) {
  NamespaceCounters c;
  if (v.size() < 32) return c;
  c.keys = static_cast<int64_t>(DecodeFixed64BE(v.data()));
  c.expires = static_cast<int64_t>(DecodeFixed64BE(v.data() + 8));
  c.bytes = static_cast<int64_t>(DecodeFixed64BE(v.data() + 16));
  c.expire_sum_s = static_cast<int64_t>(DecodeFixed64BE(v.data() + 24));
  return c;
}

class CountersMergeOperator : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice& /*key*/, const rocksdb::Slice* existing,
             const rocksdb::Slice& value, std::string* new_value,
             rocksdb::Logger* /*logger*/) const override {
    NamespaceCounters c;
    if (existing != nullptr) c = DecodeCounters(existing->ToStringView());
    c.Add(DecodeCounters(value.ToStringView()));
    *new_value = EncodeCounters(c);
    return true;
  }
  const char* Name() const override { return "mnemo.CountersMerge"; }
};

// What one metadata record adds to its namespace's counters.
NamespaceCounters CountersOf(std::string_view meta_key, std::string_view record) {
  NamespaceCounters c;
  std::string_view ns, user_key;
  auto meta = DecodeMetadata(record);
  if (!meta || !DecodeMetaKey(meta_key, &ns, &user_key)) return c;
  c.keys = 1;
  c.bytes = static_cast<int64_t>(LogicalBytes(user_key, *meta));
  if (meta->expire_ms > 0) {
    c.expires = 1;
    c.expire_sum_s = meta->expire_ms / 1000;
  }
  return c;
}

NamespaceCounters Negated(NamespaceCounters c) {
  return {-c.keys, -c.expires, -c.bytes, -c.expire_sum_s};
}

}  // namespace

StatusOr<std::unique_ptr<Storage>> Storage::Open(const StorageOptions& o) {
  std::unique_ptr<Storage> s(new Storage(static_cast<size_t>(o.key_cache_size)));
  s->sync_writes_ = o.sync_writes;
  s->block_cache_ = NewBlockCache(static_cast<uint64_t>(o.block_cache_size));

  // Own budget, not charged to the block cache: the governor moves the two levers separately,
  // and charging memtables to the cache would let a write burst evict the read working set.
  // allow_stall=false: over budget, RocksDB flushes early instead of blocking the event loop.
  s->write_buffer_manager_ = std::make_shared<rocksdb::WriteBufferManager>(
      static_cast<size_t>(o.write_buffer_budget), nullptr, /*allow_stall=*/false);

  rocksdb::DBOptions db_opts = DbOptions(o);
  db_opts.write_buffer_manager = s->write_buffer_manager_;
  s->statistics_ = db_opts.statistics;
  // RocksDB's warnings go to the server's log, not to a LOG file on the data disk
  // (storage_events.h: on a full disk that file brings the process down).
  db_opts.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  db_opts.info_log = std::make_shared<StderrLogger>(db_opts.info_log_level);
  // Background errors and their recovery, for INFO. The recovery itself is RocksDB's: on ENOSPC
  // its SstFileManager (created by default) polls the free space and resumes the database.
  db_opts.listeners.push_back(s->errors_);
  s->jobs_->WatchWriteBuffers(s->write_buffer_manager_);
  db_opts.listeners.push_back(s->jobs_);

  // Metadata records are never dropped by compaction, expired or not: the namespace counters
  // count them, so only a write (DEL, overwrite, the active expiry's delete) may remove one.
  auto subkey_filter = std::make_shared<SubkeyFilterFactory>();
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  rocksdb::ColumnFamilyOptions meta = CfOptions(o, s->block_cache_);
  UseBlobFiles(o, &meta);
  rocksdb::ColumnFamilyOptions sub = CfOptions(o, s->block_cache_);
  sub.compaction_filter_factory = subkey_filter;
  // RocksDB requires the default CF; Mnemo stores nothing in it.
  cfs.emplace_back(rocksdb::kDefaultColumnFamilyName, CfOptions(o, s->block_cache_));
  cfs.emplace_back(kCfNames[0], meta);
  cfs.emplace_back(kCfNames[1], sub);
  cfs.emplace_back(kCfNames[2], sub);
  rocksdb::ColumnFamilyOptions counters = CfOptions(o, s->block_cache_);
  counters.merge_operator = std::make_shared<CountersMergeOperator>();
  // Folds a namespace's merge operands in the memtable every so often, so a read of the
  // counters (DBSIZE) never walks more than this many.
  counters.max_successive_merges = 64;
  cfs.emplace_back(kCfNames[3], counters);
  cfs.emplace_back(kCfNames[4], CfOptions(o, s->block_cache_));

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status rs = rocksdb::DB::Open(db_opts, o.dir, cfs, &handles, &raw);
  if (!rs.ok())
    return Status::IOError("cannot open the database in '" + o.dir + "': " + rs.ToString());
  s->db_.reset(raw);
  // handles[0] is the default CF; keep ours in ColumnFamily order and the default last.
  s->handles_ = {handles[1], handles[2], handles[3], handles[4], handles[5], handles[0]};
  subkey_filter->Attach(raw, handles[1]);
  Status format = s->CheckFormat(o.dir);
  if (!format.ok()) return format;
  Status loaded = s->LoadCounters();
  if (!loaded.ok()) return loaded;
  s->KeepWalGuard();
  s->version_counter_ = static_cast<uint64_t>(NowUs()) << 11;
  return s;
}

void Storage::PrepareWorkerThread() { rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable); }

Storage::Storage(size_t key_cache_size) : key_cache_(key_cache_size) {}

Storage::~Storage() {
  if (!db_) return;
  rocksdb::CancelAllBackgroundWork(db_.get(), true);
  for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
  db_->Close();
}

Status Storage::Get(ColumnFamily cf, std::string_view key, std::string* value) {
  KeyCache::Kind kind;
  if (cf == ColumnFamily::kMetadata) {
    kind = KeyCache::Kind::kMetadata;
  } else if (cf == ColumnFamily::kSubkeys) {
    kind = KeyCache::Kind::kElement;
  } else {
    return FromRocks(db_->Get(rocksdb::ReadOptions(), Handle(cf), key, value));
  }
  uint64_t ticket = 0;
  if (key_cache_.Lookup(key, value, &ticket, kind)) return Status::OK();
  Status s = FromRocks(db_->Get(rocksdb::ReadOptions(), Handle(cf), key, value));
  if (s.ok()) key_cache_.Fill(key, *value, ticket, kind);
  return s;
}

Status Storage::CheckFormat(const std::string& dir) {
  std::string found;
  rocksdb::Status rs = db_->Get(rocksdb::ReadOptions(), handles_.back(), kFormatKey, &found);
  if (rs.ok() && found == kFormatVersion) return Status::OK();
  if (!rs.ok() && !rs.IsNotFound()) return FromRocks(rs);
  if (rs.IsNotFound()) {
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(rocksdb::ReadOptions(), Handle(ColumnFamily::kMetadata)));
    it->SeekToFirst();
    if (!it->Valid()) {  // an empty directory: this build's format from now on
      rocksdb::WriteOptions wo;
      wo.sync = true;
      return FromRocks(db_->Put(wo, handles_.back(), kFormatKey, kFormatVersion));
    }
    found = "1";
  }
  return Status::InvalidArgument("the data directory '" + dir + "' holds on-disk format " + found +
                                 ", this build reads format " + kFormatVersion +
                                 ": move it away to start with an empty one");
}

Status Storage::ReadEach(const std::string_view* keys, size_t n,
                         const std::function<void(size_t, std::string_view)>& found) {
  assert(n <= kReadChunk);
  if (n == 1) {  // RocksDB's MultiGet sets up more than a lone Get needs
    std::string value;
    Status s = Get(ColumnFamily::kMetadata, keys[0], &value);
    if (s.ok()) found(0, value);
    return s.IsNotFound() ? Status::OK() : s;
  }
  // The key cache first; what it lacks goes to RocksDB in one MultiGet, which looks up a
  // file's filter, index and data blocks for all its keys at once instead of key by key.
  std::array<size_t, kReadChunk> missed;
  std::array<uint64_t, kReadChunk> tickets;
  std::array<rocksdb::Slice, kReadChunk> slices;
  size_t misses = 0;
  std::string value;
  for (size_t i = 0; i < n; i++) {
    if (key_cache_.Lookup(keys[i], &value, &tickets[misses])) {
      found(i, value);
      continue;
    }
    slices[misses] = rocksdb::Slice(keys[i].data(), keys[i].size());
    missed[misses++] = i;
  }
  if (misses == 0) return Status::OK();
  std::array<rocksdb::PinnableSlice, kReadChunk> values;
  std::array<rocksdb::Status, kReadChunk> statuses;
  db_->MultiGet(rocksdb::ReadOptions(), Handle(ColumnFamily::kMetadata), misses, slices.data(),
                values.data(), statuses.data());
  for (size_t j = 0; j < misses; j++) {
    if (statuses[j].IsNotFound()) continue;
    if (!statuses[j].ok()) return FromRocks(statuses[j]);
    std::string_view v = values[j].ToStringView();
    key_cache_.Fill(keys[missed[j]], v, tickets[j]);
    found(missed[j], v);
  }
  return Status::OK();
}

Status Storage::MultiGet(ColumnFamily cf, const std::vector<std::string>& keys,
                         std::vector<std::optional<std::string>>* values) {
  values->assign(keys.size(), std::nullopt);
  if (keys.empty()) return Status::OK();
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::PinnableSlice> found(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  db_->MultiGet(rocksdb::ReadOptions(), Handle(cf), keys.size(), slices.data(), found.data(),
                statuses.data());
  for (size_t i = 0; i < keys.size(); i++) {
    if (statuses[i].IsNotFound()) continue;
    if (!statuses[i].ok()) return FromRocks(statuses[i]);
    (*values)[i].emplace(found[i].ToStringView());
  }
  return Status::OK();
}

Status Storage::PeekMetadata(std::string_view key, std::string* value, uint8_t* frequency,
                             uint32_t* idle_minutes) {
  if (key_cache_.Peek(key, value, frequency, idle_minutes)) return Status::OK();
  *frequency = 0;
  if (idle_minutes != nullptr) *idle_minutes = kIdleUnknown;
  return FromRocks(db_->Get(rocksdb::ReadOptions(), Handle(ColumnFamily::kMetadata), key, value));
}

namespace {

// Collects what a committed batch did to metadata and element (subkeys) keys, in order: puts
// update the key cache, deletes erase; a range deletion means the whole cache must be cleared.
// The views point into the batch, which outlives the collector.
class KeyCacheCollector : public rocksdb::WriteBatch::Handler {
 public:
  KeyCacheCollector(uint32_t metadata_cf, uint32_t subkeys_cf)
      : cf_(metadata_cf), subkeys_cf_(subkeys_cf) {}

  rocksdb::Status PutCF(uint32_t cf, const rocksdb::Slice& key,
                        const rocksdb::Slice& value) override {
    if (cf == cf_) {
      writes.push_back({key.ToStringView(), value.ToStringView(), false});
    } else if (cf == subkeys_cf_) {
      writes.push_back({key.ToStringView(), value.ToStringView(), false, KeyCache::Kind::kElement});
    }
    return rocksdb::Status::OK();
  }
  rocksdb::Status DeleteCF(uint32_t cf, const rocksdb::Slice& key) override {
    if (cf == cf_) {
      writes.push_back({key.ToStringView(), {}, true});
    } else if (cf == subkeys_cf_) {
      writes.push_back({key.ToStringView(), {}, true, KeyCache::Kind::kElement});
    }
    return rocksdb::Status::OK();
  }
  rocksdb::Status SingleDeleteCF(uint32_t cf, const rocksdb::Slice& key) override {
    return DeleteCF(cf, key);
  }
  rocksdb::Status MergeCF(uint32_t cf, const rocksdb::Slice& key,
                          const rocksdb::Slice& /*value*/) override {
    return DeleteCF(cf, key);
  }
  rocksdb::Status DeleteRangeCF(uint32_t cf, const rocksdb::Slice& /*begin*/,
                                const rocksdb::Slice& /*end*/) override {
    if (cf == cf_ || cf == subkeys_cf_) clear = true;
    return rocksdb::Status::OK();
  }

  std::vector<KeyCache::Write> writes;
  bool clear = false;

 private:
  uint32_t cf_;
  uint32_t subkeys_cf_;
};

}  // namespace

// Works around RocksDB 7.8 on a full disk: a WAL append that fails leaves the WAL's file writer
// marked failed, and RocksDB's recovery only replaces that writer when it has a memtable to
// flush; with every memtable empty (the failed write was the first after a flush) recovery
// "succeeds" and the next write to the old writer aborts the process (an assertion in
// WritableFileWriter; without assertions, writes would fail for good). So one tiny key is kept
// in the memtable of the default column family, which Mnemo does not otherwise use: written
// without the WAL (it is never needed after a restart, and never touches the failed writer),
// and put back after each flush of that column family. Costs one relaxed load per write.
void Storage::KeepWalGuard() {
  if (!errors_->TakeGuardNeeded()) return;
  rocksdb::WriteOptions wo;
  wo.disableWAL = true;
  wo.no_slowdown = true;  // never wait here; retried by the next write
  rocksdb::Status rs = db_->Put(wo, handles_.back(), "mnemo-wal-guard", "");
  if (!rs.ok()) errors_->SetGuardNeeded();
}

Status Storage::WriteToRocks(rocksdb::WriteBatch* batch) {
  KeepWalGuard();
  KeyCacheCollector collected(Handle(ColumnFamily::kMetadata)->GetID(),
                              Handle(ColumnFamily::kSubkeys)->GetID());
  collected.writes.reserve(batch->Count());
  bool listed = batch->Iterate(&collected).ok() && !collected.clear;
  // Marked before the write and applied after it: see key_cache.h.
  if (listed) key_cache_.BeginWrites(&collected.writes);
  rocksdb::WriteOptions wo;
  wo.sync = sync_writes_.load(std::memory_order_relaxed);
  Status s = FromRocks(db_->Write(wo, batch));
  // A failed write may or may not have reached the memtables, so nothing cached can be trusted.
  if (!s.ok()) {
    if (listed) key_cache_.AbortWrites(&collected.writes);
    key_cache_.Clear();
    return s;
  }
  if (listed) {
    key_cache_.ApplyBatch(&collected.writes, /*begun=*/true);
  } else {
    key_cache_.Clear();
  }
  return s;
}

namespace {

// The metadata puts and deletes of a batch, in order, as owned copies.
class MetadataCollector : public rocksdb::WriteBatch::Handler {
 public:
  explicit MetadataCollector(uint32_t metadata_cf) : cf_(metadata_cf) {}
  rocksdb::Status PutCF(uint32_t cf, const rocksdb::Slice& key,
                        const rocksdb::Slice& value) override {
    if (cf == cf_) writes.push_back({key.ToStringView(), value.ToStringView(), false});
    return rocksdb::Status::OK();
  }
  rocksdb::Status DeleteCF(uint32_t cf, const rocksdb::Slice& key) override {
    if (cf == cf_) writes.push_back({key.ToStringView(), {}, true});
    return rocksdb::Status::OK();
  }
  rocksdb::Status SingleDeleteCF(uint32_t cf, const rocksdb::Slice& key) override {
    return DeleteCF(cf, key);
  }
  rocksdb::Status MergeCF(uint32_t, const rocksdb::Slice&, const rocksdb::Slice&) override {
    return rocksdb::Status::OK();
  }
  struct Entry {
    std::string_view key, value;
    bool deleted;
  };
  std::vector<Entry> writes;

 private:
  uint32_t cf_;
};

}  // namespace

namespace {

std::string ExpiryIndexKey(int64_t expire_ms, std::string_view meta_key) {
  std::string k;
  k.reserve(8 + meta_key.size());
  PutFixed64BE(&k, static_cast<uint64_t>(expire_ms));
  k.append(meta_key);
  return k;
}

}  // namespace

Status Storage::AddDerivedWrites(rocksdb::WriteBatch* batch, CounterDeltas* out) {
  MetadataCollector collected(Handle(ColumnFamily::kMetadata)->GetID());
  rocksdb::Status rs = batch->Iterate(&collected);
  if (!rs.ok()) return FromRocks(rs);
  if (collected.writes.empty()) return Status::OK();
  // What the key's latest record counts for as the batch goes (keys == 0: absent), starting
  // from storage; only these figures are kept, not the records. The batch comes from
  // Batch::ToWrite, sorted by key, so the writes of one key are adjacent and one key's state
  // at a time is enough.
  struct KeyState {
    NamespaceCounters counts;
    int64_t expire_at = 0;
  };
  CounterDeltas& deltas = *out;  // few namespaces per batch
  // Expiry index puts (true) and deletes, appended after the walk: appending while walking
  // would move the batch's bytes under the views of `collected`.
  std::vector<std::pair<std::string, bool>> index_ops;
  // What each key counted for before the batch, read a chunk of keys at a time: a pass of
  // blind SETs of new keys is one batched read of RocksDB per chunk, not one Get per key.
  std::vector<std::string_view> keys;  // each key once, in the batch's (sorted) order
  for (const auto& w : collected.writes) {
    if (keys.empty() || keys.back() != w.key) {
      assert(keys.empty() || keys.back() < w.key);  // sorted: no key comes back later
      keys.push_back(w.key);
    }
  }
  std::vector<KeyState> before(keys.size());
  for (size_t at = 0; at < keys.size(); at += kReadChunk) {
    Status s =
        ReadEach(keys.data() + at, std::min(kReadChunk, keys.size() - at),
                 [&](size_t i, std::string_view old) {
                   before[at + i] = {CountersOf(keys[at + i], old), PeekExpire(old).value_or(0)};
                 });
    if (!s.ok()) return s;
  }
  size_t k = 0;  // keys[k] is the key of the write at hand
  KeyState state = before[0];
  for (const auto& w : collected.writes) {
    if (w.key != keys[k]) state = before[++k];
    KeyState now;
    if (!w.deleted) now = {CountersOf(w.key, w.value), PeekExpire(w.value).value_or(0)};
    NamespaceCounters d = Negated(state.counts);
    d.Add(now.counts);
    if (state.expire_at != now.expire_at) {
      if (state.expire_at > 0) {
        index_ops.emplace_back(ExpiryIndexKey(state.expire_at, w.key), false);
      }
      if (now.expire_at > 0) index_ops.emplace_back(ExpiryIndexKey(now.expire_at, w.key), true);
    }
    state = now;
    if (d.empty()) continue;
    std::string_view ns, user_key;
    if (!DecodeMetaKey(w.key, &ns, &user_key)) continue;
    auto slot =
        std::find_if(deltas.begin(), deltas.end(), [&](const auto& e) { return e.first == ns; });
    if (slot == deltas.end()) {
      deltas.emplace_back(std::string(ns), d);
    } else {
      slot->second.Add(d);
    }
  }
  for (const auto& [key, put] : index_ops) {
    rs = put ? batch->Put(Handle(ColumnFamily::kExpiry), key, "")
             : batch->Delete(Handle(ColumnFamily::kExpiry), key);
    if (!rs.ok()) return FromRocks(rs);
  }
  for (const auto& [ns, d] : deltas) {
    if (d.empty()) continue;
    rs = batch->Merge(Handle(ColumnFamily::kCounters), ns, EncodeCounters(d));
    if (!rs.ok()) return FromRocks(rs);
  }
  return Status::OK();
}

Status Storage::Write(Batch* batch) {
  if (batch->empty()) return Status::OK();
  // An indexed batch (a write context's) is written as the latest write of each key: a pass of
  // fifty clients' HSETs into one hash rewrites the hash's metadata record once per command,
  // and only the last of those needs to reach the WAL, the memtable and the key cache.
  rocksdb::WriteBatch* wb = batch->ToWrite();
  std::shared_lock gate(write_gate_);
  CounterDeltas deltas;
  Status s = AddDerivedWrites(wb, &deltas);
  if (!s.ok()) return s;
  s = WriteToRocks(wb);
  // Failed writes too: they may or may not have been applied.
  if (observer_ != nullptr && observer_->active()) NotifyObserver(wb);
  if (!s.ok()) {
    (void)LoadCounters();  // the write may or may not have been applied
    return s;
  }
  if (!deltas.empty()) {
    std::unique_lock lock(counters_mu_);
    for (const auto& [ns, d] : deltas) counters_[ns].Add(d);
  }
  return s;
}

void Storage::NotifyObserver(rocksdb::WriteBatch* batch) {
  MetadataCollector collected(Handle(ColumnFamily::kMetadata)->GetID());
  if (!batch->Iterate(&collected).ok()) return;
  std::vector<WriteObserver::MetadataWrite> writes;
  writes.reserve(collected.writes.size());
  for (const auto& w : collected.writes) writes.push_back({w.key, w.deleted});
  if (!writes.empty()) observer_->OnMetadataWrites(writes);
}

Status Storage::LoadCounters() {
  std::unordered_map<std::string, NamespaceCounters> loaded;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), Handle(ColumnFamily::kCounters)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    loaded[it->key().ToString()] = DecodeCounters(it->value().ToStringView());
  }
  if (!it->status().ok()) return FromRocks(it->status());
  std::unique_lock lock(counters_mu_);
  counters_.swap(loaded);
  return Status::OK();
}

std::vector<std::pair<std::string, NamespaceCounters>> Storage::CountersByNamespace() {
  std::shared_lock lock(counters_mu_);
  return {counters_.begin(), counters_.end()};
}

namespace {
constexpr std::string_view kStatePrefix = "state:";
}  // namespace

Status Storage::PutState(std::string_view key, std::string_view value) {
  rocksdb::WriteOptions wo;
  wo.sync = true;
  std::string k(kStatePrefix);
  k.append(key);
  return FromRocks(db_->Put(wo, handles_.back(), k, rocksdb::Slice(value.data(), value.size())));
}

Status Storage::DeleteState(std::string_view key) {
  rocksdb::WriteOptions wo;
  wo.sync = true;
  std::string k(kStatePrefix);
  k.append(key);
  return FromRocks(db_->Delete(wo, handles_.back(), k));
}

StatusOr<std::vector<std::pair<std::string, std::string>>> Storage::ListState(
    std::string_view prefix) {
  std::string start(kStatePrefix);
  start.append(prefix);
  std::vector<std::pair<std::string, std::string>> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), handles_.back()));
  for (it->Seek(start); it->Valid() && it->key().starts_with(start); it->Next()) {
    out.emplace_back(it->key().ToString().substr(kStatePrefix.size()), it->value().ToString());
  }
  if (!it->status().ok()) return FromRocks(it->status());
  return out;
}

StatusOr<int64_t> Storage::DeleteExpired(
    int64_t now_ms, size_t limit,
    const std::function<void(std::string_view ns, std::string_view key)>& on_deleted) {
  // Candidates from the index, then each checked again under its stripe.
  std::vector<std::string> index_keys, meta_keys;
  {
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(rocksdb::ReadOptions(), Handle(ColumnFamily::kExpiry)));
    for (it->SeekToFirst(); it->Valid() && index_keys.size() < limit; it->Next()) {
      std::string_view k = it->key().ToStringView();
      if (k.size() < 8 || static_cast<int64_t>(DecodeFixed64BE(k.data())) > now_ms) break;
      index_keys.emplace_back(k);
      meta_keys.emplace_back(k.substr(8));
    }
    if (!it->status().ok()) return FromRocks(it->status());
  }
  if (index_keys.empty()) return 0;
  std::vector<std::string_view> lock_keys(meta_keys.begin(), meta_keys.end());
  KeyLockGuard guard(&locks_, lock_keys);
  Batch batch(this, false);
  int64_t removed = 0;
  std::vector<size_t> deleted;  // indexes into meta_keys
  std::string raw;
  for (size_t i = 0; i < index_keys.size(); i++) {
    Status s = Get(ColumnFamily::kMetadata, meta_keys[i], &raw);
    if (!s.ok() && !s.IsNotFound()) return s;
    int64_t at = s.ok() ? PeekExpire(raw).value_or(0) : 0;
    int64_t indexed_at = static_cast<int64_t>(DecodeFixed64BE(index_keys[i].data()));
    if (at == indexed_at && at > 0 && at <= now_ms) {
      batch.Delete(ColumnFamily::kMetadata, meta_keys[i]);  // drops the index entry too
      removed++;
      if (on_deleted) deleted.push_back(i);
    } else if (at != indexed_at) {
      batch.Delete(ColumnFamily::kExpiry, index_keys[i]);  // stale: the key changed or went
    }
  }
  Status s = Write(&batch);
  if (!s.ok()) return s;
  for (size_t i : deleted) {
    std::string_view ns, key;
    if (DecodeMetaKey(meta_keys[i], &ns, &key)) on_deleted(ns, key);
  }
  return removed;
}

StatusOr<NamespaceCounters> Storage::Counters(std::string_view ns) {
  std::shared_lock lock(counters_mu_);
  auto it = counters_.find(std::string(ns));
  return it == counters_.end() ? NamespaceCounters{} : it->second;
}

StatusOr<NamespaceCounters> Storage::AllCounters() {
  std::shared_lock lock(counters_mu_);
  NamespaceCounters total;
  for (const auto& [ns, c] : counters_) total.Add(c);
  return total;
}

Status Storage::WriteExclusive(rocksdb::WriteBatch* batch, std::string_view ns, bool all) {
  std::unique_lock gate(write_gate_);
  // Before the write: the observer may still read what is about to go.
  if (observer_ != nullptr && observer_->active()) observer_->OnRangeDelete(ns, all);
  return WriteToRocks(batch);
}

struct Iterator::Rep {
  std::string prefix, upper;
  rocksdb::Slice upper_slice;
  rocksdb::ReadOptions ro;
  std::unique_ptr<rocksdb::Iterator> it;
};

Iterator::Iterator(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {
  prefix_size_ = rep_->prefix.size();
}
Iterator::~Iterator() = default;

void Iterator::Seek(std::string_view target) {
  if (target < std::string_view(rep_->prefix)) target = rep_->prefix;
  rep_->it->Seek(target);
}
void Iterator::SeekToFirst() { rep_->it->Seek(rep_->prefix); }
void Iterator::SeekToLast() {
  if (rep_->upper.empty()) {
    rep_->it->SeekToLast();
  } else {
    rep_->it->SeekForPrev(rep_->upper);
    if (rep_->it->Valid() && rep_->it->key().ToStringView() == rep_->upper) rep_->it->Prev();
  }
}
bool Iterator::Valid() const {
  return rep_->it->Valid() && rep_->it->key().starts_with(rep_->prefix);
}
void Iterator::Next() { rep_->it->Next(); }
void Iterator::Prev() { rep_->it->Prev(); }
std::string_view Iterator::key() const { return rep_->it->key().ToStringView(); }
std::string_view Iterator::value() const { return rep_->it->value().ToStringView(); }
Status Iterator::status() const { return FromRocks(rep_->it->status()); }

std::unique_ptr<Iterator> Storage::NewIterator(ColumnFamily cf, std::string_view prefix,
                                               const Batch* overlay) {
  auto rep = std::make_unique<Iterator::Rep>();
  rep->prefix.assign(prefix);
  // The exclusive end of the prefix range: the prefix with its last byte incremented (carry).
  rep->upper = rep->prefix;
  while (!rep->upper.empty() && static_cast<uint8_t>(rep->upper.back()) == 0xff) {
    rep->upper.pop_back();
  }
  if (!rep->upper.empty()) {
    rep->upper.back() = static_cast<char>(static_cast<uint8_t>(rep->upper.back()) + 1);
    rep->upper_slice = rocksdb::Slice(rep->upper);
    rep->ro.iterate_upper_bound = &rep->upper_slice;
  }
  rep->ro.fill_cache = false;  // scans should not evict the hot working set
  rocksdb::Iterator* base = db_->NewIterator(rep->ro, Handle(cf));
  if (overlay != nullptr && overlay->indexed() && !overlay->empty()) {
    rep->it.reset(overlay->Overlay()->NewIteratorWithBase(Handle(cf), base, &rep->ro));
  } else {
    rep->it.reset(base);
  }
  return std::unique_ptr<Iterator>(new Iterator(std::move(rep)));
}

Status Storage::DeleteNamespace(std::string_view ns) {
  // Every key of every CF starts with ns_len | ns, so one range covers the namespace.
  std::string begin(1, static_cast<char>(ns.size()));
  begin.append(ns);
  // The exclusive end is the next prefix value (last byte incremented, with carry).
  std::string limit = begin;
  while (!limit.empty() && static_cast<uint8_t>(limit.back()) == 0xff) limit.pop_back();
  if (!limit.empty()) limit.back() = static_cast<char>(static_cast<uint8_t>(limit.back()) + 1);
  rocksdb::WriteBatch batch;
  for (int i = 0; i < kDataColumnFamilies; i++) {
    auto* h = Handle(static_cast<ColumnFamily>(i));
    rocksdb::Status rs = batch.DeleteRange(h, begin, limit);
    if (!rs.ok()) return FromRocks(rs);
  }
  rocksdb::Status rs = batch.Delete(Handle(ColumnFamily::kCounters), ns);
  if (!rs.ok()) return FromRocks(rs);
  Status s = WriteExclusive(&batch, ns, false);
  if (!s.ok()) {
    (void)LoadCounters();
    return s;
  }
  std::unique_lock lock(counters_mu_);
  counters_.erase(std::string(ns));
  return s;
}

Status Storage::DeleteAll() {
  // Keys start with a namespace length byte, so this range covers every key that can exist.
  std::string end(300, '\xff');
  rocksdb::WriteBatch batch;
  for (int i = 0; i < kColumnFamilies; i++) {
    rocksdb::Status rs = batch.DeleteRange(Handle(static_cast<ColumnFamily>(i)), "", end);
    if (!rs.ok()) return FromRocks(rs);
  }
  Status s = WriteExclusive(&batch, "", true);
  (void)LoadCounters();  // empty after success; whatever RocksDB holds after a failure
  return s;
}

Status Storage::ReplaceCheckpoint(const std::string& path) {
  std::string tmp = path + ".tmp";
  std::error_code ec;
  std::filesystem::remove_all(tmp, ec);  // left by a crash in the middle of an earlier one
  rocksdb::Checkpoint* raw = nullptr;
  rocksdb::Status rs = rocksdb::Checkpoint::Create(db_.get(), &raw);
  if (!rs.ok()) return FromRocks(rs);
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  rs = checkpoint->CreateCheckpoint(tmp);
  if (!rs.ok()) return FromRocks(rs);
  std::string old = path + ".old";
  std::filesystem::remove_all(old, ec);
  if (std::filesystem::exists(path)) std::filesystem::rename(path, old, ec);
  if (ec) return Status::IOError("checkpoint: " + ec.message());
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Status::IOError("checkpoint: " + ec.message());
  std::filesystem::remove_all(old, ec);
  return Status::OK();
}

// Asks RocksDB to flush without waiting, and waits itself. RocksDB 7.8 can lose a manual flush
// when full memtables are merged (min_write_buffer_number_to_merge > 1, MemtablesPerFlush): a
// flush already queued for the column family picks only the memtables it was queued for and
// clears the column family's flush request, so the memtables the manual flush switched out,
// fewer than the merge count, have no flush scheduled, and DB::Flush with wait=true waits for
// them until later writes fill enough memtables (facebook/rocksdb#13280). So a column family
// whose unflushed memtables have no flush pending is asked again, after each completed flush.
// Done once every column family has flushed what was written before the call (it needs no
// pause in writes: later memtables are not waited for).
Status Storage::Flush() {
  const uint64_t target = db_->GetLatestSequenceNumber();
  rocksdb::FlushOptions fo;
  fo.wait = false;
  for (int i = 0; i < kColumnFamilies; i++) {
    rocksdb::Status rs = db_->Flush(fo, Handle(static_cast<ColumnFamily>(i)));
    if (!rs.ok()) return FromRocks(rs);
  }
  while (true) {
    uint64_t seen = errors_->Events();
    bool done = true;
    for (int i = 0; i < kColumnFamilies; i++) {
      auto* h = Handle(static_cast<ColumnFamily>(i));
      uint64_t unflushed = 0, pending = 0;
      db_->GetIntProperty(h, rocksdb::DB::Properties::kNumImmutableMemTable, &unflushed);
      if (unflushed == 0 || errors_->FlushedUpTo(h->GetID()) >= target) continue;
      done = false;
      db_->GetIntProperty(h, rocksdb::DB::Properties::kMemTableFlushPending, &pending);
      if (pending != 0) continue;
      rocksdb::Status rs = db_->Flush(fo, h);  // a lost request; harmless if one is running
      if (!rs.ok()) return FromRocks(rs);
    }
    if (done) return Status::OK();
    StorageHealth health = errors_->Get();
    if (health.writes_refused) return Status::IOError(health.error);
    // Woken by each completed flush; the timeout only bounds a re-check.
    errors_->WaitForEvent(seen, std::chrono::seconds(1));
  }
}

Status Storage::CompactAll() {
  rocksdb::CompactRangeOptions co;
  co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  for (int i = 0; i < kColumnFamilies; i++) {
    rocksdb::Status rs =
        db_->CompactRange(co, Handle(static_cast<ColumnFamily>(i)), nullptr, nullptr);
    if (!rs.ok()) return FromRocks(rs);
  }
  return Status::OK();
}

uint64_t Storage::NewVersion() {
  // Never below the clock, so versions stay increasing across restarts.
  uint64_t floor = static_cast<uint64_t>(NowUs()) << 11;
  uint64_t cur = version_counter_.load(std::memory_order_relaxed);
  while (true) {
    uint64_t next = std::max(cur + 1, floor);
    if (version_counter_.compare_exchange_weak(cur, next, std::memory_order_relaxed)) return next;
  }
}

StorageMemory Storage::GetMemory() const {
  StorageMemory m;
  m.block_cache_usage = block_cache_->GetUsage();
  m.block_cache_capacity = block_cache_->GetCapacity();
  m.block_cache_pinned = block_cache_->GetPinnedUsage();
  KeyCache::Stats kc = key_cache_.GetStats();
  m.key_cache_usage = kc.usage;
  m.key_cache_capacity = key_cache_.capacity();
  m.key_cache_entries = kc.entries;
  m.key_cache_hits = kc.hits;
  m.key_cache_misses = kc.misses;
  for (auto* h : handles_) {
    uint64_t v = 0;
    if (db_->GetIntProperty(h, rocksdb::DB::Properties::kCurSizeAllMemTables, &v))
      m.memtables_active += v;
    if (db_->GetIntProperty(h, rocksdb::DB::Properties::kSizeAllMemTables, &v))
      m.memtables_all += v;
    if (db_->GetIntProperty(h, rocksdb::DB::Properties::kEstimateTableReadersMem, &v))
      m.table_readers += v;
  }
  // A flushed memtable leaves size-all-mem-tables when its last reference goes, but its arena
  // is freed only when the flush job cleans up (after it has deleted obsolete files), up to a
  // second later under a write load: a whole memtable was then allocated and unnamed. The write
  // buffer manager is charged for every arena block until the arena is freed.
  // And it uncharges the memtable before freeing the arena's blocks (JobMemoryListener::
  // ReleasingBytes): those still held count too.
  if (write_buffer_manager_->enabled()) {
    m.memtables_all = std::max<uint64_t>(m.memtables_all, write_buffer_manager_->memory_usage()) +
                      jobs_->ReleasingBytes();
  }
  m.background_jobs = jobs_->Bytes();
  return m;
}

void Storage::SetBlockCacheCapacity(uint64_t bytes) {
  block_cache_->SetCapacity(static_cast<size_t>(bytes));
}

void Storage::SetWriteBufferBudget(uint64_t bytes) {
  write_buffer_manager_->SetBufferSize(static_cast<size_t>(bytes));
}

uint64_t Storage::write_buffer_budget() const { return write_buffer_manager_->buffer_size(); }

int Storage::memtables_per_flush() const {
  return db_->GetOptions(Handle(ColumnFamily::kMetadata)).min_write_buffer_number_to_merge;
}

uint64_t Storage::ImmutableMemtables(ColumnFamily cf) const {
  uint64_t v = 0;
  db_->GetIntProperty(Handle(cf), rocksdb::DB::Properties::kNumImmutableMemTable, &v);
  return v;
}

uint64_t Storage::DiskUsage(ColumnFamily cf) const {
  uint64_t v = 0, blobs = 0;
  db_->GetIntProperty(Handle(cf), rocksdb::DB::Properties::kTotalSstFilesSize, &v);
  db_->GetIntProperty(Handle(cf), rocksdb::DB::Properties::kTotalBlobFileSize, &blobs);
  return v + blobs;
}

uint64_t Storage::DiskUsage() const {
  uint64_t total = 0;
  for (auto* h : handles_) {
    uint64_t v = 0;
    if (db_->GetIntProperty(h, rocksdb::DB::Properties::kTotalSstFilesSize, &v)) total += v;
    if (db_->GetIntProperty(h, rocksdb::DB::Properties::kTotalBlobFileSize, &v)) total += v;
  }
  return total;
}

}  // namespace mnemo
