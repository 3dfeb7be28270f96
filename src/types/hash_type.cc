#include "types/hash_type.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <unordered_map>
#include <unordered_set>

#include "common/string_util.h"

namespace mnemo {

namespace {

std::mt19937_64& Rng() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

int64_t Len64(std::string_view s) { return static_cast<int64_t>(s.size()); }

}  // namespace

StatusOr<std::optional<KeyRecord>> HashType::Load(std::string_view key) const {
  auto rec = db_->GetRecordOfType(key, DataType::kHash);
  if (rec.status().IsNotFound()) return std::optional<KeyRecord>();
  if (!rec.ok()) return rec.status();
  return std::optional<KeyRecord>(std::move(rec.value()));
}

StatusOr<std::optional<Metadata>> HashType::Meta(std::string_view key) const {
  auto rec = Load(key);
  if (!rec.ok()) return rec.status();
  if (!rec->has_value()) return std::optional<Metadata>();
  Metadata m = (*rec)->meta;
  m.payload = {};
  return std::optional<Metadata>(m);
}

std::string HashType::ElementKey(std::string_view key, uint64_t version,
                                 std::string_view field) const {
  std::string k = EncodeSubkeyPrefix(db_->ns(), key, version);
  k.append(field);
  return k;
}

void HashType::StoreMeta(std::string_view key, const std::optional<KeyRecord>& rec,
                         uint64_t version, int64_t added, int64_t delta_bytes) {
  uint64_t size = rec ? rec->meta.size : 0;
  uint64_t bytes = rec ? rec->meta.bytes : 0;
  size = static_cast<uint64_t>(static_cast<int64_t>(size) + added);
  bytes = static_cast<uint64_t>(static_cast<int64_t>(bytes) + delta_bytes);
  if (size == 0) {
    if (rec) db_->DeleteRecord(key);
    return;
  }
  int64_t expire = rec ? rec->meta.expire_ms : 0;
  std::string_view tail = rec ? rec->meta.payload : std::string_view();
  db_->PutRecord(key, EncodeCompositeMeta(DataType::kHash, expire, version, size, bytes, tail));
}

StatusOr<int64_t> HashType::Set(std::string_view key, const std::vector<FieldValue>& pairs,
                                bool only_new) {
  db_->Lock(key);
  auto rec = Load(key);
  if (!rec.ok()) return rec.status();
  uint64_t version = rec->has_value() ? (*rec)->meta.version : db_->storage()->NewVersion();
  int64_t added = 0, delta = 0;
  bool wrote = false;
  std::string old;
  for (const auto& [field, value] : pairs) {
    std::string ek = ElementKey(key, version, field);
    bool exists = false;
    if (rec->has_value() || added > 0) {
      Status s = db_->GetElement(ColumnFamily::kSubkeys, ek, &old);
      if (!s.ok() && !s.IsNotFound()) return s;
      exists = s.ok();
    }
    if (exists && only_new) continue;
    if (exists) {
      delta += Len64(value) - Len64(old);
    } else {
      added++;
      delta += Len64(field) + Len64(value);
    }
    db_->Put(ColumnFamily::kSubkeys, ek, value);
    wrote = true;
  }
  if (!wrote) return int64_t{0};
  StoreMeta(key, *rec, version, added, delta);
  Status s = db_->Finish();
  if (!s.ok()) return s;
  return added;
}

Status HashType::Get(std::string_view key, std::string_view field, std::string* value) const {
  auto rec = db_->GetRecordOfType(key, DataType::kHash);
  if (!rec.ok()) return rec.status();
  return db_->GetElement(ColumnFamily::kSubkeys, ElementKey(key, rec->meta.version, field), value);
}

Status HashType::MGet(std::string_view key, const std::vector<std::string_view>& fields,
                      const std::function<bool(std::optional<std::string_view>)>& visit) const {
  auto rec = Load(key);
  if (!rec.ok()) return rec.status();
  std::string value;
  for (auto field : fields) {
    std::optional<std::string_view> found;
    if (rec->has_value()) {
      Status s = db_->GetElement(ColumnFamily::kSubkeys,
                                 ElementKey(key, (*rec)->meta.version, field), &value);
      if (!s.ok() && !s.IsNotFound()) return s;
      if (s.ok()) found = value;
    }
    if (!visit(found)) break;
  }
  return Status::OK();
}

StatusOr<int64_t> HashType::Delete(std::string_view key,
                                   const std::vector<std::string_view>& fields) {
  db_->Lock(key);
  auto rec = Load(key);
  if (!rec.ok()) return rec.status();
  if (!rec->has_value()) return int64_t{0};
  uint64_t version = (*rec)->meta.version;
  int64_t removed = 0, delta = 0;
  std::string old;
  for (auto field : fields) {
    std::string ek = ElementKey(key, version, field);
    Status s = db_->GetElement(ColumnFamily::kSubkeys, ek, &old);
    if (s.IsNotFound()) continue;
    if (!s.ok()) return s;
    removed++;
    delta -= Len64(field) + Len64(old);
    db_->Delete(ColumnFamily::kSubkeys, ek);
  }
  if (removed == 0) return int64_t{0};
  StoreMeta(key, *rec, version, -removed, delta);
  Status s = db_->Finish();
  if (!s.ok()) return s;
  return removed;
}

StatusOr<int64_t> HashType::Len(std::string_view key) const {
  auto rec = Load(key);
  if (!rec.ok()) return rec.status();
  return rec->has_value() ? static_cast<int64_t>((*rec)->meta.size) : 0;
}

Status HashType::ForEach(std::string_view key, uint64_t* size, const Visitor& visit) const {
  *size = 0;
  auto rec = Load(key);
  if (!rec.ok()) return rec.status();
  if (!rec->has_value()) return Status::OK();
  *size = (*rec)->meta.size;
  auto it = db_->NewElementIterator(ColumnFamily::kSubkeys,
                                    EncodeSubkeyPrefix(db_->ns(), key, (*rec)->meta.version));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (!visit(it->suffix(), it->value())) break;
  }
  return it->status();
}

