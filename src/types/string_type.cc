#include "types/string_type.h"

#include <cmath>
#include <limits>

#include "common/string_util.h"
#include "types/string_fragments.h"

namespace mnemo {
namespace {

constexpr uint64_t kMaxNumberText = 64 << 10;  // ParseLongDouble refuses longer texts

}  // namespace

StatusOr<std::optional<KeyRecord>> StringType::Load(std::string_view key) const {
  auto rec = db_->GetRecordOfType(key, DataType::kString);
  if (rec.status().IsNotFound()) return std::optional<KeyRecord>();
  if (!rec.ok()) return rec.status();
  return std::optional<KeyRecord>(std::move(rec.value()));
}

Status StringType::Store(std::string_view key, std::string_view value, int64_t expire_ms) {
  StringValue::PutWhole(db_, key, value, expire_ms);
  return db_->Finish();
}

StatusOr<std::string> StringType::Value(std::string_view key, const KeyRecord& rec) const {
  if (!rec.meta.fragmented) return std::string(rec.meta.payload);
  if (!ReadFits(static_cast<int64_t>(rec.meta.size))) return TooLargeToRead(rec.meta.size);
  auto whole = StringValue::ReadWhole(db_, key);
  if (whole.ok()) return whole->has_value() ? std::move(**whole) : std::string();
  if (!whole.status().IsNotSupported()) return whole.status();
  auto v = StringValue::Load(db_, key, StringValue::Mode::kRead);
  if (!v.ok()) return v.status();
  if (!ReadFits(static_cast<int64_t>(v->length()))) return TooLargeToRead(v->length());
  return v->ReadAll();
}

Status StringType::CheckSize(int64_t size) const {
  if (size > max_len_) {
    return Status::InvalidArgument("string exceeds maximum allowed size (proto-max-bulk-len)");
  }
  if (size > headroom_) return TooLargeForMemory();
  return Status::OK();
}

// The same refusal, in the same words, as a reply the connection checks (commands/command.h,
// ReplyTooLargeError): a read is refused only past 1 MiB (kUncheckedReadBytes, the size of reply
// never checked), so reads of smaller values work at every level of the memory ladder.
Status StringType::TooLargeToRead(uint64_t bytes) {
  return Status::OutOfMemory("command not allowed: the reply (at least " + std::to_string(bytes) +
                             " bytes) would exceed the memory left under 'maxmemory'.");
}

Status StringType::TooLargeForMemory() {
  return Status::OutOfMemory(
      "command not allowed: the value would exceed the memory left under 'maxmemory'.");
}

Status StringType::Get(std::string_view key, std::string* value) const {
  auto rec = db_->GetRecordOfType(key, DataType::kString);
  if (!rec.ok()) return rec.status();
  if (!rec->meta.fragmented) {  // the hot path: the value is in the record
    value->assign(rec->meta.payload);
    return Status::OK();
  }
  auto v = Value(key, *rec);
  if (!v.ok()) return v.status();
  *value = std::move(*v);
  return Status::OK();
}

Status StringType::MGet(const std::vector<std::string_view>& keys,
                        const std::function<bool(std::optional<std::string_view>)>& visit) const {
  for (auto k : keys) {
    auto rec = db_->GetRecord(k);
    bool go_on;
    if (rec.ok() && rec->meta.fragmented) {
      auto v = Value(k, *rec);
      if (!v.ok()) return v.status();
      go_on = visit(std::string_view(*v));
    } else if (rec.ok() && rec->meta.type == DataType::kString) {
      go_on = visit(std::string_view(rec->meta.payload));
    } else if (rec.ok() || rec.status().IsNotFound()) {
      go_on = visit(std::nullopt);
    } else {
      return rec.status();
    }
    if (!go_on) break;
  }
  return Status::OK();
}

StatusOr<StringType::SetResult> StringType::Set(std::string_view key, std::string_view value,
                                                const SetArgs& args) {
  db_->Lock(key);
  SetResult r;
  auto rec = db_->GetRecord(key);
  bool exists = rec.ok();
  if (!exists && !rec.status().IsNotFound()) return rec.status();
  if (args.get && exists) {
    if (rec->meta.type != DataType::kString) return Status::WrongType();
    auto old = Value(key, *rec);
    if (!old.ok()) return old.status();
    r.old = std::move(*old);
  }
  if ((args.cond == SetArgs::Cond::kNX && exists) || (args.cond == SetArgs::Cond::kXX && !exists)) {
    return r;
  }
  int64_t expire = args.expire_ms;
  if (args.keep_ttl && exists) expire = rec->meta.expire_ms;
  Status s = Store(key, value, expire);
  if (!s.ok()) return s;
  r.written = true;
  return r;
}

void StringType::SetBlind(std::string_view key, std::string_view value, int64_t expire_ms,
                          PendingWrites* pending) {
  std::string meta_key = db_->MetaKey(key);
  std::string record = StringValue::EncodeWhole(db_->storage(), db_->ns(), key, value, expire_ms,
                                                [pending](std::string_view k, std::string_view v) {
                                                  pending->batch.Put(ColumnFamily::kSubkeys, k, v);
                                                });
  pending->batch.Put(ColumnFamily::kMetadata, meta_key, record);
  pending->lock_keys.push_back(std::move(meta_key));
  pending->commands++;
}

StatusOr<bool> StringType::MSetNX(
    const std::vector<std::pair<std::string_view, std::string_view>>& kvs) {
  std::vector<std::string_view> keys;
  for (auto& kv : kvs) keys.push_back(kv.first);
  db_->Lock(keys);
  for (auto& kv : kvs) {
    auto rec = db_->GetRecord(kv.first);
    if (rec.ok()) return false;
    if (!rec.status().IsNotFound()) return rec.status();
  }
  for (auto& kv : kvs) StringValue::PutWhole(db_, kv.first, kv.second, 0);
  Status s = db_->Finish();
  if (!s.ok()) return s;
  return true;
}

Status StringType::MSet(const std::vector<std::pair<std::string_view, std::string_view>>& kvs) {
  std::vector<std::string_view> keys;
  keys.reserve(kvs.size());
  for (auto& kv : kvs) keys.push_back(kv.first);
  db_->Lock(keys);
  for (auto& kv : kvs) StringValue::PutWhole(db_, kv.first, kv.second, 0);
  return db_->Finish();
}

StatusOr<std::optional<std::string>> StringType::GetDel(std::string_view key) {
  db_->Lock(key);
  auto rec = Load(key);
  if (!rec.ok()) return rec.status();
  if (!rec->has_value()) return std::optional<std::string>();
  auto value = Value(key, **rec);
  if (!value.ok()) return value.status();
  db_->DeleteRecord(key);
  Status s = db_->Finish();
  if (!s.ok()) return s;
  return std::optional<std::string>(std::move(*value));
}

StatusOr<std::optional<std::string>> StringType::GetEx(std::string_view key,
                                                       std::optional<int64_t> expire_ms) {
  db_->Lock(key);
  auto rec = Load(key);
  if (!rec.ok()) return rec.status();
  if (!rec->has_value()) return std::optional<std::string>();
  auto value = Value(key, **rec);
  if (!value.ok()) return value.status();
  if (expire_ms.has_value()) {
    if (*expire_ms > 0 && *expire_ms <= NowMs()) {
      db_->DeleteRecord(key);
    } else {  // the record with its new expiry (a fragmented value's fragments stay)
      std::string raw = (*rec)->raw;
      SetExpireInPlace(&raw, *expire_ms);
      db_->PutRecord(key, raw);
    }
    Status s = db_->Finish();
    if (!s.ok()) return s;
  }
  return std::optional<std::string>(std::move(*value));
}

StatusOr<int64_t> StringType::Append(std::string_view key, std::string_view value) {
  db_->Lock(key);
  auto v = StringValue::Load(db_, key, StringValue::Mode::kWrite);
  if (!v.ok()) return v.status();
  if (v->exists()) {
    Status size_ok = CheckSize(static_cast<int64_t>(v->length() + value.size()));
    if (!size_ok.ok()) return size_ok;
  }
  Status s = v->Write(v->length(), value);
  if (!s.ok()) return s;
  v->Store();  // the fragments the new bytes fall in, or the inline value, and the record
  s = db_->Finish();
  if (!s.ok()) return s;
  return static_cast<int64_t>(v->length());
}

StatusOr<int64_t> StringType::StrLen(std::string_view key) const {
  auto rec = Load(key);
  if (!rec.ok()) return rec.status();
  if (!rec->has_value()) return 0;
  const Metadata& meta = (*rec)->meta;
  return static_cast<int64_t>(meta.fragmented ? meta.size : meta.payload.size());
}

StatusOr<int64_t> StringType::IncrBy(std::string_view key, int64_t delta) {
  db_->Lock(key);
  auto rec = Load(key);
  if (!rec.ok()) return rec.status();
  int64_t cur = 0, expire = 0;
  if (rec->has_value()) {
    if ((*rec)->meta.fragmented) {  // too long for a 64-bit integer
      return Status::InvalidArgument("value is not an integer or out of range");
    }
    auto parsed = ParseInt64((*rec)->meta.payload);
    if (!parsed) return Status::InvalidArgument("value is not an integer or out of range");
    cur = *parsed;
    expire = (*rec)->meta.expire_ms;
  }
  if ((delta > 0 && cur > std::numeric_limits<int64_t>::max() - delta) ||
      (delta < 0 && cur < std::numeric_limits<int64_t>::min() - delta)) {
    return Status::InvalidArgument("increment or decrement would overflow");
  }
  cur += delta;
  Status s = Store(key, std::to_string(cur), expire);
  if (!s.ok()) return s;
  return cur;
}

StatusOr<std::string> StringType::IncrByFloat(std::string_view key, long double delta) {
  db_->Lock(key);
  auto rec = Load(key);
  if (!rec.ok()) return rec.status();
  long double cur = 0;
  int64_t expire = 0;
  if (rec->has_value()) {
    // A long text may still be a number ("000...1.5"), not one longer than any parse takes.
    if ((*rec)->meta.fragmented && (*rec)->meta.size > kMaxNumberText) {
      return Status::InvalidArgument("value is not a valid float");
    }
    auto text = Value(key, **rec);
    if (!text.ok()) return text.status();
    auto parsed = ParseLongDouble(*text);
    if (!parsed) return Status::InvalidArgument("value is not a valid float");
    cur = *parsed;
    expire = (*rec)->meta.expire_ms;
  }
  long double next = cur + delta;
  if (std::isnan(next) || std::isinf(next)) {
    return Status::InvalidArgument("increment would produce NaN or Infinity");
  }
  std::string text = FormatDouble(next);
  Status s = Store(key, text, expire);
  if (!s.ok()) return s;
  return text;
}

StatusOr<std::string> StringType::GetRange(std::string_view key, int64_t start, int64_t end) const {
  auto rec = Load(key);
  if (!rec.ok()) return rec.status();
  if (!rec->has_value()) return std::string();
  const Metadata& meta = (*rec)->meta;
  int64_t len = static_cast<int64_t>(meta.fragmented ? meta.size : meta.payload.size());
  if (start < 0 && end < 0 && start > end) return std::string();
  if (start < 0) start = std::max<int64_t>(len + start, 0);
  if (end < 0) end = std::max<int64_t>(len + end, 0);
  if (end >= len) end = len - 1;
  if (len == 0 || start > end) return std::string();
  if (!meta.fragmented) return std::string(meta.payload.substr(start, end - start + 1));
  if (!ReadFits(end - start + 1)) return TooLargeToRead(end - start + 1);
  auto v = StringValue::Load(db_, key, StringValue::Mode::kRead);
  if (!v.ok()) return v.status();
  // Read from what Load found (a write may have come between the two reads).
  return v->Read(static_cast<uint64_t>(start), static_cast<uint64_t>(end - start + 1));
}

StatusOr<int64_t> StringType::SetRange(std::string_view key, int64_t offset,
                                       std::string_view value) {
  if (offset < 0) return Status::InvalidArgument("offset is out of range");
  db_->Lock(key);
  auto v = StringValue::Load(db_, key, StringValue::Mode::kWrite);
  if (!v.ok()) return v.status();
  auto cur_len = static_cast<int64_t>(v->length());
  if (value.empty()) return cur_len;  // Redis creates nothing and changes nothing
  if (offset > max_len_ - static_cast<int64_t>(value.size())) {
    return CheckSize(std::numeric_limits<int64_t>::max());
  }
  Status s = CheckSize(std::max(cur_len, offset + static_cast<int64_t>(value.size())));
  if (!s.ok()) return s;
  s = v->Write(static_cast<uint64_t>(offset), value);  // only the fragments it falls in
  if (!s.ok()) return s;
  v->Store();
  s = db_->Finish();
  if (!s.ok()) return s;
  return static_cast<int64_t>(v->length());
}

}  // namespace mnemo
