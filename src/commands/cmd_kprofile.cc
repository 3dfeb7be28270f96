// KPROFILE MEMORY: run-time heap profiling. The Kvrocks forms (ENABLE, DISABLE, STATUS,
// DUMP <dir>) answer exactly as Kvrocks does; Mnemo adds ENABLE options, DUMP without a
// directory, INFO, LIST, TOP and DIFF. Dumps and reports run on the background thread
// (ServerApi::Defer) so the event loop keeps serving other clients while they are written.
#include "commands/arg_parse.h"
#include "commands/command.h"
#include "memory/heap_profiler.h"

namespace mnemo {
namespace {

constexpr size_t kDefaultTop = 10;
constexpr int64_t kMaxTop = 1000;

void ReplySites(Reply& r, const std::vector<HeapProfiler::Site>& sites) {
  r.ArrayHeader(sites.size());
  for (const auto& site : sites) {
    r.MapHeader(4);
    r.Bulk("bytes");
    r.Integer(static_cast<int64_t>(site.bytes));
    r.Bulk("objects");
    r.Integer(static_cast<int64_t>(site.objects));
    r.Bulk("percent");
    char pct[32];
    snprintf(pct, sizeof(pct), "%.2f", site.percent);
    r.Bulk(pct);
    r.Bulk("stack");
    r.BulkArray(site.frames);
  }
}

Status Enable(CommandContext& ctx) {
  std::optional<int64_t> sample, for_seconds;
  if ((ctx.argc() - 3) % 2 != 0) return WrongArgsError("kprofile");
  for (size_t i = 3; i < ctx.argc(); i += 2) {
    std::string opt = ToLower(ctx.args[i]);
    if (opt == "sample") {
      auto v = ParseMemorySize(ctx.args[i + 1]);
      if (!v || *v < 1) return Status::InvalidArgument("SAMPLE must be a positive number of bytes");
      sample = *v;
    } else if (opt == "for") {
      auto v = ParseInt64(ctx.args[i + 1]);
      if (!v || *v < 1) return Status::InvalidArgument("FOR must be a positive number of seconds");
      for_seconds = *v;
    } else {
      return SyntaxError();
    }
  }
  Status s = ctx.server.profiler().Enable(sample, for_seconds);
  if (!s.ok()) return s;
  ctx.reply.Ok();
  return Status::OK();
}

Status Disable(CommandContext& ctx) {
  if (ctx.argc() != 3) return WrongArgsError("kprofile");
  Status s = ctx.server.profiler().Disable();
  if (!s.ok()) return s;
  ctx.reply.Ok();
  return Status::OK();
}

Status StatusOp(CommandContext& ctx) {
  if (ctx.argc() != 3) return WrongArgsError("kprofile");
  ctx.reply.Simple(ctx.server.profiler().Active() ? "enabled" : "disabled");
  return Status::OK();
}

Status Dump(CommandContext& ctx) {
  if (ctx.argc() > 4) return WrongArgsError("kprofile");
  HeapProfiler* profiler = &ctx.server.profiler();
  Status armed = profiler->CheckArmed();
  if (!armed.ok()) return armed;
  if (!profiler->Active()) {
    return Status::InvalidArgument("jemalloc profiling is not active, please enable it first");
  }
  std::string dir = ctx.argc() == 4 ? ctx.args[3] : "";
  ctx.server.Defer(ctx, [profiler, dir](Reply& r) {
    auto path = profiler->Dump(dir);
    if (!path.ok()) return path.status();
    r.Ok();
    return Status::OK();
  });
  return Status::OK();
}

Status InfoOp(CommandContext& ctx) {
  if (ctx.argc() != 3) return WrongArgsError("kprofile");
  Status armed = ctx.server.profiler().CheckArmed();
  if (!armed.ok()) return armed;
  HeapProfiler::Info info = ctx.server.profiler().GetInfo();
  Reply& r = ctx.reply;
  r.MapHeader(11);
  r.Bulk("active");
  r.Integer(info.active ? 1 : 0);
  r.Bulk("armed");
  r.Integer(info.armed ? 1 : 0);
  r.Bulk("since");
  r.Integer(info.since_ms);
  r.Bulk("sample-bytes");
  r.Integer(info.sample_bytes);
  r.Bulk("auto-off-at");
  r.Integer(info.auto_off_at_ms);
  r.Bulk("dumps-taken");
  r.Integer(info.dumps_taken);
  r.Bulk("last-dump");
  r.Bulk(info.last_dump);
  r.Bulk("profiling-dir");
  r.Bulk(info.dir);
  r.Bulk("profiler-bytes");
  r.Integer(static_cast<int64_t>(info.profiler_bytes));
  r.Bulk("last-auto-dump-error");
  r.Bulk(info.last_auto_dump_error);
  r.Bulk("ticks");
  r.Integer(info.ticks);
  return Status::OK();
}

Status List(CommandContext& ctx) {
  if (ctx.argc() != 3) return WrongArgsError("kprofile");
  auto files = ctx.server.profiler().List();
  if (!files.ok()) return files.status();
  ctx.reply.ArrayHeader(files->size());
  for (const auto& f : *files) {
    ctx.reply.MapHeader(3);
    ctx.reply.Bulk("name");
    ctx.reply.Bulk(f.name);
    ctx.reply.Bulk("size");
    ctx.reply.Integer(static_cast<int64_t>(f.size));
    ctx.reply.Bulk("mtime");
    ctx.reply.Integer(f.mtime_ms);
  }
  return Status::OK();
}

StatusOr<size_t> ParseTopN(std::string_view arg) {
  auto n = ParseInt64(arg);
  if (!n || *n < 1 || *n > kMaxTop) {
    return Status::InvalidArgument("N must be an integer between 1 and " + std::to_string(kMaxTop));
  }
  return static_cast<size_t>(*n);
}

// TOP [N] [dump]: a first argument that is a number is N.
Status Top(CommandContext& ctx) {
  if (ctx.argc() > 5) return WrongArgsError("kprofile");
  size_t n = kDefaultTop;
  std::string dump;
  size_t i = 3;
  if (i < ctx.argc() && ParseInt64(ctx.args[i])) {
    auto v = ParseTopN(ctx.args[i++]);
    if (!v.ok()) return v.status();
    n = *v;
  }
  if (i < ctx.argc()) dump = ctx.args[i++];
  if (i != ctx.argc()) return SyntaxError();
  HeapProfiler* profiler = &ctx.server.profiler();
  Status armed = profiler->CheckArmed();
  if (!armed.ok()) return armed;
  if (dump.empty() && !profiler->Active()) {
    return Status::InvalidArgument(
        "jemalloc profiling is not active, please enable it first (or name a dump)");
  }
  ctx.server.Defer(ctx, [profiler, n, dump](Reply& r) {
    auto sites = profiler->Top(n, dump);
    if (!sites.ok()) return sites.status();
    ReplySites(r, *sites);
    return Status::OK();
  });
  return Status::OK();
}

Status Diff(CommandContext& ctx) {
  if (ctx.argc() < 5 || ctx.argc() > 6) return WrongArgsError("kprofile");
  size_t n = kDefaultTop;
  if (ctx.argc() == 6) {
    auto v = ParseTopN(ctx.args[5]);
    if (!v.ok()) return v.status();
    n = *v;
  }
  HeapProfiler* profiler = &ctx.server.profiler();
  std::string older = ctx.args[3], newer = ctx.args[4];
  ctx.server.Defer(ctx, [profiler, n, older, newer](Reply& r) {
    auto sites = profiler->Diff(older, newer, n);
    if (!sites.ok()) return sites.status();
    ReplySites(r, *sites);
    return Status::OK();
  });
  return Status::OK();
}

struct Operation {
  const char* name;
  Status (*run)(CommandContext&);
};

const Operation kOperations[] = {
    {"enable", Enable}, {"disable", Disable}, {"status", StatusOp}, {"dump", Dump},
    {"info", InfoOp},   {"list", List},       {"top", Top},         {"diff", Diff},
};

Status CmdKProfile(CommandContext& ctx) {
  if (!EqualsIgnoreCase(ctx.args[1], "memory")) {
    return Status::InvalidArgument("only supports MEMORY subcommand");
  }
  for (const Operation& op : kOperations) {
    if (EqualsIgnoreCase(ctx.args[2], op.name)) return op.run(ctx);
  }
  return Status::InvalidArgument(
      "MEMORY subcommand must be one of ENABLE, DISABLE, STATUS, DUMP (Mnemo also has INFO, "
      "LIST, TOP, DIFF)");
}

// One row per command, its CommandDoc below it.
// clang-format off
const CommandSpec kKProfileCommands[] = {
    {"kprofile", -3, kCmdAdmin | kCmdReadOnly | kCmdNoScript, 0, 0, 0, CmdKProfile, "server",
     "Heap profiling: KPROFILE MEMORY ENABLE [SAMPLE bytes] [FOR seconds] | DISABLE | STATUS | "
     "DUMP [dir] | INFO | LIST | TOP [N] [dump] | DIFF older newer [N]",
     {.since = "0.1.0",
      .complexity = "O(1); DUMP, TOP and DIFF in the background, O(size of the profile)",
      .args =
          "MEMORY operation(enable(ENABLE [SAMPLE bytes:integer] [FOR seconds:integer])|DISABLE|"
          "STATUS|dump(DUMP [dir])|INFO|LIST|top(TOP [n:integer] [dump])|"
          "diff(DIFF older newer [n:integer]))",
      .acl = "@admin @slow @dangerous"}},

};
// clang-format on

}  // namespace

std::span<const CommandSpec> KProfileCommands() { return kKProfileCommands; }

}  // namespace mnemo
