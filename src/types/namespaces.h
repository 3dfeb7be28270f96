// NamespaceRegistry: the tenants of one server. A namespace is a key prefix (every key of every
// column family starts with it, storage/encoding.h); a token given to AUTH selects it. Tokens and
// quotas are kept as state records in storage (Storage::PutState, fsynced), so they survive
// restarts; lines `namespace.<ns> <token>` of the config file (Kvrocks's form) are added at start.
//
// The default namespace (`__namespace`) is the one `requirepass` opens, with admin rights; it
// has no token of its own and cannot be added or deleted.
//
// Thread-safe: a shared mutex guards the maps; readers (AUTH, the quota check of every write
// that adds data) take it shared.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "common/striped_counter.h"
#include "storage/storage.h"
#include "types/database.h"

namespace mnemo {

// What one namespace's connections are doing now, kept by the connections themselves (server/
// connection.cc) so that reading it costs no scan of the clients.
struct NamespaceActivity {
  StripedCounter commands;               // commands its connections ran since start
  std::atomic<int64_t> clients{0};       // its connections now
  std::atomic<int64_t> client_bytes{0};  // their query and reply buffer capacities
  std::atomic<uint64_t> ops_per_sec{0};  // commands over the last second (TickActivity)
  uint64_t last_commands = 0;            // TickActivity only
};

// Every figure of one namespace, read at one moment: the single source of NAMESPACE USAGE, INFO
// namespaces, MEMORY STATS and MEMORY REPORT (docs/namespaces.md documents each field once).
struct NamespaceFigures {
  std::string ns;
  int64_t keys = 0, expires = 0, data_bytes = 0;  // exact counters (Storage::Counters)
  int64_t data_quota = 0;
  uint64_t refused_writes = 0;
  int64_t clients = 0;
  int64_t client_bytes = 0;          // buffers + client_running_bytes
  int64_t client_running_bytes = 0;  // held by its commands running now (memory/command_memory.h)
  int64_t client_quota = 0;
  uint64_t clients_closed = 0;
  uint64_t commands = 0, ops_per_sec = 0;
  // (name, value) in the documented order, for every view.
  std::vector<std::pair<const char*, int64_t>> Fields() const;
};

class NamespaceRegistry {
 public:
  explicit NamespaceRegistry(Storage* storage) : storage_(storage) {}

  // Reads the stored namespaces. Call once at start, before serving.
  Status Load();
  // A namespace from the config file: added (or its token replaced) in memory only.
  Status AddFromConfig(const std::string& ns, const std::string& token,
                       const std::string& requirepass);

  // NAMESPACE ADD / SET / DEL, with Kvrocks's errors. `requirepass` is the server's.
  Status Add(const std::string& ns, const std::string& token, const std::string& requirepass);
  Status Set(const std::string& ns, const std::string& token, const std::string& requirepass);
  Status Del(const std::string& ns);
  std::optional<std::string> Token(const std::string& ns) const;
  // Every namespace and its token, sorted by name.
  std::vector<std::pair<std::string, std::string>> All() const;
  // The namespace a token opens, if any.
  std::optional<std::string> Lookup(std::string_view token) const;

  // The data quota of a namespace in logical bytes (0 = none); the default namespace may have
  // one too. SetQuota stores it.
  Status SetQuota(const std::string& ns, int64_t data_bytes);
  int64_t Quota(std::string_view ns) const;
  // Whether a write adding about `adding` bytes to `ns` must be refused: the namespace has a
  // quota and its logical bytes (Storage::Counters) plus `adding` exceed it. Counts refusals.
  bool OverQuota(std::string_view ns, int64_t adding);
  // Whether any namespace ever had a quota (a relaxed load: the write path's fast exit).
  bool any_quota() const { return any_quota_.load(std::memory_order_relaxed); }
  uint64_t Refused(std::string_view ns) const;

  // The client-memory quota of a namespace: bytes of its connections' query and reply buffers
  // (NamespaceActivity::client_bytes); 0 = none. Stored as its own state record. Over it, the
  // server closes the namespace's largest clients first and refuses its large requests.
  Status SetClientQuota(const std::string& ns, int64_t bytes);
  int64_t ClientQuota(std::string_view ns) const;
  // Whether any namespace has a client quota now (a relaxed load: the cron's fast exit).
  bool any_client_quota() const { return any_client_quota_.load(std::memory_order_relaxed); }
  // Namespaces whose connections hold more than their client quota, with the excess in bytes.
  std::vector<std::pair<std::string, int64_t>> OverClientQuota() const;
  // Counts clients closed for a namespace's client quota.
  void NoteClientClosed(std::string_view ns);
  uint64_t ClientsClosed(std::string_view ns) const;

  // The activity of `ns`, made at first use (any namespace a connection is in, deleted ones
  // included: their connections keep their figures until they leave). Takes a mutex: call when
  // a connection enters a namespace, not per command.
  std::shared_ptr<NamespaceActivity> Activity(std::string_view ns);
  // Every namespace's activity, sorted by name.
  std::vector<std::pair<std::string, std::shared_ptr<NamespaceActivity>>> Activities() const;
  // Once a second (server cron): ops_per_sec from the commands counters.
  void TickActivity();

  // Bytes held now by the running commands of a namespace's connections, given the namespace's
  // activity (the server installs CommandMeter::HoldingOfTag at start; none = 0). Counted in
  // client_bytes by Figures and by the client quota (OverClientQuota).
  using RunningBytes = std::function<int64_t(const NamespaceActivity*)>;
  void set_running_bytes(RunningBytes f) { running_bytes_ = std::move(f); }
  // The figures of `ns` now; fails only when its counters cannot be read.
  StatusOr<NamespaceFigures> Figures(const std::string& ns);
  // The namespaces a client of `caller_ns` may see figures of: every namespace (known, or with
  // connections) for the default namespace, sorted, the default first; only its own otherwise.
  std::vector<std::string> Visible(std::string_view caller_ns) const;

 private:
  struct Entry {
    std::string token;
    int64_t quota = 0;
    std::shared_ptr<std::atomic<uint64_t>> refused = std::make_shared<std::atomic<uint64_t>>(0);
    int64_t client_quota = 0;
    std::shared_ptr<std::atomic<uint64_t>> clients_closed =
        std::make_shared<std::atomic<uint64_t>>(0);
  };
  Status CheckName(const std::string& ns) const;
  Status Persist(const std::string& ns, const Entry& e);
  // REQUIRES: mu_ held exclusively.
  Status CheckToken(const std::string& ns, const std::string& token,
                    const std::string& requirepass) const;

  Storage* storage_;
  std::atomic<bool> any_quota_{false};  // skips the lock on writes while no quota is set
  std::atomic<bool> any_client_quota_{false};
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, Entry> by_name_;  // the default namespace only for a quota
  RunningBytes running_bytes_;                      // set once, before serving
  mutable std::mutex activity_mu_;
  std::unordered_map<std::string, std::shared_ptr<NamespaceActivity>> activity_;
};

}  // namespace mnemo
