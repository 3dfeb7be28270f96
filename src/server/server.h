// Server: owns the storage, the workers, the heap profiler and the background thread, and
// implements the ServerApi that commands use. One per process.
//
// Threads: the main thread runs Server::Run (signals and the 100 ms server cron); each worker
// runs its own event loop; one background thread runs deferred command jobs (dumps, reports,
// cross-worker queries) so they never stall an event loop; the HTTP endpoint (http-port,
// http/http_server.h) serves on threads of its own, reading only thread-safe state.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "commands/command.h"
#include "commands/slowlog.h"
#include "common/striped_counter.h"
#include "config/config.h"
#include "http/http_server.h"
#include "memory/governor.h"
#include "memory/heap_profiler.h"
#include "memory/history.h"
#include "memory/policy.h"
#include "memory/snapshot.h"
#include "script/script_engine.h"
#include "server/blocking.h"
#include "server/memory_limit.h"
#include "server/pubsub.h"
#include "server/tls.h"
#include "server/transaction.h"
#include "storage/storage.h"

namespace mnemo {

class Worker;
class Connection;

struct ServerStats {
  StripedCounter commands;  // added to by every command: striped per worker
  std::atomic<uint64_t> connections_received{0};
  std::atomic<uint64_t> rejected_connections{0};
  std::atomic<uint64_t> unknown_commands{0};
  // Error replies of every kind (rejected and failed commands, unknown commands, protocol
  // errors): INFO's total_error_replies. Striped: a pipeline of failing commands adds per reply.
  StripedCounter error_replies;
  std::atomic<uint64_t> rejected_query_buffer{0};
  std::atomic<uint64_t> output_limit_disconnections{0};
  StripedCounter net_input_bytes;
  StripedCounter net_output_bytes;
  std::atomic<uint64_t> expired_keys{0};  // removed by the active expiry
};

class Server : public ServerApi {
 public:
  explicit Server(Config* config);
  ~Server() override;

  // Opens storage, binds every worker and starts the threads. Errors are fatal at startup.
  Status Start();
  // Blocks until SHUTDOWN or SIGTERM/SIGINT, then stops everything cleanly.
  void Run();
  int port() const { return port_; }
  int64_t start_ms() const { return start_ms_; }
  int tls_port() const { return tls_ != nullptr ? static_cast<int>(config_->tls_port.load()) : 0; }
  // The TLS context; null when tls-port is 0.
  TlsContext* tls() { return tls_.get(); }
  // WATCH's registry of watched keys, every connection's (server/transaction.h).
  WatchRegistry& watches() { return *watches_; }

  // ServerApi
  Config& config() override { return *config_; }
  Storage& storage() override { return *storage_; }
  NamespaceRegistry& namespaces() override { return *namespaces_; }
  HeapProfiler& profiler() override { return *profiler_; }
  std::string Info(std::string_view section, std::string_view ns) override;
  MemorySnapshot TakeMemorySnapshot() override;
  // The same with storage figures the caller read already (one read per INFO or scrape).
  MemorySnapshot TakeMemorySnapshot(const StorageFigures& storage);
  std::string ClientList() override;
  std::vector<ClientMemory> ClientMemories() override;  // server/client_memory.cc
  StatusOr<int64_t> KillClients(const std::vector<std::string>& filter, uint64_t self) override;
  void RequestShutdown() override;
  int64_t MemoryHeadroom() override;
  MemoryHistory& history() override { return history_; }
  uint64_t MemoryLimit() override { return governor_.limit(); }
  MemoryPolicies& policies() override { return policies_; }
  StatusOr<std::vector<PolicyRule>> ConfiguredPolicies() override;
  bool ReplyFits(uint64_t bytes) override;
  void ResetStats() override;
  std::span<const CommandSpec* const> AllCommands() override;
  void Defer(CommandContext& ctx, std::function<Status(Reply&)> job) override;
  std::function<void(std::string)> Suspend(CommandContext& ctx) override;
  ScriptApi& scripts() override { return *scripts_; }
  // Whether a script is busy (dispatch answers -BUSY): one relaxed load.
  bool ScriptBusy() const { return scripts_->busy(); }
  uint64_t SaveCursor(std::string last_key) override;
  StatusOr<std::string> LoadCursor(uint64_t cursor) override;
  int64_t LastSave() override { return last_save_.load(std::memory_order_relaxed); }
  void SetLastSave(int64_t unix_seconds) override {
    last_save_.store(unix_seconds, std::memory_order_relaxed);
  }
  void PauseClients(int64_t until_ms, bool writes_only) override;
  void UnpauseClients() override { pause_until_ms_.store(0, std::memory_order_relaxed); }
  SlowLog& slowlog() override { return slowlog_; }
  void Block(CommandContext& ctx, BlockRequest req) override;
  bool UnblockClient(uint64_t id, bool with_error) override;
  // The blocked clients (server/blocking.h).
  BlockingRegistry& blocking() { return blocking_; }
  std::vector<std::string> PubSubChannels(PubSubKind kind, std::string_view ns,
                                          const std::string* pattern) override {
    return pubsub_.Channels(kind, ns, pattern);
  }
  int64_t PubSubNumSub(PubSubKind kind, std::string_view ns, std::string_view channel) override {
    return pubsub_.NumSub(kind, ns, channel);
  }
  int64_t PubSubNumPat(std::string_view ns) override { return pubsub_.NumPat(ns); }
  // Whether CLIENT PAUSE holds a command of `spec` now (nullptr: an unknown command, never
  // held).
  bool PauseHolds(const CommandSpec* spec);
  bool PauseRequested() const { return pause_until_ms_.load(std::memory_order_relaxed) != 0; }

