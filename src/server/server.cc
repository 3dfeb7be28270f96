#include "server/server.h"

#include <signal.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <future>
#include <limits>
#include <unordered_set>

#include "commands/memory_report.h"
#include "commands/registry.h"
#include "common/log.h"
#include "common/string_util.h"
#include "memory/allocator.h"
#include "memory/cgroup.h"
#include "memory/command_memory.h"
#include "server/connection.h"
#include "server/info.h"
#include "server/metrics.h"
#include "server/protected_mode.h"
#include "server/worker.h"
#include "types/namespaces.h"

namespace mnemo {
namespace {

// Whether port and tls-port are free (server/worker.h, EnsurePortFree).
Status EnsurePortsFree(const Config& config) {
  for (int64_t port : {config.port.load(), config.tls_port.load()}) {
    if (Status s = EnsurePortFree(config.bind(), static_cast<int>(port)); !s.ok()) return s;
  }
  return Status::OK();
}

}  // namespace

Server::Server(Config* config) : config_(config) {}

namespace {

// http-bind, or the first address of bind (without Redis's optional '-' prefix).
std::string HttpHost(const Config& config) {
  std::string host = config.http_bind();
  if (!host.empty()) return host;
  std::string bind = config.bind();
  size_t start = bind.find_first_not_of(' ');
  if (start == std::string::npos) return "127.0.0.1";
  host = bind.substr(start, bind.find(' ', start) - start);
  return host[0] == '-' ? host.substr(1) : host;
}

// SLOWLOG LEN and GET <count> for the dashboard (http/dashboard.h), as plain copies.
std::pair<size_t, std::vector<SlowCommand>> SlowCommands(const SlowLog& log, size_t count) {
  std::vector<SlowCommand> out;
  for (SlowLogEntry& e : log.Get(count)) {
    out.push_back(
        {e.id, e.unix_seconds, e.usec, std::move(e.args), std::move(e.addr), std::move(e.name)});
  }
  return {log.Len(), std::move(out)};
}

}  // namespace

Status Server::BindHttp() {
  int port = static_cast<int>(config_->http_port.load());
  if (port == 0) return Status::OK();
  std::string host = HttpHost(*config_);
  HttpServer::Handlers h;
  h.metrics = [this] { return RenderMetrics(*this); };
  h.memory_json = [this]() -> StatusOr<std::string> {
    return MemoryReportJson(*this, storage_.get());
  };
  h.refuses = [this, host](std::string_view peer) {
    if (!config_->protected_mode.load(std::memory_order_relaxed)) return false;
    return mnemo::ProtectedModeRefuses(true, host, !config_->requirepass().empty(), peer);
  };
  h.history = [this](int64_t seconds) { return history_.Recent(seconds); };
  h.forecast = [this] { return history_.Forecast(MemoryLimit()); };
  h.level = [this] { return governor_.level(); };
  h.slowlog = [this](size_t count) { return SlowCommands(slowlog_, count); };
  http_ = std::make_unique<HttpServer>(config_, profiler_.get(), std::move(h));
  if (Status s = http_->Bind(host, port); !s.ok()) {
    http_.reset();
    return s;
  }
  Log(LogLevel::kNotice, "HTTP monitoring on %s:%d (/metrics, /dashboard, /debug/memory, ...)",
      host.c_str(), port);
  return Status::OK();
}

void Server::ApplySlowLogConfig() {
  slowlog_.SetThreshold(config_->slowlog_log_slower_than.load());
  slowlog_.SetMaxLen(config_->slowlog_max_len.load());
}

Server::~Server() {
  if (http_ != nullptr) http_->Stop();  // its handlers read everything below
  if (scripts_) scripts_->Stop();       // its last replies go to the workers
  governor_.Stop();                     // it posts tasks to workers
  // Order matters: stopped workers still accept tasks (run inline), so background jobs finish;
  // only then may the workers be destroyed.
  for (auto& w : workers_) w->Stop();
  {
    std::lock_guard<std::mutex> lock(bg_mu_);
    bg_stop_ = true;
  }
  bg_cv_.notify_all();
  if (bg_thread_.joinable()) bg_thread_.join();
  {
    std::lock_guard<std::mutex> lock(expiry_mu_);
    expiry_stop_ = true;
  }
  expiry_cv_.notify_all();
  if (expiry_thread_.joinable()) expiry_thread_.join();
  workers_.clear();
  if (profiler_) profiler_->Stop();
  storage_.reset();  // closes RocksDB after every writer is gone
}

HeapProfiler::Settings Server::ProfilerSettings() const {
  HeapProfiler::Settings s;
  s.dir = config_->profiling_dir();
  s.max_dumps = config_->profiling_max_dumps.load();
  s.auto_dump_growth = config_->profiling_auto_dump_growth.load();
  s.auto_dump_interval_s = config_->profiling_auto_dump_interval.load();
  s.default_sample_bytes = config_->profiling_sample_bytes.load();
  return s;
}

Status Server::Start() {
  start_ms_ = NowMs();
  last_save_.store(start_ms_ / 1000, std::memory_order_relaxed);
  // TLS first: a bad certificate stops startup before the database is opened.
  if (int tls_port = static_cast<int>(config_->tls_port.load()); tls_port != 0) {
    // SO_REUSEPORT would let both sockets share one port, each taking some of its clients.
    if (tls_port == config_->port.load()) {
      return Status::InvalidArgument("tls-port must differ from port");
    }
    auto tls = TlsContext::Create(config_->tls());
    if (!tls.ok()) return tls.status();
    tls_ = std::move(tls.value());
  }
  // A second Mnemo on a taken port stops here, before it opens its database.
  if (Status s = EnsurePortsFree(*config_); !s.ok()) return s;
  cgroup_limit_ = CgroupMemoryLimit();
  budgets_ = ComputeMemoryBudgets(*config_, cgroup_limit_);
  StorageOptions so;
  so.dir = config_->dir() + "/db";
  so.sync_writes = config_->sync_writes.load();
  so.block_cache_size = static_cast<int64_t>(budgets_.cache);
  so.key_cache_size = static_cast<int64_t>(budgets_.key_cache);
  so.write_buffer_budget = static_cast<int64_t>(budgets_.memtable_budget);
  so.write_buffer_size = static_cast<int64_t>(budgets_.memtable_size);
  so.max_write_buffer_number = budgets_.memtables;
  // Fixed for the life of the process: RocksDB cannot change it on an open database.
  so.memtables_per_flush = MemtablesPerFlush(so.max_write_buffer_number, budgets_.limit > 0);
  so.max_open_files = static_cast<int>(config_->max_open_files.load());
  so.min_blob_size = static_cast<uint64_t>(config_->min_blob_size.load());
  so.delayed_write_rate = static_cast<uint64_t>(config_->delayed_write_rate.load());
  auto storage = Storage::Open(so);
  if (!storage.ok()) return storage.status();
  storage_ = std::move(storage.value());
  watches_ = std::make_unique<WatchRegistry>(storage_.get());
  storage_->SetWriteObserver(watches_.get());
  namespaces_ = std::make_unique<NamespaceRegistry>(storage_.get());
  // What a namespace's running commands hold counts as its clients' memory (docs/namespaces.md).
  namespaces_->set_running_bytes([](const NamespaceActivity* a) {
    return static_cast<int64_t>(CommandMeter::HoldingOfTag(a));
  });
  if (Status s = namespaces_->Load(); !s.ok()) return s;
  for (const auto& [ns, token] : config_->namespace_tokens()) {
    Status s = namespaces_->AddFromConfig(ns, token, config_->requirepass());
    if (!s.ok()) return Status::InvalidArgument("namespace." + ns + ": " + s.message());
  }
  auto policies = ConfiguredPolicies();
  if (!policies.ok()) return policies.status();
  policies_.Reset(std::move(*policies));
  ApplySlowLogConfig();
  for (const char* key : {"slowlog-log-slower-than", "slowlog-max-len"})
    config_->OnChange(key, [this](const Config&) { ApplySlowLogConfig(); });
  config_->OnChange("sync-writes",
                    [this](const Config& c) { storage_->set_sync_writes(c.sync_writes.load()); });

  ScriptHooks hooks;
  hooks.admit = [this](const std::vector<std::string>& args, const std::string& ns) {
    return AdmitScriptWrite(args, ns);
  };
  hooks.receivers = [this](PubSubKind kind, const std::string& ns, std::string_view channel) {
    return pubsub_.Collect(kind, ns, channel,
                           [](PubSubTarget, const std::shared_ptr<const std::string>*) {});
  };
  hooks.publish = [this](const std::string& ns, const std::vector<ScriptMessage>& messages) {
    PublishScriptMessages(ns, messages);
  };
  hooks.serve_blocked = [this](WriteContext* ctx, ClientApi& client) {
    blocking_.ServeWritten(ctx, client);
  };
  hooks.blocked_waiting = blocking_.waiting();
  scripts_ = std::make_unique<ScriptEngine>(this, config_, storage_.get(), std::move(hooks));
  scripts_->Start();

  profiler_ = std::make_unique<HeapProfiler>(ProfilerSettings());
  for (const char* key : {"profiling-dir", "profiling-max-dumps", "profiling-auto-dump-growth",
                          "profiling-auto-dump-interval", "profiling-sample-bytes"}) {
    config_->OnChange(key,
                      [this](const Config&) { profiler_->UpdateSettings(ProfilerSettings()); });
  }
  profiler_->Start();
  RefreshProfilerBytes();

  if (Status s = BindHttp(); !s.ok()) return s;
  governor_.UpdateSettings(GovernorSettingsFor(*config_, budgets_));
  for (const char* key : {"maxmemory", "maxmemory-cgroup-ratio", "maxmemory-soft-ratio",
                          "maxmemory-hard-ratio", "maxmemory-hysteresis", "debug-used-memory"}) {
    config_->OnChange(key, [this](const Config&) { ApplyMemoryConfig(); });
  }

  int n = static_cast<int>(config_->workers.load());
  if (n <= 0) n = static_cast<int>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));
  int port = static_cast<int>(config_->port.load());
  int tls_port = static_cast<int>(config_->tls_port.load());
  // Again just before the workers bind: one starting meanwhile would have passed the first check.
  if (Status s = EnsurePortsFree(*config_); !s.ok()) return s;
  for (int i = 0; i < n; i++) {
    auto w = std::make_unique<Worker>(this, i);
    Status s = w->Listen(config_->bind(), port, tls_port);
    if (!s.ok()) return s;
    port = w->BoundPort();  // port 0: every worker shares the port the first one got
    workers_.push_back(std::move(w));
  }
  port_ = port;
  bg_thread_ = std::thread([this] { BackgroundLoop(); });
  expiry_thread_ = std::thread([this] { ExpiryLoop(); });
  for (auto& w : workers_) w->Start();
  if (http_ != nullptr) http_->Start();
  governor_.Start();
  auto stats = allocator::ReadStats();
  if (stats.ok()) startup_allocated_ = stats->allocated;
  RaisePeak(startup_allocated_);
  // What the components do not name once started becomes a component of its own, fixed.
  startup_other_ =
      mnemo::TakeMemorySnapshot(GatherMemoryInputs(storage_->GetFigures())).unaccounted;
  return Status::OK();
}

