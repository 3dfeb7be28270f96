#include "types/set_type.h"

#include <algorithm>
#include <queue>
#include <unordered_map>
#include <unordered_set>

#include "common/string_util.h"
#include "types/set_sampling.h"

namespace mnemo {

namespace {
constexpr ColumnFamily kCf = ColumnFamily::kSubkeys;
}  // namespace

StatusOr<std::optional<KeyRecord>> SetType::Load(std::string_view key) const {
  auto rec = db_->GetRecordOfType(key, DataType::kSet);
  if (rec.status().IsNotFound()) return std::optional<KeyRecord>();
  if (!rec.ok()) return rec.status();
  return std::optional<KeyRecord>(std::move(rec.value()));
}

std::string SetType::Prefix(std::string_view key, uint64_t version) const {
  return EncodeSubkeyPrefix(db_->ns(), key, version);
}

std::string EncodeSetTail(uint64_t removed) {
  std::string out;
  if (removed > 0) PutFixed64BE(&out, removed);
  return out;
}

uint64_t DecodeSetTail(std::string_view tail) {
  return tail.size() == 8 ? DecodeFixed64BE(tail.data()) : 0;
}

void SetType::PutMeta(std::string_view key, int64_t expire_ms, uint64_t version, uint64_t size,
                      uint64_t bytes, uint64_t removed) {
  if (size == 0) {
    db_->DeleteRecord(key);
  } else {
    db_->PutRecord(key, EncodeCompositeMeta(DataType::kSet, expire_ms, version, size, bytes,
                                            EncodeSetTail(removed)));
  }
}

Status SetType::PutMetaAfterRemoval(std::string_view key, int64_t expire_ms, uint64_t version,
                                    uint64_t size, uint64_t bytes, uint64_t removed) {
  if (size > 0 && size <= kRepackMax && removed >= std::max(size, kRepackMinRemoved)) {
    return Repack(key, expire_ms, version, size, bytes);
  }
  PutMeta(key, expire_ms, version, size, bytes, removed);
  return Status::OK();
}

Status SetType::Repack(std::string_view key, int64_t expire_ms, uint64_t version, uint64_t size,
                       uint64_t bytes) {
  // Read first, then write: the iterator reads through the context's batch.
  std::vector<std::string> members;
  members.reserve(size);
  auto it = db_->NewElementIterator(kCf, Prefix(key, version));
  for (it->SeekToFirst(); it->Valid(); it->Next()) members.emplace_back(it->suffix());
  if (!it->status().ok()) return it->status();
  if (members.size() != size) return Status::Corruption("set members do not match their count");
  // The old version's records, live and deleted, are left to the compaction filter.
  uint64_t fresh = db_->storage()->NewVersion();
  std::string sub = Prefix(key, fresh);
  const size_t prefix_len = sub.size();
  for (const std::string& member : members) {
    sub.resize(prefix_len);
    sub.append(member);
    db_->Put(kCf, sub, {});
  }
  PutMeta(key, expire_ms, fresh, size, bytes, 0);
  return Status::OK();
}

StatusOr<bool> SetType::Contains(std::string_view key, const KeyRecord& rec,
                                 std::string_view member) const {
  std::string sub = Prefix(key, rec.meta.version);
  sub.append(member);
  std::string value;
  Status s = db_->GetElement(kCf, sub, &value);
  if (s.IsNotFound()) return false;
  if (!s.ok()) return s;
  return true;
}

StatusOr<int64_t> SetType::Add(std::string_view key, const std::vector<std::string_view>& members) {
  db_->Lock(key);
  auto rec = Load(key);
  if (!rec.ok()) return db_->Finish(rec.status());
  bool fresh = !rec->has_value();
  Metadata m;
  if (fresh) {
    m.version = db_->storage()->NewVersion();
  } else {
    m = (*rec)->meta;
  }
  std::string sub = Prefix(key, m.version);
  const size_t prefix_len = sub.size();
  std::unordered_set<std::string_view> seen;  // a fresh key has no stored members to read
  int64_t added = 0;
  for (std::string_view member : members) {
    sub.resize(prefix_len);
    sub.append(member);
    if (fresh) {
      if (!seen.insert(member).second) continue;
    } else {
      std::string value;
      Status s = db_->GetElement(kCf, sub, &value);
      if (s.ok()) continue;
      if (!s.IsNotFound()) return db_->Finish(s);
    }
    db_->Put(kCf, sub, {});
    added++;
    m.size++;
    m.bytes += member.size();
  }
  if (added > 0) {
    PutMeta(key, m.expire_ms, m.version, m.size, m.bytes, fresh ? 0 : DecodeSetTail(m.payload));
  }
  Status s = db_->Finish();
  if (!s.ok()) return s;
  return added;
}

StatusOr<int64_t> SetType::Remove(std::string_view key,
                                  const std::vector<std::string_view>& members) {
  db_->Lock(key);
  auto rec = Load(key);
  if (!rec.ok()) return db_->Finish(rec.status());
  if (!rec->has_value()) return int64_t{0};
  Metadata m = (*rec)->meta;
  std::string sub = Prefix(key, m.version);
  const size_t prefix_len = sub.size();
  int64_t removed = 0;
  for (std::string_view member : members) {
    sub.resize(prefix_len);
    sub.append(member);
    std::string value;
    Status s = db_->GetElement(kCf, sub, &value);  // sees this command's deletes too
    if (s.IsNotFound()) continue;
    if (!s.ok()) return db_->Finish(s);
    db_->Delete(kCf, sub);
    removed++;
    m.size--;
    m.bytes -= std::min<uint64_t>(m.bytes, member.size());
  }
  if (removed > 0) {
    Status s = PutMetaAfterRemoval(key, m.expire_ms, m.version, m.size, m.bytes,
                                   DecodeSetTail(m.payload) + static_cast<uint64_t>(removed));
    if (!s.ok()) return db_->Finish(s);
  }
  Status s = db_->Finish();
  if (!s.ok()) return s;
  return removed;
}

StatusOr<bool> SetType::IsMember(std::string_view key, std::string_view member) const {
  auto rec = Load(key);
  if (!rec.ok()) return rec.status();
  if (!rec->has_value()) return false;
  return Contains(key, **rec, member);
}

StatusOr<std::vector<bool>> SetType::AreMembers(
    std::string_view key, const std::vector<std::string_view>& members) const {
  auto rec = Load(key);
  if (!rec.ok()) return rec.status();
  std::vector<bool> out(members.size(), false);
  if (!rec->has_value()) return out;
  for (size_t i = 0; i < members.size(); i++) {
    auto has = Contains(key, **rec, members[i]);
    if (!has.ok()) return has.status();
    out[i] = *has;
  }
  return out;
}

StatusOr<int64_t> SetType::Card(std::string_view key) const {
  auto rec = Load(key);
  if (!rec.ok()) return rec.status();
  return rec->has_value() ? static_cast<int64_t>((*rec)->meta.size) : 0;
}

Status SetType::Members(std::string_view key, const MemberSink& sink) const {
  auto rec = Load(key);
  if (!rec.ok()) return rec.status();
  if (!rec->has_value()) return Status::OK();
  auto it = db_->NewElementIterator(kCf, Prefix(key, (*rec)->meta.version));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (!sink(it->suffix())) break;
  }
  return it->status();
}

