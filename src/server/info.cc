#include "server/info.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <functional>

#include "commands/registry.h"
#include "common/string_util.h"
#include "common/version.h"
#include "memory/snapshot.h"
#include "server/server.h"
#include "types/database.h"
#include "types/namespaces.h"

namespace mnemo {
namespace {

class InfoWriter {
 public:
  void Header(const char* name) {
    if (!out_.empty()) out_ += "\r\n";
    out_ += "# ";
    out_ += name;
    out_ += "\r\n";
  }
  void Field(std::string_view k, std::string_view v) {
    out_.append(k);
    out_ += ':';
    out_.append(v);
    out_ += "\r\n";
  }
  void Field(std::string_view k, uint64_t v) { Field(k, std::to_string(v)); }
  void Field(std::string_view k, int64_t v) { Field(k, std::to_string(v)); }
  void Field(std::string_view k, int v) { Field(k, std::to_string(v)); }
  void Bytes(std::string_view k, uint64_t v) {
    Field(k, v);
    Field(std::string(k) + "_human", HumanBytes(v));
  }
  void Raw(std::string_view lines) { out_.append(lines); }  // ready-made "k:v\r\n" lines
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

void ServerSection(InfoWriter& w, const InfoInput& in) {
  utsname u{};
  uname(&u);
  int64_t uptime = (NowMs() - in.start_ms) / 1000;
  w.Header("Server");
  w.Field("redis_version", kRedisCompatVersion);
  w.Field("server_name", kServerName);
  w.Field("mnemo_version", kMnemoVersion);
  w.Field("redis_mode", "standalone");
  w.Field("os", std::string(u.sysname) + " " + u.release + " " + u.machine);
  w.Field("arch_bits", static_cast<int>(sizeof(void*) * 8));
  w.Field("process_id", static_cast<int64_t>(getpid()));
  w.Field("tcp_port", in.server.port());
  w.Field("tls_port", in.server.tls_port());
  w.Field("uptime_in_seconds", uptime);
  w.Field("uptime_in_days", uptime / 86400);
  w.Field("config_file", in.server.config().config_file());
}

void ClientsSection(InfoWriter& w, const InfoInput& in) {
  w.Header("Clients");
  w.Field("connected_clients", in.server.connected_clients());
  w.Field("maxclients", in.server.config().maxclients.load());
  w.Field("blocked_clients", in.server.blocking().blocked());
}

// RocksDB's figures of this INFO, read on first use.
const StorageFigures& StorageOf(const InfoInput& in) {
  if (!in.storage) in.storage = in.server.storage().GetFigures();
  return *in.storage;
}

// Rendered from one memory snapshot, the same source as MEMORY STATS and MEMORY REPORT.
void MemorySection(InfoWriter& w, const InfoInput& in) {
  w.Header("Memory");
  w.Raw(RenderInfoMemory(in.server.TakeMemorySnapshot(StorageOf(in))));
}

void PersistenceSection(InfoWriter& w, const InfoInput& in) {
  w.Header("Persistence");
  w.Field("loading", 0);
  w.Field("async_loading", 0);
  w.Field("rdb_bgsave_in_progress", 0);
  w.Field("aof_enabled", 0);
  w.Field("sync_writes", in.server.config().sync_writes.load() ? "yes" : "no");
  w.Field("db_disk_bytes", in.server.storage().DiskUsage());
  // RocksDB's background error state: a full disk refuses writes until RocksDB recovers.
  StorageHealth h = in.server.storage().GetHealth();
  w.Field("storage_status", h.error.empty() ? "ok" : "err");
  w.Field("storage_writes_refused", h.writes_refused ? 1 : 0);
  w.Field("storage_error", h.error);
  w.Field("storage_error_since", h.error_since_ms / 1000);
  w.Field("storage_errors", h.errors);
  w.Field("storage_recoveries", h.recoveries);
}

void StatsSection(InfoWriter& w, const InfoInput& in) {
  ServerStats& s = in.server.stats();
  w.Header("Stats");
  w.Field("total_connections_received", s.connections_received.load());
  w.Field("total_commands_processed", s.commands.Load());
  w.Field("total_net_input_bytes", s.net_input_bytes.Load());
  w.Field("total_net_output_bytes", s.net_output_bytes.Load());
  w.Field("rejected_connections", s.rejected_connections.load());
  w.Field("expired_keys", s.expired_keys.load());
  w.Field("unknown_commands", s.unknown_commands.load());
  w.Field("total_error_replies", s.error_replies.Load());
  w.Field("client_query_buffer_limit_disconnections", s.rejected_query_buffer.load());
  w.Field("client_output_buffer_limit_disconnections", s.output_limit_disconnections.load());
  const PubSubRegistry& pubsub = in.server.pubsub();
  w.Field("pubsub_channels", pubsub.TotalNames(PubSubKind::kChannel));
  w.Field("pubsub_patterns", pubsub.TotalNames(PubSubKind::kPattern));
  w.Field("pubsub_shardchannels", pubsub.TotalNames(PubSubKind::kShard));
  TlsContext* tls = in.server.tls();
  w.Field("tls_handshake_failures", tls != nullptr ? tls->handshake_failures() : 0);
  w.Field("tls_handshake_timeouts", tls != nullptr ? tls->handshake_timeouts() : 0);
  KeyCache::Stats kc = in.server.storage().key_cache().GetStats();
  w.Field("key_cache_hits", kc.hits);
  w.Field("key_cache_misses", kc.misses);
}

// Redis's db0 line for the caller's namespace, from its counters (Database::CountKeys), so it
// agrees with DBSIZE. Without keys there is no line, as in Redis.
void KeyspaceSection(InfoWriter& w, const InfoInput& in) {
  w.Header("Keyspace");
  auto c = Database(&in.server.storage(), in.ns).CountKeys();
  if (!c.ok()) {
    w.Field("keyspace_error", c.status().ToString());
    return;
  }
  if (c->keys == 0) return;
  w.Field("db0", "keys=" + std::to_string(c->keys) + ",expires=" + std::to_string(c->expires) +
                     ",avg_ttl=" + std::to_string(c->avg_ttl_ms));
}

// One line per namespace: every namespace for the default namespace's clients, a tenant's own
// otherwise (docs/namespaces.md).
void NamespacesSection(InfoWriter& w, const InfoInput& in) {
  w.Header("Namespaces");
  NamespaceRegistry& reg = in.server.namespaces();
  for (const std::string& ns : reg.Visible(in.ns)) {
    auto f = reg.Figures(ns);
    if (!f.ok()) continue;
    std::string line;
    for (const auto& [name, value] : f->Fields()) {
      if (!line.empty()) line += ',';
      line += std::string(name) + "=" + std::to_string(value);
    }
    w.Field("ns_" + ns, line);
  }
}

void CommandStatsSection(InfoWriter& w, const InfoInput&) {
  w.Header("Commandstats");
  CommandTable& t = CommandTable::Instance();
  for (const CommandSpec* c : t.All()) {
    CommandCounts s = t.Counts(c);
    uint64_t calls = s.calls, usec = s.usec;
    if (calls == 0 && s.rejected_calls == 0) continue;
    char buf[320];
    snprintf(buf, sizeof(buf),
             "calls=%llu,usec=%llu,usec_per_call=%.2f,rejected_calls=%llu,failed_calls=%llu,"
             "alloc_bytes=%llu,alloc_bytes_per_call=%.2f,alloc_peak_bytes=%llu",
             static_cast<unsigned long long>(calls), static_cast<unsigned long long>(usec),
             calls ? static_cast<double>(usec) / static_cast<double>(calls) : 0.0,
             static_cast<unsigned long long>(s.rejected_calls),
             static_cast<unsigned long long>(s.failed_calls),
             static_cast<unsigned long long>(s.alloc_bytes),
             calls ? static_cast<double>(s.alloc_bytes) / static_cast<double>(calls) : 0.0,
             static_cast<unsigned long long>(s.alloc_peak));
    w.Field(std::string("cmdstat_") + c->name, buf);
  }
}

// Redis 7's latencystats: p50, p99 and p99.9 of each command's latency histogram, in us with
// three decimals, for every command called since start (or CONFIG RESETSTAT).
void LatencyStatsSection(InfoWriter& w, const InfoInput& in) {
  w.Header("Latencystats");
  if (!in.server.config().latency_tracking.load()) return;  // as Redis: empty while off
  CommandTable& t = CommandTable::Instance();
  for (const CommandSpec* c : t.All()) {
    LatencyHistogram h = t.Counts(c).latency;
    if (h.Total() == 0) continue;
    char buf[128];
    snprintf(buf, sizeof(buf), "p50=%.3f,p99=%.3f,p99.9=%.3f", h.Percentile(50), h.Percentile(99),
             h.Percentile(99.9));
    w.Field(std::string("latency_percentiles_usec_") + c->name, buf);
  }
}

// What a cold read and a write cost RocksDB (Storage::GetFigures; docs/info.md, "storage").
void StorageSection(InfoWriter& w, const InfoInput& in) {
  const StorageFigures& st = StorageOf(in);
  w.Header("Storage");
  w.Field("storage_block_cache_hits", st.block_cache_hits);
  w.Field("storage_block_cache_misses", st.block_cache_misses);
  uint64_t lookups = st.block_cache_hits + st.block_cache_misses;
  char ratio[32];
  snprintf(ratio, sizeof(ratio), "%.4f",
           lookups == 0 ? 0.0 : static_cast<double>(st.block_cache_hits) / lookups);
  w.Field("storage_block_cache_hit_ratio", ratio);
  w.Field("storage_block_cache_index_filter_misses", st.index_filter_misses);
  w.Bytes("storage_block_cache_index_bytes", st.index_bytes);
  w.Bytes("storage_block_cache_filter_bytes", st.filter_bytes);
  w.Field("storage_l0_files", st.l0_files);
  w.Bytes("storage_pending_compaction_bytes", st.pending_compaction_bytes);
  w.Field("storage_write_stall_ms", st.stall_micros / 1000);
  w.Field("storage_writes_stopped", st.write_stopped ? 1 : 0);
}

// The memory limit and what the governor did about it (docs/memory.md, "The memory limit").
void GovernorSection(InfoWriter& w, const InfoInput& in) {
  MemoryGovernor& g = in.server.governor();
  MemoryBudgets b = in.server.budgets();
  GovernorCounters& c = g.counters();
  w.Header("Governor");
  w.Bytes("maxmemory_effective", b.limit);
  w.Field("maxmemory_source", b.source);
  w.Field("cgroup_memory_limit", b.cgroup_limit);
  w.Field("memory_level", MemoryLevelName(g.level()));
  w.Field("memory_level_changes", c.level_changes.load());
  w.Field("governor_used_memory", g.last_used());
  w.Field("governor_block_cache_capacity", g.cache_capacity());
  w.Field("governor_block_cache_baseline", b.cache);
  w.Field("governor_key_cache_capacity", g.key_cache_capacity());
  w.Field("governor_key_cache_baseline", b.key_cache);
  w.Field("governor_memtable_budget", g.memtable_budget());
  w.Field("governor_memtable_baseline", b.memtable_budget);
  w.Field("governor_memtables_per_flush", in.server.storage().memtables_per_flush());
  w.Field("governor_purges", c.purges.load());
  w.Field("governor_purged_bytes", c.purged_bytes.load());
  w.Field("governor_cache_shrinks", c.cache_shrinks.load());
  w.Field("governor_cache_restores", c.cache_restores.load());
  w.Field("governor_memtable_budget_cuts", c.memtable_budget_cuts.load());
  w.Field("governor_profiling_pauses", c.profiling_pauses.load());
  w.Field("governor_profiling_paused", g.profiling_paused() ? 1 : 0);
  w.Field("governor_clients_closed", c.clients_closed.load());
  w.Field("oom_rejected_commands", c.refused_commands.load());
  w.Field("oom_rejected_oversized_requests", c.refused_oversized.load());
  w.Field("oom_rejected_replies", c.refused_replies.load());
  w.Field("memory_policies", in.server.policies().size());
  w.Field("memory_policy_firings", in.server.policies().total_fired());
}

struct Section {
  const char* name;
  bool in_default;
  void (*render)(InfoWriter&, const InfoInput&);
};

const Section kSections[] = {
    {"server", true, ServerSection},
    {"clients", true, ClientsSection},
    {"memory", true, MemorySection},
    {"persistence", true, PersistenceSection},
    {"stats", true, StatsSection},
    {"keyspace", true, KeyspaceSection},
    {"governor", true, GovernorSection},
    {"storage", true, StorageSection},
    {"namespaces", false, NamespacesSection},
    {"commandstats", false, CommandStatsSection},
    {"latencystats", false, LatencyStatsSection},
};

}  // namespace

std::string RenderInfo(const InfoInput& in, std::string_view section) {
  InfoWriter w;
  std::string wanted = " " + std::string(section) + " ";
  bool all = section == "all" || section == "everything";
  bool def = section.empty() || section == "default";
  for (const Section& s : kSections) {
    bool named = wanted.find(std::string(" ") + s.name + " ") != std::string::npos;
    if (named || all || (def && s.in_default)) s.render(w, in);
  }
  return w.Take();
}

}  // namespace mnemo
