#include "types/string_fragments.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace mnemo {
namespace {

constexpr uint64_t kF = kStringFragmentSize;

// The fragment index of an element suffix; nullopt for a record that is no fragment.
std::optional<uint64_t> FragmentIndex(std::string_view suffix) {
  if (suffix.size() != 4) return std::nullopt;
  return DecodeFixed32BE(suffix.data());
}

}  // namespace

std::string FragmentKey(std::string_view element_prefix, uint64_t index) {
  std::string k(element_prefix);
  PutFixed32BE(&k, static_cast<uint32_t>(index));
  return k;
}

bool AllZero(std::string_view bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](char c) { return c == 0; });
}

StringValue::~StringValue() = default;

StatusOr<StringValue> StringValue::Load(Database* db, std::string_view key, Mode mode) {
  StringValue v(db, key);
  // A reader pairs the record with an iterator made after it, and takes them only when the
  // record read again afterwards is the same: every write of fragments rewrites the record in
  // the same batch, so the iterator's snapshot then holds the fragments of that record.
  for (;;) {
    auto rec = db->GetRecordOfType(key, DataType::kString);
    if (rec.status().IsNotFound()) return v;
    if (!rec.ok()) return rec.status();
    v.exists_ = true;
    v.expire_ms_ = rec->meta.expire_ms;
    v.fragmented_ = rec->meta.fragmented;
    v.version_ = rec->meta.version;
    v.length_ = v.fragmented_ ? rec->meta.size : rec->meta.payload.size();
    v.rec_ = std::move(*rec);
    if (!v.fragmented_ || mode == Mode::kWrite) return v;
    v.it_ = db->NewElementIterator(ColumnFamily::kSubkeys, v.Prefix());
    auto again = db->GetRecord(key);
    if (again.ok() && again->raw == v.rec_->raw) return v;
    if (!again.ok() && !again.status().IsNotFound()) return again.status();
    v = StringValue(db, key);  // a commit came between: read both again
  }
}

StatusOr<std::optional<std::string>> StringValue::ReadWhole(Database* db, std::string_view key) {
  // As Load: the record, then the fragments, then the record again; the same record means the
  // fragments read (at one sequence number) are that record's, since every write of fragments
  // rewrites the record in the same batch.
  std::vector<std::string> keys;
  std::vector<std::optional<std::string>> frags;
  for (;;) {
    auto rec = db->GetRecordOfType(key, DataType::kString);
    if (rec.status().IsNotFound()) return std::optional<std::string>();
    if (!rec.ok()) return rec.status();
    const Metadata& meta = rec->meta;
    if (!meta.fragmented) return std::optional<std::string>(std::string(meta.payload));
    const uint64_t n = (meta.size + kF - 1) / kF;
    if (n > kPointReadFragments) return Status::NotSupported("too many fragments");
    const std::string prefix = EncodeSubkeyPrefix(db->ns(), key, meta.version);
    keys.clear();
    for (uint64_t i = 0; i < n; i++) keys.push_back(FragmentKey(prefix, i));
    Status s = db->GetElementsAtOnce(ColumnFamily::kSubkeys, keys, &frags);
    if (!s.ok()) return s;
    auto again = db->GetRecord(key);
    if (!again.ok() && !again.status().IsNotFound()) return again.status();
    if (!again.ok() || again->raw != rec->raw) continue;  // a commit came between
    std::string out(meta.size, '\0');  // fragments not stored, and their stored ends, are zeros
    for (uint64_t i = 0; i < n; i++) {
      if (!frags[i]) continue;
      const uint64_t at = i * kF;
      std::memcpy(out.data() + at, frags[i]->data(),
                  std::min<uint64_t>({frags[i]->size(), kF, meta.size - at}));
    }
    return std::optional<std::string>(std::move(out));
  }
}

std::string_view StringValue::InlineView() const {
  if (inline_copied_) return inline_;
  return rec_ ? rec_->meta.payload : std::string_view();
}

Status StringValue::Scan(uint64_t offset, uint64_t n, const PieceFn& fn) const {
  if (offset >= length_ || n == 0) return Status::OK();
  uint64_t end = offset + std::min(n, length_ - offset);
  if (!fragmented_) {
    fn(offset, end - offset, InlineView().data() + offset);
    return Status::OK();
  }
  return ScanFragments(offset, end, fn);
}

Status StringValue::ScanFragments(uint64_t offset, uint64_t end, const PieceFn& fn) const {
  // Two ordered sources of fragments: this value's writes (frags_) over the stored ones.
  std::unique_ptr<Iterator> own;
  Iterator* it = nullptr;
  if (!new_version_) {
    if (!it_) it_ = db_->NewElementIterator(ColumnFamily::kSubkeys, Prefix());
    it = it_.get();
    it->Seek(FragmentKey(Prefix(), offset / kF));
  }
  uint64_t pos = offset;
  while (pos < end) {
    uint64_t index = pos / kF;
    std::optional<uint64_t> stored;
    while (it != nullptr && it->Valid()) {
      stored = FragmentIndex(it->suffix());
      if (stored && *stored >= index) break;
      stored.reset();
      it->Next();
    }
    if (it != nullptr && !it->status().ok()) return it->status();
    auto mine = frags_.lower_bound(index);
    uint64_t next = end / kF + 1;  // past the range: no fragment left
    if (stored) next = std::min(next, *stored);
    if (mine != frags_.end()) next = std::min(next, mine->first);
    uint64_t start = std::max(pos, next * kF);
    if (start >= end) {
      fn(pos, end - pos, nullptr);
      return Status::OK();
    }
    if (start > pos && !fn(pos, start - pos, nullptr)) return Status::OK();
    std::string_view data = mine != frags_.end() && mine->first == next
                                ? std::string_view(mine->second.data)
                                : it->value();
    uint64_t stop = std::min(end, (next + 1) * kF);
    uint64_t have = std::min(stop, next * kF + data.size());  // stored bytes end here
    if (have > start && !fn(start, have - start, data.data() + (start - next * kF))) {
      return Status::OK();
    }
    if (stop > std::max(have, start) &&
        !fn(std::max(have, start), stop - std::max(have, start), nullptr)) {
      return Status::OK();
    }
    pos = stop;
  }
  return Status::OK();
}

