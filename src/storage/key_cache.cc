#include "storage/key_cache.h"

#include <malloc.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <new>

#include "storage/lfu_counter.h"

namespace mnemo {

struct KeyCache::Entry {
  uint32_t key_len;  // the kind's byte and the key's
  uint32_t value_len;
  uint32_t value_cap;
  bool referenced : 1;  // CLOCK bit: set by use, cleared by the passing hand
  bool writing : 1;     // a begun write of the key (BeginWrites): not served until applied
  LfuCounter lfu;       // access frequency (OBJECT FREQ); fits the header's padding

  // The key's bytes follow the header, after one byte for its kind.
  char* key() { return reinterpret_cast<char*>(this + 1); }
  char* value() { return key() + key_len; }
  bool Is(std::string_view k, Kind kind) {
    return key_len == k.size() + 1 && key()[0] == static_cast<char>(kind) &&
           std::memcmp(key() + 1, k.data(), k.size()) == 0;
  }
  size_t bytes() const { return sizeof(Entry) + key_len + value_cap; }

  static Entry* New(std::string_view key, Kind kind, std::string_view value) {
    static_assert(sizeof(Entry) == 16, "the frequency must not grow the entry header");
    // Room to grow a little in place: a counter gaining a digit, a value appended to. The
    // allocator rounds the block up to its size class; that room is the value's too, so that
    // bytes() (the cache's charge, mem_key_cache) is what the allocator holds for the entry.
    size_t cap = (value.size() + 15) & ~size_t{15};
    const size_t key_len = key.size() + 1;
    auto* e = static_cast<Entry*>(std::malloc(sizeof(Entry) + key_len + cap));
    if (e == nullptr) throw std::bad_alloc();
    size_t usable = malloc_usable_size(e);
    if (usable > sizeof(Entry) + key_len + cap) cap = usable - sizeof(Entry) - key_len;
    e->key_len = static_cast<uint32_t>(key_len);
    e->value_len = static_cast<uint32_t>(value.size());
    e->value_cap = static_cast<uint32_t>(std::min<size_t>(cap, UINT32_MAX));
    e->referenced = true;
    e->writing = false;
    e->lfu = LfuCounter::New(LfuCounter::NowMinutes());
    e->key()[0] = static_cast<char>(kind);
    std::memcpy(e->key() + 1, key.data(), key.size());
    if (!value.empty()) std::memcpy(e->value(), value.data(), value.size());
    return e;
  }
  static void Free(Entry* e) { std::free(e); }
};

namespace {
constexpr size_t kNpos = static_cast<size_t>(-1);
constexpr size_t kMinTable = 16;
}  // namespace

KeyCache::KeyCache(size_t capacity) : capacity_(capacity) {}

KeyCache::~KeyCache() {
  for (auto& s : shards_) DropAll(s);
}

uint64_t KeyCache::Hash(std::string_view key, Kind kind) {
  uint64_t h = std::hash<std::string_view>()(key);
  return kind == Kind::kMetadata ? h : h ^ 0x9e3779b97f4a7c15ULL;
}

size_t KeyCache::Find(const Shard& s, uint64_t hash, std::string_view key, Kind kind) {
  if (s.table.empty()) return kNpos;
  size_t mask = s.table.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& slot = s.table[i];
    if (slot.entry == nullptr) return kNpos;
    if (slot.hash == hash && slot.entry->Is(key, kind)) return i;
  }
}

bool KeyCache::Lookup(std::string_view key, std::string* value, uint64_t* ticket, Kind kind) {
  uint64_t h = Hash(key, kind);
  Shard& s = ShardOf(h);
  std::lock_guard lock(s.mu);
  size_t i = Find(s, h, key, kind);
  if (i == kNpos || s.table[i].entry->writing) {
    *ticket = TicketOf(s, h);
    misses_.Add(1);
    return false;
  }
  Entry* e = s.table[i].entry;
  if (!e->referenced) e->referenced = true;  // a store only when needed keeps the line shared
  Touch(e);
  value->assign(e->value(), e->value_len);
  hits_.Add(1);
  return true;
}

void KeyCache::Touch(Entry* e) {
  // Touch stores only when the counter or the minute changes: rarely, for a hot key.
  e->lfu.Touch(LfuCounter::NowMinutes(), LfuCounter::ThreadRandom());
}