  // For workers and connections.
  bool AdmitClient();  // counts a new client; false when maxclients is reached
  // Whether protected mode (server/protected_mode.h) refuses a new connection from `peer_ip`;
  // counts a refusal in connections_received and rejected_connections. Reads `bind` and
  // `requirepass` (the config's string lock) only while protected-mode is on.
  bool ProtectedModeRefuses(std::string_view peer_ip);
  void ReleaseClient();  // a client closed
  uint64_t NextClientId() { return next_client_id_.fetch_add(1, std::memory_order_relaxed); }
  ServerStats& stats() { return stats_; }
  int64_t connected_clients() const { return clients_.load(std::memory_order_relaxed); }
  MemoryGovernor& governor() { return governor_; }
  MemoryBudgets budgets() const;
  PubSubRegistry& pubsub() { return pubsub_; }
  size_t worker_count() const { return workers_.size(); }
  Worker* worker_at(size_t i) { return workers_[i].get(); }
  // Keyspace events of a thread that is no worker's (the active expiry): each message goes to
  // its subscribers' workers, one task per worker for the whole list, in list order.
  struct OutsideEvent {
    std::string ns, event, key;
    uint32_t type;
  };
  void PublishKeyspaceEvents(const std::vector<OutsideEvent>& events);
  // A script's PUBLISHes and keyspace events after its commit (script/script_caller.h), from
  // the script thread: the same per-worker tasks, in the script's order.
  void PublishScriptMessages(const std::string& ns, const std::vector<ScriptMessage>& messages);
  // Posts fn to every worker without waiting (safe from any thread, workers included).
  void ForEachWorkerAsync(std::function<void(Worker&)> fn);
  // Sum over workers of the connections' query and reply buffer capacities. Lock-free.
  uint64_t ClientQueryBufferBytes() const;
  uint64_t ClientReplyBufferBytes() const;