StatusOr<bool> HashType::ReadField(std::string_view key, const std::optional<KeyRecord>& rec,
                                   std::string_view field, std::string* value) const {
  if (!rec) return false;
  Status s =
      db_->GetElement(ColumnFamily::kSubkeys, ElementKey(key, rec->meta.version, field), value);
  if (s.IsNotFound()) return false;
  if (!s.ok()) return s;
  return true;
}

Status HashType::WriteField(std::string_view key, const std::optional<KeyRecord>& rec,
                            std::string_view field, bool existed, size_t old_len,
                            std::string_view value) {
  uint64_t version = rec ? rec->meta.version : db_->storage()->NewVersion();
  db_->Put(ColumnFamily::kSubkeys, ElementKey(key, version, field), value);
  int64_t delta =
      existed ? Len64(value) - static_cast<int64_t>(old_len) : Len64(field) + Len64(value);
  StoreMeta(key, rec, version, existed ? 0 : 1, delta);
  return db_->Finish();
}

StatusOr<int64_t> HashType::IncrBy(std::string_view key, std::string_view field, int64_t delta) {
  db_->Lock(key);
  auto rec = Load(key);
  if (!rec.ok()) return rec.status();
  std::string old;
  auto existed = ReadField(key, *rec, field, &old);
  if (!existed.ok()) return existed.status();
  int64_t cur = 0;
  if (*existed) {
    auto parsed = ParseInt64(old);
    if (!parsed) return Status::InvalidArgument("hash value is not an integer");
    cur = *parsed;
  }
  if ((delta > 0 && cur > std::numeric_limits<int64_t>::max() - delta) ||
      (delta < 0 && cur < std::numeric_limits<int64_t>::min() - delta)) {
    return Status::InvalidArgument("increment or decrement would overflow");
  }
  cur += delta;
  Status s = WriteField(key, *rec, field, *existed, old.size(), std::to_string(cur));
  if (!s.ok()) return s;
  return cur;
}