Status SetType::ReadAll(std::string_view key, const KeyRecord& rec,
                        std::vector<std::string>* out) const {
  out->reserve(rec.meta.size);
  auto it = db_->NewElementIterator(kCf, Prefix(key, rec.meta.version));
  for (it->SeekToFirst(); it->Valid(); it->Next()) out->emplace_back(it->suffix());
  return it->status();
}

namespace {

// Positions `it` on the member at or after a random target between first and last, wrapping to
// the first member past the end. False when the set turned out empty (or on an error).
bool SeekRandom(Iterator* it, std::string_view prefix, std::string_view first,
                std::string_view last, SampleRng& rng) {
  std::string target(prefix);
  target.append(SeekTarget(first, last, rng));
  it->Seek(target);
  if (!it->Valid() && it->status().ok()) it->SeekToFirst();
  return it->Valid();
}

// What random picks of a large set are made from: its least and greatest members (SeekTarget)
// and the probe space of the members at its two ends.
struct SampleBounds {
  std::string first, last;
  ProbeSpace probe;
};

// The sample bounds of the set under the iterator's prefix; false when it has no members.
// Reading them costs two seeks and a few steps, as much as a pick itself on a large set, so
// each thread remembers those of the sets it sampled lately (by element prefix, which names the
// version) for kBoundsReuse picks. Stale bounds only skew the picks (members added beyond them
// are reached less often until the next refresh); every pick is still a member read under the
// caller's lock or snapshot.
bool Bounds(const std::function<Iterator*()>& iter, std::string_view prefix, SampleBounds* out) {
  constexpr uint32_t kBoundsReuse = 64;
  constexpr size_t kBoundsCached = 64;
  // Members read at each end for the probe space: enough for the last positions of
  // consecutive ids to show every byte they take.
  constexpr size_t kProbeSample = 16;
  struct Cached {
    SampleBounds bounds;
    uint32_t uses = 0;
  };
  thread_local std::unordered_map<std::string, Cached> cache;
  auto found = cache.find(std::string(prefix));
  if (found != cache.end() && found->second.uses < kBoundsReuse) {
    found->second.uses++;
    *out = found->second.bounds;
    return true;
  }
  Iterator* it = iter();
  std::vector<std::string> ends;
  for (it->SeekToFirst(); it->Valid() && ends.size() < kProbeSample; it->Next()) {
    ends.emplace_back(it->suffix());
  }
  if (ends.empty()) return false;
  out->first = ends.front();
  size_t low_end = ends.size();
  for (it->SeekToLast(); it->Valid() && ends.size() < low_end + kProbeSample; it->Prev()) {
    ends.emplace_back(it->suffix());
  }
  if (ends.size() == low_end) return false;
  out->last = ends[low_end];
  out->probe = ProbeSpace::Learn(ends);
  if (found == cache.end() && cache.size() >= kBoundsCached) cache.clear();
  cache[std::string(prefix)] = Cached{*out, 1};
  return true;
}

}  // namespace

