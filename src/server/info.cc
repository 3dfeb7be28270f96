#include "server/info.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <functional>

#include "commands/registry.h"
#include "common/string_util.h"
#include "memory/allocator.h"
#include "server/server.h"

#ifndef MNEMO_VERSION
#define MNEMO_VERSION "0.1.0"
#endif

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
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

uint64_t ProcessRss() {
  std::ifstream f("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  f >> size >> resident;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

void ServerSection(InfoWriter& w, const InfoInput& in) {
  utsname u{};
  uname(&u);
  int64_t uptime = (NowMs() - in.start_ms) / 1000;
  w.Header("Server");
  w.Field("redis_version", "7.0.0");
  w.Field("mnemo_version", MNEMO_VERSION);
  w.Field("redis_mode", "standalone");
  w.Field("os", std::string(u.sysname) + " " + u.release + " " + u.machine);
  w.Field("arch_bits", static_cast<int>(sizeof(void*) * 8));
  w.Field("process_id", static_cast<int64_t>(getpid()));
  w.Field("tcp_port", in.server.port());
  w.Field("uptime_in_seconds", uptime);
  w.Field("uptime_in_days", uptime / 86400);
  w.Field("config_file", in.server.config().config_file());
}

void ClientsSection(InfoWriter& w, const InfoInput& in) {
  w.Header("Clients");
  w.Field("connected_clients", in.server.connected_clients());
  w.Field("maxclients", in.server.config().maxclients.load());
  w.Field("blocked_clients", 0);
}

void MemorySection(InfoWriter& w, const InfoInput& in) {
  w.Header("Memory");
  auto stats = allocator::ReadStats();
  uint64_t allocated = stats.ok() ? stats->allocated : 0;
  uint64_t rss = ProcessRss();
  w.Bytes("used_memory", allocated);
  w.Bytes("used_memory_rss", rss);
  w.Bytes("used_memory_startup", in.startup_allocated);
  if (stats.ok()) {
    w.Field("allocator_allocated", stats->allocated);
    w.Field("allocator_active", stats->active);
    w.Field("allocator_resident", stats->resident);
  }
  StorageMemory sm = in.server.storage().GetMemory();
  w.Field("mem_block_cache", sm.block_cache_usage);
  w.Field("mem_memtables", sm.memtables_all);
  w.Field("mem_table_readers", sm.table_readers);
  w.Bytes("maxmemory", static_cast<uint64_t>(in.server.config().maxmemory.load()));
  w.Field("mem_allocator", allocator::Name());
}

void PersistenceSection(InfoWriter& w, const InfoInput& in) {
  w.Header("Persistence");
  w.Field("loading", 0);
  w.Field("async_loading", 0);
  w.Field("rdb_bgsave_in_progress", 0);
  w.Field("aof_enabled", 0);
  w.Field("sync_writes", in.server.config().sync_writes.load() ? "yes" : "no");
  w.Field("db_disk_bytes", in.server.storage().DiskUsage());
}

void StatsSection(InfoWriter& w, const InfoInput& in) {
  ServerStats& s = in.server.stats();
  w.Header("Stats");
  w.Field("total_connections_received", s.connections_received.load());
  w.Field("total_commands_processed", s.commands.load());
  w.Field("total_net_input_bytes", s.net_input_bytes.load());
  w.Field("total_net_output_bytes", s.net_output_bytes.load());
  w.Field("rejected_connections", s.rejected_connections.load());
  w.Field("unknown_commands", s.unknown_commands.load());
  w.Field("client_query_buffer_limit_disconnections", s.rejected_query_buffer.load());
}

void KeyspaceSection(InfoWriter& w, const InfoInput& in) {
  w.Header("Keyspace");
  uint64_t keys = 0;
  Storage& st = in.server.storage();
  st.db()->GetIntProperty(st.Handle(ColumnFamily::kMetadata), "rocksdb.estimate-num-keys", &keys);
  if (keys > 0) w.Field("db0", "keys=" + std::to_string(keys) + ",expires=0,avg_ttl=0");
}

void CommandStatsSection(InfoWriter& w, const InfoInput&) {
  w.Header("Commandstats");
  CommandTable& t = CommandTable::Instance();
  for (const CommandSpec* c : t.All()) {
    CommandStats& s = t.Stats(c);
    uint64_t calls = s.calls.load(), usec = s.usec.load();
    if (calls == 0 && s.rejected_calls.load() == 0) continue;
    char buf[256];
    snprintf(buf, sizeof(buf), "calls=%llu,usec=%llu,usec_per_call=%.2f,rejected_calls=%llu,failed_calls=%llu",
             static_cast<unsigned long long>(calls), static_cast<unsigned long long>(usec),
             calls ? static_cast<double>(usec) / static_cast<double>(calls) : 0.0,
             static_cast<unsigned long long>(s.rejected_calls.load()),
             static_cast<unsigned long long>(s.failed_calls.load()));
    w.Field(std::string("cmdstat_") + c->name, buf);
  }
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
    {"commandstats", false, CommandStatsSection},
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