bool KeyCache::Peek(std::string_view key, std::string* value, uint8_t* frequency,
                    uint32_t* idle_minutes) const {
  uint64_t h = Hash(key, Kind::kMetadata);
  Shard& s = shards_[h >> 58];
  std::lock_guard lock(s.mu);
  size_t i = Find(s, h, key, Kind::kMetadata);
  if (i == kNpos || s.table[i].entry->writing) return false;
  Entry* e = s.table[i].entry;
  value->assign(e->value(), e->value_len);
  uint16_t now = LfuCounter::NowMinutes();
  *frequency = e->lfu.Value(now);
  if (idle_minutes != nullptr) *idle_minutes = e->lfu.IdleMinutes(now);
  return true;
}

void KeyCache::Fill(std::string_view key, std::string_view value, uint64_t ticket, Kind kind) {
  uint64_t h = Hash(key, kind);
  Shard& s = ShardOf(h);
  std::lock_guard lock(s.mu);
  // A write of this slot (or a Clear) since the miss may be newer than what the reader read,
  // and one begun but not applied may be committed in RocksDB already.
  if (TicketOf(s, h) != ticket || WritingOf(s, h) != 0) return;
  size_t i = Find(s, h, key, kind);
  if (i == kNpos) {  // else another reader filled it first, with the same record
    Put(s, h, key, kind, value);
    i = Find(s, h, key, kind);
    if (i == kNpos) return;  // not kept (too large)
  }
  Touch(s.table[i].entry);  // the read that missed is an access
}

void KeyCache::Update(std::string_view key, std::string_view value, Kind kind) {
  UpdateHashed(Hash(key, kind), key, kind, value);
}

void KeyCache::Erase(std::string_view key, Kind kind) { EraseHashed(Hash(key, kind), key, kind); }

void KeyCache::UpdateHashed(uint64_t h, std::string_view key, Kind kind, std::string_view value) {
  Shard& s = ShardOf(h);
  std::lock_guard lock(s.mu);
  SeqOf(s, h)++;
  Put(s, h, key, kind, value);
}

void KeyCache::EraseHashed(uint64_t h, std::string_view key, Kind kind) {
  Shard& s = ShardOf(h);
  std::lock_guard lock(s.mu);
  SeqOf(s, h)++;
  size_t i = Find(s, h, key, kind);
  if (i != kNpos) EraseAt(s, i);
}

void KeyCache::Prefetch(uint64_t h) {
  Shard& s = ShardOf(h);
  Slot* table = s.table_hint.load(std::memory_order_relaxed);
  if (table != nullptr) {
    __builtin_prefetch(table + (h & s.mask_hint.load(std::memory_order_relaxed)), 1);
  }
}

void KeyCache::BeginWrites(std::vector<Write>* writes) {
  for (Write& w : *writes) {
    w.hash = Hash(w.key, w.kind);
    Prefetch(w.hash);
  }
  for (const Write& w : *writes) {
    Shard& s = ShardOf(w.hash);
    std::lock_guard lock(s.mu);
    SeqOf(s, w.hash)++;
    WritingOf(s, w.hash)++;
    size_t i = Find(s, w.hash, w.key, w.kind);
    if (i != kNpos) s.table[i].entry->writing = true;
  }
}

void KeyCache::ApplyBatch(std::vector<Write>* writes, bool begun) {
  // Random keys miss the CPU cache on their table slot; asking for all slots first overlaps
  // those misses instead of paying them one after another.
  for (Write& w : *writes) {
    if (!begun) w.hash = Hash(w.key, w.kind);
    Prefetch(w.hash);
  }
  for (const Write& w : *writes) {
    Shard& s = ShardOf(w.hash);
    std::lock_guard lock(s.mu);
    SeqOf(s, w.hash)++;
    if (begun) WritingOf(s, w.hash)--;
    if (w.erase) {
      size_t i = Find(s, w.hash, w.key, w.kind);
      if (i != kNpos) EraseAt(s, i);
    } else {
      Put(s, w.hash, w.key, w.kind, w.value);
    }
  }
}

void KeyCache::AbortWrites(std::vector<Write>* writes) {
  for (const Write& w : *writes) {
    Shard& s = ShardOf(w.hash);
    std::lock_guard lock(s.mu);
    SeqOf(s, w.hash)++;
    WritingOf(s, w.hash)--;
    size_t i = Find(s, w.hash, w.key, w.kind);
    if (i != kNpos) EraseAt(s, i);
  }
}

void KeyCache::PublishTable(Shard& s) {
  s.table_hint.store(s.table.empty() ? nullptr : s.table.data(), std::memory_order_relaxed);
  s.mask_hint.store(s.table.empty() ? 0 : s.table.size() - 1, std::memory_order_relaxed);
}

