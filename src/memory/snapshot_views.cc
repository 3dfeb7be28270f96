// The views of a MemorySnapshot: INFO memory, MEMORY STATS and the JSON report. Every number
// shown by more than one view is computed once, in Derive(), so the views cannot disagree.
#include <cstdio>
#include <limits>

#include "common/string_util.h"
#include "memory/json_writer.h"
#include "memory/snapshot.h"

namespace mnemo {
namespace {

using Kind = MemoryField::Kind;

int64_t Signed(uint64_t v) {
  constexpr auto kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  return static_cast<int64_t>(v > kMax ? kMax : v);
}
int64_t Diff(uint64_t a, uint64_t b) { return Signed(a) - Signed(b); }
double Ratio(uint64_t a, uint64_t b) {
  return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b);
}

// The numbers derived from the allocator counters, as Redis defines them (object.c,
// getMemoryOverheadData). All 0 without allocator numbers.
struct Derived {
  double allocator_frag_ratio = 0, allocator_rss_ratio = 0, rss_overhead_ratio = 0, frag = 0;
  int64_t allocator_frag_bytes = 0, allocator_rss_bytes = 0, rss_overhead_bytes = 0;
  int64_t frag_bytes = 0;
  double peak_perc = 0, dataset_perc = 0;
  int64_t bytes_per_key = 0;
};

Derived Derive(const MemorySnapshot& s) {
  Derived d;
  if (!s.allocator_available) return d;
  const allocator::Stats& a = s.allocator;
  d.allocator_frag_ratio = Ratio(a.active, a.allocated);
  d.allocator_frag_bytes = Diff(a.active, a.allocated);
  d.allocator_rss_ratio = Ratio(a.resident, a.active);
  d.allocator_rss_bytes = Diff(a.resident, a.active);
  d.rss_overhead_ratio = Ratio(s.rss, a.resident);
  d.rss_overhead_bytes = Diff(s.rss, a.resident);
  d.frag = Ratio(s.rss, a.allocated);
  d.frag_bytes = Diff(s.rss, a.allocated);
  d.peak_perc = 100.0 * Ratio(a.allocated, s.peak_allocated);
  uint64_t net = a.allocated > s.in.startup_allocated ? a.allocated - s.in.startup_allocated : 0;
  d.dataset_perc = 100.0 * Ratio(s.dataset, net);
  d.bytes_per_key = s.in.keys == 0 ? 0 : Signed(net / s.in.keys);
  return d;
}

MemoryField Int(const char* name, int64_t v) { return {name, Kind::kInt, v, 0, {}}; }
MemoryField Bytes(const char* name, uint64_t v) { return Int(name, Signed(v)); }
MemoryField Dbl(const char* name, double v) { return {name, Kind::kDouble, 0, v, {}}; }
MemoryField Text(const char* name, std::string v) {
  return {name, Kind::kText, 0, 0, std::move(v)};
}
std::string Percent(double v) {
  char buf[32];
  snprintf(buf, sizeof(buf), "%.2f%%", v);
  return buf;
}

}  // namespace

