#include "types/bitmap_type.h"

#include <algorithm>

#include "types/string_fragments.h"

namespace mnemo {

StatusOr<int> BitmapType::SetBit(std::string_view key, uint64_t offset, int value) {
  db_->Lock(key);
  auto cur = StringValue::Load(db_, key, StringValue::Mode::kWrite);
  if (!cur.ok()) return cur.status();
  uint64_t need = (offset >> 3) + 1;
  if (need > cur->length() && static_cast<int64_t>(need) > strings_.headroom()) {
    return StringType::TooLargeForMemory();
  }
  auto byte = cur->Read(offset >> 3, 1);  // the one fragment it falls in
  if (!byte.ok()) return byte.status();
  std::string b = byte->empty() ? std::string(1, '\0') : *byte;
  int old = bitmap::SetBit(&b, offset & 7, value);
  if (old == value && cur->exists() && need <= cur->length()) return old;  // no change
  Status s = cur->Write(offset >> 3, b);
  if (!s.ok()) return s;
  cur->Store();
  s = db_->Finish();
  if (!s.ok()) return s;
  return old;
}

StatusOr<int64_t> BitmapType::BitOp(bitmap::Op op, std::string_view dst,
                                    const std::vector<std::string_view>& sources) {
  std::vector<std::string_view> keys = sources;
  keys.push_back(dst);
  db_->Lock(keys);
  std::vector<std::optional<StringValue>> loaded;
  uint64_t maxlen = 0;
  for (auto src : sources) {
    auto v = StringValue::Load(db_, src, StringValue::Mode::kWrite);
    if (!v.ok()) return v.status();
    maxlen = std::max(maxlen, v->length());
    loaded.emplace_back(std::move(*v));
  }
  if (static_cast<int64_t>(maxlen) > strings_.headroom()) return StringType::TooLargeForMemory();
  std::vector<std::string> values;  // own the sources' bytes
  values.reserve(loaded.size());
  std::vector<std::optional<std::string_view>> views;
  for (const auto& v : loaded) {
    if (!v->exists()) {
      views.emplace_back(std::nullopt);
      continue;
    }
    auto bytes = v->ReadAll();
    if (!bytes.ok()) return bytes.status();
    values.push_back(std::move(*bytes));
    views.emplace_back(values.back());
  }
  std::string result = bitmap::Combine(op, views);
  if (result.empty()) {
    auto existing = db_->GetRecord(dst);
    if (existing.ok()) db_->DeleteRecord(dst);
    if (!existing.ok() && !existing.status().IsNotFound()) return existing.status();
  } else {
    StringValue::PutWhole(db_, dst, result, 0);
  }
  Status s = db_->Finish();
  if (!s.ok()) return s;
  return static_cast<int64_t>(result.size());
}

namespace {

// The bytes one field spans: [first, first + count).
struct Window {
  uint64_t first, count;
};
Window FieldWindow(uint64_t offset, int bits) {
  uint64_t first = offset >> 3;
  return {first, ((offset + bits - 1) >> 3) - first + 1};
}

// The field of `op` read from `v` (zeros beyond its end).
StatusOr<int64_t> ReadField(const StringValue& v, const BitmapType::FieldOp& op) {
  Window w = FieldWindow(op.offset, op.type.bits);
  auto bytes = v.Read(w.first, w.count);
  if (!bytes.ok()) return bytes.status();
  return bitmap::GetFieldValue(*bytes, op.offset - w.first * 8, op.type);
}

// Applies one SET or INCRBY to `v` (long enough); the reply, nullopt when FAIL refused it.
// *changed is set when a byte changed.
StatusOr<std::optional<int64_t>> ApplyWrite(StringValue* v, const BitmapType::FieldOp& op,
                                            bool* changed) {
  Window w = FieldWindow(op.offset, op.type.bits);
  auto bytes = v->Read(w.first, w.count);
  if (!bytes.ok()) return bytes.status();
  std::string window = *bytes;
  uint64_t at = op.offset - w.first * 8;
  int64_t old = bitmap::GetFieldValue(window, at, op.type);
  bool incr = op.kind == BitmapType::FieldOp::Kind::kIncrBy;
  auto next = incr ? bitmap::Add(op.type, old, op.value, op.overflow)
                   : bitmap::Add(op.type, op.value, 0, op.overflow);
  if (!next) return std::optional<int64_t>();
  bitmap::SetField(&window, at, op.type.bits, static_cast<uint64_t>(*next));
  if (window != *bytes) {
    *changed = true;
    Status s = v->Write(w.first, window);
    if (!s.ok()) return s;
  }
  return std::optional<int64_t>(incr ? *next : old);
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
  auto cur =
      StringValue::Load(db_, key, writes ? StringValue::Mode::kWrite : StringValue::Mode::kRead);
  if (!cur.ok()) return cur.status();
  std::vector<std::optional<int64_t>> out;
  if (writes && need > cur->length() && static_cast<int64_t>(need) > strings_.headroom()) {
    return StringType::TooLargeForMemory();
  }
  // As Redis: the value first grows to the highest byte written, then each op in order.
  bool changed = !cur->exists() || need > cur->length();
  if (writes) {
    Status s = cur->Grow(need);
    if (!s.ok()) return s;
  }
  for (const auto& op : ops) {
    if (op.kind == FieldOp::Kind::kGet) {
      auto v = ReadField(*cur, op);
      if (!v.ok()) return v.status();
      out.emplace_back(*v);
    } else {
      auto r = ApplyWrite(&*cur, op, &changed);
      if (!r.ok()) return r.status();
      out.push_back(*r);
    }
  }
  if (!writes || !changed) return out;  // nothing to write
  cur->Store();
  Status s = db_->Finish();
  if (!s.ok()) return s;
  return out;
}

StatusOr<int> BitmapType::GetBit(std::string_view key, uint64_t offset) const {
  auto v = StringValue::Load(db_, key, StringValue::Mode::kRead);
  if (!v.ok()) return v.status();
  auto byte = v->Read(offset >> 3, 1);
  if (!byte.ok()) return byte.status();
  return byte->empty() ? 0 : bitmap::GetBit(*byte, offset & 7);
}

namespace {

// The part of `r` inside the bytes [at, at + len), in bits from `at`.
bitmap::BitRange PieceRange(bitmap::BitRange r, uint64_t at, uint64_t len) {
  auto base = static_cast<int64_t>(at * 8);
  return {std::max(r.first, base) - base,
          std::min(r.last, base + static_cast<int64_t>(len * 8) - 1) - base};
}

}  // namespace

StatusOr<int64_t> BitmapType::Count(const StringValue& v, bitmap::BitRange r) {
  if (r.empty()) return int64_t{0};
  int64_t n = 0;
  auto first = static_cast<uint64_t>(r.first >> 3);
  Status s = v.Scan(first, static_cast<uint64_t>(r.last >> 3) - first + 1,
                    [&](uint64_t at, uint64_t len, const char* data) {
                      if (data != nullptr) {
                        n += bitmap::Count(std::string_view(data, len), PieceRange(r, at, len));
                      }
                      return true;
                    });
  if (!s.ok()) return s;
  return n;
}

StatusOr<int64_t> BitmapType::Pos(const StringValue& v, int bit, bitmap::BitRange r,
                                  bool end_given) {
  if (r.empty()) return int64_t{-1};
  int64_t found = -1;
  auto first = static_cast<uint64_t>(r.first >> 3);
  Status s = v.Scan(first, static_cast<uint64_t>(r.last >> 3) - first + 1,
                    [&](uint64_t at, uint64_t len, const char* data) {
                      bitmap::BitRange piece = PieceRange(r, at, len);
                      if (data == nullptr) {  // zeros
                        if (bit == 0) found = piece.first + static_cast<int64_t>(at * 8);
                      } else {
                        int64_t p = bitmap::Pos(std::string_view(data, len), bit, piece, true);
                        if (p >= 0) found = p + static_cast<int64_t>(at * 8);
                      }
                      return found < 0;
                    });
  if (!s.ok()) return s;
  if (found >= 0 || bit == 1 || end_given) return found;
  return r.last + 1;  // all ones and no end given: Redis pads with zeros on the right
}

}  // namespace mnemo
