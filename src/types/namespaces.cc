#include "types/namespaces.h"

#include <algorithm>
#include <mutex>

#include "storage/encoding.h"

namespace mnemo {
namespace {

constexpr std::string_view kStateKey = "namespace:";
// A namespace's client-memory quota: 8 bytes, big endian.
constexpr std::string_view kClientQuotaKey = "nsclientquota:";

// A stored entry: quota(8, big endian) | token.
std::string EncodeEntry(const std::string& token, int64_t quota) {
  std::string v;
  PutFixed64BE(&v, static_cast<uint64_t>(quota));
  v.append(token);
  return v;
}

}  // namespace

Status NamespaceRegistry::Load() {
  auto records = storage_->ListState(kStateKey);
  if (!records.ok()) return records.status();
  std::unique_lock lock(mu_);
  for (const auto& [key, value] : *records) {
    if (value.size() < 8) continue;
    Entry e;
    e.quota = static_cast<int64_t>(DecodeFixed64BE(value.data()));
    e.token = value.substr(8);
    if (e.quota > 0) any_quota_ = true;
    by_name_[key.substr(kStateKey.size())] = std::move(e);
  }
  auto quotas = storage_->ListState(kClientQuotaKey);
  if (!quotas.ok()) return quotas.status();
  for (const auto& [key, value] : *quotas) {
    if (value.size() != 8) continue;
    int64_t q = static_cast<int64_t>(DecodeFixed64BE(value.data()));
    by_name_[key.substr(kClientQuotaKey.size())].client_quota = q;
    if (q > 0) any_client_quota_ = true;
  }
  return Status::OK();
}

Status NamespaceRegistry::CheckName(const std::string& ns) const {
  if (ns.empty() || ns.size() > 255) {
    return Status::InvalidArgument("the namespace name must be 1 to 255 bytes");
  }
  if (ns == kDefaultNamespace) {
    return Status::InvalidArgument("forbidden to add or delete the default namespace");
  }
  return Status::OK();
}

Status NamespaceRegistry::CheckToken(const std::string& ns, const std::string& token,
                                     const std::string& requirepass) const {
  if (requirepass.empty()) {
    return Status::InvalidArgument("forbidden to add namespace when requirepass was empty");
  }
  if (token.empty()) return Status::InvalidArgument("the token must not be empty");
  if (token == requirepass) {
    return Status::InvalidArgument("the token is duplicated with requirepass or masterauth");
  }
  for (const auto& [name, e] : by_name_) {
    if (name != ns && e.token == token) return Status::InvalidArgument("the token already exists");
  }
  return Status::OK();
}

Status NamespaceRegistry::Persist(const std::string& ns, const Entry& e) {
  return storage_->PutState(std::string(kStateKey) + ns, EncodeEntry(e.token, e.quota));
}

Status NamespaceRegistry::AddFromConfig(const std::string& ns, const std::string& token,
                                        const std::string& requirepass) {
  Status s = CheckName(ns);
  if (!s.ok()) return s;
  std::unique_lock lock(mu_);
  s = CheckToken(ns, token, requirepass);
  if (!s.ok()) return s;
  by_name_[ns].token = token;
  return Status::OK();
}

Status NamespaceRegistry::Add(const std::string& ns, const std::string& token,
                              const std::string& requirepass) {
  Status s = CheckName(ns);
  if (!s.ok()) return s;
  std::unique_lock lock(mu_);
  auto it = by_name_.find(ns);
  if (it != by_name_.end() && !it->second.token.empty()) {
    return Status::InvalidArgument("the namespace already exists");
  }
  s = CheckToken(ns, token, requirepass);
  if (!s.ok()) return s;
  Entry e = it != by_name_.end() ? it->second : Entry{};
  e.token = token;
  s = Persist(ns, e);
  if (!s.ok()) return s;
  by_name_[ns] = std::move(e);
  return Status::OK();
}

Status NamespaceRegistry::Set(const std::string& ns, const std::string& token,
                              const std::string& requirepass) {
  Status s = CheckName(ns);
  if (!s.ok()) return s;
  std::unique_lock lock(mu_);
  auto it = by_name_.find(ns);
  if (it == by_name_.end() || it->second.token.empty()) {
    return Status::InvalidArgument("the namespace was not found");
  }
  s = CheckToken(ns, token, requirepass);
  if (!s.ok()) return s;
  Entry e = it->second;
  e.token = token;
  s = Persist(ns, e);
  if (!s.ok()) return s;
  it->second = std::move(e);
  return Status::OK();
}

Status NamespaceRegistry::Del(const std::string& ns) {
  Status s = CheckName(ns);
  if (!s.ok()) return s;
  std::unique_lock lock(mu_);
  auto it = by_name_.find(ns);
  if (it == by_name_.end() || it->second.token.empty()) {
    return Status::InvalidArgument("the namespace was not found");
  }
  s = storage_->DeleteState(std::string(kStateKey) + ns);
  if (s.ok()) s = storage_->DeleteState(std::string(kClientQuotaKey) + ns);
  if (!s.ok()) return s;
  by_name_.erase(it);
  return Status::OK();
}

std::optional<std::string> NamespaceRegistry::Token(const std::string& ns) const {
  std::shared_lock lock(mu_);
  auto it = by_name_.find(ns);
  if (it == by_name_.end() || it->second.token.empty()) return std::nullopt;
  return it->second.token;
}

std::vector<std::pair<std::string, std::string>> NamespaceRegistry::All() const {
  std::vector<std::pair<std::string, std::string>> out;
  {
    std::shared_lock lock(mu_);
    for (const auto& [name, e] : by_name_) {
      if (!e.token.empty()) out.emplace_back(name, e.token);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<std::string> NamespaceRegistry::Lookup(std::string_view token) const {
  if (token.empty()) return std::nullopt;
  std::shared_lock lock(mu_);
  for (const auto& [name, e] : by_name_) {
    if (e.token == token) return name;
  }
  return std::nullopt;
}

Status NamespaceRegistry::SetQuota(const std::string& ns, int64_t data_bytes) {
  if (data_bytes < 0) return Status::InvalidArgument("the quota must be 0 (none) or more bytes");
  std::unique_lock lock(mu_);
  auto it = by_name_.find(ns);
  if (ns != kDefaultNamespace && (it == by_name_.end() || it->second.token.empty())) {
    return Status::InvalidArgument("the namespace was not found");
  }
  Entry e = it != by_name_.end() ? it->second : Entry{};
  e.quota = data_bytes;
  Status s = Persist(ns, e);
  if (!s.ok()) return s;
  by_name_[ns] = std::move(e);
  if (data_bytes > 0) any_quota_ = true;
  return Status::OK();
}

int64_t NamespaceRegistry::Quota(std::string_view ns) const {
  std::shared_lock lock(mu_);
  auto it = by_name_.find(std::string(ns));
  return it == by_name_.end() ? 0 : it->second.quota;
}

bool NamespaceRegistry::OverQuota(std::string_view ns, int64_t adding) {
  if (!any_quota()) return false;  // no quota was ever set
  std::shared_ptr<std::atomic<uint64_t>> refused;
  int64_t quota = 0;
  {
    std::shared_lock lock(mu_);
    auto it = by_name_.find(std::string(ns));
    if (it == by_name_.end() || it->second.quota == 0) return false;
    quota = it->second.quota;
    refused = it->second.refused;
  }
  auto c = storage_->Counters(ns);
  if (!c.ok() || c->bytes + adding <= quota) return false;
  refused->fetch_add(1, std::memory_order_relaxed);
  return true;
}

uint64_t NamespaceRegistry::Refused(std::string_view ns) const {
  std::shared_lock lock(mu_);
  auto it = by_name_.find(std::string(ns));
  return it == by_name_.end() ? 0 : it->second.refused->load(std::memory_order_relaxed);
}

Status NamespaceRegistry::SetClientQuota(const std::string& ns, int64_t bytes) {
  if (bytes < 0) return Status::InvalidArgument("the quota must be 0 (none) or more bytes");
  std::unique_lock lock(mu_);
  auto it = by_name_.find(ns);
  if (ns != kDefaultNamespace && (it == by_name_.end() || it->second.token.empty())) {
    return Status::InvalidArgument("the namespace was not found");
  }
  std::string v;
  PutFixed64BE(&v, static_cast<uint64_t>(bytes));
  Status s = storage_->PutState(std::string(kClientQuotaKey) + ns, v);
  if (!s.ok()) return s;
  by_name_[ns].client_quota = bytes;
  bool any = false;
  for (const auto& [name, e] : by_name_) any = any || e.client_quota > 0;
  any_client_quota_ = any;
  return Status::OK();
}

int64_t NamespaceRegistry::ClientQuota(std::string_view ns) const {
  if (!any_client_quota()) return 0;
  std::shared_lock lock(mu_);
  auto it = by_name_.find(std::string(ns));
  return it == by_name_.end() ? 0 : it->second.client_quota;
}

std::vector<std::pair<std::string, int64_t>> NamespaceRegistry::OverClientQuota() const {
  std::vector<std::pair<std::string, int64_t>> out;
  if (!any_client_quota()) return out;
  std::vector<std::pair<std::string, int64_t>> quotas;
  {
    std::shared_lock lock(mu_);
    for (const auto& [ns, e] : by_name_) {
      if (e.client_quota > 0) quotas.emplace_back(ns, e.client_quota);
    }
  }
  std::lock_guard<std::mutex> lock(activity_mu_);
  for (const auto& [ns, quota] : quotas) {
    auto it = activity_.find(ns);
    if (it == activity_.end()) continue;
    int64_t used = it->second->client_bytes.load(std::memory_order_relaxed);
    if (running_bytes_) used += running_bytes_(it->second.get());
    if (used > quota) out.emplace_back(ns, used - quota);
  }
  return out;
}

void NamespaceRegistry::NoteClientClosed(std::string_view ns) {
  std::shared_lock lock(mu_);
  auto it = by_name_.find(std::string(ns));
  if (it != by_name_.end()) it->second.clients_closed->fetch_add(1, std::memory_order_relaxed);
}

uint64_t NamespaceRegistry::ClientsClosed(std::string_view ns) const {
  std::shared_lock lock(mu_);
  auto it = by_name_.find(std::string(ns));
  return it == by_name_.end() ? 0 : it->second.clients_closed->load(std::memory_order_relaxed);
}

std::shared_ptr<NamespaceActivity> NamespaceRegistry::Activity(std::string_view ns) {
  std::lock_guard<std::mutex> lock(activity_mu_);
  auto& a = activity_[std::string(ns)];
  if (!a) a = std::make_shared<NamespaceActivity>();
  return a;
}

std::vector<std::pair<std::string, std::shared_ptr<NamespaceActivity>>>
NamespaceRegistry::Activities() const {
  std::lock_guard<std::mutex> lock(activity_mu_);
  std::vector<std::pair<std::string, std::shared_ptr<NamespaceActivity>>> out(activity_.begin(),
                                                                              activity_.end());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

void NamespaceRegistry::TickActivity() {
  std::lock_guard<std::mutex> lock(activity_mu_);
  for (auto& [ns, a] : activity_) {
    uint64_t now = a->commands.Load();
    a->ops_per_sec.store(now - a->last_commands, std::memory_order_relaxed);
    a->last_commands = now;
  }
}

std::vector<std::pair<const char*, int64_t>> NamespaceFigures::Fields() const {
  auto i = [](uint64_t v) { return static_cast<int64_t>(v); };
  return {{"keys", keys},
          {"expires", expires},
          {"data_bytes", data_bytes},
          {"data_quota", data_quota},
          {"refused_writes", i(refused_writes)},
          {"clients", clients},
          {"client_bytes", client_bytes},
          {"client_running_bytes", client_running_bytes},
          {"client_quota", client_quota},
          {"clients_closed", i(clients_closed)},
          {"commands", i(commands)},
          {"ops_per_sec", i(ops_per_sec)}};
}

StatusOr<NamespaceFigures> NamespaceRegistry::Figures(const std::string& ns) {
  auto c = storage_->Counters(ns);
  if (!c.ok()) return c.status();
  std::shared_ptr<NamespaceActivity> a = Activity(ns);
  NamespaceFigures f;
  f.ns = ns;
  f.keys = c->keys;
  f.expires = c->expires;
  f.data_bytes = c->bytes;
  f.data_quota = Quota(ns);
  f.refused_writes = Refused(ns);
  f.clients = a->clients.load(std::memory_order_relaxed);
  f.client_running_bytes = running_bytes_ ? running_bytes_(a.get()) : 0;
  f.client_bytes = a->client_bytes.load(std::memory_order_relaxed) + f.client_running_bytes;
  f.client_quota = ClientQuota(ns);
  f.clients_closed = ClientsClosed(ns);
  f.commands = a->commands.Load();
  f.ops_per_sec = a->ops_per_sec.load(std::memory_order_relaxed);
  return f;
}

std::vector<std::string> NamespaceRegistry::Visible(std::string_view caller_ns) const {
  std::vector<std::string> names;
  if (caller_ns != kDefaultNamespace) {
    names.emplace_back(caller_ns);
    return names;
  }
  for (const auto& [ns, token] : All()) names.push_back(ns);
  for (const auto& [ns, a] : Activities()) names.push_back(ns);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::erase(names, std::string(kDefaultNamespace));
  names.insert(names.begin(), std::string(kDefaultNamespace));
  return names;
}

}  // namespace mnemo
