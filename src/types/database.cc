#include "types/database.h"

#include <algorithm>
#include <random>
#include <unordered_set>

#include "common/string_util.h"

namespace mnemo {

Database::~Database() = default;

WriteContext* Database::Context() {
  if (context_ != nullptr) return context_;
  if (!own_context_) own_context_ = std::make_unique<WriteContext>(storage_);
  return own_context_.get();
}

StatusOr<KeyRecord> Database::GetRecord(std::string_view user_key) const {
  std::string raw;
  const std::string& meta_key = MetaKey(user_key);
  const WriteContext* ctx = context_ != nullptr ? context_ : own_context_.get();
  Batch::Lookup found = ctx != nullptr ? ctx->batch().Find(ColumnFamily::kMetadata, meta_key, &raw)
                                       : Batch::Lookup::kAbsent;
  if (found == Batch::Lookup::kDeleted) return Status::NotFound();
  if (found == Batch::Lookup::kAbsent) {
    Status s = storage_->Get(ColumnFamily::kMetadata, meta_key, &raw);
    if (!s.ok()) return s;
  }
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

Status Database::GetElement(ColumnFamily cf, std::string_view key, std::string* value) const {
  const WriteContext* ctx = context_ != nullptr ? context_ : own_context_.get();
  if (ctx != nullptr) {
    Batch::Lookup found = ctx->batch().Find(cf, key, value);
    if (found == Batch::Lookup::kPut) return Status::OK();
    if (found == Batch::Lookup::kDeleted) return Status::NotFound();
  }
  return storage_->Get(cf, key, value);
}

Status Database::GetElementsAtOnce(ColumnFamily cf, const std::vector<std::string>& keys,
                                   std::vector<std::optional<std::string>>* values) const {
  const WriteContext* ctx = context_ != nullptr ? context_ : own_context_.get();
  if (ctx != nullptr && !ctx->batch().empty()) {
    return Status::NotSupported("uncommitted writes");
  }
  return storage_->MultiGet(cf, keys, values);
}

std::unique_ptr<Iterator> Database::NewElementIterator(ColumnFamily cf,
                                                       std::string_view prefix) const {
  const WriteContext* ctx = context_ != nullptr ? context_ : own_context_.get();
  return storage_->NewIterator(cf, prefix, ctx != nullptr ? &ctx->batch() : nullptr);
}

void Database::Lock(std::string_view user_key) { Context()->Lock(MetaKey(user_key)); }

void Database::Lock(const std::vector<std::string_view>& user_keys) {
  std::vector<std::string> keys;
  keys.reserve(user_keys.size());
  for (auto k : user_keys) keys.push_back(MetaKey(k));
  Context()->Lock(keys);
}

void Database::Put(ColumnFamily cf, std::string_view key, std::string_view value) {
  Context()->batch().Put(cf, key, value);
}

void Database::Delete(ColumnFamily cf, std::string_view key) { Context()->batch().Delete(cf, key); }

void Database::PutRecord(std::string_view user_key, std::string_view record) {
  const std::string& meta_key = MetaKey(user_key);
  WriteContext* ctx = Context();
  ctx->batch().Put(ColumnFamily::kMetadata, meta_key, record);
  ctx->NoteWrite(meta_key);  // for clients blocked on the key (WriteContext::WatchWrites)
}

void Database::DeleteRecord(std::string_view user_key) {
  Delete(ColumnFamily::kMetadata, MetaKey(user_key));
}

Status Database::Finish(Status s) {
  // The command's context: its owner commits, and drops a failed command's writes.
  if (context_ != nullptr || !own_context_) return s;
  if (!s.ok()) {
    own_context_->Abandon();
    return s;
  }
  return own_context_->Commit();
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

StatusOr<int64_t> Database::Delete(const std::vector<std::string_view>& keys) {
  Lock(keys);
  int64_t n = 0;
  std::unordered_set<std::string_view> seen;  // a key named twice counts once
  for (auto key : keys) {
    if (!seen.insert(key).second) continue;
    auto rec = GetRecord(key);
    if (rec.status().IsNotFound()) continue;
    if (!rec.ok()) return Finish(rec.status());
    // Subkeys of a composite value are left to the compaction filter (the version is gone).
    DeleteRecord(key);
    n++;
  }
  Status s = Finish();
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

StatusOr<std::optional<uint32_t>> Database::IdleMinutes(std::string_view key) const {
  std::string raw;
  uint8_t freq = 0;
  uint32_t idle = 0;
  Status s = storage_->PeekMetadata(MetaKey(key), &raw, &freq, &idle);
  if (s.IsNotFound()) return std::optional<uint32_t>();
  if (!s.ok()) return s;
  auto rec = LiveRecord(std::move(raw));
  if (rec.status().IsNotFound()) return std::optional<uint32_t>();
  if (!rec.ok()) return rec.status();
  return std::optional<uint32_t>(idle);
}

StatusOr<bool> Database::Expire(std::string_view key, int64_t at_ms, uint32_t flags) {
  Lock(key);
  auto rec = GetRecord(key);
  if (rec.status().IsNotFound()) return false;
  if (!rec.ok()) return Finish(rec.status());
  int64_t cur = rec->meta.expire_ms;  // 0 = persistent, i.e. an infinite TTL for GT/LT
  if ((flags & kExpireNX) && cur != 0) return false;
  if ((flags & kExpireXX) && cur == 0) return false;
  if ((flags & kExpireGT) && (cur == 0 || at_ms <= cur)) return false;
  if ((flags & kExpireLT) && cur != 0 && at_ms >= cur) return false;
  if (at_ms <= NowMs()) {
    DeleteRecord(key);
  } else {
    SetExpireInPlace(&rec->raw, at_ms);
    PutRecord(key, rec->raw);
  }
  Status s = Finish();
  if (!s.ok()) return s;
  return true;
}

StatusOr<bool> Database::Persist(std::string_view key) {
  Lock(key);
  auto rec = GetRecord(key);
  if (rec.status().IsNotFound()) return false;
  if (!rec.ok()) return Finish(rec.status());
  if (rec->meta.expire_ms == 0) return false;
  SetExpireInPlace(&rec->raw, 0);
  PutRecord(key, rec->raw);
  Status s = Finish();
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
  // Keys come in slot order (the slot follows the namespace in every key), which SCAN's cursor
  // follows too: it names the last key returned, whose metadata key says where to go on.
  auto it = NewElementIterator(ColumnFamily::kMetadata, NamespacePrefix(ns_));
  if (after.empty()) {
    it->SeekToFirst();
  } else {
    std::string start = MetaKey(after);
    it->Seek(start);
    if (it->Valid() && it->key() == start) it->Next();
  }
  const size_t header = MetaKeyHeaderSize(ns_);
  int64_t now = NowMs();
  for (; it->Valid(); it->Next()) {
    auto meta = DecodeMetadata(it->value());
    if (!meta || meta->Expired(now) || (meta->IsComposite() && meta->size == 0)) continue;
    if (!fn(it->key().substr(header), *meta)) break;
  }
  return it->status();
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
  auto c = storage_->Counters(ns_);
  if (!c.ok()) return c.status();
  return c->keys;
}

namespace {

KeyspaceCounts FromCounters(const NamespaceCounters& c) {
  KeyspaceCounts k;
  k.keys = c.keys;
  k.expires = c.expires;
  if (c.expires > 0) {
    int64_t mean_at_ms = c.expire_sum_s / c.expires * 1000;
    k.avg_ttl_ms = std::max<int64_t>(0, mean_at_ms - NowMs());
  }
  return k;
}

}  // namespace

StatusOr<KeyspaceCounts> Database::CountKeys() const {
  auto c = storage_->Counters(ns_);
  if (!c.ok()) return c.status();
  return FromCounters(*c);
}

StatusOr<KeyspaceCounts> Database::CountAllKeys(Storage* storage) {
  auto c = storage->AllCounters();
  if (!c.ok()) return c.status();
  return FromCounters(*c);
}

StatusOr<NamespaceCounters> Database::ScanCounters() const {
  NamespaceCounters c;
  auto it = storage_->NewIterator(ColumnFamily::kMetadata, NamespacePrefix(ns_));
  const size_t header = MetaKeyHeaderSize(ns_);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto meta = DecodeMetadata(it->value());
    if (!meta) continue;
    c.keys++;
    c.bytes += static_cast<int64_t>(LogicalBytes(it->key().substr(header), *meta));
    if (meta->expire_ms > 0) {
      c.expires++;
      c.expire_sum_s += meta->expire_ms / 1000;
    }
  }
  if (!it->status().ok()) return it->status();
  return c;
}

StatusOr<int64_t> Database::DeleteExpired(std::string* cursor, size_t budget, size_t limit) {
  auto it = storage_->NewIterator(ColumnFamily::kMetadata, NamespacePrefix(ns_));
  if (cursor->empty()) {
    it->SeekToFirst();
  } else {
    it->Seek(*cursor);
    if (it->Valid() && it->key() == *cursor) it->Next();
  }
  const size_t header = MetaKeyHeaderSize(ns_);
  int64_t now = NowMs();
  std::vector<std::string> expired;  // user keys
  size_t examined = 0;
  for (; it->Valid() && examined < budget && expired.size() < limit; it->Next(), examined++) {
    auto at = PeekExpire(it->value());
    if (at && *at > 0 && *at <= now) expired.emplace_back(it->key().substr(header));
  }
  if (!it->status().ok()) return it->status();
  *cursor = it->Valid() ? std::string(it->key()) : std::string();
  int64_t removed = 0;
  for (const auto& key : expired) {
    Lock(key);
    std::string raw;
    Status s = storage_->Get(ColumnFamily::kMetadata, MetaKey(key), &raw);
    if (s.IsNotFound()) continue;
    if (!s.ok()) return Finish(s);
    auto at = PeekExpire(raw);  // still expired under the lock (not rewritten meanwhile)
    if (!at || *at == 0 || *at > now) continue;
    DeleteRecord(key);
    removed++;
  }
  Status s = Finish();
  if (!s.ok()) return s;
  return removed;
}

Status Database::Flush() { return storage_->DeleteNamespace(ns_); }

Status Database::CopySubkeys(std::string_view src, const Metadata& meta, std::string_view dst,
                             uint64_t new_version) {
  for (ColumnFamily cf : {ColumnFamily::kSubkeys, ColumnFamily::kZSetScores}) {
    std::string from = EncodeSubkeyPrefix(ns_, src, meta.version);
    std::string to = EncodeSubkeyPrefix(ns_, dst, new_version);
    auto it = NewElementIterator(cf, from);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      std::string k = to;
      k.append(it->suffix());
      Put(cf, k, it->value());
    }
    if (!it->status().ok()) return it->status();
  }
  return Status::OK();
}

StatusOr<bool> Database::Rename(std::string_view src, std::string_view dst, bool nx) {
  Lock(std::vector<std::string_view>{src, dst});
  auto rec = GetRecord(src);
  if (rec.status().IsNotFound()) return Status::InvalidArgument("no such key");
  if (!rec.ok()) return Finish(rec.status());
  if (src == dst) return !nx;
  if (nx) {
    auto existing = GetRecord(dst);
    if (existing.ok()) return false;
    if (!existing.status().IsNotFound()) return Finish(existing.status());
  }
  std::string value = rec->raw;
  if (rec->meta.IsComposite()) {
    uint64_t version = storage_->NewVersion();
    Status s = CopySubkeys(src, rec->meta, dst, version);
    if (!s.ok()) return Finish(s);
    value = EncodeCompositeMeta(rec->meta.type, rec->meta.expire_ms, version, rec->meta.size,
                                rec->meta.bytes, rec->meta.payload);
  }
  PutRecord(dst, value);
  DeleteRecord(src);
  Status s = Finish();
  if (!s.ok()) return s;
  return true;
}

StatusOr<bool> Database::Copy(std::string_view src, std::string_view dst, bool replace) {
  Lock(std::vector<std::string_view>{src, dst});
  auto rec = GetRecord(src);
  if (rec.status().IsNotFound()) return false;
  if (!rec.ok()) return Finish(rec.status());
  if (src == dst) return false;  // as Redis: COPY to itself copies nothing
  auto existing = GetRecord(dst);
  if (!existing.ok() && !existing.status().IsNotFound()) return Finish(existing.status());
  if (existing.ok() && !replace) return false;
  std::string value = rec->raw;
  if (rec->meta.IsComposite()) {
    uint64_t version = storage_->NewVersion();
    Status s = CopySubkeys(src, rec->meta, dst, version);
    if (!s.ok()) return Finish(s);
    value = EncodeCompositeMeta(rec->meta.type, rec->meta.expire_ms, version, rec->meta.size,
                                rec->meta.bytes, rec->meta.payload);
  }
  PutRecord(dst, value);
  Status s = Finish();
  if (!s.ok()) return s;
  return true;
}

namespace {

// Bytes of the records of `it`. With samples > 0 at most that many records are read; when more
// remain, the total is estimated as their mean size x `elements`.
StatusOr<uint64_t> RecordBytes(Iterator* it, int64_t samples, uint64_t elements) {
  uint64_t bytes = 0, seen = 0;
  bool more = false;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (samples > 0 && seen == static_cast<uint64_t>(samples)) {
      more = true;
      break;
    }
    bytes += it->key().size() + it->value().size();
    seen++;
  }
  if (!it->status().ok()) return it->status();
  if (!more || seen == 0) return bytes;
  return bytes / seen * std::max(elements, seen);
}

}  // namespace

StatusOr<std::optional<uint64_t>> Database::StoredSize(std::string_view key,
                                                       int64_t samples) const {
  auto rec = GetRecord(key);
  if (rec.status().IsNotFound()) return std::optional<uint64_t>();
  if (!rec.ok()) return rec.status();
  uint64_t bytes = MetaKey(key).size() + rec->raw.size();
  if (rec->meta.IsComposite()) {
    std::string prefix = EncodeSubkeyPrefix(ns_, key, rec->meta.version);
    for (ColumnFamily cf : {ColumnFamily::kSubkeys, ColumnFamily::kZSetScores}) {
      auto it = NewElementIterator(cf, prefix);
      auto part = RecordBytes(it.get(), samples, rec->meta.MaxRecords());
      if (!part.ok()) return part.status();
      bytes += *part;
    }
  }
  return std::optional<uint64_t>(bytes);
}

}  // namespace mnemo