StatusOr<bool> SetType::Probe(std::string_view prefix, const ProbeSpace& space,
                              const std::unordered_set<std::string>* chosen, SampleRng& rng,
                              std::string* member) const {
  constexpr int kProbeTries = 8;
  std::string sub(prefix), value;
  for (int i = 0; i < kProbeTries; i++) {
    std::string target = space.Draw(rng);
    if (chosen != nullptr && chosen->count(target) > 0) continue;
    sub.resize(prefix.size());
    sub.append(target);
    Status s = db_->GetElement(kCf, sub, &value);
    if (s.IsNotFound()) continue;
    if (!s.ok()) return s;
    *member = std::move(target);
    return true;
  }
  return false;
}

bool SetType::Probing(uint64_t size, const ProbeSpace& space) {
  double n = space.Size();
  return n > 0 && static_cast<double>(size) >= n * kProbeMinDensity;
}

Status SetType::PickDistinct(std::string_view key, const KeyRecord& rec, uint64_t k,
                             std::vector<std::string>* out) const {
  const uint64_t n = rec.meta.size;
  std::string prefix = Prefix(key, rec.meta.version);
  // Made when first needed: probes that hit need none.
  std::unique_ptr<Iterator> it;
  auto iter = [&] {
    if (!it) it = db_->NewElementIterator(kCf, prefix);
    return it.get();
  };
  SampleRng& rng = ThreadSampleRng();
  out->reserve(k);
  if (n <= kExactSampleMax || k >= n / 4) {
    std::vector<uint64_t> picks = DistinctIndices(n, k, rng);
    uint64_t pos = 0;
    size_t next = 0;
    for (iter()->SeekToFirst(); it->Valid() && next < picks.size(); it->Next(), pos++) {
      if (pos == picks[next]) {
        out->emplace_back(it->suffix());
        next++;
      }
    }
    std::shuffle(out->begin(), out->end(), rng);
    return it->status();
  }
  SampleBounds b;
  if (!Bounds(iter, prefix, &b)) return iter()->status();
  const bool probing = Probing(n, b.probe);
  std::unordered_set<std::string> chosen;
  while (out->size() < k) {
    if (probing) {
      std::string member;
      auto hit = Probe(prefix, b.probe, &chosen, rng, &member);
      if (!hit.ok()) return hit.status();
      if (*hit) {
        out->push_back(member);
        chosen.insert(std::move(member));
        continue;
      }
    }
    if (!SeekRandom(iter(), prefix, b.first, b.last, rng)) return it->status();
    // The first member from there not chosen yet; at most k are chosen, fewer than n / 4.
    for (uint64_t steps = 0; steps <= n; steps++) {
      if (!it->Valid()) {
        if (!it->status().ok()) return it->status();
        it->SeekToFirst();
        continue;
      }
      if (chosen.emplace(it->suffix()).second) {
        out->emplace_back(it->suffix());
        break;
      }
      it->Next();
    }
    if (!it->status().ok()) return it->status();
  }
  return Status::OK();
}

