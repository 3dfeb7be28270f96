#include "server/pubsub.h"

#include <mutex>

namespace mnemo {
namespace {

// What a table entry costs beyond its name, roughly (hash node, bucket, map node): enough to
// make the registry's memory visible and proportional, not an allocator-exact figure.
constexpr int64_t kEntryOverhead = 64;
constexpr int64_t kSubscriberOverhead = 32;

}  // namespace

void AppendPubSubMessage(std::string* out, RespVersion resp, const PubSubDelivery& d) {
  Reply r(out, resp);
  if (d.pattern != nullptr) {
    r.PushHeader(4);
    r.Bulk("pmessage");
    r.Bulk(*d.pattern);
  } else {
    r.PushHeader(3);
    r.Bulk(d.msg->kind == PubSubKind::kShard ? "smessage" : "message");
  }
  r.Bulk(d.msg->channel);
  r.Bulk(d.msg->payload);
}

std::string PubSubRegistry::NsKey(std::string_view ns, std::string_view name) {
  std::string k;
  k.reserve(1 + ns.size() + name.size());
  k += static_cast<char>(ns.size());  // namespaces are shorter than 256 bytes
  k.append(ns);
  k.append(name);
  return k;
}

bool PubSubRegistry::Add(PubSubKind kind, std::string_view ns, std::string_view name,
                         PubSubTarget who) {
  std::unique_lock lock(mu_);
  Subscribers* subs;
  if (kind == PubSubKind::kPattern) {
    auto& by_name = patterns_[std::string(ns)];
    auto it = by_name.find(name);
    if (it == by_name.end()) {
      it = by_name.emplace(std::string(name), Pattern{}).first;
      it->second.name = std::make_shared<const std::string>(name);
      AddBytes(kEntryOverhead + 2 * static_cast<int64_t>(name.size()));
    }
    subs = &it->second.subscribers;
  } else {
    auto [it, fresh] = channels_[kind == PubSubKind::kShard ? 1 : 0].try_emplace(NsKey(ns, name));
    if (fresh) AddBytes(kEntryOverhead + static_cast<int64_t>(it->first.size()));
    subs = &it->second;
  }
  if (!subs->emplace(who.conn, who.worker).second) return false;
  AddBytes(kSubscriberOverhead);
  return true;
}

bool PubSubRegistry::Remove(PubSubKind kind, std::string_view ns, std::string_view name,
                            PubSubTarget who) {
  std::unique_lock lock(mu_);
  if (kind == PubSubKind::kPattern) {
    auto nit = patterns_.find(std::string(ns));
    if (nit == patterns_.end()) return false;
    auto it = nit->second.find(name);
    if (it == nit->second.end() || it->second.subscribers.erase(who.conn) == 0) return false;
    AddBytes(-kSubscriberOverhead);
    if (it->second.subscribers.empty()) {
      AddBytes(-(kEntryOverhead + 2 * static_cast<int64_t>(name.size())));
      nit->second.erase(it);
      if (nit->second.empty()) patterns_.erase(nit);
    }
    return true;
  }
  auto& table = channels_[kind == PubSubKind::kShard ? 1 : 0];
  auto it = table.find(NsKey(ns, name));
  if (it == table.end() || it->second.erase(who.conn) == 0) return false;
  AddBytes(-kSubscriberOverhead);
  if (it->second.empty()) {
    AddBytes(-(kEntryOverhead + static_cast<int64_t>(it->first.size())));
    table.erase(it);
  }
  return true;
}

std::vector<std::string> PubSubRegistry::Channels(PubSubKind kind, std::string_view ns,
                                                  const std::string* pattern) const {
  std::vector<std::string> out;
  std::string prefix = NsKey(ns, "");
  std::shared_lock lock(mu_);
  for (const auto& [key, subs] : channels_[kind == PubSubKind::kShard ? 1 : 0]) {
    if (key.compare(0, prefix.size(), prefix) != 0) continue;
    std::string_view name = std::string_view(key).substr(prefix.size());
    if (pattern == nullptr || GlobMatch(*pattern, name)) out.emplace_back(name);
  }
  return out;
}

int64_t PubSubRegistry::NumSub(PubSubKind kind, std::string_view ns,
                               std::string_view channel) const {
  std::shared_lock lock(mu_);
  const auto& table = channels_[kind == PubSubKind::kShard ? 1 : 0];
  auto it = table.find(NsKey(ns, channel));
  return it == table.end() ? 0 : static_cast<int64_t>(it->second.size());
}

int64_t PubSubRegistry::TotalNames(PubSubKind kind) const {
  std::shared_lock lock(mu_);
  if (kind != PubSubKind::kPattern) {
    return static_cast<int64_t>(channels_[kind == PubSubKind::kShard ? 1 : 0].size());
  }
  size_t n = 0;
  for (const auto& [ns, by_name] : patterns_) n += by_name.size();
  return static_cast<int64_t>(n);
}

int64_t PubSubRegistry::NumPat(std::string_view ns) const {
  std::shared_lock lock(mu_);
  auto it = patterns_.find(std::string(ns));
  return it == patterns_.end() ? 0 : static_cast<int64_t>(it->second.size());
}

}  // namespace mnemo
