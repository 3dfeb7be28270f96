#include "server/metrics.h"

#include "commands/registry.h"
#include "common/string_util.h"
#include "common/version.h"
#include "http/prometheus.h"
#include "memory/history.h"
#include "memory/policy.h"
#include "memory/snapshot.h"
#include "server/server.h"
#include "types/namespaces.h"

namespace mnemo {
namespace {

struct MemoryGauge {
  const char* name;
  const char* help;
  uint64_t (*get)(const MemorySnapshot&);
};

// Every field of the memory snapshot (memory/snapshot.h; docs/memory.md says what each
// includes), except rss, served as process_resident_memory_bytes.
const MemoryGauge kMemoryGauges[] = {
    {"mnemo_memory_allocated_bytes", "Bytes in live allocations (jemalloc stats.allocated).",
     [](const MemorySnapshot& s) { return s.allocator.allocated; }},
    {"mnemo_memory_active_bytes", "Bytes in the allocator's active pages (stats.active).",
     [](const MemorySnapshot& s) { return s.allocator.active; }},
    {"mnemo_memory_allocator_resident_bytes", "Bytes of resident pages the allocator maps.",
     [](const MemorySnapshot& s) { return s.allocator.resident; }},
    {"mnemo_memory_mapped_bytes", "Bytes in active extents the allocator maps.",
     [](const MemorySnapshot& s) { return s.allocator.mapped; }},
    {"mnemo_memory_retained_bytes", "Virtual memory the allocator keeps mapped but returned.",
     [](const MemorySnapshot& s) { return s.allocator.retained; }},
    {"mnemo_memory_allocator_metadata_bytes", "The allocator's own metadata.",
     [](const MemorySnapshot& s) { return s.allocator.metadata; }},
    {"mnemo_memory_system_total_bytes", "Physical RAM of the machine.",
     [](const MemorySnapshot& s) { return s.total_system_memory; }},
    {"mnemo_memory_block_cache_bytes", "RocksDB block cache usage, pinned entries included.",
     [](const MemorySnapshot& s) { return s.in.block_cache_usage; }},
    {"mnemo_memory_block_cache_capacity_bytes", "RocksDB block cache capacity now.",
     [](const MemorySnapshot& s) { return s.in.block_cache_capacity; }},
    {"mnemo_memory_block_cache_pinned_bytes", "Block cache entries in use by readers now.",
     [](const MemorySnapshot& s) { return s.in.block_cache_pinned; }},
    {"mnemo_memory_memtables_bytes", "All memtables, flushed but still pinned ones included.",
     [](const MemorySnapshot& s) { return s.in.memtables_all; }},
    {"mnemo_memory_memtables_unflushed_bytes", "Active and unflushed immutable memtables.",
     [](const MemorySnapshot& s) { return s.in.memtables_unflushed; }},
    {"mnemo_memory_memtables_budget_bytes", "The memtable budget from the config.",
     [](const MemorySnapshot& s) { return s.in.memtables_budget; }},
    {"mnemo_memory_table_readers_bytes", "SST index and filter memory outside the block cache.",
     [](const MemorySnapshot& s) { return s.in.table_readers; }},
    {"mnemo_memory_storage_jobs_bytes", "What running RocksDB flushes and compactions hold.",
     [](const MemorySnapshot& s) { return s.in.background_jobs; }},
    {"mnemo_memory_key_cache_bytes", "Mnemo's key cache: entries and tables.",
     [](const MemorySnapshot& s) { return s.in.key_cache_usage; }},
    {"mnemo_memory_key_cache_capacity_bytes", "The key cache's capacity now.",
     [](const MemorySnapshot& s) { return s.in.key_cache_capacity; }},
    {"mnemo_memory_clients_query_buffers_bytes", "Capacity of every client's query buffer.",
     [](const MemorySnapshot& s) { return s.in.clients_normal_query; }},
    {"mnemo_memory_clients_reply_buffers_bytes", "Capacity of every client's reply buffer.",
     [](const MemorySnapshot& s) { return s.in.clients_normal_reply; }},
    {"mnemo_memory_clients_bytes", "Client buffers: query plus reply.",
     [](const MemorySnapshot& s) { return s.clients_normal; }},
    {"mnemo_memory_profiler_bytes", "What the heap profiler itself costs.",
     [](const MemorySnapshot& s) { return s.in.profiler_bytes; }},
    {"mnemo_memory_startup_allocated_bytes", "Allocated bytes once the server had started.",
     [](const MemorySnapshot& s) { return s.in.startup_allocated; }},
    {"mnemo_memory_peak_allocated_bytes", "Highest allocated bytes seen since start.",
     [](const MemorySnapshot& s) { return s.peak_allocated; }},
    {"mnemo_memory_maxmemory_bytes", "The maxmemory setting; 0 = none.",
     [](const MemorySnapshot& s) { return s.in.maxmemory; }},
    {"mnemo_memory_components_bytes", "Sum of the named components (see docs/memory.md).",
     [](const MemorySnapshot& s) { return s.components; }},
    {"mnemo_memory_unaccounted_bytes", "Allocated bytes no named component explains.",
     [](const MemorySnapshot& s) { return s.unaccounted; }},
    {"mnemo_memory_rss_beyond_allocator_bytes", "RSS beyond the allocator's resident pages.",
     [](const MemorySnapshot& s) { return s.rss_beyond_allocator; }},
    {"mnemo_memory_overhead_bytes", "Startup, client and profiler bytes (Redis's overhead).",
     [](const MemorySnapshot& s) { return s.overhead; }},
    {"mnemo_memory_dataset_bytes", "Allocated minus overhead (Redis's dataset.bytes).",
     [](const MemorySnapshot& s) { return s.dataset; }},
};

void MemoryMetrics(PrometheusWriter& w, const MemorySnapshot& s) {
  w.Gauge("process_resident_memory_bytes", "Resident set size of the process.", s.rss);
  w.Gauge("mnemo_memory_allocator_available",
          "1 when the allocator's figures are known (jemalloc), 0 otherwise.",
          uint64_t{s.allocator_available ? 1u : 0u});
  for (const MemoryGauge& g : kMemoryGauges) w.Gauge(g.name, g.help, g.get(s));
  w.Gauge("mnemo_key_cache_entries", "Records held by the key cache.", s.in.key_cache_entries);
  w.Family("mnemo_thread_allocated_bytes_total", MetricType::kCounter,
           "Bytes a thread allocated since it started (published once a second).");
  for (const ThreadMemory& t : s.in.threads) w.Sample({{"thread", t.name}}, t.allocated);
  w.Family("mnemo_thread_deallocated_bytes_total", MetricType::kCounter,
           "Bytes a thread freed since it started (published once a second).");
  for (const ThreadMemory& t : s.in.threads) w.Sample({{"thread", t.name}}, t.deallocated);
}

void GovernorMetrics(PrometheusWriter& w, Server& server) {
  MemoryGovernor& g = server.governor();
  GovernorCounters& c = g.counters();
  w.Gauge("mnemo_memory_level", "Governor level: 0 normal, 1 soft, 2 hard, 3 full.",
          uint64_t{static_cast<uint64_t>(g.level())});
  w.Gauge("mnemo_memory_effective_limit_bytes", "The limit the governor enforces; 0 = none.",
          server.budgets().limit);
  w.Gauge("mnemo_governor_block_cache_capacity_bytes", "Block cache capacity the governor set.",
          g.cache_capacity());
  w.Gauge("mnemo_governor_key_cache_capacity_bytes", "Key cache capacity the governor set.",
          g.key_cache_capacity());
  w.Gauge("mnemo_governor_memtable_budget_bytes", "Memtable budget the governor set.",
          g.memtable_budget());
  struct Count {
    const char* name;
    const char* help;
    const std::atomic<uint64_t>& v;
  };
  const Count counts[] = {
      {"mnemo_governor_level_changes_total", "Governor level changes.", c.level_changes},
      {"mnemo_governor_purges_total", "Allocator purges by the governor.", c.purges},
      {"mnemo_governor_purged_bytes_total", "Resident bytes the purges released.", c.purged_bytes},
      {"mnemo_governor_cache_shrinks_total", "Block cache shrink steps.", c.cache_shrinks},
      {"mnemo_governor_cache_restores_total", "Block cache restore steps.", c.cache_restores},
      {"mnemo_governor_memtable_budget_cuts_total", "Memtable budget cuts.",
       c.memtable_budget_cuts},
      {"mnemo_governor_profiling_pauses_total", "Times the governor paused heap profiling.",
       c.profiling_pauses},
      {"mnemo_governor_clients_closed_total", "Clients closed for their buffers' size.",
       c.clients_closed},
      {"mnemo_oom_rejected_commands_total", "Commands refused with -OOM.", c.refused_commands},
      {"mnemo_oom_rejected_oversized_requests_total", "Oversized requests refused with -OOM.",
       c.refused_oversized},
      {"mnemo_oom_rejected_replies_total", "Replies refused for the memory limit.",
       c.refused_replies},
  };
  for (const Count& k : counts) w.Counter(k.name, k.help, k.v.load(std::memory_order_relaxed));
}

void ProfilerMetrics(PrometheusWriter& w, HeapProfiler& profiler) {
  HeapProfiler::Info info = profiler.GetInfo();
  w.Gauge("mnemo_profiler_armed", "1 when heap profiling can be enabled.",
          uint64_t{info.armed ? 1u : 0u});
  w.Gauge("mnemo_profiler_active", "1 while heap profiling samples.",
          uint64_t{info.active ? 1u : 0u});
  w.Gauge("mnemo_profiler_sample_bytes", "Mean bytes between heap samples.",
          static_cast<uint64_t>(info.sample_bytes));
  w.Counter("mnemo_profiler_dumps_total", "Heap profile dumps written since start.",
            static_cast<uint64_t>(info.dumps_taken));
}

void ServerMetrics(PrometheusWriter& w, Server& server) {
  ServerStats& st = server.stats();
  w.Family("mnemo_build_info", MetricType::kGauge, "Always 1; the labels name the build.");
  w.Sample({{"version", kMnemoVersion}, {"redis_version", kRedisCompatVersion}}, uint64_t{1});
  w.Gauge("mnemo_uptime_seconds", "Seconds since the server started.",
          static_cast<uint64_t>((NowMs() - server.start_ms()) / 1000));
  w.Gauge("mnemo_connected_clients", "Client connections open now.",
          static_cast<uint64_t>(server.connected_clients()));
  w.Counter("mnemo_connections_received_total", "Connections accepted.",
            st.connections_received.load());
  w.Counter("mnemo_rejected_connections_total", "Connections refused (maxclients, protection).",
            st.rejected_connections.load());
  w.Counter("mnemo_commands_processed_total", "Commands run.", st.commands.Load());
  w.Counter("mnemo_unknown_commands_total", "Requests naming no command.",
            st.unknown_commands.load());
  w.Counter("mnemo_error_replies_total", "Error replies of every kind.", st.error_replies.Load());
  w.Counter("mnemo_net_input_bytes_total", "Bytes read from clients.", st.net_input_bytes.Load());
  w.Counter("mnemo_net_output_bytes_total", "Bytes written to clients.",
            st.net_output_bytes.Load());
  w.Counter("mnemo_expired_keys_total", "Keys removed by the active expiry.",
            st.expired_keys.load());
  w.Gauge("mnemo_slowlog_entries", "Entries in the slow log now.",
          static_cast<uint64_t>(server.slowlog().Len()));
}

void CommandMetrics(PrometheusWriter& w) {
  CommandTable& t = CommandTable::Instance();
  std::vector<std::pair<const CommandSpec*, CommandCounts>> used;
  for (const CommandSpec* c : t.All()) {
    CommandCounts n = t.Counts(c);
    if (n.calls != 0 || n.rejected_calls != 0) used.emplace_back(c, n);
  }
  w.Family("mnemo_command_calls_total", MetricType::kCounter, "Calls of a command that ran.");
  for (const auto& [c, n] : used) w.Sample({{"command", c->name}}, n.calls);
  w.Family("mnemo_command_rejected_calls_total", MetricType::kCounter,
           "Calls refused before running (arity, access, memory).");
  for (const auto& [c, n] : used) w.Sample({{"command", c->name}}, n.rejected_calls);
  w.Family("mnemo_command_failed_calls_total", MetricType::kCounter,
           "Calls that ran and answered an error.");
  for (const auto& [c, n] : used) w.Sample({{"command", c->name}}, n.failed_calls);
  w.Family("mnemo_command_duration_seconds", MetricType::kHistogram,
           "Execution time of a command (latency-tracking; buckets double from 1 us).");
  for (const auto& [c, n] : used) w.Histogram({{"command", c->name}}, n.latency, n.usec);
}

void NamespaceMetrics(PrometheusWriter& w, Server& server) {
  auto counters = server.storage().CountersByNamespace();
  NamespaceRegistry& reg = server.namespaces();
  w.Family("mnemo_namespace_keys", MetricType::kGauge, "Keys of a namespace.");
  for (const auto& [ns, c] : counters) w.Sample({{"namespace", ns}}, c.keys);
  w.Family("mnemo_namespace_expiring_keys", MetricType::kGauge, "Keys with an expiry.");
  for (const auto& [ns, c] : counters) w.Sample({{"namespace", ns}}, c.expires);
  w.Family("mnemo_namespace_data_bytes", MetricType::kGauge,
           "Logical bytes of a namespace (keys and values), what quotas limit.");
  for (const auto& [ns, c] : counters) w.Sample({{"namespace", ns}}, c.bytes);
  w.Family("mnemo_namespace_quota_bytes", MetricType::kGauge, "Data quota; 0 = none.");
  for (const auto& [ns, c] : counters) w.Sample({{"namespace", ns}}, reg.Quota(ns));
  w.Family("mnemo_namespace_quota_refusals_total", MetricType::kCounter,
           "Writes refused for the namespace's quota.");
  for (const auto& [ns, c] : counters) w.Sample({{"namespace", ns}}, reg.Refused(ns));
}

void StorageMetrics(PrometheusWriter& w, Server& server, const StorageFigures& f) {
  StorageMemory m = server.storage().GetMemory();
  w.Gauge("mnemo_rocksdb_l0_files", "SST files at level 0.", f.l0_files);
  w.Gauge("mnemo_rocksdb_pending_compaction_bytes", "Bytes compaction estimates it must rewrite.",
          f.pending_compaction_bytes);
  w.Gauge("mnemo_rocksdb_running_compactions", "Compactions running now.", f.running_compactions);
  w.Gauge("mnemo_rocksdb_running_flushes", "Flushes running now.", f.running_flushes);
  w.Gauge("mnemo_rocksdb_immutable_memtables", "Full memtables waiting for a flush.",
          f.immutable_memtables);
  w.Family("mnemo_rocksdb_stall_seconds_total", MetricType::kCounter,
           "Time writes were stalled or slowed by RocksDB.");
  w.Sample({}, static_cast<double>(f.stall_micros) / 1e6);
  w.Counter("mnemo_rocksdb_write_stops_total", "Write stops.", f.stall_stops);
  w.Counter("mnemo_rocksdb_write_slowdowns_total", "Write slowdowns.", f.stall_slowdowns);
  w.Gauge("mnemo_rocksdb_write_stopped", "1 while RocksDB stops writes.",
          uint64_t{f.write_stopped ? 1u : 0u});
  w.Gauge("mnemo_rocksdb_delayed_write_rate_bytes", "Write rate while delayed, bytes/s; 0 = none.",
          f.delayed_write_rate);
  w.Gauge("mnemo_rocksdb_sst_bytes", "Bytes of SST files.", f.sst_bytes);
  w.Gauge("mnemo_rocksdb_blob_bytes", "Bytes of blob files (rocksdb.min-blob-size).", f.blob_bytes);
  w.Gauge("mnemo_rocksdb_live_data_bytes", "Estimated bytes of live data in SST files.",
          f.live_data_bytes);
  w.Counter("mnemo_key_cache_hits_total", "Key cache lookups that found the key's record.",
            m.key_cache_hits);
  w.Counter("mnemo_key_cache_misses_total", "Key cache lookups that went to RocksDB.",
            m.key_cache_misses);
  w.Counter("mnemo_rocksdb_block_cache_hits_total",
            "Block lookups (data, index, filter) the block cache answered.", f.block_cache_hits);
  w.Counter("mnemo_rocksdb_block_cache_misses_total", "Block lookups read from an SST file.",
            f.block_cache_misses);
  w.Gauge("mnemo_rocksdb_block_cache_index_filter_bytes",
          "Index and filter blocks in the block cache.", f.index_bytes + f.filter_bytes);
}

// For autoscalers: the forecast of the memory history (memory/history.h). A figure that does not
// exist now (no limit, a window without samples, not growing) is left out rather than faked.
void ForecastMetrics(PrometheusWriter& w, Server& server) {
  MemoryForecast f = server.history().Forecast(server.MemoryLimit());
  if (f.limit > 0) {
    w.Gauge("mnemo_memory_headroom_bytes", "Bytes left under the effective memory limit.",
            uint64_t{f.used >= f.limit ? 0 : f.limit - f.used});
  }
  if (f.eta_seconds) {
    w.Gauge("mnemo_memory_limit_eta_seconds",
            "Seconds until used memory reaches the limit at the current growth rate.",
            *f.eta_seconds);
  }
  w.Family("mnemo_memory_growth_bytes_per_second", MetricType::kGauge,
           "Growth rate of used memory over a window (Theil-Sen estimate).");
  for (const GrowthWindow* g : {&f.w1m, &f.w10m, &f.w1h}) {
    if (!g->bytes_per_second) continue;
    const char* window = g == &f.w1m ? "1m" : g == &f.w10m ? "10m" : "1h";
    w.Sample({{"window", window}}, *g->bytes_per_second);
  }
  w.Gauge("mnemo_memory_recommended_limit_bytes",
          "The peak of used memory over the history (up to 24 h) plus 25 % headroom.",
          f.recommended);
  w.Gauge("mnemo_memory_policies", "Memory policies in force.", uint64_t{server.policies().size()});
  w.Counter("mnemo_memory_policy_firings_total", "Times any memory policy fired.",
            server.policies().total_fired());
}

}  // namespace

std::string RenderMetrics(Server& server) {
  PrometheusWriter w;
  StorageFigures storage = server.storage().GetFigures();  // one read for the whole scrape
  MemoryMetrics(w, server.TakeMemorySnapshot(storage));
  GovernorMetrics(w, server);
  ProfilerMetrics(w, server.profiler());
  ServerMetrics(w, server);
  CommandMetrics(w);
  NamespaceMetrics(w, server);
  StorageMetrics(w, server, storage);
  ForecastMetrics(w, server);
  return w.Take();
}

}  // namespace mnemo