StatusOr<std::vector<std::string>> SetType::Pop(std::string_view key, uint64_t count) {
  db_->Lock(key);
  auto rec = Load(key);
  if (!rec.ok()) return db_->Finish(rec.status());
  std::vector<std::string> out;
  if (!rec->has_value() || count == 0) return out;
  const Metadata& m = (*rec)->meta;
  if (count >= m.size) {
    // Everything goes: the members are left to the compaction filter, as for DEL.
    Status s = ReadAll(key, **rec, &out);
    if (!s.ok()) return db_->Finish(s);
    db_->DeleteRecord(key);
  } else {
    Status s = PickDistinct(key, **rec, count, &out);
    if (!s.ok()) return db_->Finish(s);
    std::string sub = Prefix(key, m.version);
    const size_t prefix_len = sub.size();
    uint64_t bytes = m.bytes;
    for (const std::string& member : out) {
      sub.resize(prefix_len);
      sub.append(member);
      db_->Delete(kCf, sub);
      bytes -= std::min<uint64_t>(bytes, member.size());
    }
    s = PutMetaAfterRemoval(key, m.expire_ms, m.version,
                            m.size - std::min<uint64_t>(m.size, out.size()), bytes,
                            DecodeSetTail(m.payload) + out.size());
    if (!s.ok()) return db_->Finish(s);
  }
  Status s = db_->Finish();
  if (!s.ok()) return s;
  return out;
}

Status SetType::RandMembers(std::string_view key, int64_t count, const MemberSink& sink) const {
  auto rec = Load(key);
  if (!rec.ok()) return rec.status();
  if (!rec->has_value() || count == 0) return Status::OK();
  const KeyRecord& r = **rec;
  const uint64_t n = r.meta.size;
  std::vector<std::string> members;
  if (count > 0) {
    uint64_t k = static_cast<uint64_t>(count);
    Status s = k >= n ? ReadAll(key, r, &members) : PickDistinct(key, r, k, &members);
    if (!s.ok()) return s;
    for (const std::string& m : members) {
      if (!sink(m)) break;
    }
    return Status::OK();
  }
  // Draws with repetition: from the members read once when that is cheaper than seeking.
  const uint64_t draws = static_cast<uint64_t>(-count);
  SampleRng& rng = ThreadSampleRng();
  if (n <= kExactSampleMax || draws >= n) {
    Status s = ReadAll(key, r, &members);
    if (!s.ok() || members.empty()) return s;
    std::uniform_int_distribution<size_t> pick(0, members.size() - 1);
    for (uint64_t i = 0; i < draws; i++) {
      if (!sink(members[pick(rng)])) break;
    }
    return Status::OK();
  }
  std::string prefix = Prefix(key, r.meta.version);
  std::unique_ptr<Iterator> it;
  auto iter = [&] {
    if (!it) it = db_->NewElementIterator(kCf, prefix);
    return it.get();
  };
  SampleBounds b;
  if (!Bounds(iter, prefix, &b)) return iter()->status();
  const bool probing = Probing(n, b.probe);
  for (uint64_t i = 0; i < draws; i++) {
    if (probing) {
      std::string member;
      auto hit = Probe(prefix, b.probe, nullptr, rng, &member);
      if (!hit.ok()) return hit.status();
      if (*hit) {
        if (!sink(member)) break;
        continue;
      }
    }
    if (!SeekRandom(iter(), prefix, b.first, b.last, rng)) return it->status();
    if (!sink(it->suffix())) break;
  }
  return it ? it->status() : Status::OK();
}

