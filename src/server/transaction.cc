#include "server/transaction.h"

#include <algorithm>

#include "storage/encoding.h"

namespace mnemo {
namespace {

// Whether a metadata record's expiry has passed (a record without one never expires).
bool RecordExpired(std::string_view raw, int64_t now_ms) {
  int64_t at = PeekExpire(raw).value_or(0);
  return at > 0 && at <= now_ms;
}

}  // namespace

WatchRegistry::Entry* WatchRegistry::FindEntry(std::string_view meta_key, const Watcher* w) {
  auto it = by_key_.find(std::string(meta_key));
  if (it == by_key_.end()) return nullptr;
  for (Entry& e : it->second) {
    if (e.watcher == w) return &e;
  }
  return nullptr;
}

void WatchRegistry::Watch(Watcher* w, std::string_view meta_key, int64_t now_ms) {
  {
    std::lock_guard lock(mu_);
    if (FindEntry(meta_key, w) != nullptr) return;
    by_key_[std::string(meta_key)].push_back({w, false});
    w->keys.emplace_back(meta_key);
    active_.store(true, std::memory_order_relaxed);
  }
  // Read after registering: a write in between marks w dirty, which only errs on the safe side.
  std::string raw;
  Status s = storage_->Get(ColumnFamily::kMetadata, meta_key, &raw);
  if (!s.ok() || !RecordExpired(raw, now_ms)) return;
  std::lock_guard lock(mu_);
  if (Entry* e = FindEntry(meta_key, w)) e->expired = true;
}

void WatchRegistry::UnwatchAll(Watcher* w) {
  std::lock_guard lock(mu_);
  for (const std::string& key : w->keys) {
    auto it = by_key_.find(key);
    if (it == by_key_.end()) continue;
    auto& entries = it->second;
    entries.erase(std::remove_if(entries.begin(), entries.end(),
                                 [w](const Entry& e) { return e.watcher == w; }),
                  entries.end());
    if (entries.empty()) by_key_.erase(it);
  }
  w->keys.clear();
  w->dirty.store(false, std::memory_order_relaxed);
  active_.store(!by_key_.empty(), std::memory_order_relaxed);
}

bool WatchRegistry::Changed(const Watcher* w, int64_t now_ms) {
  if (w->dirty.load(std::memory_order_relaxed)) return true;
  if (w->keys.empty()) return false;
  std::vector<std::string> live;  // keys that were not expired when watched
  {
    std::lock_guard lock(mu_);
    for (const std::string& key : w->keys) {
      auto it = by_key_.find(key);
      if (it == by_key_.end()) continue;
      for (const Entry& e : it->second) {
        if (e.watcher == w && !e.expired) live.push_back(key);
      }
    }
  }
  std::string raw;
  for (const std::string& key : live) {
    Status s = storage_->Get(ColumnFamily::kMetadata, key, &raw);
    if (s.ok() && RecordExpired(raw, now_ms)) return true;
  }
  return w->dirty.load(std::memory_order_relaxed);
}

size_t WatchRegistry::watched_keys() const {
  std::lock_guard lock(mu_);
  return by_key_.size();
}

void WatchRegistry::OnMetadataWrites(std::span<const MetadataWrite> writes) {
  std::lock_guard lock(mu_);
  if (by_key_.empty()) return;
  std::string key;
  for (const MetadataWrite& wr : writes) {
    key.assign(wr.key);
    auto it = by_key_.find(key);
    if (it == by_key_.end()) continue;
    for (Entry& e : it->second) {
      if (e.expired && wr.deleted) {
        e.expired = false;  // an expired key went: logically no change (Redis 7.0)
      } else {
        e.watcher->dirty.store(true, std::memory_order_relaxed);
      }
    }
  }
}

void WatchRegistry::OnRangeDelete(std::string_view ns, bool all) {
  std::lock_guard lock(mu_);
  std::string raw;
  for (auto& [key, entries] : by_key_) {
    std::string_view key_ns, user_key;
    if (!all && (!DecodeMetaKey(key, &key_ns, &user_key) || key_ns != ns)) continue;
    // As Redis: only the watchers of keys that had a record (expired or not) are touched.
    if (!storage_->Get(ColumnFamily::kMetadata, key, &raw).ok()) continue;
    for (Entry& e : entries) e.watcher->dirty.store(true, std::memory_order_relaxed);
  }
}

Status ExecAbortError(const Status& error) {
  std::string text = error.ToString();
  if (text.rfind("ERR ", 0) == 0) text.erase(0, 4);
  return Status::Custom("EXECABORT Transaction discarded because of: " + text);
}

size_t Transaction::Queue(const CommandSpec* spec, std::vector<std::string>&& args) {
  for (const std::string& a : args) bytes_ += a.capacity() + sizeof(std::string);
  if (spec->flags & kCmdDenyOOM) deny_oom_ = true;
  if (std::string_view(spec->group) == "scripting") has_script_ = true;
  queue_.push_back({spec, std::move(args)});
  return memory();
}

void Transaction::DropQueue() {
  std::vector<QueuedCommand>().swap(queue_);
  bytes_ = 0;
}

void Transaction::Clear() {
  DropQueue();
  active_ = flagged_ = deny_oom_ = has_script_ = false;
}

}  // namespace mnemo
