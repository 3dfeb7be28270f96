// MEMORY: Redis's subcommands (STATS, USAGE, DOCTOR, MALLOC-STATS, PURGE, HELP) with Redis's
// reply shapes and error texts, and Mnemo's REPORT (the whole snapshot as one JSON document).
// Every number comes from one memory snapshot (memory/snapshot.h), the source INFO memory uses
// too. Allocator work that can take milliseconds (jemalloc's report, a purge, the allocation
// pattern) runs on the background thread (ServerApi::Defer) so the event loop keeps serving.
// Differences from Redis are listed in docs/memory.md (PURGE replies the bytes released).
#include <algorithm>
#include <optional>

#include "commands/arg_parse.h"
#include "commands/command.h"
#include "commands/memory_report.h"
#include "commands/subcommand.h"
#include "memory/allocator.h"
#include "memory/history.h"
#include "memory/policy.h"
#include "memory/snapshot.h"
#include "types/database.h"
#include "types/namespaces.h"

namespace mnemo {
namespace {

constexpr int64_t kDefaultSamples = 5;  // as Redis
constexpr int64_t kDefaultTopClients = 10;
constexpr int64_t kMaxTopClients = 10000;  // bounds the reply

Status NoJemalloc(const char* what) {
  return Status::NotSupported(std::string(what) +
                              " is not available: this build uses the libc allocator, not "
                              "jemalloc (mem_allocator:libc)");
}

// A snapshot with its exact key count (a scan of every namespace's keys: background thread) and
// the figures of the namespaces a client of `ns` may see (NamespaceRegistry::Visible).
StatusOr<MemorySnapshot> SnapshotWithKeys(ServerApi* server, Storage* storage,
                                          const std::string& ns) {
  auto counts = Database::CountAllKeys(storage);
  if (!counts.ok()) return counts.status();
  MemorySnapshot s = server->TakeMemorySnapshot();
  s.in.keys = static_cast<uint64_t>(counts->keys);
  NamespaceRegistry& reg = server->namespaces();
  for (const std::string& name : reg.Visible(ns)) {
    auto f = reg.Figures(name);
    if (!f.ok()) return f.status();
    s.in.namespaces.push_back({name, f->Fields()});
  }
  return s;
}

void WriteField(Reply& r, const MemoryField& f) {
  switch (f.kind) {
    case MemoryField::Kind::kInt:
      r.Integer(f.i);
      break;
    case MemoryField::Kind::kDouble:
      r.Double(f.d);
      break;
    case MemoryField::Kind::kText:
      r.Bulk(f.text);
      break;
  }
}

// STATS: Redis's fields, Mnemo's components, then one map per namespace ("namespace.<ns>", as
// Redis's "db.<n>" maps).
Status Stats(CommandContext& ctx) {
  if (ctx.argc() != 2) return WrongArgsError("memory|stats");
  ServerApi* server = &ctx.server;
  Storage* storage = ctx.db.storage();
  ctx.server.Defer(ctx, [server, storage, ns = ctx.client.ns()](Reply& r) {
    auto snapshot = SnapshotWithKeys(server, storage, ns);
    if (!snapshot.ok()) return snapshot.status();
    std::vector<MemoryField> fields = MemoryStatsFields(*snapshot);
    r.MapHeader(fields.size() + snapshot->in.namespaces.size());
    for (const MemoryField& f : fields) {
      r.Bulk(f.name);
      WriteField(r, f);
    }
    for (const NamespaceMemory& n : snapshot->in.namespaces) {
      r.Bulk("namespace." + n.name);
      r.MapHeader(n.fields.size());
      for (const auto& [name, value] : n.fields) {
        r.Bulk(name);
        r.Integer(value);
      }
    }
    return Status::OK();
  });
  return Status::OK();
}

void WriteClientMemory(Reply& r, const ClientMemory& c) {
  r.MapHeader(10);
  r.Bulk("id");
  r.Integer(static_cast<int64_t>(c.id));
  r.Bulk("addr");
  r.Bulk(c.addr);
  r.Bulk("name");
  r.Bulk(c.name);
  r.Bulk("namespace");
  r.Bulk(c.ns);
  const std::pair<const char*, uint64_t> sizes[] = {
      {"qbuf", c.qbuf},           {"query-buffer", c.query_buffer}, {"omem", c.omem},
      {"multi-mem", c.multi_mem}, {"running", c.running},           {"tot-mem", c.tot_mem}};
  for (const auto& [name, v] : sizes) {
    r.Bulk(name);
    r.Integer(static_cast<int64_t>(v));
  }
}

// TOP CLIENTS [count]: the connections holding the most memory (tot-mem), largest first.
Status Top(CommandContext& ctx) {
  if (ctx.argc() > 4) return WrongArgsError("memory|top");
  if (!EqualsIgnoreCase(ctx.args[2], "clients")) {
    return Status::InvalidArgument("unknown MEMORY TOP list '" + ctx.args[2] + "'; lists: CLIENTS");
  }
  int64_t count = kDefaultTopClients;
  if (ctx.argc() == 4) {
    auto v = ArgInt(ctx.args[3]);
    if (!v.ok()) return v.status();
    if (*v < 1 || *v > kMaxTopClients) {
      return Status::InvalidArgument("count must be between 1 and " +
                                     std::to_string(kMaxTopClients));
    }
    count = *v;
  }
  ServerApi* server = &ctx.server;
  // A tenant sees its own namespace's connections only.
  std::string ns = ctx.client.ns();
  bool all = ctx.client.admin();
  ctx.server.Defer(ctx, [server, count, ns, all](Reply& r) {
    std::vector<ClientMemory> clients = server->ClientMemories();
    if (!all) std::erase_if(clients, [&](const ClientMemory& c) { return c.ns != ns; });
    auto n = std::min(clients.size(), static_cast<size_t>(count));
    std::partial_sort(clients.begin(), clients.begin() + n, clients.end(),
                      [](const ClientMemory& a, const ClientMemory& b) {
                        return a.tot_mem != b.tot_mem ? a.tot_mem > b.tot_mem : a.id < b.id;
                      });
    r.ArrayHeader(n);
    for (size_t i = 0; i < n; i++) WriteClientMemory(r, clients[i]);
    return Status::OK();
  });
  return Status::OK();
}

Status Doctor(CommandContext& ctx) {
  if (ctx.argc() != 2) return WrongArgsError("memory|doctor");
  std::string text;
  MemoryForecast forecast = ctx.server.history().Forecast(ctx.server.MemoryLimit());
  for (const std::string& line : MemoryDoctor(ctx.server.TakeMemorySnapshot(), &forecast)) {
    if (!text.empty()) text += '\n';
    text += line;
  }
  ctx.reply.Verbatim(text);
  return Status::OK();
}

// HISTORY [field] [seconds]: [unix ms, value] pairs, oldest first.
Status History(CommandContext& ctx) {
  if (ctx.argc() > 4) return WrongArgsError("memory|history");
  HistoryField field = HistoryField::kUsed;
  if (ctx.argc() >= 3) {
    auto f = FindHistoryField(ctx.args[2]);
    if (!f) {
      std::string names;
      for (int i = 0; i < kHistoryFieldCount; i++) {
        names += i ? ", " : "";
        names += HistoryFieldName(static_cast<HistoryField>(i));
      }
      return Status::InvalidArgument("unknown history field '" + ctx.args[2] +
                                     "'; fields: " + names);
    }
    field = *f;
  }
  int64_t seconds = kFineSamples;
  if (ctx.argc() == 4) {
    auto v = ArgInt(ctx.args[3]);
    if (!v.ok()) return v.status();
    if (*v < 1 || *v > 86400) {
      return Status::InvalidArgument("seconds must be between 1 and 86400 (24 hours)");
    }
    seconds = *v;
  }
  std::vector<HistorySample> samples = ctx.server.history().Recent(seconds);
  ctx.reply.ArrayHeader(samples.size());
  for (const HistorySample& h : samples) {
    ctx.reply.ArrayHeader(2);
    ctx.reply.Integer(h.ms);
    ctx.reply.Integer(static_cast<int64_t>(h.get(field)));
  }
  return Status::OK();
}

void OptionalDouble(Reply& r, const std::optional<double>& v) {
  if (v) {
    r.Double(*v);
  } else {
    r.Null();
  }
}

// FORECAST: growth of used memory over three windows and what it means for the limit.
Status Forecast(CommandContext& ctx) {
  if (ctx.argc() != 2) return WrongArgsError("memory|forecast");
  MemoryForecast f = ctx.server.history().Forecast(ctx.server.MemoryLimit());
  Reply& r = ctx.reply;
  r.MapHeader(12);
  r.Bulk("used_memory");
  r.Integer(static_cast<int64_t>(f.used));
  r.Bulk("limit");
  r.Integer(static_cast<int64_t>(f.limit));
  r.Bulk("headroom_bytes");
  if (f.limit == 0) {
    r.Null();
  } else {
    r.Integer(f.used >= f.limit ? 0 : static_cast<int64_t>(f.limit - f.used));
  }
  for (const GrowthWindow* w : {&f.w1m, &f.w10m, &f.w1h}) {
    const char* name = w == &f.w1m ? "1m" : w == &f.w10m ? "10m" : "1h";
    r.Bulk(std::string("growth_") + name + "_bytes_per_second");
    OptionalDouble(r, w->bytes_per_second);
    r.Bulk(std::string("samples_") + name);
    r.Integer(static_cast<int64_t>(w->samples));
  }
  r.Bulk("limit_eta_seconds");
  OptionalDouble(r, f.eta_seconds);
  r.Bulk("peak_24h");
  r.Integer(static_cast<int64_t>(f.peak_24h));
  r.Bulk("recommended_maxmemory");
  r.Integer(static_cast<int64_t>(f.recommended));
  return Status::OK();
}

// POLICY ADD name rule | DEL name | LIST | RESET (docs/monitoring.md, "Memory policies").
Status Policy(CommandContext& ctx) {
  const std::string& op = ctx.args[2];
  MemoryPolicies& policies = ctx.server.policies();
  if (EqualsIgnoreCase(op, "list")) {
    if (ctx.argc() != 3) return WrongArgsError("memory|policy");
    std::vector<PolicyState> list = policies.List();
    ctx.reply.ArrayHeader(list.size());
    for (const PolicyState& p : list) {
      ctx.reply.MapHeader(6);
      ctx.reply.Bulk("name");
      ctx.reply.Bulk(p.rule.name);
      ctx.reply.Bulk("rule");
      ctx.reply.Bulk(p.rule.text);
      ctx.reply.Bulk("fired");
      ctx.reply.Integer(static_cast<int64_t>(p.fired));
      ctx.reply.Bulk("last_fired_ms");
      ctx.reply.Integer(p.last_fired_ms);
      ctx.reply.Bulk("holding_since_ms");
      ctx.reply.Integer(p.holding_since_ms);
      ctx.reply.Bulk("value");
      OptionalDouble(ctx.reply, p.last_value);
    }
    return Status::OK();
  }
  if (Status s = RequireAdmin(ctx); !s.ok()) return s;
  if (EqualsIgnoreCase(op, "add")) {
    if (ctx.argc() != 5) return WrongArgsError("memory|policy");
    auto rule = ParsePolicyRule(ctx.args[3], ctx.args[4]);
    if (!rule.ok())
      return Status::InvalidArgument("invalid memory policy: " + rule.status().message());
    if (!policies.Add(std::move(*rule))) {
      return Status::InvalidArgument("too many memory policies (at most " +
                                     std::to_string(MemoryPolicies::kMaxPolicies) +
                                     "); delete one first");
    }
    ctx.reply.Ok();
    return Status::OK();
  }
  if (EqualsIgnoreCase(op, "del")) {
    if (ctx.argc() != 4) return WrongArgsError("memory|policy");
    ctx.reply.Integer(policies.Del(ctx.args[3]) ? 1 : 0);
    return Status::OK();
  }
  if (EqualsIgnoreCase(op, "reset")) {
    if (ctx.argc() != 3) return WrongArgsError("memory|policy");
    auto rules = ctx.server.ConfiguredPolicies();
    if (!rules.ok()) return rules.status();
    policies.Reset(std::move(*rules));
    ctx.reply.Ok();
    return Status::OK();
  }
  return Status::InvalidArgument("unknown MEMORY POLICY operation '" + op +
                                 "'; operations: ADD, DEL, LIST, RESET");
}

// MALLOC-STATS [JSON]: jemalloc's malloc_stats_print, human text or its JSON ("J" option).
Status MallocStats(CommandContext& ctx) {
  if (ctx.argc() > 3) return WrongArgsError("memory|malloc-stats");
  bool json = ctx.argc() == 3;
  if (json && !EqualsIgnoreCase(ctx.args[2], "json")) return SyntaxError();
  if (!allocator::Available()) return NoJemalloc("MEMORY MALLOC-STATS");
  ctx.server.Defer(ctx, [json](Reply& r) {
    auto text = allocator::MallocStatsText(json);
    if (!text.ok()) return text.status();
    if (json) {
      r.Bulk(*text);  // for programs
    } else {
      r.Verbatim(*text);  // as Redis: a text for people
    }
    return Status::OK();
  });
  return Status::OK();
}

// PURGE: Redis replies +OK; Mnemo replies the resident bytes returned to the OS.
Status Purge(CommandContext& ctx) {
  if (ctx.argc() != 2) return WrongArgsError("memory|purge");
  if (Status s = RequireAdmin(ctx); !s.ok()) return s;
  if (!allocator::Available()) return NoJemalloc("MEMORY PURGE");
  ctx.server.Defer(ctx, [](Reply& r) {
    auto released = allocator::Purge();
    if (!released.ok()) return released.status();
    r.Integer(static_cast<int64_t>(*released));
    return Status::OK();
  });
  return Status::OK();
}

// REPORT: the snapshot and the allocation pattern, read together on the background thread.
Status Report(CommandContext& ctx) {
  if (ctx.argc() != 2) return WrongArgsError("memory|report");
  ServerApi* server = &ctx.server;
  Storage* storage = ctx.db.storage();
  ctx.server.Defer(ctx, [server, storage, ns = ctx.client.ns()](Reply& r) {
    auto json = MemoryReportJson(*server, storage, ns);
    if (!json.ok()) return json.status();
    r.Bulk(*json);
    return Status::OK();
  });
  return Status::OK();
}

// USAGE key [SAMPLES count]
Status Usage(CommandContext& ctx) {
  if (ctx.argc() < 3) return WrongArgsError("memory|usage");
  int64_t samples = kDefaultSamples;
  for (size_t i = 3; i < ctx.argc(); i++) {
    if (!EqualsIgnoreCase(ctx.args[i], "samples") || i + 1 == ctx.argc()) return SyntaxError();
    auto v = ArgInt(ctx.args[++i]);
    if (!v.ok()) return v.status();
    if (*v < 0) return SyntaxError();
    samples = *v;
  }
  auto size = ctx.db.StoredSize(ctx.args[2], samples);
  if (!size.ok()) return size.status();
  if (!size->has_value()) {
    ctx.reply.Null();
  } else {
    ctx.reply.Integer(static_cast<int64_t>(**size));
  }
  return Status::OK();
}

Status Help(CommandContext& ctx) {
  if (ctx.argc() != 2) return WrongArgsError("memory|help");
  static const char* const kLines[] = {
      "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DOCTOR",
      "    Return memory problems reports.",
      "FORECAST",
      "    Return the growth rate of used memory over 1 minute, 10 minutes and 1 hour, the",
      "    time until the memory limit at that rate, and a recommended maxmemory.",
      "POLICY ADD <name> <rule> | DEL <name> | LIST | RESET",
      "    Memory policies: a rule such as \"fragmentation > 1.5 for 60s -> purge\" acts when",
      "    its condition holds. RESET restores the config file's rules.",
      "HISTORY [<field> [<seconds>]]",
      "    Return [unix-ms, value] samples of <field> (default: used_memory) over the last",
      "    <seconds> (default: 600; one a second up to 600, one a minute up to 86400).",
      "MALLOC-STATS [JSON]",
      "    Return internal statistics report from the memory allocator (JSON: as JSON).",
      "PURGE",
      "    Return dirty pages to the operating system; replies the bytes released.",
      "REPORT",
      "    Return the whole memory snapshot as one JSON document.",
      "STATS",
      "    Return information about the memory usage of the server.",
      "TOP CLIENTS [<count>]",
      "    Return the <count> (default: 10) connections holding the most memory, largest",
      "    first, with their namespace and buffers.",
      "USAGE <key> [SAMPLES <count>]",
      "    Return the bytes <key> and its value occupy in stored form. Nested values are",
      "    sampled up to <count> times (default: 5, 0 means sample all).",
      "HELP",
      "    Print this help.",
  };
  ctx.reply.ArrayHeader(std::size(kLines));
  for (const char* line : kLines) ctx.reply.Simple(line);
  return Status::OK();
}

// MALLOC-STATS takes Mnemo's optional JSON: arity -2 where Redis's is 2.
// One row per command, its CommandDoc below it.
// clang-format off
const Subcommand kSubcommands[] = {
    {"stats", 2, Stats, "Show memory usage details",
     {.since = "4.0.0",
      .complexity = "O(1)",
      .acl = "@slow",
      .tips = "nondeterministic_output request_policy:all_shards response_policy:special"}},
    {"usage", -3, Usage, "Estimate the memory usage of a key",
     {.since = "4.0.0",
      .complexity = "O(N) where N is the number of samples.",
      .args = "key:key [SAMPLES count:integer]",
      .acl = "@read @slow",
      .keys = "RO index:2 range:0,1,0"}},
    {"doctor", 2, Doctor, "Outputs memory problems report",
     {.since = "4.0.0",
      .complexity = "O(1)",
      .acl = "@slow",
      .tips = "nondeterministic_output request_policy:all_shards response_policy:special"}},
    {"malloc-stats", -2, MallocStats, "Show allocator internal stats",
     {.since = "4.0.0",
      .complexity = "Depends on how much memory is allocated, could be slow",
      .acl = "@slow",
      .tips = "nondeterministic_output request_policy:all_shards response_policy:special",
      .notes = "takes an optional `JSON` argument: jemalloc's report as JSON (not in the "
               "argument schema, which is Redis's)"}},
    {"purge", 2, Purge, "Ask the allocator to release memory",
     {.since = "4.0.0",
      .complexity = "Depends on how much memory is allocated, could be slow",
      .acl = "@slow",
      .tips = "request_policy:all_shards response_policy:all_succeeded"}},
    {"history", -2, History, "A series of one memory figure over the last seconds",
     {.since = "0.1.0",
      .complexity = "O(N) where N is the number of samples returned.",
      .args = "[field_seconds(field:string [seconds:integer])]",
      .acl = "@slow",
      .tips = "nondeterministic_output"}},
    {"forecast", 2, Forecast, "Growth rate of used memory and the time until the limit",
     {.since = "0.1.0", .complexity = "O(1)", .acl = "@slow", .tips = "nondeterministic_output"}},
    {"policy", -3, Policy, "Add, delete, list or reset the memory policies",
     {.since = "0.1.0",
      .complexity = "O(N) where N is the number of policies.",
      .args = "operation(add(ADD name:string rule:string)|del(DEL name:string)|LIST|RESET)",
      .acl = "@slow",
      .notes = "ADD, DEL and RESET need an admin connection"}},
    {"top", -3, Top, "The connections holding the most memory",
     {.since = "0.1.0",
      .complexity = "O(N) where N is the number of client connections.",
      .args = "list(CLIENTS) [count:integer]",
      .acl = "@slow",
      .tips = "nondeterministic_output",
      .notes = "a tenant (a namespace's token) sees its own namespace's connections only"}},
    {"report", 2, Report, "The whole memory snapshot as one JSON document",
     {.since = "0.1.0", .complexity = "O(1)", .acl = "@slow", .tips = "nondeterministic_output"}},
    {"help", 2, Help, "Show helpful text about the different subcommands",
     {.since = "4.0.0", .complexity = "O(1)", .acl = "@slow"}},
};
// clang-format on

Status CmdMemory(CommandContext& ctx) { return RunSubcommand(ctx, kSubcommands); }

// One row per command, its CommandDoc below it.
// clang-format off
const CommandSpec kMemoryCommands[] = {
    {"memory", -2, kCmdReadOnly, 0, 0, 0, CmdMemory, "server",
     "Memory introspection: MEMORY STATS, USAGE key [SAMPLES n], DOCTOR, MALLOC-STATS [JSON], "
     "PURGE, REPORT, TOP CLIENTS [n], HISTORY [field [seconds]], FORECAST, POLICY ..., HELP",
     {.since = "4.0.0",
      .complexity = "Depends on subcommand.",
      .acl = "@slow",
      .subcommands = kSubcommands}},

};
// clang-format on

}  // namespace

std::span<const CommandSpec> MemoryCommands() { return kMemoryCommands; }

StatusOr<std::string> MemoryReportJson(ServerApi& server, Storage* storage, const std::string& ns) {
  auto snapshot = SnapshotWithKeys(&server, storage, ns);
  if (!snapshot.ok()) return snapshot.status();
  return RenderMemoryJson(*snapshot, allocator::ReadAllocationPattern());
}

}  // namespace mnemo
