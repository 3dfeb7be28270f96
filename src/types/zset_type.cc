#include "types/zset_type.h"

#include <bit>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "common/string_util.h"

namespace mnemo {

namespace {

constexpr uint64_t kSignBit = uint64_t{1} << 63;
constexpr size_t kScoreSize = 8;

std::string ScoreKey(const std::string& prefix, double score, std::string_view member) {
  std::string k;
  k.reserve(prefix.size() + kScoreSize + member.size());
  k.append(prefix);
  PutFixed64BE(&k, SortableScoreBits(score));
  k.append(member);
  return k;
}

std::string BitsKey(const std::string& prefix, uint64_t bits) {
  std::string k = prefix;
  PutFixed64BE(&k, bits);
  return k;
}

// A score index entry's suffix (sortable score | member).
struct IndexEntry {
  std::string_view member;
  double score;
};
IndexEntry SplitIndex(std::string_view suffix) {
  if (suffix.size() < kScoreSize) return {{}, 0};
  return {suffix.substr(kScoreSize), DecodeSortableScore(suffix.substr(0, kScoreSize))};
}

// strtod over the whole argument, as Redis reads range bounds (out-of-range values saturate).
std::optional<double> Strtod(std::string_view s, bool refuse_overflow) {
  if (s.empty() || std::isspace(static_cast<unsigned char>(s[0]))) return std::nullopt;
  std::string buf(s);
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(buf.c_str(), &end);
  if (end != buf.c_str() + buf.size() || std::isnan(v)) return std::nullopt;
  if (refuse_overflow && errno == ERANGE && (std::isinf(v) || v == 0)) return std::nullopt;
  return v;
}

// Positions `it` at the first (or last) live entry of the index, from the bounds when known.
void SeekEnd(Iterator* it, const std::string& prefix, const IndexBounds& b, bool last) {
  if (!b.known) {
    last ? it->SeekToLast() : it->SeekToFirst();
    return;
  }
  if (!last) {
    it->Seek(prefix + b.low);
    return;
  }
  std::string target = prefix + b.high;
  it->Seek(target);
  // Every live entry is <= high: landing past it means high's entry went (or a concurrent
  // write, for a reader without the lock): the index's end is then the answer.
  if (!it->Valid() || it->key() != target) it->SeekToLast();
}

std::string IndexSuffix(double score, std::string_view member) {
  std::string s;
  PutFixed64BE(&s, SortableScoreBits(score));
  s.append(member);
  return s;
}

std::optional<double> ParseBound(std::string_view s, bool* exclusive) {
  *exclusive = !s.empty() && s[0] == '(';
  if (*exclusive) s.remove_prefix(1);
  return Strtod(s, /*refuse_overflow=*/false);
}

bool ParseLexBound(std::string_view s, LexBound* out) {
  if (s.size() == 1 && (s[0] == '-' || s[0] == '+')) {
    out->kind = s[0] == '-' ? LexBound::Kind::kNegInf : LexBound::Kind::kPosInf;
    return true;
  }
  if (s.empty() || (s[0] != '[' && s[0] != '(')) return false;
  out->exclusive = s[0] == '(';
  out->value.assign(s.substr(1));
  return true;
}

}  // namespace

std::optional<double> ParseScore(std::string_view s) { return Strtod(s, true); }

void IndexBounds::Widen(std::string_view suffix, bool first) {
  if (first) {
    known = true;
    low = high = std::string(suffix);
    return;
  }
  if (!known) return;
  if (suffix < std::string_view(low)) low = std::string(suffix);
  if (suffix > std::string_view(high)) high = std::string(suffix);
}

void IndexBounds::Add(std::string_view suffix, bool first) {
  Widen(suffix, first);
  // Below the last entry of a list it is one of the least (greatest) entries: in it goes, and
  // the last one out when the list is full. Above, the list is still the least entries.
  auto insert = [&](std::vector<std::string>* list, auto before) {
    if (list->empty() || !before(suffix, std::string_view(list->back()))) return;
    auto at = list->begin();
    while (at != list->end() && before(std::string_view(*at), suffix)) ++at;
    if (suffix.size() > kEndEntryMaxSize) {
      list->erase(at, list->end());  // what follows is still the least entries; it is not
      return;
    }
    list->emplace(at, suffix);
    if (list->size() > kEndEntries) list->pop_back();
  };
  insert(&lowest, [](std::string_view a, std::string_view b) { return a < b; });
  insert(&highest, [](std::string_view a, std::string_view b) { return a > b; });
}

void IndexBounds::Remove(std::string_view suffix) {
  for (std::vector<std::string>* list : {&lowest, &highest}) {
    for (auto it = list->begin(); it != list->end(); ++it) {
      if (*it == suffix) {
        list->erase(it);
        break;
      }
    }
  }
}

namespace {
constexpr char kEndListsFormat = '\xff';

void PutEndList(std::string* out, const std::vector<std::string>& list) {
  out->push_back(static_cast<char>(list.size()));
  for (const std::string& e : list) {
    out->push_back(static_cast<char>(e.size()));
    out->append(e);
  }
}

bool GetEndList(std::string_view* in, std::vector<std::string>* list) {
  if (in->empty()) return false;
  size_t n = static_cast<uint8_t>((*in)[0]);
  in->remove_prefix(1);
  for (size_t i = 0; i < n; i++) {
    if (in->empty()) return false;
    size_t len = static_cast<uint8_t>((*in)[0]);
    if (in->size() - 1 < len) return false;
    list->emplace_back(in->substr(1, len));
    in->remove_prefix(1 + len);
  }
  return true;
}

bool GetLengthPrefixed(std::string_view* in, std::string* out) {
  if (in->size() < 4) return false;
  uint32_t n = DecodeFixed32BE(in->data());
  if (in->size() - 4 < n) return false;
  out->assign(in->substr(4, n));
  in->remove_prefix(4 + n);
  return true;
}
}  // namespace

std::string EncodeIndexBounds(const IndexBounds& b) {
  if (!b.known) return {};
  std::string out;
  if (b.lowest.empty() && b.highest.empty()) {
    PutFixed32BE(&out, static_cast<uint32_t>(b.low.size()));
    out.append(b.low);
    out.append(b.high);
    return out;
  }
  out.push_back(kEndListsFormat);
  PutFixed32BE(&out, static_cast<uint32_t>(b.low.size()));
  out.append(b.low);
  PutFixed32BE(&out, static_cast<uint32_t>(b.high.size()));
  out.append(b.high);
  PutEndList(&out, b.lowest);
  PutEndList(&out, b.highest);
  return out;
}

IndexBounds DecodeIndexBounds(std::string_view tail) {
  IndexBounds b;
  if (!tail.empty() && tail[0] == kEndListsFormat) {
    // A low_len of the first format never starts with 0xff: members are below 4 GiB.
    tail.remove_prefix(1);
    IndexBounds d;
    if (!GetLengthPrefixed(&tail, &d.low) || !GetLengthPrefixed(&tail, &d.high) ||
        !GetEndList(&tail, &d.lowest) || !GetEndList(&tail, &d.highest) || !tail.empty()) {
      return b;
    }
    d.known = true;
    return d;
  }
  if (!GetLengthPrefixed(&tail, &b.low)) return b;
  b.known = true;
  b.high.assign(tail);
  return b;
}

uint64_t SortableScoreBits(double score) {
  if (score == 0) score = 0.0;  // -0.0 and 0.0 are one score
  uint64_t bits = std::bit_cast<uint64_t>(score);
  return (bits & kSignBit) ? ~bits : bits | kSignBit;
}

std::string EncodeSortableScore(double score) {
  std::string out;
  PutFixed64BE(&out, SortableScoreBits(score));
  return out;
}

double DecodeSortableScore(std::string_view eight_bytes) {
  uint64_t bits = DecodeFixed64BE(eight_bytes.data());
  bits = (bits & kSignBit) ? bits & ~kSignBit : ~bits;
  return std::bit_cast<double>(bits);
}

std::string EncodeScoreValue(double score) {
  std::string out;
  PutFixed64BE(&out, std::bit_cast<uint64_t>(score));
  return out;
}

std::optional<double> DecodeScoreValue(std::string_view value) {
  if (value.size() != kScoreSize) return std::nullopt;
  return std::bit_cast<double>(DecodeFixed64BE(value.data()));
}

StatusOr<ScoreRange> ParseScoreRange(std::string_view min, std::string_view max) {
  ScoreRange r;
  auto lo = ParseBound(min, &r.min_ex);
  auto hi = ParseBound(max, &r.max_ex);
  if (!lo || !hi) return Status::InvalidArgument("min or max is not a float");
  r.min = *lo;
  r.max = *hi;
  return r;
}

bool LexRange::AboveMin(std::string_view m) const {
  if (min.kind != LexBound::Kind::kValue) return min.kind == LexBound::Kind::kNegInf;
  return min.exclusive ? m > std::string_view(min.value) : m >= std::string_view(min.value);
}

bool LexRange::BelowMax(std::string_view m) const {
  if (max.kind != LexBound::Kind::kValue) return max.kind == LexBound::Kind::kPosInf;
  return max.exclusive ? m < std::string_view(max.value) : m <= std::string_view(max.value);
}

bool LexRange::Empty() const {
  if (min.kind == LexBound::Kind::kPosInf || max.kind == LexBound::Kind::kNegInf) return true;
  if (min.kind != LexBound::Kind::kValue || max.kind != LexBound::Kind::kValue) return false;
  return min.value > max.value || (min.value == max.value && (min.exclusive || max.exclusive));
}

StatusOr<LexRange> ParseLexRange(std::string_view min, std::string_view max) {
  LexRange r;
  if (!ParseLexBound(min, &r.min) || !ParseLexBound(max, &r.max)) {
    return Status::InvalidArgument("min or max not valid string range item");
  }
  return r;
}

StatusOr<std::optional<KeyRecord>> ZSetType::Load(std::string_view key) const {
  auto rec = db_->GetRecordOfType(key, DataType::kZSet);
  if (rec.status().IsNotFound()) return std::optional<KeyRecord>();
  if (!rec.ok()) return rec.status();
  return std::optional<KeyRecord>(std::move(rec.value()));
}

void ZSetType::PutMember(const std::string& prefix, std::string_view member, double score) {
  if (score == 0) score = 0.0;  // -0.0 and 0.0 are one score, stored as 0.0
  std::string k = prefix;
  k.append(member);
  db_->Put(ColumnFamily::kSubkeys, k, EncodeScoreValue(score));
  db_->Put(ColumnFamily::kZSetScores, ScoreKey(prefix, score, member), {});
}

void ZSetType::DeleteMember(const std::string& prefix, std::string_view member, double score) {
  std::string k = prefix;
  k.append(member);
  db_->Delete(ColumnFamily::kSubkeys, k);
  db_->Delete(ColumnFamily::kZSetScores, ScoreKey(prefix, score, member));
}

Status ZSetType::Commit(std::string_view key, const Metadata& meta, uint64_t size, uint64_t bytes,
                        const IndexBounds& bounds) {
  if (size == 0) {
    db_->DeleteRecord(key);
  } else {
    db_->PutRecord(key, EncodeCompositeMeta(DataType::kZSet, meta.expire_ms, meta.version, size,
                                            bytes, EncodeIndexBounds(bounds)));
  }
  return db_->Finish();
}

StatusOr<ZSetType::AddResult> ZSetType::Add(std::string_view key, const AddFlags& f,
                                            const std::vector<ZEntry>& items) {
  db_->Lock(key);
  auto rec = Load(key);
  if (!rec.ok()) return rec.status();
  Metadata meta;
  if (rec->has_value()) {
    meta = (*rec)->meta;
  } else {
    if (f.xx) return AddResult{0, std::nullopt};  // XX never creates the key
    meta.version = db_->storage()->NewVersion();
  }
  std::string prefix = EncodeSubkeyPrefix(db_->ns(), key, meta.version);
  uint64_t size = meta.size, bytes = meta.bytes;
  IndexBounds bounds = DecodeIndexBounds(meta.payload);
  AddResult r;
  int64_t added = 0, changed = 0;
  std::string value;
  for (const ZEntry& e : items) {
    double score = e.score;  // the reply's; -0.0 is stored as 0.0 (PutMember)
    // Looked up even in a new key: a member given twice sees its first write.
    Status s = db_->GetElement(ColumnFamily::kSubkeys, prefix + e.member, &value);
    if (s.ok()) {
      auto cur = DecodeScoreValue(value);
      if (!cur) return Status::Corruption("bad zset score record");
      if (f.nx) continue;
      if (f.incr) {
        score = *cur + score;
        if (std::isnan(score))
          return Status::InvalidArgument("resulting score is not a number (NaN)");
      }
      if ((f.lt && score >= *cur) || (f.gt && score <= *cur)) continue;
      r.score = score;
      if (score == *cur) continue;
      db_->Delete(ColumnFamily::kZSetScores, ScoreKey(prefix, *cur, e.member));
      bounds.Remove(IndexSuffix(*cur, e.member));
      PutMember(prefix, e.member, score);
      bounds.Add(IndexSuffix(score, e.member), false);
      changed++;
    } else if (s.IsNotFound()) {
      if (f.xx) continue;
      PutMember(prefix, e.member, score);
      bounds.Add(IndexSuffix(score, e.member), size == 0);
      r.score = score;
      size++;
      bytes += e.member.size() + kScoreSize;
      added++;
    } else {
      return s;
    }
  }
  r.count = f.ch ? added + changed : added;
  if (added == 0 && changed == 0) return r;
  Status s = Commit(key, meta, size, bytes, bounds);
  if (!s.ok()) return s;
  return r;
}

StatusOr<int64_t> ZSetType::Remove(std::string_view key,
                                   const std::vector<std::string_view>& members) {
  db_->Lock(key);
  auto rec = Load(key);
  if (!rec.ok()) return rec.status();
  if (!rec->has_value()) return int64_t{0};
  const Metadata& meta = (*rec)->meta;
  std::string prefix = EncodeSubkeyPrefix(db_->ns(), key, meta.version);
  uint64_t size = meta.size, bytes = meta.bytes;
  IndexBounds bounds = DecodeIndexBounds(meta.payload);
  int64_t removed = 0;
  std::string value;
  for (auto m : members) {
    Status s = db_->GetElement(ColumnFamily::kSubkeys, prefix + std::string(m), &value);
    if (s.IsNotFound()) continue;
    if (!s.ok()) return s;
    auto cur = DecodeScoreValue(value);
    if (!cur) return Status::Corruption("bad zset score record");
    DeleteMember(prefix, m, *cur);
    bounds.Remove(IndexSuffix(*cur, m));
    size--;
    bytes -= m.size() + kScoreSize;
    removed++;
  }
  if (removed == 0) return removed;
  Status s = Commit(key, meta, size, bytes, bounds);
  if (!s.ok()) return s;
  return removed;
}

StatusOr<std::optional<double>> ZSetType::Score(std::string_view key,
                                                std::string_view member) const {
  auto rec = Load(key);
  if (!rec.ok()) return rec.status();
  if (!rec->has_value()) return std::optional<double>();
  std::string k = EncodeSubkeyPrefix(db_->ns(), key, (*rec)->meta.version);
  k.append(member);
  std::string value;
  Status s = db_->GetElement(ColumnFamily::kSubkeys, k, &value);
  if (s.IsNotFound()) return std::optional<double>();
  if (!s.ok()) return s;
  auto cur = DecodeScoreValue(value);
  if (!cur) return Status::Corruption("bad zset score record");
  return std::optional<double>(*cur);
}

StatusOr<int64_t> ZSetType::Card(std::string_view key) const {
  auto rec = Load(key);
  if (!rec.ok()) return rec.status();
  return rec->has_value() ? static_cast<int64_t>((*rec)->meta.size) : 0;
}

StatusOr<std::optional<int64_t>> ZSetType::Rank(std::string_view key, std::string_view member,
                                                bool rev) const {
  auto rec = Load(key);
  if (!rec.ok()) return rec.status();
  if (!rec->has_value()) return std::optional<int64_t>();
  auto score = Score(key, member);
  if (!score.ok()) return score.status();
  if (!score->has_value()) return std::optional<int64_t>();
  std::string prefix = EncodeSubkeyPrefix(db_->ns(), key, (*rec)->meta.version);
  std::string target = ScoreKey(prefix, **score, member);
  auto it = db_->NewElementIterator(ColumnFamily::kZSetScores, prefix);
  int64_t rank = 0;
  // Counting from the end the rank is measured from: O(rank).
  if (rev) {
    IndexBounds b = DecodeIndexBounds((*rec)->meta.payload);
    for (SeekEnd(it.get(), prefix, b, true); it->Valid() && it->key() != target; it->Prev()) {
      rank++;
    }
  } else {
    IndexBounds b = DecodeIndexBounds((*rec)->meta.payload);
    for (SeekEnd(it.get(), prefix, b, false); it->Valid() && it->key() != target; it->Next()) {
      rank++;
    }
  }
  if (!it->status().ok()) return it->status();
  if (!it->Valid()) return Status::Corruption("zset score index lacks a member");
  return std::optional<int64_t>(rank);
}

Status ZSetType::WalkRank(const std::string& prefix, const IndexBounds& b, uint64_t size,
                          const ZRangeSpec& spec, const Visitor& visit) const {
  int64_t len = static_cast<int64_t>(size);
  int64_t start = spec.start, end = spec.stop;
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (start > end || start >= len) return Status::OK();
  if (end >= len) end = len - 1;
  auto it = db_->NewElementIterator(ColumnFamily::kZSetScores, prefix);
  auto step = [&] { spec.rev ? it->Prev() : it->Next(); };
  SeekEnd(it.get(), prefix, b, spec.rev);
  for (int64_t i = 0; i < start && it->Valid(); i++) step();
  for (int64_t i = start; i <= end && it->Valid(); i++, step()) {
    IndexEntry e = SplitIndex(it->suffix());
    if (!visit(e.member, e.score)) break;
  }
  return it->status();
}

Status ZSetType::WalkScore(const std::string& prefix, const IndexBounds& b, const ZRangeSpec& spec,
                           const Visitor& visit) const {
  const ScoreRange& r = spec.score;
  if (r.Empty()) return Status::OK();
  auto it = db_->NewElementIterator(ColumnFamily::kZSetScores, prefix);
  if (spec.rev) {
    std::string target = BitsKey(prefix, SortableScoreBits(r.max) + (r.max_ex ? 0 : 1));
    if (b.known && target > prefix + b.high) {
      SeekEnd(it.get(), prefix, b, true);  // the range starts above every entry
    } else {
      it->Seek(target);
      if (it->Valid()) {
        it->Prev();
      } else {
        it->SeekToLast();
      }
    }
  } else {
    std::string target = BitsKey(prefix, SortableScoreBits(r.min) + (r.min_ex ? 1 : 0));
    if (b.known && target < prefix + b.low) target = prefix + b.low;
    it->Seek(target);
  }
  int64_t skip = spec.offset, left = spec.limit;
  for (; it->Valid() && left != 0; spec.rev ? it->Prev() : it->Next()) {
    IndexEntry e = SplitIndex(it->suffix());
    if (!r.Contains(e.score)) break;
    if (skip > 0) {
      skip--;
      continue;
    }
    if (!visit(e.member, e.score)) break;
    if (left > 0) left--;
  }
  return it->status();
}

// Lex ranges assume every member has the same score (as Redis's do); the seek uses the score
// of the first (or last) entry, so they are O(log n + M) like Redis's.
Status ZSetType::WalkLex(const std::string& prefix, const IndexBounds& b, const ZRangeSpec& spec,
                         const Visitor& visit) const {
  const LexRange& r = spec.lex;
  if (r.Empty()) return Status::OK();
  auto it = db_->NewElementIterator(ColumnFamily::kZSetScores, prefix);
  if (spec.rev) {
    SeekEnd(it.get(), prefix, b, true);
    if (r.max.kind == LexBound::Kind::kValue && it->Valid()) {
      std::string target(it->suffix().substr(0, kScoreSize));
      target.insert(0, prefix);
      target.append(r.max.value);
      it->Seek(target);
      if (!it->Valid()) {
        it->SeekToLast();
      } else if (r.max.exclusive || it->key() != target) {
        it->Prev();
      }
    }
  } else {
    SeekEnd(it.get(), prefix, b, false);
    if (r.min.kind == LexBound::Kind::kValue && it->Valid()) {
      std::string target(it->suffix().substr(0, kScoreSize));
      target.insert(0, prefix);
      target.append(r.min.value);
      it->Seek(target);
    }
  }
  int64_t skip = spec.offset, left = spec.limit;
  for (; it->Valid() && left != 0; spec.rev ? it->Prev() : it->Next()) {
    IndexEntry e = SplitIndex(it->suffix());
    if (spec.rev ? !r.AboveMin(e.member) : !r.BelowMax(e.member)) break;
    if (spec.rev ? !r.BelowMax(e.member) : !r.AboveMin(e.member)) continue;
    if (skip > 0) {
      skip--;
      continue;
    }
    if (!visit(e.member, e.score)) break;
    if (left > 0) left--;
  }
  return it->status();
}

Status ZSetType::Walk(std::string_view key, const Metadata& meta, const ZRangeSpec& spec,
                      const Visitor& visit) const {
  if (spec.offset < 0) return Status::OK();  // Redis answers an empty range
  std::string prefix = EncodeSubkeyPrefix(db_->ns(), key, meta.version);
  IndexBounds b = DecodeIndexBounds(meta.payload);
  switch (spec.by) {
    case ZRangeSpec::By::kRank:
      return WalkRank(prefix, b, meta.size, spec, visit);
    case ZRangeSpec::By::kScore:
      return WalkScore(prefix, b, spec, visit);
    case ZRangeSpec::By::kLex:
      return WalkLex(prefix, b, spec, visit);
  }
  return Status::OK();
}

Status ZSetType::Range(std::string_view key, const ZRangeSpec& spec, const Visitor& visit) const {
  auto rec = Load(key);
  if (!rec.ok()) return rec.status();
  if (!rec->has_value()) return Status::OK();
  return Walk(key, (*rec)->meta, spec, visit);
}

StatusOr<int64_t> ZSetType::Count(std::string_view key, const ZRangeSpec& spec) const {
  int64_t n = 0;
  Status s = Range(key, spec, [&](std::string_view, double) {
    n++;
    return true;
  });
  if (!s.ok()) return s;
  return n;
}

StatusOr<int64_t> ZSetType::RemoveRange(std::string_view key, const ZRangeSpec& spec) {
  db_->Lock(key);
  auto rec = Load(key);
  if (!rec.ok()) return rec.status();
  if (!rec->has_value()) return int64_t{0};
  const Metadata& meta = (*rec)->meta;
  std::vector<ZEntry> doomed;
  Status s = Walk(key, meta, spec, [&](std::string_view m, double score) {
    doomed.push_back({std::string(m), score});
    return true;
  });
  if (!s.ok()) return s;
  if (doomed.empty()) return int64_t{0};
  std::string prefix = EncodeSubkeyPrefix(db_->ns(), key, meta.version);
  uint64_t bytes = meta.bytes;
  IndexBounds bounds = DecodeIndexBounds(meta.payload);
  for (const ZEntry& e : doomed) {
    DeleteMember(prefix, e.member, e.score);
    bounds.Remove(IndexSuffix(e.score, e.member));
    bytes -= e.member.size() + kScoreSize;
  }
  s = Commit(key, meta, meta.size - doomed.size(), bytes, bounds);
  if (!s.ok()) return s;
  return static_cast<int64_t>(doomed.size());
}

Status ZSetType::ReadEnd(const std::string& prefix, IndexBounds* b, bool max, uint64_t take,
                         std::vector<std::string>* taken) const {
  std::vector<std::string>& list = max ? b->highest : b->lowest;
  auto it = db_->NewElementIterator(ColumnFamily::kZSetScores, prefix);
  SeekEnd(it.get(), prefix, *b, max);
  auto step = [&] { max ? it->Prev() : it->Next(); };
  for (; it->Valid() && taken->size() < take; step()) taken->emplace_back(it->suffix());
  if (!it->status().ok()) return it->status();
  // The first entry left is the new bound; it and those after it, the end list.
  list.clear();
  if (it->Valid() && b->known) (max ? b->high : b->low) = std::string(it->suffix());
  for (; it->Valid() && list.size() < IndexBounds::kEndEntries; step()) {
    if (it->suffix().size() > IndexBounds::kEndEntryMaxSize) break;
    list.emplace_back(it->suffix());
  }
  return it->status();
}

StatusOr<std::vector<ZEntry>> ZSetType::Pop(std::string_view key, int64_t count, bool max) {
  db_->Lock(key);
  auto rec = Load(key);
  if (!rec.ok()) return rec.status();
  std::vector<ZEntry> out;
  if (!rec->has_value() || count <= 0) return out;
  const Metadata& meta = (*rec)->meta;
  const uint64_t take = std::min<uint64_t>(static_cast<uint64_t>(count), meta.size);
  std::string prefix = EncodeSubkeyPrefix(db_->ns(), key, meta.version);
  IndexBounds bounds = DecodeIndexBounds(meta.payload);
  std::vector<std::string>& list = max ? bounds.highest : bounds.lowest;
  std::vector<std::string> taken;  // index suffixes, in pop order
  if (list.size() > take) {
    // The list keeps an entry: it becomes the exact bound, as a walk would have found it.
    taken.assign(list.begin(), list.begin() + static_cast<std::ptrdiff_t>(take));
    list.erase(list.begin(), list.begin() + static_cast<std::ptrdiff_t>(take));
    (max ? bounds.high : bounds.low) = list.front();
  } else {
    Status s = ReadEnd(prefix, &bounds, max, take, &taken);
    if (!s.ok()) return s;
  }
  if (taken.empty()) return out;
  out.reserve(taken.size());
  uint64_t bytes = meta.bytes;
  for (const std::string& suffix : taken) {
    IndexEntry e = SplitIndex(suffix);
    out.push_back({std::string(e.member), e.score});
    DeleteMember(prefix, e.member, e.score);
    bounds.Remove(suffix);  // from the other end's list, where a small set has it too
    bytes -= e.member.size() + kScoreSize;
  }
  Status s = Commit(key, meta, meta.size - out.size(), bytes, bounds);
  if (!s.ok()) return s;
  return out;
}

StatusOr<std::vector<ZEntry>> ZSetType::ReadAll(std::string_view key, bool allow_set) const {
  auto rec = db_->GetRecord(key);
  std::vector<ZEntry> out;
  if (rec.status().IsNotFound()) return out;
  if (!rec.ok()) return rec.status();
  const Metadata& meta = rec->meta;
  bool is_set = meta.type == DataType::kSet;
  if (meta.type != DataType::kZSet && !(allow_set && is_set)) return Status::WrongType();
  out.reserve(meta.size);
  std::string prefix = EncodeSubkeyPrefix(db_->ns(), key, meta.version);
  auto it =
      db_->NewElementIterator(is_set ? ColumnFamily::kSubkeys : ColumnFamily::kZSetScores, prefix);
  if (is_set) {
    it->SeekToFirst();
  } else {
    SeekEnd(it.get(), prefix, DecodeIndexBounds(meta.payload), false);
  }
  for (; it->Valid(); it->Next()) {
    if (is_set) {
      out.push_back({std::string(it->suffix()), 1.0});
    } else {
      IndexEntry e = SplitIndex(it->suffix());
      out.push_back({std::string(e.member), e.score});
    }
  }
  if (!it->status().ok()) return it->status();
  return out;
}

Status ZSetType::Scan(std::string_view key, std::string_view after, size_t count,
                      std::vector<ZEntry>* out, std::string* next) const {
  next->clear();
  auto rec = Load(key);
  if (!rec.ok()) return rec.status();
  if (!rec->has_value()) return Status::OK();
  std::string prefix = EncodeSubkeyPrefix(db_->ns(), key, (*rec)->meta.version);
  auto it = db_->NewElementIterator(ColumnFamily::kSubkeys, prefix);
  if (after.empty()) {
    it->SeekToFirst();
  } else {
    it->Seek(prefix + std::string(after));
    if (it->Valid() && it->suffix() == after) it->Next();
  }
  for (; it->Valid(); it->Next()) {
    if (out->size() == count) {
      *next = out->back().member;
      break;
    }
    auto score = DecodeScoreValue(it->value());
    if (!score) return Status::Corruption("bad zset score record");
    out->push_back({std::string(it->suffix()), *score});
  }
  return it->status();
}

StatusOr<int64_t> ZSetType::Store(std::string_view dst, const std::vector<ZEntry>& entries) {
  db_->Lock(dst);
  auto rec = db_->GetRecord(dst);
  if (!rec.ok() && !rec.status().IsNotFound()) return rec.status();
  if (entries.empty()) {
    if (rec.ok()) db_->DeleteRecord(dst);
    Status s = db_->Finish();
    if (!s.ok()) return s;
    return int64_t{0};
  }
  // A new version: whatever dst held is dropped by the compaction filter.
  Metadata meta;
  meta.version = db_->storage()->NewVersion();
  std::string prefix = EncodeSubkeyPrefix(db_->ns(), dst, meta.version);
  uint64_t bytes = 0;
  IndexBounds bounds;
  for (const ZEntry& e : entries) {
    PutMember(prefix, e.member, e.score);
    bounds.Widen(IndexSuffix(e.score, e.member), !bounds.known);
    bytes += e.member.size() + kScoreSize;
  }
  Status s = Commit(dst, meta, entries.size(), bytes, bounds);
  if (!s.ok()) return s;
  return static_cast<int64_t>(entries.size());
}

}  // namespace mnemo