std::vector<MemoryField> InfoMemoryFields(const MemorySnapshot& s) {
  const Derived d = Derive(s);
  const allocator::Stats& a = s.allocator;
  const MemoryInputs& in = s.in;
  return {
      Bytes("used_memory", a.allocated),
      Text("used_memory_human", HumanBytes(a.allocated)),
      Bytes("used_memory_rss", s.rss),
      Text("used_memory_rss_human", HumanBytes(s.rss)),
      Bytes("used_memory_peak", s.peak_allocated),
      Text("used_memory_peak_human", HumanBytes(s.peak_allocated)),
      Text("used_memory_peak_perc", Percent(d.peak_perc)),
      Bytes("used_memory_overhead", s.overhead),
      Bytes("used_memory_startup", in.startup_allocated),
      Bytes("used_memory_dataset", s.dataset),
      Text("used_memory_dataset_perc", Percent(d.dataset_perc)),
      Bytes("allocator_allocated", a.allocated),
      Bytes("allocator_active", a.active),
      Bytes("allocator_resident", a.resident),
      Bytes("allocator_mapped", a.mapped),
      Bytes("allocator_retained", a.retained),
      Bytes("allocator_metadata", a.metadata),
      Bytes("total_system_memory", s.total_system_memory),
      Text("total_system_memory_human", HumanBytes(s.total_system_memory)),
      Bytes("used_memory_lua", in.lua_vm),
      Bytes("used_memory_vm_eval", in.lua_vm),
      Text("used_memory_lua_human", HumanBytes(in.lua_vm)),
      Bytes("used_memory_scripts_eval", in.lua_scripts),
      Int("number_of_cached_scripts", static_cast<int64_t>(in.lua_cached_scripts)),
      Bytes("used_memory_scripts", in.lua_scripts),
      Text("used_memory_scripts_human", HumanBytes(in.lua_scripts)),
      Bytes("maxmemory", in.maxmemory),
      Text("maxmemory_human", HumanBytes(in.maxmemory)),
      Dbl("allocator_frag_ratio", d.allocator_frag_ratio),
      Int("allocator_frag_bytes", d.allocator_frag_bytes),
      Dbl("allocator_rss_ratio", d.allocator_rss_ratio),
      Int("allocator_rss_bytes", d.allocator_rss_bytes),
      Dbl("rss_overhead_ratio", d.rss_overhead_ratio),
      Int("rss_overhead_bytes", d.rss_overhead_bytes),
      Dbl("mem_fragmentation_ratio", d.frag),
      Int("mem_fragmentation_bytes", d.frag_bytes),
      Bytes("mem_clients_normal", s.clients_normal),
      Text("mem_allocator", s.allocator_name),
      Bytes("mem_block_cache", in.block_cache_usage),
      Bytes("mem_block_cache_capacity", in.block_cache_capacity),
      Bytes("mem_block_cache_pinned", in.block_cache_pinned),
      Bytes("mem_memtables", in.memtables_all),
      Bytes("mem_memtables_unflushed", in.memtables_unflushed),
      Bytes("mem_memtables_budget", in.memtables_budget),
      Bytes("mem_table_readers", in.table_readers),
      Bytes("mem_storage_jobs", in.background_jobs),
      Bytes("mem_key_cache", in.key_cache_usage),
      Bytes("mem_key_cache_capacity", in.key_cache_capacity),
      Bytes("mem_client_query_buffers", in.clients_normal_query),
      Bytes("mem_client_reply_buffers", in.clients_normal_reply),
      Bytes("mem_pubsub_registry", in.pubsub_registry),
      Bytes("mem_client_running_commands", in.clients_running),
      Bytes("mem_client_pending_writes", in.clients_pending_writes),
      Bytes("mem_profiler", in.profiler_bytes),
      Int("mem_profiler_active", in.profiler_active ? 1 : 0),
      Bytes("mem_history", in.history_bytes),
      Bytes("mem_lua", s.lua),
      Bytes("mem_allocator_tcache", a.tcache),
      Bytes("mem_startup_other", in.startup_other),
      Bytes("mem_components", s.components),
      Bytes("mem_unaccounted", s.unaccounted),
      Bytes("mem_rss_beyond_allocator", s.rss_beyond_allocator),
  };
}

std::string RenderInfoMemory(const MemorySnapshot& s) {
  std::string out;
  char buf[64];
  for (const MemoryField& f : InfoMemoryFields(s)) {
    out.append(f.name);
    out.push_back(':');
    switch (f.kind) {
      case Kind::kInt:
        out.append(std::to_string(f.i));
        break;
      case Kind::kDouble:
        snprintf(buf, sizeof(buf), "%.2f", f.d);
        out.append(buf);
        break;
      case Kind::kText:
        out.append(f.text);
        break;
    }
    out.append("\r\n");
  }
  return out;
}

