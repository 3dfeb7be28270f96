#include "types/bitmap_type.h"

#include <algorithm>

namespace mnemo {
namespace {

struct Loaded {
  std::string value;
  int64_t expire_ms = 0;
  bool exists = false;
};

// The live string of `key` (under the caller's lock); WrongType for another type.
StatusOr<Loaded> LoadString(Database* db, std::string_view key) {
  auto rec = db->GetRecordOfType(key, DataType::kString);
  Loaded out;
  if (rec.status().IsNotFound()) return out;
  if (!rec.ok()) return rec.status();
  out.value.assign(rec->meta.payload);
  out.expire_ms = rec->meta.expire_ms;
  out.exists = true;
  return out;
}

}  // namespace

StatusOr<int> BitmapType::SetBit(std::string_view key, uint64_t offset, int value) {
  db_->Lock(key);
  auto cur = LoadString(db_, key);
  if (!cur.ok()) return cur.status();
  uint64_t need = (offset >> 3) + 1;
  if (need > cur->value.size() && static_cast<int64_t>(need) > strings_.headroom()) {
    return StringType::TooLargeForMemory();
  }
  size_t old_size = cur->value.size();
  int old = bitmap::SetBit(&cur->value, offset, value);
  if (old == value && cur->exists && old_size == cur->value.size()) return old;  // no change
  db_->PutRecord(key, EncodeStringValue(cur->value, cur->expire_ms));
  Status s = db_->Finish();
  if (!s.ok()) return s;
  return old;
}

StatusOr<int64_t> BitmapType::BitOp(bitmap::Op op, std::string_view dst,
                                    const std::vector<std::string_view>& sources) {
  std::vector<std::string_view> keys = sources;
  keys.push_back(dst);
  db_->Lock(keys);
  std::vector<std::optional<KeyRecord>> recs(sources.size());  // own the sources' bytes
  size_t maxlen = 0;
  for (size_t i = 0; i < sources.size(); i++) {
    auto rec = db_->GetRecordOfType(sources[i], DataType::kString);
    if (rec.status().IsNotFound()) continue;
    if (!rec.ok()) return rec.status();
    recs[i] = std::move(*rec);
    maxlen = std::max(maxlen, recs[i]->meta.payload.size());
  }
  if (static_cast<int64_t>(maxlen) > strings_.headroom()) return StringType::TooLargeForMemory();
  std::vector<std::optional<std::string_view>> views;
  for (const auto& rec : recs) {
    views.push_back(rec ? std::optional<std::string_view>(rec->meta.payload) : std::nullopt);
  }
  std::string result = bitmap::Combine(op, views);
  if (result.empty()) {
    auto existing = db_->GetRecord(dst);
    if (existing.ok()) db_->DeleteRecord(dst);
    if (!existing.ok() && !existing.status().IsNotFound()) return existing.status();
  } else {
    db_->PutRecord(dst, EncodeStringValue(result, 0));
  }
  Status s = db_->Finish();
  if (!s.ok()) return s;
  return static_cast<int64_t>(result.size());
}

namespace {

// Applies one SET or INCRBY to `v` (long enough); the reply, nullopt when FAIL refused it.
std::optional<int64_t> ApplyWrite(std::string* v, const BitmapType::FieldOp& op) {
  int64_t old = bitmap::GetFieldValue(*v, op.offset, op.type);
  bool incr = op.kind == BitmapType::FieldOp::Kind::kIncrBy;
  auto next = incr ? bitmap::Add(op.type, old, op.value, op.overflow)
                   : bitmap::Add(op.type, op.value, 0, op.overflow);
  if (!next) return std::nullopt;
  bitmap::SetField(v, op.offset, op.type.bits, static_cast<uint64_t>(*next));
  return incr ? *next : old;
}

}  // namespace

StatusOr<std::vector<std::optional<int64_t>>> BitmapType::BitField(
    std::string_view key, const std::vector<FieldOp>& ops) {
  uint64_t need = 0;  // bytes the writes reach
  for (const auto& op : ops) {
    if (op.kind != FieldOp::Kind::kGet) {
      need = std::max(need, ((op.offset + op.type.bits - 1) >> 3) + 1);
    }
  }
  bool writes = need > 0;
  if (writes) db_->Lock(key);
  auto cur = LoadString(db_, key);
  if (!cur.ok()) return cur.status();
  std::vector<std::optional<int64_t>> out;
  if (!writes) {
    for (const auto& op : ops)
      out.emplace_back(bitmap::GetFieldValue(cur->value, op.offset, op.type));
    return out;
  }
  if (need > cur->value.size() && static_cast<int64_t>(need) > strings_.headroom()) {
    return StringType::TooLargeForMemory();
  }
  std::string before = cur->exists && need <= cur->value.size() ? cur->value : std::string();
  if (cur->value.size() < need) cur->value.resize(need, '\0');
  for (const auto& op : ops) {
    if (op.kind == FieldOp::Kind::kGet) {
      out.emplace_back(bitmap::GetFieldValue(cur->value, op.offset, op.type));
    } else {
      out.push_back(ApplyWrite(&cur->value, op));
    }
  }
  if (cur->exists && !before.empty() && before == cur->value) return out;  // nothing changed
  db_->PutRecord(key, EncodeStringValue(cur->value, cur->expire_ms));
  Status s = db_->Finish();
  if (!s.ok()) return s;
  return out;
}

}  // namespace mnemo