StatusOr<bool> SetType::Move(std::string_view src, std::string_view dst, std::string_view member) {
  db_->Lock(std::vector<std::string_view>{src, dst});
  auto from = Load(src);
  if (!from.ok()) return db_->Finish(from.status());
  if (!from->has_value()) return false;
  auto to = Load(dst);
  if (!to.ok()) return db_->Finish(to.status());
  auto has = Contains(src, **from, member);
  if (!has.ok()) return db_->Finish(has.status());
  if (!*has || src == dst) return *has;
  Metadata f = (*from)->meta;
  std::string sub = Prefix(src, f.version);
  sub.append(member);
  db_->Delete(kCf, sub);
  Status removed =
      PutMetaAfterRemoval(src, f.expire_ms, f.version, f.size - 1,
                          f.bytes - std::min(f.bytes, member.size()), DecodeSetTail(f.payload) + 1);
  if (!removed.ok()) return db_->Finish(removed);
  Metadata t;
  bool add = true;
  if (to->has_value()) {
    t = (*to)->meta;
    auto there = Contains(dst, **to, member);
    if (!there.ok()) return db_->Finish(there.status());
    add = !*there;
  } else {
    t.version = db_->storage()->NewVersion();
  }
  if (add) {
    sub = Prefix(dst, t.version);
    sub.append(member);
    db_->Put(kCf, sub, {});
    PutMeta(dst, t.expire_ms, t.version, t.size + 1, t.bytes + member.size(),
            to->has_value() ? DecodeSetTail(t.payload) : 0);
  }
  Status s = db_->Finish();
  if (!s.ok()) return s;
  return true;
}

StatusOr<std::vector<std::optional<KeyRecord>>> SetType::LoadAll(
    const std::vector<std::string_view>& keys) const {
  std::vector<std::optional<KeyRecord>> recs;
  recs.reserve(keys.size());
  for (std::string_view key : keys) {
    auto rec = Load(key);
    if (!rec.ok()) return rec.status();
    recs.push_back(std::move(*rec));
  }
  return recs;
}

Status SetType::CombineLoaded(SetOp op, const std::vector<std::string_view>& keys,
                              const std::vector<std::optional<KeyRecord>>& recs,
                              const MemberSink& sink) const {
  if (op == SetOp::kUnion) {
    // A k-way merge of the sets' ordered members: each member once, in byte order.
    std::vector<std::unique_ptr<Iterator>> its;
    using Head = std::pair<std::string, size_t>;
    std::priority_queue<Head, std::vector<Head>, std::greater<Head>> heads;
    for (size_t i = 0; i < keys.size(); i++) {
      if (!recs[i]) continue;
      its.push_back(db_->NewElementIterator(kCf, Prefix(keys[i], recs[i]->meta.version)));
      its.back()->SeekToFirst();
      if (its.back()->Valid()) heads.emplace(std::string(its.back()->suffix()), its.size() - 1);
      if (!its.back()->status().ok()) return its.back()->status();
    }
    std::string previous;
    bool any = false;
    while (!heads.empty()) {
      Head h = heads.top();
      heads.pop();
      Iterator* it = its[h.second].get();
      it->Next();
      if (it->Valid()) heads.emplace(std::string(it->suffix()), h.second);
      if (!it->status().ok()) return it->status();
      if (any && h.first == previous) continue;
      if (!sink(h.first)) return Status::OK();
      previous = std::move(h.first);
      any = true;
    }
    return Status::OK();
  }
  // Intersection: walk the smallest set; difference: the first. Point reads for the others.
  size_t base = 0;
  if (op == SetOp::kInter) {
    for (size_t i = 0; i < recs.size(); i++) {
      if (!recs[i]) return Status::OK();  // an empty set in an intersection
      if (recs[i]->meta.size < recs[base]->meta.size) base = i;
    }
  }
  if (!recs[base]) return Status::OK();
  std::vector<size_t> others;
  for (size_t i = 0; i < recs.size(); i++) {
    if (i == base || !recs[i]) continue;
    if (keys[i] == keys[base]) {
      if (op == SetOp::kDiff) return Status::OK();  // a set minus itself
      continue;
    }
    others.push_back(i);
  }
  auto it = db_->NewElementIterator(kCf, Prefix(keys[base], recs[base]->meta.version));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string_view member = it->suffix();
    bool keep = true;
    for (size_t i : others) {
      auto has = Contains(keys[i], *recs[i], member);
      if (!has.ok()) return has.status();
      if (*has != (op == SetOp::kInter)) {
        keep = false;
        break;
      }
    }
    if (keep && !sink(member)) break;
  }
  return it->status();
}