 private:
  void BackgroundLoop();
  // The active expiry: every kExpiryPeriod deletes the keys whose expiry passed (Storage::
  // DeleteExpired), in steps of kExpiryStep keys, back to back while steps come back full.
  void ExpiryLoop();
  void RunInBackground(std::function<void()> job);
  // Runs fn on every worker's thread and waits. REQUIRES: not called on a worker thread.
  void ForEachWorker(const std::function<void(Worker&)>& fn);
  void Cron();
  // Recomputes the memory budgets from the config (at start and on CONFIG SET of a memory key)
  // and hands them to the governor.
  void ApplyMemoryConfig();
  void ApplySlowLogConfig();  // slowlog-log-slower-than and slowlog-max-len into slowlog_
  // The HTTP endpoint on http-bind:http-port (server/metrics.h feeds /metrics), bound but not
  // yet serving; OK without doing anything when http-port is 0.
  Status BindHttp();
  HeapProfiler::Settings ProfilerSettings() const;
  // The snapshot's inputs that only the server knows: storage, clients, profiler, baselines,
  // limits and the workers' published allocation counters. Lock-free for commands.
  MemoryInputs GatherMemoryInputs(const StorageFigures& storage) const;
  // The client figures, which move fastest (query, reply and pending-write buffers, what
  // running commands hold); read twice by TakeMemorySnapshot, around the allocator.
  void ReadClientFigures(MemoryInputs* in) const;
  void RaisePeak(uint64_t allocated);
  // Messages from a thread that is no worker's: each subscriber's delivery collected into its
  // worker's list, then one task per worker with its list, in order.
  using Deliveries = std::vector<std::vector<PubSubDelivery>>;
  void CollectDeliveries(std::string_view ns, PubSubKind kind, std::string channel,
                         std::string_view payload, Deliveries* by_worker);
  void PostDeliveries(Deliveries by_worker);
  // The memory gate of a command a script runs (Connection::CheckMemory's, for a script's
  // caller): the namespace's quota, then the governor's level.
  Status AdmitScriptWrite(
      const std::vector<std::string>& args,
      const std::string& ns);  // peak_allocated_ = max(peak_allocated_, allocated)
  // The profiler's own bytes cost a second jemalloc epoch refresh (~50 us), so the cron reads
  // them every 100 ms and snapshots use that value.
  void RefreshProfilerBytes();
  // One history sample a second (from Cron): a snapshot's figures and the governor's `used`;
  // then the memory policies are evaluated on it and the actions of those that fire run.
  void SampleHistory();
  void RunPolicyAction(const PolicyRule& rule, double value);
  // Namespaces over their client-memory quota: closes each one's largest clients (query and
  // reply buffers) until the excess is covered. Background thread; one run at a time.
  void EnforceClientQuotas(std::vector<std::pair<std::string, int64_t>> over);

  Config* config_;
  std::unique_ptr<Storage> storage_;
  std::unique_ptr<WatchRegistry> watches_;  // registered with storage_ as its write observer
  std::unique_ptr<NamespaceRegistry> namespaces_;
  ServerLevers levers_{this};
  MemoryGovernor governor_{&levers_};
  mutable std::mutex budgets_mu_;
  MemoryBudgets budgets_;
  std::optional<uint64_t> cgroup_limit_;
  std::unique_ptr<HeapProfiler> profiler_;
  std::unique_ptr<ScriptEngine> scripts_;  // after storage_ (its runs write to it)
  std::unique_ptr<TlsContext> tls_;        // before workers_: their connections use it
  BlockingRegistry blocking_{this};        // before workers_: their connections use it
  std::atomic<uint64_t> next_block_seq_{1};
  std::vector<std::unique_ptr<Worker>> workers_;
  std::unique_ptr<HttpServer> http_;  // null when http-port is 0; stopped before the rest
  int port_ = 0;
  int64_t start_ms_ = 0;
  uint64_t startup_allocated_ = 0;
  std::atomic<uint64_t> startup_other_{0};   // MemoryInputs::startup_other, set once in Start
  std::atomic<uint64_t> peak_allocated_{0};  // highest allocated seen by Cron or a snapshot
  std::atomic<uint64_t> profiler_bytes_{0};  // HeapProfiler::Info::profiler_bytes, per Cron
  MemoryHistory history_;
  MemoryPolicies policies_;
  std::atomic<bool> client_quota_job_{false};  // an EnforceClientQuotas run is queued
  int64_t last_history_ms_ = 0;                // Cron only
  ServerStats stats_;
  SlowLog slowlog_;
  PubSubRegistry pubsub_;
  std::atomic<int64_t> clients_{0};
  std::atomic<uint64_t> next_client_id_{1};
  std::atomic<int64_t> last_save_{0};
  std::atomic<int64_t> pause_until_ms_{0};  // 0: no pause
  std::atomic<bool> pause_writes_only_{false};

  std::mutex bg_mu_;
  std::condition_variable bg_cv_;
  std::deque<std::function<void()>> bg_jobs_;
  bool bg_stop_ = false;
  std::thread bg_thread_;
  std::mutex expiry_mu_;
  std::condition_variable expiry_cv_;
  bool expiry_stop_ = false;  // guarded by expiry_mu_
  std::thread expiry_thread_;

  std::mutex shutdown_mu_;
  std::condition_variable shutdown_cv_;
  bool shutdown_requested_ = false;

  std::mutex cursor_mu_;
  static constexpr size_t kCursorSlots = 16384;
  struct CursorSlot {
    uint64_t cursor = 0;
    std::string last_key;
  };
  std::vector<CursorSlot> cursors_{kCursorSlots};
  uint64_t next_cursor_ = 1;
};

}  // namespace mnemo
