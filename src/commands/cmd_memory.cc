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
#include "memory/snapshot.h"
#include "types/database.h"

namespace mnemo {
namespace {

constexpr int64_t kDefaultSamples = 5;  // as Redis

Status NoJemalloc(const char* what) {
  return Status::NotSupported(std::string(what) +
                              " is not available: this build uses the libc allocator, not "
                              "jemalloc (mem_allocator:libc)");
}

// A snapshot with its exact key count (a scan of every namespace's keys: background thread).
StatusOr<MemorySnapshot> SnapshotWithKeys(ServerApi* server, Storage* storage) {
  auto counts = Database::CountAllKeys(storage);
  if (!counts.ok()) return counts.status();
  MemorySnapshot s = server->TakeMemorySnapshot();
  s.in.keys = static_cast<uint64_t>(counts->keys);
  return s;
}

Status Stats(CommandContext& ctx) {
  if (ctx.argc() != 2) return WrongArgsError("memory|stats");
  ServerApi* server = &ctx.server;
  Storage* storage = ctx.db.storage();
  ctx.server.Defer(ctx, [server, storage](Reply& r) {
    auto snapshot = SnapshotWithKeys(server, storage);
    if (!snapshot.ok()) return snapshot.status();
    std::vector<MemoryField> fields = MemoryStatsFields(*snapshot);
    r.MapHeader(fields.size());
    for (const MemoryField& f : fields) {
      r.Bulk(f.name);
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
    return Status::OK();
  });
  return Status::OK();
}

Status Doctor(CommandContext& ctx) {
  if (ctx.argc() != 2) return WrongArgsError("memory|doctor");
  std::string text;
  for (const std::string& line : MemoryDoctor(ctx.server.TakeMemorySnapshot())) {
    if (!text.empty()) text += '\n';
    text += line;
  }
  ctx.reply.Verbatim(text);
  return Status::OK();
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
  ctx.server.Defer(ctx, [server, storage](Reply& r) {
    auto json = MemoryReportJson(*server, storage);
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
      "MALLOC-STATS [JSON]",
      "    Return internal statistics report from the memory allocator (JSON: as JSON).",
      "PURGE",
      "    Return dirty pages to the operating system; replies the bytes released.",
      "REPORT",
      "    Return the whole memory snapshot as one JSON document.",
      "STATS",
      "    Return information about the memory usage of the server.",
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
     "PURGE, REPORT, HELP",
     {.since = "4.0.0",
      .complexity = "Depends on subcommand.",
      .acl = "@slow",
      .subcommands = kSubcommands}},

};
// clang-format on

}  // namespace

std::span<const CommandSpec> MemoryCommands() { return kMemoryCommands; }

StatusOr<std::string> MemoryReportJson(ServerApi& server, Storage* storage) {
  auto snapshot = SnapshotWithKeys(&server, storage);
  if (!snapshot.ok()) return snapshot.status();
  return RenderMemoryJson(*snapshot, allocator::ReadAllocationPattern());
}

}  // namespace mnemo