StatusOr<std::string> StringValue::Read(uint64_t offset, uint64_t n) const {
  std::string out;
  if (offset < length_) out.reserve(std::min(n, length_ - offset));
  Status s = Scan(offset, n, [&](uint64_t, uint64_t len, const char* data) {
    if (data == nullptr) {
      out.append(len, '\0');
    } else {
      out.append(data, len);
    }
    return true;
  });
  if (!s.ok()) return s;
  return out;
}

Status StringValue::ToFragments() {
  std::string_view v = InlineView();
  version_ = db_->storage()->NewVersion();
  fragmented_ = true;
  new_version_ = true;
  for (uint64_t i = 0; i * kF < v.size(); i++) {
    std::string_view part = v.substr(i * kF, kF);
    if (!AllZero(part)) frags_[i].data.assign(part);
  }
  inline_.clear();
  inline_copied_ = true;
  return Status::OK();
}

StatusOr<StringValue::Fragment*> StringValue::LoadFragment(uint64_t index) {
  auto found = frags_.find(index);
  if (found != frags_.end()) return &found->second;
  Fragment& f = frags_[index];
  if (new_version_) return &f;
  Status s = db_->GetElement(ColumnFamily::kSubkeys, FragmentKey(Prefix(), index), &f.data);
  if (s.IsNotFound()) return &f;
  if (!s.ok()) {
    frags_.erase(index);
    return s;
  }
  f.stored = true;
  return &f;
}

Status StringValue::Grow(uint64_t length) {
  if (length <= length_) return Status::OK();
  if (!fragmented_ && length > kF) {
    Status s = ToFragments();
    if (!s.ok()) return s;
  }
  if (!fragmented_) {
    if (!inline_copied_) inline_.assign(InlineView());
    inline_copied_ = true;
    inline_.resize(length, '\0');
  }
  length_ = length;
  return Status::OK();
}

Status StringValue::Write(uint64_t offset, std::string_view data) {
  if (data.empty()) return Status::OK();
  uint64_t end = offset + data.size();
  if (!fragmented_ && std::max(end, length_) > kF) {  // a whole-written inline value, or growing
    Status f = ToFragments();
    if (!f.ok()) return f;
  }
  Status s = Grow(end);
  if (!s.ok()) return s;
  if (!fragmented_) {
    if (!inline_copied_) inline_.assign(InlineView());
    inline_copied_ = true;
    inline_.replace(offset, data.size(), data);
    return Status::OK();
  }
  for (uint64_t i = offset / kF; i * kF < end; i++) {
    auto f = LoadFragment(i);
    if (!f.ok()) return f.status();
    uint64_t lo = std::max(offset, i * kF), hi = std::min(end, (i + 1) * kF);
    std::string& bytes = (*f)->data;
    if (bytes.size() < hi - i * kF) bytes.resize(hi - i * kF, '\0');
    std::memcpy(bytes.data() + (lo - i * kF), data.data() + (lo - offset), hi - lo);
  }
  return Status::OK();
}

void StringValue::Store() {
  if (!fragmented_) {
    db_->PutRecord(key_, EncodeStringValue(InlineView(), expire_ms_));
    return;
  }
  std::string prefix = Prefix();
  for (const auto& [index, f] : frags_) {
    if (!AllZero(f.data)) {
      db_->Put(ColumnFamily::kSubkeys, FragmentKey(prefix, index), f.data);
    } else if (f.stored) {
      db_->Delete(ColumnFamily::kSubkeys, FragmentKey(prefix, index));
    }
  }
  db_->PutRecord(key_,
                 EncodeCompositeMeta(DataType::kString, expire_ms_, version_, length_, length_));
}

std::string StringValue::EncodeWhole(Storage* storage, std::string_view ns, std::string_view key,
                                     std::string_view value, int64_t expire_ms, const PutFn& put) {
  if (value.size() <= kStringInlineWholeMax) return EncodeStringValue(value, expire_ms);
  uint64_t version = storage->NewVersion();
  std::string prefix = EncodeSubkeyPrefix(ns, key, version);
  for (uint64_t i = 0; i * kF < value.size(); i++) {
    std::string_view part = value.substr(i * kF, kF);
    if (!AllZero(part)) put(FragmentKey(prefix, i), part);
  }
  return EncodeCompositeMeta(DataType::kString, expire_ms, version, value.size(), value.size());
}

void StringValue::PutWhole(Database* db, std::string_view key, std::string_view value,
                           int64_t expire_ms) {
  std::string meta = EncodeWhole(
      db->storage(), db->ns(), key, value, expire_ms,
      [db](std::string_view k, std::string_view v) { db->Put(ColumnFamily::kSubkeys, k, v); });
  db->PutRecord(key, meta);
}

}  // namespace mnemo