std::vector<MemoryField> MemoryStatsFields(const MemorySnapshot& s) {
  const Derived d = Derive(s);
  const allocator::Stats& a = s.allocator;
  const MemoryInputs& in = s.in;
  return {
      Bytes("peak.allocated", s.peak_allocated),
      Bytes("total.allocated", a.allocated),
      Bytes("startup.allocated", in.startup_allocated),
      Bytes("clients.normal", s.clients_normal),
      Bytes("lua.caches", in.lua_scripts),
      Bytes("overhead.total", s.overhead),
      Bytes("keys.count", in.keys),
      Int("keys.bytes-per-key", d.bytes_per_key),
      Bytes("dataset.bytes", s.dataset),
      Dbl("dataset.percentage", d.dataset_perc),
      Dbl("peak.percentage", d.peak_perc),
      Bytes("allocator.allocated", a.allocated),
      Bytes("allocator.active", a.active),
      Bytes("allocator.resident", a.resident),
      Bytes("allocator.mapped", a.mapped),
      Bytes("allocator.retained", a.retained),
      Bytes("allocator.metadata", a.metadata),
      Dbl("allocator-fragmentation.ratio", d.allocator_frag_ratio),
      Int("allocator-fragmentation.bytes", d.allocator_frag_bytes),
      Dbl("allocator-rss.ratio", d.allocator_rss_ratio),
      Int("allocator-rss.bytes", d.allocator_rss_bytes),
      Dbl("rss-overhead.ratio", d.rss_overhead_ratio),
      Int("rss-overhead.bytes", d.rss_overhead_bytes),
      Dbl("fragmentation", d.frag),
      Int("fragmentation.bytes", d.frag_bytes),
      Bytes("process.rss", s.rss),
      Bytes("maxmemory", in.maxmemory),
      Bytes("rocksdb.block-cache", in.block_cache_usage),
      Bytes("rocksdb.block-cache.capacity", in.block_cache_capacity),
      Bytes("rocksdb.block-cache.pinned", in.block_cache_pinned),
      Bytes("rocksdb.memtables", in.memtables_all),
      Bytes("rocksdb.memtables.unflushed", in.memtables_unflushed),
      Bytes("rocksdb.memtables.budget", in.memtables_budget),
      Bytes("rocksdb.table-readers", in.table_readers),
      Bytes("rocksdb.background-jobs", in.background_jobs),
      Bytes("key-cache", in.key_cache_usage),
      Bytes("key-cache.capacity", in.key_cache_capacity),
      Int("key-cache.entries", static_cast<int64_t>(in.key_cache_entries)),
      Bytes("clients.normal.count", in.clients_normal_count),
      Bytes("clients.normal.query-buffers", in.clients_normal_query),
      Bytes("clients.normal.reply-buffers", in.clients_normal_reply),
      Bytes("clients.normal.pubsub-registry", in.pubsub_registry),
      Bytes("clients.normal.running-commands", in.clients_running),
      Bytes("clients.normal.pending-writes", in.clients_pending_writes),
      Bytes("profiler.bytes", in.profiler_bytes),
      Int("profiler.active", in.profiler_active ? 1 : 0),
      Bytes("history.bytes", in.history_bytes),
      Bytes("lua.vm", in.lua_vm),
      Bytes("allocator.tcache", a.tcache),
      Bytes("startup.other", in.startup_other),
      Bytes("components.total", s.components),
      Bytes("unaccounted.bytes", s.unaccounted),
      Bytes("rss-beyond-allocator.bytes", s.rss_beyond_allocator),
  };
}