void KeyCache::Clear() {
  for (auto& s : shards_) {
    std::lock_guard lock(s.mu);
    s.epoch++;
    DropAll(s);
  }
}

void KeyCache::SetCapacity(size_t bytes) {
  capacity_.store(bytes, std::memory_order_relaxed);
  for (auto& s : shards_) {
    std::lock_guard lock(s.mu);
    Evict(s, bytes / kShards);
  }
}

KeyCache::Stats KeyCache::GetStats() const {
  Stats st;
  for (auto& s : shards_) {
    std::lock_guard lock(s.mu);
    st.usage += s.charge;
    st.entries += s.count;
  }
  st.hits = hits_.Load();
  st.misses = misses_.Load();
  return st;
}

void KeyCache::Put(Shard& s, uint64_t hash, std::string_view key, Kind kind,
                   std::string_view value) {
  size_t limit = capacity() / kShards;
  size_t i = Find(s, hash, key, kind);
  size_t max = kind == Kind::kMetadata ? kMaxRecord : kMaxElementRecord;
  if (value.size() > max || sizeof(Entry) + key.size() + 1 + value.size() > limit) {
    if (i != kNpos) EraseAt(s, i);
    return;
  }
  if (i != kNpos) {
    Entry* e = s.table[i].entry;
    e->referenced = true;
    e->writing = false;
    Touch(e);  // a write of a key is an access, as in Redis
    if (value.size() <= e->value_cap && e->value_cap - value.size() < 64) {
      if (!value.empty()) std::memcpy(e->value(), value.data(), value.size());
      e->value_len = static_cast<uint32_t>(value.size());
      return;
    }
    Entry* n = Entry::New(key, kind, value);
    n->lfu = e->lfu;
    s.charge = s.charge - e->bytes() + n->bytes();
    Entry::Free(e);
    s.table[i].entry = n;
  } else {
    if ((s.count + 1) * 2 > s.table.size()) Grow(s);
    size_t mask = s.table.size() - 1;
    size_t j = hash & mask;
    while (s.table[j].entry != nullptr) j = (j + 1) & mask;
    Entry* n = Entry::New(key, kind, value);
    s.table[j] = Slot{hash, n};
    s.count++;
    s.charge += n->bytes();
  }
  Evict(s, limit);
}

void KeyCache::EraseAt(Shard& s, size_t i) {
  Entry* e = s.table[i].entry;
  s.charge -= e->bytes();
  s.count--;
  Entry::Free(e);
  // Backward-shift deletion: pull later entries of the probe run into the hole, so lookups never
  // need tombstones.
  size_t mask = s.table.size() - 1;
  size_t j = i;
  while (true) {
    s.table[i] = Slot{};
    while (true) {
      j = (j + 1) & mask;
      if (s.table[j].entry == nullptr) return;
      size_t home = s.table[j].hash & mask;
      // The entry at j may move to i only if its home is not cyclically in (i, j].
      bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
      if (!stays) break;
    }
    s.table[i] = s.table[j];
    i = j;
  }
}

void KeyCache::Grow(Shard& s) {
  size_t size = s.table.empty() ? kMinTable : s.table.size() * 2;
  std::vector<Slot> old;
  old.swap(s.table);
  s.table.resize(size);
  size_t mask = size - 1;
  for (const Slot& slot : old) {
    if (slot.entry == nullptr) continue;
    size_t j = slot.hash & mask;
    while (s.table[j].entry != nullptr) j = (j + 1) & mask;
    s.table[j] = slot;
  }
  s.charge = s.charge - old.size() * sizeof(Slot) + size * sizeof(Slot);
  s.hand = 0;
  PublishTable(s);
}

void KeyCache::Evict(Shard& s, size_t limit) {
  while (s.charge > limit && s.count > 0) {
    size_t mask = s.table.size() - 1;
    Slot& slot = s.table[s.hand];
    if (slot.entry == nullptr) {
      s.hand = (s.hand + 1) & mask;
    } else if (slot.entry->referenced) {
      slot.entry->referenced = false;
      s.hand = (s.hand + 1) & mask;
    } else {
      EraseAt(s, s.hand);  // the hand stays: a later entry may have shifted into this slot
    }
  }
  if (s.count == 0 && s.charge > limit) DropAll(s);  // the empty table itself is over the limit
}

void KeyCache::DropAll(Shard& s) {
  for (Slot& slot : s.table) {
    if (slot.entry != nullptr) Entry::Free(slot.entry);
  }
  std::vector<Slot>().swap(s.table);
  PublishTable(s);
  s.count = 0;
  s.hand = 0;
  s.charge = 0;
}

}  // namespace mnemo