StatusOr<std::string> HashType::IncrByFloat(std::string_view key, std::string_view field,
                                            long double delta) {
  db_->Lock(key);
  auto rec = Load(key);
  if (!rec.ok()) return rec.status();
  std::string old;
  auto existed = ReadField(key, *rec, field, &old);
  if (!existed.ok()) return existed.status();
  long double cur = 0;
  if (*existed) {
    auto parsed = ParseLongDouble(old);
    if (!parsed) return Status::InvalidArgument("hash value is not a float");
    cur = *parsed;
  }
  long double next = cur + delta;
  if (std::isnan(next) || std::isinf(next)) {
    return Status::InvalidArgument("increment would produce NaN or Infinity");
  }
  std::string text = FormatDouble(next);
  Status s = WriteField(key, *rec, field, *existed, old.size(), text);
  if (!s.ok()) return s;
  return text;
}

StatusOr<HashType::ScanResult> HashType::Scan(std::string_view key, const std::string* after,
                                              std::string_view pattern, size_t count) const {
  ScanResult r;
  auto rec = Load(key);
  if (!rec.ok()) return rec.status();
  if (!rec->has_value()) return r;
  std::string prefix = EncodeSubkeyPrefix(db_->ns(), key, (*rec)->meta.version);
  auto it = db_->NewElementIterator(ColumnFamily::kSubkeys, prefix);
  if (after == nullptr) {
    it->SeekToFirst();
  } else {
    it->Seek(prefix + *after);
    if (it->Valid() && it->suffix() == *after) it->Next();
  }
  size_t examined = 0;
  for (; it->Valid() && examined < count; it->Next(), examined++) {
    std::string_view field = it->suffix();
    if (pattern.empty() || GlobMatch(pattern, field)) {
      r.items.emplace_back(std::string(field), std::string(it->value()));
    }
    r.next_after.assign(field);
  }
  if (!it->status().ok()) return it->status();
  r.more = it->Valid();
  if (!r.more) r.next_after.clear();  // walked to the end
  return r;
}

namespace {

// `count` distinct positions in [0, size) (Floyd's algorithm), sorted.
std::vector<uint64_t> DistinctPositions(uint64_t count, uint64_t size) {
  std::unordered_set<uint64_t> chosen;
  chosen.reserve(count);
  for (uint64_t j = size - count; j < size; j++) {
    uint64_t t = std::uniform_int_distribution<uint64_t>(0, j)(Rng());
    if (!chosen.insert(t).second) chosen.insert(j);
  }
  std::vector<uint64_t> out(chosen.begin(), chosen.end());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

StatusOr<std::vector<std::pair<std::string, std::string>>> HashType::RandomFields(
    std::string_view key, uint64_t count, bool distinct) const {
  std::vector<std::pair<std::string, std::string>> out;
  auto rec = Load(key);
  if (!rec.ok()) return rec.status();
  if (!rec->has_value() || count == 0) return out;
  uint64_t size = (*rec)->meta.size;
  // Positions to read (sorted, unique) and, with repetition, the order to answer them in.
  std::vector<uint64_t> picks;
  std::vector<uint64_t> wanted;
  if (distinct) {
    wanted = DistinctPositions(std::min(count, size), size);
  } else {
    picks.reserve(count);
    std::uniform_int_distribution<uint64_t> pos(0, size - 1);
    for (uint64_t i = 0; i < count; i++) picks.push_back(pos(Rng()));
    wanted = picks;
    std::sort(wanted.begin(), wanted.end());
    wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
  }
  std::unordered_map<uint64_t, size_t> slot;  // position -> index in `read`
  std::vector<std::pair<std::string, std::string>> read;
  read.reserve(wanted.size());
  auto it = db_->NewElementIterator(ColumnFamily::kSubkeys,
                                    EncodeSubkeyPrefix(db_->ns(), key, (*rec)->meta.version));
  size_t next = 0;
  uint64_t index = 0;
  for (it->SeekToFirst(); it->Valid() && next < wanted.size(); it->Next(), index++) {
    if (index != wanted[next]) continue;
    slot.emplace(index, read.size());
    read.emplace_back(std::string(it->suffix()), std::string(it->value()));
    next++;
  }
  if (!it->status().ok()) return it->status();
  if (distinct) {
    std::shuffle(read.begin(), read.end(), Rng());
    return read;
  }
  out.reserve(picks.size());
  for (uint64_t p : picks) {
    auto found = slot.find(p);
    if (found != slot.end()) out.push_back(read[found->second]);
  }
  return out;
}

}  // namespace mnemo