Status SetType::Combine(SetOp op, const std::vector<std::string_view>& keys,
                        const MemberSink& sink) const {
  auto recs = LoadAll(keys);
  if (!recs.ok()) return recs.status();
  return CombineLoaded(op, keys, *recs, sink);
}

StatusOr<int64_t> SetType::InterCard(const std::vector<std::string_view>& keys,
                                     uint64_t limit) const {
  uint64_t n = 0;
  Status s = Combine(SetOp::kInter, keys, [&](std::string_view) {
    n++;
    return limit == 0 || n < limit;
  });
  if (!s.ok()) return s;
  return static_cast<int64_t>(n);
}

StatusOr<int64_t> SetType::Store(SetOp op, std::string_view dst,
                                 const std::vector<std::string_view>& keys) {
  std::vector<std::string_view> locked = keys;
  locked.push_back(dst);
  db_->Lock(locked);
  auto recs = LoadAll(keys);
  if (!recs.ok()) return db_->Finish(recs.status());
  // The result is collected before anything is written (dst may be one of the sources).
  std::vector<std::string> result;
  uint64_t bytes = 0;
  Status s = CombineLoaded(op, keys, *recs, [&](std::string_view m) {
    result.emplace_back(m);
    bytes += m.size();
    return true;
  });
  if (!s.ok()) return db_->Finish(s);
  auto old = db_->GetRecord(dst);
  if (!old.ok() && !old.status().IsNotFound()) return db_->Finish(old.status());
  if (result.empty()) {
    if (old.ok()) db_->DeleteRecord(dst);
  } else {
    uint64_t version = db_->storage()->NewVersion();
    std::string sub = Prefix(dst, version);
    const size_t prefix_len = sub.size();
    for (const std::string& m : result) {
      sub.resize(prefix_len);
      sub.append(m);
      db_->Put(kCf, sub, {});
    }
    db_->PutRecord(dst, EncodeCompositeMeta(DataType::kSet, 0, version, result.size(), bytes));
  }
  s = db_->Finish();
  if (!s.ok()) return s;
  return static_cast<int64_t>(result.size());
}

StatusOr<SetType::ScanResult> SetType::Scan(std::string_view key, const std::string* after,
                                            std::string_view pattern, size_t count) const {
  ScanResult r;
  auto rec = Load(key);
  if (!rec.ok()) return rec.status();
  if (!rec->has_value()) return r;
  std::string prefix = Prefix(key, (*rec)->meta.version);
  auto it = db_->NewElementIterator(kCf, prefix);
  if (after == nullptr) {
    it->SeekToFirst();
  } else {
    it->Seek(prefix + *after);
    if (it->Valid() && it->suffix() == *after) it->Next();
  }
  bool all = pattern.empty() || pattern == "*";
  size_t examined = 0;
  for (; it->Valid(); it->Next()) {
    if (examined == count) {
      r.more = true;
      break;
    }
    examined++;
    r.last.assign(it->suffix());
    if (all || GlobMatch(pattern, r.last)) r.members.push_back(r.last);
  }
  if (!it->status().ok()) return it->status();
  return r;
}

}  // namespace mnemo