void Server::Run() {
  // SIGTERM/SIGINT are blocked in every thread (see main) and received here synchronously.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGUSR2);
  std::thread signal_waiter([this, set] {
    int sig = 0;
    sigwait(&set, &sig);
    if (sig != SIGUSR2) {
      Log(LogLevel::kNotice, "received %s, shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
      RequestShutdown();
    }
  });
  std::unique_lock<std::mutex> lock(shutdown_mu_);
  while (!shutdown_requested_) {
    shutdown_cv_.wait_for(lock, std::chrono::milliseconds(100));
    lock.unlock();
    Cron();
    lock.lock();
  }
  lock.unlock();
  // Wake the signal waiter if shutdown came from the SHUTDOWN command.
  pthread_kill(signal_waiter.native_handle(), SIGUSR2);
  signal_waiter.join();
  if (http_ != nullptr) http_->Stop();
  Log(LogLevel::kNotice, "stopping scripts");
  scripts_->Stop();  // kills a running script: its writes are dropped
  Log(LogLevel::kNotice, "stopping workers");
  for (auto& w : workers_) w->Stop();
  Log(LogLevel::kNotice, "closing storage");
}

void Server::ExpiryLoop() {
  // 10 passes a second, as Redis's default hz; a key is gone at most about this long after its
  // time, plus the steps a backlog of expired keys takes (docs/internals.md, "Expiry").
  constexpr auto kExpiryPeriod = std::chrono::milliseconds(100);
  constexpr size_t kExpiryStep = 1000;
  std::unique_lock<std::mutex> lock(expiry_mu_);
  while (!expiry_stop_) {
    expiry_cv_.wait_for(lock, kExpiryPeriod);
    if (expiry_stop_) break;
    lock.unlock();
    while (true) {
      // "expired" events, collected only while they are asked for.
      std::vector<OutsideEvent> events;
      std::function<void(std::string_view, std::string_view)> on_deleted;
      if (config_->notify_flags() & kNotifyExpired) {
        on_deleted = [&events](std::string_view ns, std::string_view key) {
          events.push_back({std::string(ns), "expired", std::string(key), kNotifyExpired});
        };
      }
      auto n = storage_->DeleteExpired(NowMs(), kExpiryStep, on_deleted);
      if (!n.ok()) break;  // a storage error (full disk...): retried next period
      if (!events.empty()) PublishKeyspaceEvents(events);
      stats_.expired_keys.fetch_add(static_cast<uint64_t>(*n), std::memory_order_relaxed);
      if (static_cast<size_t>(*n) < kExpiryStep) break;
      std::lock_guard<std::mutex> stop(expiry_mu_);
      if (expiry_stop_) break;
    }
    lock.lock();
  }
}

void Server::Cron() {
  if (auto stats = allocator::ReadStats(); stats.ok()) RaisePeak(stats->allocated);
  RefreshProfilerBytes();
  if (namespaces_->any_client_quota() && !client_quota_job_.load()) {
    auto over = namespaces_->OverClientQuota();
    if (!over.empty()) {
      client_quota_job_ = true;
      RunInBackground([this, over = std::move(over)]() mutable {
        EnforceClientQuotas(std::move(over));
        client_quota_job_ = false;
      });
    }
  }
  int64_t now = NowMs();
  if (now - last_history_ms_ >= 1000) {
    last_history_ms_ = now;
    SampleHistory();
  }
}

void Server::SampleHistory() {
  namespaces_->TickActivity();
  MemorySnapshot s = TakeMemorySnapshot();
  HistorySample h;
  h.ms = s.taken_at_ms;
  h.set(HistoryField::kUsed, levers_.UsedBytes());
  h.set(HistoryField::kRss, s.rss);
  h.set(HistoryField::kBlockCache, s.in.block_cache_usage);
  h.set(HistoryField::kMemtables, s.in.memtables_all);
  h.set(HistoryField::kTableReaders, s.in.table_readers);
  h.set(HistoryField::kKeyCache, s.in.key_cache_usage);
  h.set(HistoryField::kClients, s.clients_normal);
  h.set(HistoryField::kProfiler, s.in.profiler_bytes);
  h.set(HistoryField::kUnaccounted, s.unaccounted);
  history_.Add(h);
  if (policies_.size() == 0) return;
  MemoryForecast f = history_.Forecast(governor_.limit());
  uint64_t used = h.get(HistoryField::kUsed);
  for (const PolicyRule& rule : policies_.Evaluate(s, f, used, h.ms)) {
    RunPolicyAction(rule, PolicyFieldValue(rule, s, f, used).value_or(0));
  }
}

void Server::EnforceClientQuotas(std::vector<std::pair<std::string, int64_t>> over) {
  struct Holder {
    int64_t bytes;
    uint64_t id;
    std::string ns;
  };
  std::vector<Holder> holders;
  ForEachWorker([&](Worker& w) {
    for (Connection* c : w.Connections()) {
      for (const auto& [ns, excess] : over) {
        if (c->ns() != ns) continue;
        // What the connection adds to client_bytes: its buffers and its MULTI queue.
        size_t bytes = c->query_buffer_bytes() + c->reply_buffer_bytes() + c->multi_queue_bytes();
        holders.push_back({static_cast<int64_t>(bytes), c->id(), ns});
      }
    }
  });
  std::sort(holders.begin(), holders.end(),
            [](const Holder& a, const Holder& b) { return a.bytes > b.bytes; });
  std::unordered_set<uint64_t> close;
  for (auto& [ns, excess] : over) {
    for (const Holder& h : holders) {
      if (excess <= 0) break;
      if (h.ns != ns) continue;
      close.insert(h.id);
      excess -= h.bytes;
      namespaces_->NoteClientClosed(ns);
      Log(LogLevel::kWarning,
          "closing client id=%llu of namespace '%s': %lld bytes of buffers, the namespace is "
          "over its client memory quota of %lld bytes",
          static_cast<unsigned long long>(h.id), ns.c_str(), static_cast<long long>(h.bytes),
          static_cast<long long>(namespaces_->ClientQuota(ns)));
    }
  }
  if (close.empty()) return;
  ForEachWorker([&](Worker& w) {
    for (Connection* c : w.Connections()) {
      if (close.count(c->id())) c->Kill();
    }
  });
}

StatusOr<std::vector<PolicyRule>> Server::ConfiguredPolicies() {
  std::vector<PolicyRule> rules;
  for (const auto& [name, text] : config_->memory_policies()) {
    auto rule = ParsePolicyRule(name, text);
    if (!rule.ok()) {
      return Status::InvalidArgument("memory-policy." + name + ": " + rule.status().message());
    }
    rules.push_back(std::move(*rule));
  }
  return rules;
}

// Actions that can take milliseconds (a purge, a dump, switching the profiler) run on the
// background thread, so the cron keeps its period.
void Server::RunPolicyAction(const PolicyRule& rule, double value) {
  Log(LogLevel::kWarning, "memory policy '%s' fired (%s; %s is %.6g): %s", rule.name.c_str(),
      rule.text.c_str(), rule.field.c_str(), value, PolicyActionName(rule.action));
  std::string name = rule.name;
  switch (rule.action) {
    case PolicyAction::kLog:
      return;
    case PolicyAction::kPurge:
      RunInBackground([name] {
        auto released = allocator::Purge();
        if (released.ok()) {
          Log(LogLevel::kNotice, "memory policy '%s': purge released %s", name.c_str(),
              HumanBytes(*released).c_str());
        } else {
          Log(LogLevel::kWarning, "memory policy '%s': purge failed: %s", name.c_str(),
              released.status().ToString().c_str());
        }
      });
      return;
    case PolicyAction::kDump:
      RunInBackground([this, name] {
        if (!profiler_->Active()) {
          Log(LogLevel::kNotice, "memory policy '%s': no dump, heap profiling is off",
              name.c_str());
          return;
        }
        auto path = profiler_->Dump("");
        Log(LogLevel::kNotice, "memory policy '%s': %s", name.c_str(),
            path.ok() ? ("heap profile dumped to " + *path).c_str()
                      : ("dump failed: " + path.status().ToString()).c_str());
      });
      return;
    case PolicyAction::kDisableProfiling:
      RunInBackground([this, name] {
        if (!profiler_->Active()) return;
        Status s = profiler_->Disable();
        Log(LogLevel::kNotice, "memory policy '%s': heap profiling %s", name.c_str(),
            s.ok() ? "disabled" : ("not disabled: " + s.ToString()).c_str());
      });
      return;
  }
}

void Server::RefreshProfilerBytes() {
  profiler_bytes_.store(profiler_->GetInfo().profiler_bytes, std::memory_order_relaxed);
}

void Server::RaisePeak(uint64_t allocated) {
  uint64_t peak = peak_allocated_.load(std::memory_order_relaxed);
  while (allocated > peak &&
         !peak_allocated_.compare_exchange_weak(peak, allocated, std::memory_order_relaxed)) {
  }
}

Status Server::AdmitScriptWrite(const std::vector<std::string>& args, const std::string& ns) {
  size_t bytes = 0;
  for (const auto& a : args) bytes += a.size();
  if (namespaces_->any_quota() && namespaces_->OverQuota(ns, static_cast<int64_t>(bytes))) {
    return QuotaExceededError(ns, namespaces_->Quota(ns));
  }
  if (governor_.level() == MemoryLevel::kFull) {
    governor_.counters().refused_commands.fetch_add(1, std::memory_order_relaxed);
    return MemoryFullError();
  }
  return Status::OK();
}

MemoryInputs Server::GatherMemoryInputs(const StorageFigures& st) const {
  MemoryInputs in;
  ScriptMemory lua = scripts_->memory();
  in.lua_vm = lua.vm;
  in.lua_scripts = lua.cache;
  in.lua_cached_scripts = lua.cached_scripts;
  StorageMemory sm = storage_->GetMemory();
  in.block_cache_usage = sm.block_cache_usage;
  in.block_cache_capacity = sm.block_cache_capacity;
  in.block_cache_pinned = sm.block_cache_pinned;
  in.memtables_unflushed = sm.memtables_active;
  in.memtables_all = sm.memtables_all;
  in.table_readers = sm.table_readers;
  in.background_jobs = sm.background_jobs;
  in.block_cache_hits = st.block_cache_hits;
  in.block_cache_misses = st.block_cache_misses;
  in.write_stall_us = st.stall_micros;
  in.l0_files = st.l0_files;
  in.pending_compaction_bytes = st.pending_compaction_bytes;
  in.key_cache_usage = sm.key_cache_usage;
  in.key_cache_capacity = sm.key_cache_capacity;
  in.key_cache_entries = sm.key_cache_entries;
  in.clients_normal_count = static_cast<uint64_t>(std::max<int64_t>(0, connected_clients()));
  ReadClientFigures(&in);
  in.pubsub_registry = pubsub_.MemoryBytes();
  in.profiler_active = profiler_->Active();
  in.profiler_bytes = profiler_bytes_.load(std::memory_order_relaxed);
  in.history_bytes = MemoryHistory::Bytes();
  in.startup_allocated = startup_allocated_;
  in.startup_other = startup_other_.load(std::memory_order_relaxed);
  in.peak_allocated = peak_allocated_.load(std::memory_order_relaxed);
  in.maxmemory = static_cast<uint64_t>(std::max<int64_t>(0, config_->maxmemory.load()));
  // Memtables can reach write-buffer-size x max-write-buffer-number in each of the three
  // column families that hold data, or the write buffer manager's budget when that is lower.
  MemoryBudgets b = budgets();  // CONFIG SET of a memory key replaces them on a worker
  in.memtables_budget = b.memtable_size * static_cast<uint64_t>(b.memtables) * 3;
  if (uint64_t wbm = storage_->write_buffer_budget(); wbm > 0) {
    in.memtables_budget = std::min(in.memtables_budget, wbm);
  }
  in.threads.reserve(workers_.size());
  for (const auto& w : workers_) {
    in.threads.push_back({"mnemo-worker-" + std::to_string(w->index()), w->thread_allocated(),
                          w->thread_deallocated(), w->thread_counters_ms()});
  }
  return in;
}

void Server::ReadClientFigures(MemoryInputs* in) const {
  // The running commands before the buffers: a connection accounts a reply it built before its
  // command's meter lets go of it (RunMetered), so a reply moving between the two is counted
  // once or twice here, never missed.
  in->clients_running = CommandMeter::TotalHolding();
  in->clients_normal_query = ClientQueryBufferBytes();
  in->clients_normal_reply = ClientReplyBufferBytes();
  in->clients_pending_writes = 0;
  for (const auto& w : workers_) in->clients_pending_writes += w->batch_bytes();
}

MemorySnapshot Server::TakeMemorySnapshot() { return TakeMemorySnapshot(storage_->GetFigures()); }

MemorySnapshot Server::TakeMemorySnapshot(const StorageFigures& storage) {
  MemorySnapshot s = mnemo::TakeMemorySnapshot(GatherMemoryInputs(storage),
                                               [this](MemoryInputs* in) { ReadClientFigures(in); });
  RaisePeak(s.allocator.allocated);
  return s;
}

void Server::RequestShutdown() {
  {
    std::lock_guard<std::mutex> lock(shutdown_mu_);
    shutdown_requested_ = true;
  }
  shutdown_cv_.notify_all();
}

void Server::ApplyMemoryConfig() {
  MemoryBudgets b = ComputeMemoryBudgets(*config_, cgroup_limit_);
  {
    std::lock_guard<std::mutex> lock(budgets_mu_);
    budgets_ = b;
  }
  governor_.UpdateSettings(GovernorSettingsFor(*config_, b));
  governor_.Tick();  // act on the new limit now, not at the next tick
}

int64_t Server::MemoryHeadroom() {
  uint64_t limit = governor_.limit();
  if (limit == 0) return std::numeric_limits<int64_t>::max();
  uint64_t used = governor_.last_used();
  return used >= limit ? 0 : static_cast<int64_t>(limit - used);
}

bool Server::ReplyFits(uint64_t bytes) {
  uint64_t limit = governor_.limit();
  if (limit == 0) return true;
  // Fresh, not the governor's last tick: replies of several workers can grow by tens of
  // megabytes within one tick.
  uint64_t used = levers_.UsedBytes();
  if (used == 0 || used + bytes <= limit) return true;  // 0: no allocator figure (no jemalloc)
  governor_.counters().refused_replies.fetch_add(1, std::memory_order_relaxed);
  return false;
}

MemoryBudgets Server::budgets() const {
  std::lock_guard<std::mutex> lock(budgets_mu_);
  return budgets_;
}

void Server::CollectDeliveries(std::string_view ns, PubSubKind kind, std::string channel,
                               std::string_view payload, Deliveries* by_worker) {
  auto m = std::make_shared<const PubSubMessage>(
      PubSubMessage{kind, std::move(channel), std::string(payload)});
  pubsub_.Collect(kind, ns, m->channel,
                  [&](PubSubTarget t, const std::shared_ptr<const std::string>* pattern) {
                    (*by_worker)[static_cast<size_t>(t.worker)].push_back(
                        {t.conn, m, pattern != nullptr ? *pattern : nullptr});
                  });
}

void Server::PostDeliveries(Deliveries by_worker) {
  for (size_t i = 0; i < by_worker.size(); i++) {
    if (by_worker[i].empty()) continue;
    Worker* w = workers_[i].get();
    w->RunInLoop([w, batch = std::move(by_worker[i])] { w->Deliver(batch); });
  }
}

void Server::PublishKeyspaceEvents(const std::vector<OutsideEvent>& events) {
  uint32_t flags = config_->notify_flags();
  Deliveries by_worker(workers_.size());
  for (const OutsideEvent& e : events) {
    if (!(flags & e.type)) continue;
    ForEachKeyspaceMessage(flags, e.event, e.key, [&](std::string channel, std::string_view msg) {
      CollectDeliveries(e.ns, PubSubKind::kChannel, std::move(channel), msg, &by_worker);
    });
  }
  PostDeliveries(std::move(by_worker));
}

void Server::PublishScriptMessages(const std::string& ns,
                                   const std::vector<ScriptMessage>& messages) {
  uint32_t flags = config_->notify_flags();
  Deliveries by_worker(workers_.size());
  for (const ScriptMessage& m : messages) {
    if (m.event_type == 0) {  // PUBLISH / SPUBLISH
      CollectDeliveries(ns, m.kind, m.channel, m.payload, &by_worker);
      continue;
    }
    if (!(flags & m.event_type)) continue;
    ForEachKeyspaceMessage(
        flags, m.channel, m.payload, [&](std::string channel, std::string_view payload) {
          CollectDeliveries(ns, PubSubKind::kChannel, std::move(channel), payload, &by_worker);
        });
  }
  PostDeliveries(std::move(by_worker));
}

void Server::ForEachWorkerAsync(std::function<void(Worker&)> fn) {
  for (auto& w : workers_) {
    Worker* raw = w.get();
    raw->RunInLoop([raw, fn] { fn(*raw); });
  }
}

uint64_t Server::ClientQueryBufferBytes() const {
  uint64_t n = 0;
  for (const auto& w : workers_) n += w->query_buffer_bytes();
  return n;
}

uint64_t Server::ClientReplyBufferBytes() const {
  uint64_t n = 0;
  for (const auto& w : workers_) n += w->reply_buffer_bytes();
  return n;
}

bool Server::AdmitClient() {
  stats_.connections_received.fetch_add(1, std::memory_order_relaxed);
  int64_t max = config_->maxclients.load(std::memory_order_relaxed);
  if (clients_.fetch_add(1, std::memory_order_relaxed) >= max) {
    clients_.fetch_sub(1, std::memory_order_relaxed);
    stats_.rejected_connections.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  return true;
}

bool Server::ProtectedModeRefuses(std::string_view peer_ip) {
  if (!config_->protected_mode.load(std::memory_order_relaxed)) return false;
  if (!mnemo::ProtectedModeRefuses(true, config_->bind(), !config_->requirepass().empty(),
                                   peer_ip)) {
    return false;
  }
  stats_.connections_received.fetch_add(1, std::memory_order_relaxed);
  stats_.rejected_connections.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void Server::ReleaseClient() { clients_.fetch_sub(1, std::memory_order_relaxed); }

void Server::BackgroundLoop() {
  pthread_setname_np(pthread_self(), "mnemo-bg");
  while (true) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> lock(bg_mu_);
      bg_cv_.wait(lock, [this] { return bg_stop_ || !bg_jobs_.empty(); });
      if (bg_jobs_.empty()) return;
      job = std::move(bg_jobs_.front());
      bg_jobs_.pop_front();
    }
    job();
  }
}

void Server::RunInBackground(std::function<void()> job) {
  {
    std::lock_guard<std::mutex> lock(bg_mu_);
    bg_jobs_.push_back(std::move(job));
  }
  bg_cv_.notify_one();
}

std::function<void(std::string)> Server::Suspend(CommandContext& ctx) {
  auto* conn = static_cast<Connection*>(&ctx.client);
  if (conn->in_exec()) {
    // EXEC's reply is built on the worker in one go; a job for the background thread cannot
    // join it (and some, like CLIENT LIST, wait for this very worker).
    ctx.reply.Error("ERR this command cannot run inside MULTI/EXEC");
    return nullptr;
  }
  conn->Pause();
  Worker* worker = conn->worker();
  // The connection's messages so far go out before anything the deferred job sends (a script's
  // PUBLISH and keyspace events, posted from the script thread): one publisher's order.
  worker->FlushOutboxes();
  uint64_t id = conn->id();
  return [worker, id](std::string bytes) {
    worker->RunInLoop([worker, id, bytes = std::move(bytes)] {
      if (Connection* c = worker->Find(id)) c->ResumeWithReply(bytes);
    });
  };
}

void Server::Defer(CommandContext& ctx, std::function<Status(Reply&)> job) {
  if (ctx.client.in_script()) {
    // A script's command: the script thread may wait, so the job runs here.
    size_t start = ctx.reply.size();
    Status s = job(ctx.reply);
    if (!s.ok()) {
      ctx.reply.buffer()->resize(start);
      ctx.reply.Error(s.ToString());
    }
    return;
  }
  RespVersion version = ctx.reply.version();
  auto resume = Suspend(ctx);
  if (!resume) return;  // refused (inside EXEC): the error is the reply
  RunInBackground([version, resume = std::move(resume), job = std::move(job)] {
    std::string bytes;
    Reply r(&bytes, version);
    Status s = job(r);
    if (!s.ok()) {
      bytes.clear();
      r.Error(s.ToString());
    }
    resume(std::move(bytes));
  });
}

namespace {

// A blocking command's answer when its wait ends without an element: a null array (what Redis
// answers for every blocking command, BLMOVE included).
std::string TimeoutReply(RespVersion version) {
  std::string bytes;
  Reply(&bytes, version).NullArray();
  return bytes;
}

}  // namespace

void Server::Block(CommandContext& ctx, BlockRequest req) {
  if (!ctx.client.BlockingAllowed()) {  // MULTI, a script: answered at once, as Redis does
    if (req.null_array) {
      ctx.reply.NullArray();
    } else {
      ctx.reply.Null();
    }
    return;
  }
  auto* conn = static_cast<Connection*>(&ctx.client);
  auto w = std::make_shared<BlockingRegistry::Waiter>();
  w->client_id = conn->id();
  w->seq = next_block_seq_.fetch_add(1, std::memory_order_relaxed);
  w->worker = conn->worker();
  w->ns = std::string(ctx.db.ns());
  w->resp = ctx.reply.version();
  for (const auto& k : req.keys) {
    std::string meta = ctx.db.MetaKey(k);
    if (std::find(w->meta_keys.begin(), w->meta_keys.end(), meta) != w->meta_keys.end()) continue;
    w->meta_keys.push_back(std::move(meta));
    w->user_keys.push_back(k);
  }
  if (!req.destination.empty()) w->destination_meta = ctx.db.MetaKey(req.destination);
  std::string timeout_reply = TimeoutReply(w->resp);
  int64_t timeout_ms = req.timeout_ms;
  w->request = std::move(req);
  uint64_t seq = w->seq;
  blocking_.Add(std::move(w));
  conn->Block(seq, timeout_ms, std::move(timeout_reply));
}

bool Server::UnblockClient(uint64_t id, bool with_error) {
  std::shared_ptr<BlockingRegistry::Waiter> w = blocking_.Take(id);
  if (w == nullptr) return false;
  std::string bytes;
  if (with_error) {
    Reply(&bytes, w->resp).Error("UNBLOCKED client unblocked via CLIENT UNBLOCK");
  } else {
    bytes = TimeoutReply(w->resp);
  }
  BlockingRegistry::Deliver(*w, std::move(bytes));
  return true;
}

void Server::ForEachWorker(const std::function<void(Worker&)>& fn) {
  for (auto& w : workers_) {
    std::promise<void> done;
    Worker* raw = w.get();
    raw->RunInLoop([&] {
      fn(*raw);
      done.set_value();
    });
    done.get_future().wait();
  }
}

std::string Server::ClientList() {
  std::string out;
  ForEachWorker([&](Worker& w) {
    for (Connection* c : w.Connections()) out += c->Describe() + "\n";
  });
  return out;
}

StatusOr<int64_t> Server::KillClients(const std::vector<std::string>& filter, uint64_t self) {
  // Old form: CLIENT KILL addr (may kill the caller). New form: pairs of <filter> <value>, where
  // SKIPME defaults to yes (the caller survives).
  std::vector<std::pair<std::string, std::string>> rules;
  bool skip_self = filter.size() != 1;
  if (filter.size() == 1) {
    rules.emplace_back("addr", filter[0]);
  } else {
    if (filter.size() % 2 != 0) return Status::InvalidArgument("syntax error");
    for (size_t i = 0; i < filter.size(); i += 2) {
      std::string k = ToLower(filter[i]);
      const std::string& v = filter[i + 1];
      if (k == "skipme") {
        std::string yn = ToLower(v);
        if (yn != "yes" && yn != "no") return Status::InvalidArgument("syntax error");
        skip_self = yn == "yes";
        continue;
      }
      if (k == "id") {
        auto id = ParseUint64(v);
        if (!id || *id == 0) return Status::InvalidArgument("client-id should be greater than 0");
      } else if (k == "type") {
        std::string t = ToLower(v);
        if (t != "normal" && t != "master" && t != "replica" && t != "slave" && t != "pubsub") {
          return Status::InvalidArgument("Unknown client type '" + v + "'");
        }
      } else if (k != "addr" && k != "laddr" && k != "user") {
        return Status::InvalidArgument("syntax error");
      }
      rules.emplace_back(k, v);
    }
  }
  int64_t killed = 0;
  ForEachWorker([&](Worker& w) {
    for (Connection* c : w.Connections()) {
      if (skip_self && c->id() == self) continue;
      std::string desc = c->Describe() + " ";
      bool match = true;
      for (auto& [k, v] : rules) {
        if (k == "id") match = match && c->id() == *ParseUint64(v);
        if (k == "addr") match = match && desc.find(" addr=" + v + " ") != std::string::npos;
        if (k == "laddr") match = match && desc.find(" laddr=" + v + " ") != std::string::npos;
        if (k == "user") match = match && v == "default";
        if (k == "type")
          match = match && EqualsIgnoreCase(v, c->subscribed() ? "pubsub" : "normal");
      }
      if (match) {
        c->Kill();
        killed++;
      }
    }
  });
  return killed;
}

void Server::ResetStats() {
  CommandTable::Instance().ResetStats();
  stats_.commands.Reset();
  stats_.connections_received = 0;
  stats_.rejected_connections = 0;
  stats_.unknown_commands = 0;
  stats_.error_replies.Reset();
  stats_.net_input_bytes.Reset();
  stats_.net_output_bytes.Reset();
  stats_.expired_keys = 0;
}

std::span<const CommandSpec* const> Server::AllCommands() { return CommandTable::Instance().All(); }

void Server::PauseClients(int64_t until_ms, bool writes_only) {
  pause_writes_only_.store(writes_only, std::memory_order_relaxed);
  pause_until_ms_.store(until_ms, std::memory_order_relaxed);
}

bool Server::PauseHolds(const CommandSpec* spec) {
  int64_t until = pause_until_ms_.load(std::memory_order_relaxed);
  if (until == 0 || spec == nullptr) return false;
  if (NowMs() >= until) {  // over: later commands skip the check (unless a new pause began)
    pause_until_ms_.compare_exchange_strong(until, 0);
    return false;
  }
  if (std::string_view(spec->name) == "client") return false;  // so UNPAUSE gets through
  return !pause_writes_only_.load(std::memory_order_relaxed) || (spec->flags & kCmdWrite);
}

uint64_t Server::SaveCursor(std::string last_key) {
  std::lock_guard<std::mutex> lock(cursor_mu_);
  uint64_t c = next_cursor_++;
  CursorSlot& slot = cursors_[c % kCursorSlots];
  slot.cursor = c;
  slot.last_key = std::move(last_key);
  return c;
}

StatusOr<std::string> Server::LoadCursor(uint64_t cursor) {
  std::lock_guard<std::mutex> lock(cursor_mu_);
  const CursorSlot& slot = cursors_[cursor % kCursorSlots];
  if (slot.cursor != cursor) return Status::InvalidArgument("invalid cursor");
  return slot.last_key;
}

std::string Server::Info(std::string_view section, std::string_view ns) {
  InfoInput in{*this, start_ms_, startup_allocated_, ns};
  return RenderInfo(in, section);
}

}  // namespace mnemo
