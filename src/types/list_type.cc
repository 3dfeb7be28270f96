#include "types/list_type.h"

#include <algorithm>

namespace mnemo {

std::string EncodeListTail(const ListWindow& w) {
  std::string out;
  PutFixed64BE(&out, w.head);
  PutFixed64BE(&out, w.tail);
  return out;
}

bool DecodeListTail(std::string_view tail, ListWindow* w) {
  if (tail.size() != 16) return false;
  w->head = DecodeFixed64BE(tail.data());
  w->tail = DecodeFixed64BE(tail.data() + 8);
  return w->head <= w->tail;
}

std::string ListElementKey(std::string_view prefix, uint64_t position) {
  std::string k;
  k.reserve(prefix.size() + 8);
  k.append(prefix);
  PutFixed64BE(&k, position);
  return k;
}

bool ClampListRange(int64_t len, int64_t start, int64_t stop, int64_t* first, int64_t* last) {
  if (start < 0) start = len + start;  // len >= 0: no overflow
  if (stop < 0) stop = len + stop;
  if (start < 0) start = 0;
  if (start > stop || start >= len) return false;
  if (stop >= len) stop = len - 1;
  *first = start;
  *last = stop;
  return true;
}

StatusOr<ListType::State> ListType::Load(std::string_view key) const {
  auto rec = db_->GetRecordOfType(key, DataType::kList);
  if (!rec.ok()) return rec.status();
  State st;
  st.exists = true;
  st.expire_ms = rec->meta.expire_ms;
  st.version = rec->meta.version;
  st.size = rec->meta.size;
  st.bytes = rec->meta.bytes;
  if (!DecodeListTail(rec->meta.payload, &st.window) ||
      st.window.tail - st.window.head != st.size) {
    return Status::Corruption("list metadata of '" + std::string(key) + "'");
  }
  st.prefix = EncodeSubkeyPrefix(db_->ns(), key, st.version);
  return st;
}

ListType::State ListType::Fresh(std::string_view key) const {
  State st;
  st.version = db_->storage()->NewVersion();
  st.prefix = EncodeSubkeyPrefix(db_->ns(), key, st.version);
  return st;
}

void ListType::Save(std::string_view key, const State& st) {
  if (st.size == 0) {
    if (st.exists) db_->DeleteRecord(key);
    return;
  }
  db_->PutRecord(key, EncodeCompositeMeta(DataType::kList, st.expire_ms, st.version, st.size,
                                          st.bytes, EncodeListTail(st.window)));
}

void ListType::PushOne(State* st, std::string_view element, End end) {
  uint64_t pos = end == End::kLeft ? --st->window.head : st->window.tail++;
  db_->Put(ColumnFamily::kSubkeys, ListElementKey(st->prefix, pos), element);
  st->size++;
  st->bytes += element.size();
}

// Forward scans seek once and stop at the last position asked for; reverse scans read each
// position. Neither steps over the delete markers RocksDB keeps for popped elements beyond the
// window until compaction, which an iterator would walk through one by one (a list used as a
// queue has as many of them as it had pops).
Status ListType::Scan(const State& st, int64_t first, int64_t last, bool reverse,
                      const std::function<bool(uint64_t, std::string_view)>& fn) const {
  uint64_t lo = st.window.head + static_cast<uint64_t>(first);
  uint64_t hi = st.window.head + static_cast<uint64_t>(last);
  if (reverse) {
    std::string v;
    for (uint64_t pos = hi + 1; pos-- > lo;) {
      Status s = db_->GetElement(ColumnFamily::kSubkeys, ListElementKey(st.prefix, pos), &v);
      if (s.IsNotFound()) continue;  // a concurrent write moved it (reads hold no lock)
      if (!s.ok()) return s;
      if (!fn(pos, v)) break;
    }
    return Status::OK();
  }
  auto it = db_->NewElementIterator(ColumnFamily::kSubkeys, st.prefix);
  for (it->Seek(ListElementKey(st.prefix, lo)); it->Valid(); it->Next()) {
    if (it->suffix().size() != 8) continue;
    uint64_t pos = DecodeFixed64BE(it->suffix().data());
    if (pos > hi || !fn(pos, it->value()) || pos == hi) break;
  }
  return it->status();
}

StatusOr<int64_t> ListType::Push(std::string_view key,
                                 const std::vector<std::string_view>& elements, End end,
                                 bool only_existing) {
  db_->Lock(key);
  auto st = Load(key);
  if (st.status().IsNotFound()) {
    if (only_existing) return int64_t{0};
    st = Fresh(key);
  } else if (!st.ok()) {
    return st.status();
  }
  for (auto e : elements) PushOne(&*st, e, end);
  Save(key, *st);
  Status s = db_->Finish();
  if (!s.ok()) return s;
  return static_cast<int64_t>(st->size);
}

StatusOr<int64_t> ListType::PopFrom(State* st, End end, int64_t count, const Visit& visit) {
  int64_t n = std::min<int64_t>(count, static_cast<int64_t>(st->size));
  if (n <= 0) return int64_t{0};
  int64_t first = end == End::kLeft ? 0 : static_cast<int64_t>(st->size) - n;
  int64_t last = first + n - 1;
  uint64_t removed_bytes = 0;
  int64_t seen = 0;
  bool stopped = false;
  Status s;
  if (n == 1) {  // LPOP/RPOP/LMOVE: one point read, cheaper than an iterator
    std::string v;
    s = db_->GetElement(ColumnFamily::kSubkeys, ListElementKey(st->prefix, st->window.head + first),
                        &v);
    if (s.IsNotFound()) return Status::Corruption("list elements missing");
    if (!s.ok()) return s;
    removed_bytes = v.size();
    seen = 1;
    stopped = !visit(v);
  } else {
    s = Scan(*st, first, last, end == End::kRight, [&](uint64_t, std::string_view v) {
      removed_bytes += v.size();
      seen++;
      if (!visit(v)) stopped = true;
      return !stopped;
    });
    if (!s.ok()) return s;
  }
  if (stopped) return Stopped();
  if (seen != n) return Status::Corruption("list elements missing");
  for (int64_t i = first; i <= last; i++) {
    db_->Delete(ColumnFamily::kSubkeys, ListElementKey(st->prefix, st->window.head + i));
  }
  if (end == End::kLeft) {
    st->window.head += n;
  } else {
    st->window.tail -= n;
  }
  st->size -= n;
  st->bytes -= removed_bytes;
  return n;
}

StatusOr<int64_t> ListType::Pop(std::string_view key, End end, int64_t count, const Visit& visit) {
  db_->Lock(key);
  auto st = Load(key);
  if (!st.ok()) return st.status();
  auto n = PopFrom(&*st, end, count, visit);
  if (!n.ok()) return n.status();
  if (*n > 0) Save(key, *st);
  Status s = db_->Finish();
  if (!s.ok()) return s;
  return *n;
}

StatusOr<int64_t> ListType::PopFirst(const std::vector<std::string_view>& keys, End end,
                                     int64_t count, size_t* popped_key, const Visit& visit) {
  db_->Lock(keys);
  for (size_t i = 0; i < keys.size(); i++) {
    auto st = Load(keys[i]);
    if (st.status().IsNotFound()) continue;
    if (!st.ok()) return st.status();
    *popped_key = i;
    auto n = PopFrom(&*st, end, count, visit);
    if (!n.ok()) return n.status();
    if (*n > 0) Save(keys[i], *st);
    Status s = db_->Finish();
    if (!s.ok()) return s;
    return *n;
  }
  return Status::NotFound();
}

StatusOr<int64_t> ListType::Len(std::string_view key) const {
  auto rec = db_->GetRecordOfType(key, DataType::kList);
  if (rec.status().IsNotFound()) return int64_t{0};
  if (!rec.ok()) return rec.status();
  return static_cast<int64_t>(rec->meta.size);
}

Status ListType::Range(std::string_view key, int64_t start, int64_t stop,
                       const Visit& visit) const {
  auto st = Load(key);
  if (st.status().IsNotFound()) return Status::OK();
  if (!st.ok()) return st.status();
  int64_t first, last;
  if (!ClampListRange(static_cast<int64_t>(st->size), start, stop, &first, &last)) {
    return Status::OK();
  }
  bool stopped = false;
  Status s = Scan(*st, first, last, false, [&](uint64_t, std::string_view v) {
    stopped = !visit(v);
    return !stopped;
  });
  if (!s.ok()) return s;
  return stopped ? Stopped() : Status::OK();
}

Status ListType::Index(std::string_view key, int64_t index, std::string* value) const {
  auto st = Load(key);
  if (!st.ok()) return st.status();
  int64_t n = static_cast<int64_t>(st->size);
  if (index < 0) index += n;
  if (index < 0 || index >= n) return Status::NotFound();
  return db_->GetElement(ColumnFamily::kSubkeys,
                         ListElementKey(st->prefix, st->window.head + index), value);
}

Status ListType::Set(std::string_view key, int64_t index, std::string_view element) {
  db_->Lock(key);
  auto st = Load(key);
  if (!st.ok()) return st.status();
  int64_t n = static_cast<int64_t>(st->size);
  if (index < 0) index += n;
  if (index < 0 || index >= n) return Status::InvalidArgument("index out of range");
  std::string at = ListElementKey(st->prefix, st->window.head + index), old;
  Status s = db_->GetElement(ColumnFamily::kSubkeys, at, &old);
  if (!s.ok()) return s.IsNotFound() ? Status::Corruption("list element missing") : s;
  db_->Put(ColumnFamily::kSubkeys, at, element);
  st->bytes = st->bytes - old.size() + element.size();
  Save(key, *st);
  return db_->Finish();
}

StatusOr<int64_t> ListType::Insert(std::string_view key, bool before, std::string_view pivot,
                                   std::string_view element) {
  db_->Lock(key);
  auto st = Load(key);
  if (st.status().IsNotFound()) return int64_t{0};
  if (!st.ok()) return st.status();
  int64_t n = static_cast<int64_t>(st->size);
  // Reads the elements up to the pivot; those after it only when that side is the one to move.
  std::vector<std::string> seen;
  int64_t pivot_at = -1;
  Status s = Scan(*st, 0, n - 1, false, [&](uint64_t, std::string_view v) {
    seen.emplace_back(v);
    if (v == pivot) pivot_at = static_cast<int64_t>(seen.size()) - 1;
    return pivot_at < 0;
  });
  if (!s.ok()) return s;
  if (pivot_at < 0) return int64_t{-1};
  int64_t slot = before ? pivot_at : pivot_at + 1;  // the new element's relative position
  uint64_t head = st->window.head;
  if (slot <= n - slot) {  // move [0, slot) one position toward the head
    for (int64_t i = 0; i < slot; i++) {
      db_->Put(ColumnFamily::kSubkeys, ListElementKey(st->prefix, head + i - 1), seen[i]);
    }
    db_->Put(ColumnFamily::kSubkeys, ListElementKey(st->prefix, head + slot - 1), element);
    st->window.head--;
  } else {  // move [slot, n) one position toward the tail, from the end
    std::vector<std::string> rest;
    s = Scan(*st, slot, n - 1, false, [&](uint64_t, std::string_view v) {
      rest.emplace_back(v);
      return true;
    });
    if (!s.ok()) return s;
    for (size_t i = rest.size(); i-- > 0;) {
      db_->Put(ColumnFamily::kSubkeys, ListElementKey(st->prefix, head + slot + i + 1), rest[i]);
    }
    db_->Put(ColumnFamily::kSubkeys, ListElementKey(st->prefix, head + slot), element);
    st->window.tail++;
  }
  st->size++;
  st->bytes += element.size();
  Save(key, *st);
  s = db_->Finish();
  if (!s.ok()) return s;
  return static_cast<int64_t>(st->size);
}

StatusOr<int64_t> ListType::Remove(std::string_view key, int64_t count, std::string_view element) {
  db_->Lock(key);
  auto st = Load(key);
  if (st.status().IsNotFound()) return int64_t{0};
  if (!st.ok()) return st.status();
  bool from_tail = count < 0;
  // -INT64_MIN does not exist; as many as that is all of them anyway.
  uint64_t limit =
      count == 0 ? UINT64_MAX
                 : (from_tail ? 0 - static_cast<uint64_t>(count) : static_cast<uint64_t>(count));
  // The elements in scan order (from the end LREM starts at), with the matches removed.
  std::vector<std::string> kept;
  uint64_t removed = 0;
  int64_t first_gap = -1;  // scan index of the first removed element
  int64_t n = static_cast<int64_t>(st->size), index = 0;
  Status s = Scan(*st, 0, n - 1, from_tail, [&](uint64_t, std::string_view v) {
    int64_t i = index++;
    if (removed < limit && v == element) {
      if (first_gap < 0) first_gap = i;
      removed++;
    } else if (first_gap >= 0) {
      kept.emplace_back(v);  // only what follows the first gap moves
    }
    return true;
  });
  if (!s.ok()) return s;
  if (removed == 0) return int64_t{0};
  st->size -= removed;
  st->bytes -= removed * element.size();
  if (st->size > 0) {
    // Scan index i is position head + i from the head, or tail - 1 - i from the tail.
    auto pos = [&](int64_t i) {
      return from_tail ? st->window.tail - 1 - i : st->window.head + static_cast<uint64_t>(i);
    };
    for (size_t j = 0; j < kept.size(); j++) {
      db_->Put(ColumnFamily::kSubkeys, ListElementKey(st->prefix, pos(first_gap + j)), kept[j]);
    }
    for (int64_t i = first_gap + static_cast<int64_t>(kept.size()); i < n; i++) {
      db_->Delete(ColumnFamily::kSubkeys, ListElementKey(st->prefix, pos(i)));
    }
    if (from_tail) {
      st->window.head += removed;
    } else {
      st->window.tail -= removed;
    }
  }
  Save(key, *st);
  s = db_->Finish();
  if (!s.ok()) return s;
  return static_cast<int64_t>(removed);
}

Status ListType::Trim(std::string_view key, int64_t start, int64_t stop) {
  db_->Lock(key);
  auto st = Load(key);
  if (st.status().IsNotFound()) return Status::OK();
  if (!st.ok()) return st.status();
  int64_t n = static_cast<int64_t>(st->size), first, last;
  if (!ClampListRange(n, start, stop, &first, &last)) {
    st->size = 0;  // everything goes, with the version
    Save(key, *st);
    return db_->Finish();
  }
  if (first == 0 && last == n - 1) return db_->Finish();
  uint64_t removed_bytes = 0;
  // Deletes are collected first: the scan reads through the context's batch.
  std::vector<uint64_t> doomed;
  auto note = [&](uint64_t pos, std::string_view v) {
    removed_bytes += v.size();
    doomed.push_back(pos);
    return true;
  };
  Status s;
  if (first > 0) s = Scan(*st, 0, first - 1, false, note);
  if (s.ok() && last < n - 1) s = Scan(*st, last + 1, n - 1, false, note);
  if (!s.ok()) return s;
  for (uint64_t pos : doomed) db_->Delete(ColumnFamily::kSubkeys, ListElementKey(st->prefix, pos));
  st->window.tail = st->window.head + last + 1;
  st->window.head += first;
  st->size = static_cast<uint64_t>(last - first + 1);
  st->bytes -= removed_bytes;
  Save(key, *st);
  return db_->Finish();
}

StatusOr<std::vector<int64_t>> ListType::Positions(std::string_view key, std::string_view element,
                                                   int64_t rank, int64_t count,
                                                   int64_t maxlen) const {
  std::vector<int64_t> out;
  auto st = Load(key);
  if (st.status().IsNotFound()) return out;
  if (!st.ok()) return st.status();
  bool reverse = rank < 0;
  uint64_t skip = reverse ? 0 - static_cast<uint64_t>(rank) - 1 : static_cast<uint64_t>(rank) - 1;
  int64_t n = static_cast<int64_t>(st->size);
  int64_t look = maxlen == 0 ? n : std::min(maxlen, n);
  if (look == 0) return out;
  int64_t first = reverse ? n - look : 0, last = reverse ? n - 1 : look - 1;
  uint64_t head = st->window.head;
  Status s = Scan(*st, first, last, reverse, [&](uint64_t pos, std::string_view v) {
    if (v != element) return true;
    if (skip > 0) {
      skip--;
      return true;
    }
    out.push_back(static_cast<int64_t>(pos - head));
    return count == 0 || static_cast<int64_t>(out.size()) < count;
  });
  if (!s.ok()) return s;
  return out;
}

StatusOr<bool> ListType::Move(std::string_view src, std::string_view dst, End from, End to,
                              std::string* element) {
  db_->Lock(std::vector<std::string_view>{src, dst});
  auto source = Load(src);
  if (source.status().IsNotFound()) return false;
  if (!source.ok()) return source.status();
  bool same = src == dst;
  StatusOr<State> target = State{};
  if (!same) {
    target = Load(dst);
    if (target.status().IsNotFound()) {
      target = Fresh(dst);
    } else if (!target.ok()) {
      return target.status();
    }
  }
  auto n = PopFrom(&*source, from, 1, [&](std::string_view v) {
    element->assign(v);
    return true;
  });
  if (!n.ok()) return n.status();
  State* into = same ? &*source : &*target;
  PushOne(into, *element, to);
  Save(src, *source);
  if (!same) Save(dst, *target);
  Status s = db_->Finish();
  if (!s.ok()) return s;
  return true;
}

}  // namespace mnemo
