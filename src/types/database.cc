#include "types/database.h"

#include <algorithm>
#include <random>
#include <unordered_set>

#include "common/string_util.h"

namespace mnemo {

StatusOr<KeyRecord> Database::GetRecord(std::string_view user_key) const {
  std::string raw;
  Status s = storage_->Get(ColumnFamily::kMetadata, MetaKey(user_key), &raw);
  if (!s.ok()) return s;
  return LiveRecord(std::move(raw));
}

StatusOr<KeyRecord> Database::LiveRecord(std::string raw) {
  KeyRecord rec;
  rec.raw = std::move(raw);
  auto meta = DecodeMetadata(rec.raw);
  if (!meta) return Status::Corruption("undecodable metadata");
  if (meta->expire_ms > 0 && meta->Expired(NowMs())) return Status::NotFound();  // clock if needed
  if (meta->IsComposite() && meta->size == 0) return Status::NotFound();
  rec.meta = *meta;
  return rec;
}

StatusOr<KeyRecord> Database::GetRecordOfType(std::string_view user_key, DataType type) const {
  auto rec = GetRecord(user_key);
  if (rec.ok() && rec->meta.type != type) return Status::WrongType();
  return rec;
}

Status Database::Commit(PendingWrites* pending) {
  if (pending->empty()) return Status::OK();
  std::vector<std::string_view> keys(pending->lock_keys.begin(), pending->lock_keys.end());
  Status s;
  {
    KeyLockGuard guard(storage_->locks(), keys);
    s = storage_->Write(&pending->batch);
  }
  pending->Clear();
  return s;
}

RmwBatch::~RmwBatch() {
  // Connections commit before they reply; this only runs if one is torn down mid-command.
  (void)Commit();
}

bool RmwBatch::TryAcquire(std::string_view meta_key) {
  size_t stripe = storage_->locks()->StripeOf(meta_key);
  if (std::find(held_.begin(), held_.end(), stripe) != held_.end()) return true;
  if (!storage_->locks()->Stripe(stripe).try_lock()) return false;
  held_.push_back(stripe);
  return true;
}

void RmwBatch::Acquire(std::string_view meta_key) {
  size_t stripe = storage_->locks()->StripeOf(meta_key);
  storage_->locks()->Stripe(stripe).lock();
  held_.push_back(stripe);
}

const std::string* RmwBatch::Find(std::string_view meta_key) const {
  for (auto it = values_.rbegin(); it != values_.rend(); ++it) {
    if (it->first == meta_key) return &it->second;
  }
  return nullptr;
}

void RmwBatch::Put(std::string_view meta_key, std::string record) {
  // Put can only fail on a malformed batch; Commit reports storage errors.
  (void)batch_.Put(storage_->Handle(ColumnFamily::kMetadata), meta_key, record);
  for (auto& v : values_) {
    if (v.first == meta_key) {
      v.second = std::move(record);
      return;
    }
  }
  values_.emplace_back(std::string(meta_key), std::move(record));
}

Status RmwBatch::Commit() {
  Status s;
  if (batch_.Count() > 0) s = storage_->Write(&batch_);  // stripes held: cache order is kept
  for (size_t stripe : held_) storage_->locks()->Stripe(stripe).unlock();
  held_.clear();
  values_.clear();
  batch_.Clear();
  return s;
}

Status Database::WriteLocked(std::string_view meta_key, rocksdb::WriteBatch* batch) {
  KeyLockGuard guard(storage_->locks(), meta_key);
  return storage_->Write(batch);
}

StatusOr<int64_t> Database::Delete(const std::vector<std::string_view>& keys) {
  std::vector<std::string> meta_keys;
  for (auto k : keys) meta_keys.push_back(MetaKey(k));
  std::vector<std::string_view> views(meta_keys.begin(), meta_keys.end());
  KeyLockGuard guard(storage_->locks(), views);
  rocksdb::WriteBatch batch;
  int64_t n = 0;
  std::unordered_set<std::string_view> seen;  // a key named twice counts once
  for (size_t i = 0; i < keys.size(); i++) {
    if (!seen.insert(meta_keys[i]).second) continue;
    auto rec = GetRecord(keys[i]);
    if (rec.status().IsNotFound()) continue;
    if (!rec.ok()) return rec.status();
    // Subkeys of a composite value are left to the compaction filter (the version is gone).
    Status s = FromRocks(batch.Delete(storage_->Handle(ColumnFamily::kMetadata), meta_keys[i]));
    if (!s.ok()) return s;
    n++;
  }
  if (n == 0) return n;
  Status s = storage_->Write(&batch);
  if (!s.ok()) return s;
  return n;
}

StatusOr<int64_t> Database::Exists(const std::vector<std::string_view>& keys) const {
  int64_t n = 0;
  for (auto k : keys) {
    auto rec = GetRecord(k);
    if (rec.ok()) {
      n++;
    } else if (!rec.status().IsNotFound()) {
      return rec.status();
    }
  }
  return n;
}

StatusOr<DataType> Database::Type(std::string_view key) const {
  auto rec = GetRecord(key);
  if (rec.status().IsNotFound()) return DataType::kNone;
  if (!rec.ok()) return rec.status();
  return rec->meta.type;
}

StatusOr<std::optional<uint8_t>> Database::Frequency(std::string_view key) const {
  std::string raw;
  uint8_t freq = 0;
  Status s = storage_->PeekMetadata(MetaKey(key), &raw, &freq);
  if (s.IsNotFound()) return std::optional<uint8_t>();
  if (!s.ok()) return s;
  auto rec = LiveRecord(std::move(raw));
  if (rec.status().IsNotFound()) return std::optional<uint8_t>();
  if (!rec.ok()) return rec.status();
  return std::optional<uint8_t>(freq);
}

StatusOr<bool> Database::Expire(std::string_view key, int64_t at_ms, uint32_t flags) {
  std::string meta_key = MetaKey(key);
  KeyLockGuard guard(storage_->locks(), meta_key);
  auto rec = GetRecord(key);
  if (rec.status().IsNotFound()) return false;
  if (!rec.ok()) return rec.status();
  int64_t cur = rec->meta.expire_ms;  // 0 = persistent, i.e. an infinite TTL for GT/LT
  if ((flags & kExpireNX) && cur != 0) return false;
  if ((flags & kExpireXX) && cur == 0) return false;
  if ((flags & kExpireGT) && (cur == 0 || at_ms <= cur)) return false;
  if ((flags & kExpireLT) && cur != 0 && at_ms >= cur) return false;
  rocksdb::WriteBatch batch;
  auto* h = storage_->Handle(ColumnFamily::kMetadata);
  Status s;
  if (at_ms <= NowMs()) {
    s = FromRocks(batch.Delete(h, meta_key));
  } else {
    SetExpireInPlace(&rec->raw, at_ms);
    s = FromRocks(batch.Put(h, meta_key, rec->raw));
  }
  if (!s.ok()) return s;
  s = storage_->Write(&batch);
  if (!s.ok()) return s;
  return true;
}

StatusOr<bool> Database::Persist(std::string_view key) {
  std::string meta_key = MetaKey(key);
  KeyLockGuard guard(storage_->locks(), meta_key);
  auto rec = GetRecord(key);
  if (rec.status().IsNotFound()) return false;
  if (!rec.ok()) return rec.status();
  if (rec->meta.expire_ms == 0) return false;
  SetExpireInPlace(&rec->raw, 0);
  rocksdb::WriteBatch batch;
  Status s = FromRocks(batch.Put(storage_->Handle(ColumnFamily::kMetadata), meta_key, rec->raw));
  if (s.ok()) s = storage_->Write(&batch);
  if (!s.ok()) return s;
  return true;
}

StatusOr<int64_t> Database::ExpireAt(std::string_view key) const {
  auto rec = GetRecord(key);
  if (rec.status().IsNotFound()) return int64_t{-2};
  if (!rec.ok()) return rec.status();
  return rec->meta.expire_ms == 0 ? int64_t{-1} : rec->meta.expire_ms;
}

template <typename Fn>
Status Database::ForEachKey(std::string_view after, Fn&& fn) const {
  std::string prefix = NamespacePrefix(ns_);
  auto it = storage_->NewIterator(ColumnFamily::kMetadata);
  if (after.empty()) {
    it->Seek(prefix);
  } else {
    std::string start = prefix;
    start.append(after);
    it->Seek(start);
    if (it->Valid() && it->key().ToStringView() == start) it->Next();
  }
  int64_t now = NowMs();
  for (; it->Valid(); it->Next()) {
    std::string_view raw_key = it->key().ToStringView();
    if (raw_key.substr(0, prefix.size()) != prefix) break;
    auto meta = DecodeMetadata(it->value().ToStringView());
    if (!meta || meta->Expired(now) || (meta->IsComposite() && meta->size == 0)) continue;
    if (!fn(raw_key.substr(prefix.size()), *meta)) break;
  }
  return FromRocks(it->status());
}

StatusOr<std::vector<std::string>> Database::Keys(std::string_view pattern) const {
  std::vector<std::string> out;
  bool all = pattern == "*";
  Status s = ForEachKey({}, [&](std::string_view key, const Metadata&) {
    if (all || GlobMatch(pattern, key)) out.emplace_back(key);
    return true;
  });
  if (!s.ok()) return s;
  return out;
}

StatusOr<Database::ScanResult> Database::Scan(std::string_view after, std::string_view pattern,
                                              size_t count, DataType type) const {
  ScanResult r;
  size_t examined = 0;
  std::string last;
  bool more = false;
  Status s = ForEachKey(after, [&](std::string_view key, const Metadata& meta) {
    if (examined == count) {
      more = true;
      return false;
    }
    examined++;
    last.assign(key);
    if (type != DataType::kNone && meta.type != type) return true;
    if (!pattern.empty() && pattern != "*" && !GlobMatch(pattern, key)) return true;
    r.keys.emplace_back(key);
    return true;
  });
  if (!s.ok()) return s;
  if (more) r.next_after = last;
  return r;
}

StatusOr<std::optional<std::string>> Database::RandomKey() const {
  // Reservoir sampling over the keyspace: O(n) but needs no key count or random seek support.
  // Bounded to the first kMaxExamined keys so that one call stays cheap on a large keyspace.
  constexpr size_t kMaxExamined = 4096;
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::optional<std::string> chosen;
  size_t seen = 0;
  Status s = ForEachKey({}, [&](std::string_view key, const Metadata&) {
    seen++;
    if (std::uniform_int_distribution<size_t>(0, seen - 1)(rng) == 0) chosen = std::string(key);
    return seen < kMaxExamined;
  });
  if (!s.ok()) return s;
  return chosen;
}

StatusOr<int64_t> Database::Size() const {
  int64_t n = 0;
  Status s = ForEachKey({}, [&](std::string_view, const Metadata&) {
    n++;
    return true;
  });
  if (!s.ok()) return s;
  return n;
}

namespace {

// Counts the live keys whose metadata keys start with `prefix` ("" = all).
StatusOr<KeyspaceCounts> CountLive(Storage* storage, std::string_view prefix) {
  KeyspaceCounts c;
  int64_t ttl_sum_ms = 0;  // int64 ms: 2^63 ms of summed TTLs is far beyond any keyspace
  int64_t now = NowMs();
  auto it = storage->NewIterator(ColumnFamily::kMetadata);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    auto meta = DecodeMetadata(it->value().ToStringView());
    if (!meta || meta->Expired(now) || (meta->IsComposite() && meta->size == 0)) continue;
    c.keys++;
    if (meta->expire_ms > 0) {
      c.expires++;
      ttl_sum_ms += meta->expire_ms - now;
    }
  }
  if (!it->status().ok()) return FromRocks(it->status());
  if (c.expires > 0) c.avg_ttl_ms = ttl_sum_ms / c.expires;
  return c;
}

}  // namespace