namespace {

void WriteFields(JsonWriter& w, const std::vector<MemoryField>& fields) {
  w.BeginObject();
  for (const MemoryField& f : fields) {
    w.Key(f.name);
    switch (f.kind) {
      case Kind::kInt:
        w.Int(f.i);
        break;
      case Kind::kDouble:
        w.Double(f.d);
        break;
      case Kind::kText:
        w.String(f.text);
        break;
    }
  }
  w.EndObject();
}

void WriteClasses(JsonWriter& w, const std::vector<allocator::SizeClassUsage>& classes) {
  w.BeginArray();
  for (const auto& c : classes) {
    w.BeginObject().Member("size", c.size).Member("regions", c.regions);
    w.Member("bytes", c.bytes).EndObject();
  }
  w.EndArray();
}

void WriteAllocation(JsonWriter& w, const StatusOr<allocator::AllocationPattern>& pattern) {
  if (!pattern.ok()) {
    w.Key("allocation").Null();
    w.Member("allocation_error", pattern.status().message());
    return;
  }
  w.Key("allocation").BeginObject();
  w.Key("small");
  WriteClasses(w, pattern->small);
  w.Key("large");
  WriteClasses(w, pattern->large);
  w.Key("arenas").BeginArray();
  for (const auto& a : pattern->arenas) {
    w.BeginObject().Member("index", static_cast<uint64_t>(a.index));
    w.Member("small_allocated", a.small_allocated).Member("large_allocated", a.large_allocated);
    w.EndObject();
  }
  w.EndArray().EndObject();
}

void WriteSections(JsonWriter& w, const MemorySnapshot& s) {
  const allocator::Stats& a = s.allocator;
  const MemoryInputs& in = s.in;
  w.Key("allocator").BeginObject();
  w.Member("name", s.allocator_name).Member("available", s.allocator_available);
  w.Member("allocated", a.allocated).Member("active", a.active).Member("resident", a.resident);
  w.Member("mapped", a.mapped).Member("retained", a.retained).Member("metadata", a.metadata);
  w.Member("tcache", a.tcache).EndObject();
  w.Key("process").BeginObject().Member("rss", s.rss);
  w.Member("total_system_memory", s.total_system_memory).EndObject();
  w.Key("baselines").BeginObject().Member("startup_allocated", in.startup_allocated);
  w.Member("peak_allocated", s.peak_allocated).EndObject();
  w.Key("components").BeginObject();
  w.Member("block_cache", in.block_cache_usage).Member("memtables", in.memtables_all);
  w.Member("table_readers", in.table_readers).Member("storage_jobs", in.background_jobs);
  w.Member("key_cache", in.key_cache_usage).Member("clients_normal", s.clients_normal);
  w.Member("profiler", in.profiler_bytes).Member("history", in.history_bytes);
  w.Member("lua", s.lua).Member("allocator_tcache", a.tcache);
  w.Member("startup_other", in.startup_other);
  w.Member("total", s.components).EndObject();
  w.Key("unaccounted").BeginObject().Member("allocator", s.unaccounted);
  w.Member("rss_beyond_allocator", s.rss_beyond_allocator).EndObject();
  w.Key("rocksdb").BeginObject();
  w.Member("block_cache_usage", in.block_cache_usage);
  w.Member("block_cache_capacity", in.block_cache_capacity);
  w.Member("block_cache_pinned", in.block_cache_pinned);
  w.Member("memtables_all", in.memtables_all).Member("memtables_unflushed", in.memtables_unflushed);
  w.Member("table_readers", in.table_readers).Member("background_jobs", in.background_jobs);
  w.Member("keys", in.keys);
  w.EndObject();
  w.Key("key_cache").BeginObject().Member("usage", in.key_cache_usage);
  w.Member("capacity", in.key_cache_capacity).Member("entries", in.key_cache_entries);
  w.EndObject();
  w.Key("clients").BeginObject().Key("normal").BeginObject();
  w.Member("count", in.clients_normal_count).Member("query_buffers", in.clients_normal_query);
  w.Member("reply_buffers", in.clients_normal_reply);
  w.Member("pubsub_registry", in.pubsub_registry);
  w.Member("running_commands", in.clients_running);
  w.Member("pending_writes", in.clients_pending_writes).EndObject().EndObject();
  w.Key("lua").BeginObject().Member("vm", in.lua_vm).Member("scripts", in.lua_scripts);
  w.Member("cached_scripts", in.lua_cached_scripts).EndObject();
  w.Key("profiler").BeginObject().Member("active", in.profiler_active);
  w.Member("bytes", in.profiler_bytes).EndObject();
  w.Key("limits").BeginObject().Member("maxmemory", in.maxmemory);
  w.Member("memtables_budget", in.memtables_budget).EndObject();
  w.Key("threads").BeginArray();
  for (const ThreadMemory& t : in.threads) {
    w.BeginObject().Member("name", t.name).Member("allocated", t.allocated);
    w.Member("deallocated", t.deallocated).Member("published_at_ms", t.published_ms);
    w.EndObject();
  }
  w.EndArray();
  w.Key("namespaces").BeginObject();
  for (const NamespaceMemory& n : in.namespaces) {
    w.Key(n.name).BeginObject();
    for (const auto& [name, value] : n.fields) w.Member(name, value);
    w.EndObject();
  }
  w.EndObject();
}

}  // namespace

std::string RenderMemoryJson(const MemorySnapshot& s,
                             const StatusOr<allocator::AllocationPattern>& pattern) {
  JsonWriter w;
  w.BeginObject().Member("taken_at_ms", s.taken_at_ms);
  WriteSections(w, s);
  w.Key("info");
  WriteFields(w, InfoMemoryFields(s));
  w.Key("stats");
  WriteFields(w, MemoryStatsFields(s));
  w.Key("doctor").BeginArray();
  for (const std::string& line : MemoryDoctor(s)) w.String(line);
  w.EndArray();
  WriteAllocation(w, pattern);
  w.EndObject();
  return w.Take();
}

}  // namespace mnemo
