// Pub/sub: the server-wide registry of who listens to which channel, pattern and shard channel,
// and the messages handed from a publisher to the subscribers' connections.
//
// Channels are scoped by namespace: a subscriber hears only what is published in its own
// namespace (docs/pubsub.md). A subscriber is named by its connection id and the index of the
// worker that owns the connection; delivery is the workers' business (server/worker.h: a
// subscriber on the publisher's worker gets the message at once, one on another worker through
// one task per worker per pass, so each subscriber sees a publisher's messages in its order).
//
// Thread-safety: every PubSubRegistry method may be called from any thread. One shared_mutex
// guards it: Collect and the queries take it shared, Add/Remove exclusive. Messages are immutable
// and shared by every delivery of them.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "commands/command.h"
#include "common/keyspace_events.h"
#include "common/string_util.h"
#include "protocol/reply.h"

namespace mnemo {

struct PubSubTarget {
  uint64_t conn = 0;
  int worker = 0;
};

// One published message, shared by its deliveries.
struct PubSubMessage {
  PubSubKind kind = PubSubKind::kChannel;  // kChannel ("message"/"pmessage") or kShard
  std::string channel, payload;
};

// A message for one subscriber connection; `pattern` is set for a "pmessage".
struct PubSubDelivery {
  uint64_t conn = 0;
  std::shared_ptr<const PubSubMessage> msg;
  std::shared_ptr<const std::string> pattern;
};

// Appends `d` as Redis sends it: RESP2 *3 message channel payload (*4 pmessage pattern channel
// payload, *3 smessage ...), RESP3 the same as a push (>).
void AppendPubSubMessage(std::string* out, RespVersion resp, const PubSubDelivery& d);

// The messages of one keyspace event as Redis sends them, through `publish(channel, payload)`:
// `event` on __keyspace@0__:<key> when `flags` has K, then `key` on __keyevent@0__:<event> when
// it has E.
template <typename PublishFn>
void ForEachKeyspaceMessage(uint32_t flags, std::string_view event, std::string_view key,
                            PublishFn&& publish) {
  if (flags & kNotifyKeyspace) publish("__keyspace@0__:" + std::string(key), event);
  if (flags & kNotifyKeyevent) publish("__keyevent@0__:" + std::string(event), key);
}

class PubSubRegistry {
 public:
  // Adds `who` to the subscribers of `name`; false when it was there already.
  bool Add(PubSubKind kind, std::string_view ns, std::string_view name, PubSubTarget who);
  // Removes `who`; false when it was not there. A name left without subscribers is dropped.
  bool Remove(PubSubKind kind, std::string_view ns, std::string_view name, PubSubTarget who);
  // Calls `fn(target, pattern)` for each receiver of a message on `channel` of `ns`: the
  // channel's subscribers (kind kChannel or kShard), then for kChannel each subscriber of each
  // matching pattern (pattern non-null). Returns the count, as PUBLISH answers it. `fn` runs
  // under the shared lock: it must not call back into the registry.
  template <typename Fn>
  int64_t Collect(PubSubKind kind, std::string_view ns, std::string_view channel, Fn&& fn) const;
  std::vector<std::string> Channels(PubSubKind kind, std::string_view ns,
                                    const std::string* pattern) const;
  int64_t NumSub(PubSubKind kind, std::string_view ns, std::string_view channel) const;
  int64_t NumPat(std::string_view ns) const;
  // Channels (kChannel, kShard) or distinct patterns with subscribers, over every namespace.
  int64_t TotalNames(PubSubKind kind) const;
  // Approximate bytes the registry holds (names, subscriber entries, table nodes).
  uint64_t MemoryBytes() const { return bytes_.load(std::memory_order_relaxed); }

 private:
  using Subscribers = std::unordered_map<uint64_t, int>;  // connection id -> worker
  struct Pattern {
    std::shared_ptr<const std::string> name;
    Subscribers subscribers;
  };
  // Channel tables keyed by NsKey(ns, channel); patterns per namespace.
  static std::string NsKey(std::string_view ns, std::string_view name);
  void AddBytes(int64_t delta) {
    bytes_.fetch_add(static_cast<uint64_t>(delta), std::memory_order_relaxed);
  }

  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, Subscribers> channels_[2];  // kChannel, kShard
  std::unordered_map<std::string, std::map<std::string, Pattern, std::less<>>> patterns_;
  std::atomic<uint64_t> bytes_{0};
};

template <typename Fn>
int64_t PubSubRegistry::Collect(PubSubKind kind, std::string_view ns, std::string_view channel,
                                Fn&& fn) const {
  int64_t n = 0;
  std::shared_lock lock(mu_);
  const auto& table = channels_[kind == PubSubKind::kShard ? 1 : 0];
  if (auto it = table.find(NsKey(ns, channel)); it != table.end()) {
    const std::shared_ptr<const std::string>* no_pattern = nullptr;
    for (const auto& [conn, worker] : it->second) fn(PubSubTarget{conn, worker}, no_pattern);
    n += static_cast<int64_t>(it->second.size());
  }
  if (kind != PubSubKind::kChannel) return n;
  auto pit = patterns_.find(std::string(ns));
  if (pit == patterns_.end()) return n;
  for (const auto& [name, p] : pit->second) {
    if (!GlobMatch(name, channel)) continue;
    for (const auto& [conn, worker] : p.subscribers) fn(PubSubTarget{conn, worker}, &p.name);
    n += static_cast<int64_t>(p.subscribers.size());
  }
  return n;
}

}  // namespace mnemo