StatusOr<KeyspaceCounts> Database::CountKeys() const {
  return CountLive(storage_, NamespacePrefix(ns_));
}

StatusOr<KeyspaceCounts> Database::CountAllKeys(Storage* storage) { return CountLive(storage, {}); }

Status Database::Flush() { return storage_->DeleteNamespace(ns_); }

Status Database::CopySubkeys(std::string_view src, const Metadata& meta, std::string_view dst,
                             uint64_t new_version, rocksdb::WriteBatch* batch) const {
  for (ColumnFamily cf : {ColumnFamily::kSubkeys, ColumnFamily::kZSetScores}) {
    std::string from = EncodeSubkeyPrefix(ns_, src, meta.version);
    std::string to = EncodeSubkeyPrefix(ns_, dst, new_version);
    auto it = storage_->NewIterator(cf);
    for (it->Seek(from); it->Valid() && it->key().starts_with(from); it->Next()) {
      std::string k = to;
      k.append(it->key().data() + from.size(), it->key().size() - from.size());
      Status s = FromRocks(batch->Put(storage_->Handle(cf), k, it->value()));
      if (!s.ok()) return s;
    }
    if (!it->status().ok()) return FromRocks(it->status());
  }
  return Status::OK();
}

StatusOr<bool> Database::Rename(std::string_view src, std::string_view dst, bool nx) {
  std::string src_key = MetaKey(src), dst_key = MetaKey(dst);
  KeyLockGuard guard(storage_->locks(), std::vector<std::string_view>{src_key, dst_key});
  auto rec = GetRecord(src);
  if (rec.status().IsNotFound()) return Status::InvalidArgument("no such key");
  if (!rec.ok()) return rec.status();
  if (src_key == dst_key) return !nx;
  if (nx) {
    auto existing = GetRecord(dst);
    if (existing.ok()) return false;
    if (!existing.status().IsNotFound()) return existing.status();
  }
  rocksdb::WriteBatch batch;
  auto* h = storage_->Handle(ColumnFamily::kMetadata);
  std::string value = rec->raw;
  if (rec->meta.IsComposite()) {
    uint64_t version = storage_->NewVersion();
    Status s = CopySubkeys(src, rec->meta, dst, version, &batch);
    if (!s.ok()) return s;
    value = EncodeCompositeMeta(rec->meta.type, rec->meta.expire_ms, version, rec->meta.size,
                                rec->meta.payload);
  }
  Status s = FromRocks(batch.Put(h, dst_key, value));
  if (s.ok()) s = FromRocks(batch.Delete(h, src_key));
  if (s.ok()) s = storage_->Write(&batch);
  if (!s.ok()) return s;
  return true;
}

}  // namespace mnemo
