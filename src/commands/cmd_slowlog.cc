// SLOWLOG GET [count] | LEN | RESET | HELP, with Redis 7.0's replies. The entries are kept by the
// server's SlowLog (commands/slowlog.h), which the dispatcher feeds.
#include <string>

#include "commands/arg_parse.h"
#include "commands/command.h"
#include "commands/slowlog.h"
#include "commands/subcommand.h"
#include "common/string_util.h"

namespace mnemo {
namespace {

constexpr size_t kDefaultCount = 10;

// GET [count]: count -1 = every entry; default 10.
Status Get(CommandContext& ctx) {
  if (ctx.argc() > 3) {
    return Status::InvalidArgument("unknown subcommand or wrong number of arguments for '" +
                                   ctx.args[1] + "'. Try SLOWLOG HELP.");
  }
  size_t count = kDefaultCount;
  if (ctx.argc() == 3) {
    // Redis answers a non-number with the range error too.
    auto n = ParseInt64(ctx.args[2]);
    if (!n || *n < -1)
      return Status::InvalidArgument("count should be greater than or equal to -1");
    count = *n == -1 ? SIZE_MAX : static_cast<size_t>(*n);
  }
  std::vector<SlowLogEntry> entries = ctx.server.slowlog().Get(count);
  ctx.reply.ArrayHeader(entries.size());
  for (const SlowLogEntry& e : entries) {
    ctx.reply.ArrayHeader(6);
    ctx.reply.Integer(e.id);
    ctx.reply.Integer(e.unix_seconds);
    ctx.reply.Integer(e.usec);
    ctx.reply.BulkArray(e.args);
    ctx.reply.Bulk(e.addr);
    ctx.reply.Bulk(e.name);
  }
  return Status::OK();
}

Status Len(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.server.slowlog().Len()));
  return Status::OK();
}

Status Reset(CommandContext& ctx) {
  ctx.server.slowlog().Reset();
  ctx.reply.Ok();
  return Status::OK();
}

Status Help(CommandContext& ctx) {
  static const char* const kLines[] = {
      "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GET [<count>]",
      "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
      "    Entries are made of:",
      "    id, timestamp, time in microseconds, arguments array, client IP and port,",
      "    client name",
      "LEN",
      "    Return the length of the slowlog.",
      "RESET",
      "    Reset the slowlog.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.ArrayHeader(std::size(kLines));
  for (const char* line : kLines) ctx.reply.Simple(line);
  return Status::OK();
}

// One row per subcommand, its CommandDoc below it.
// clang-format off
const Subcommand kSubcommands[] = {
    {"get", -2, Get, "Get the slow log's entries",
     {.since = "2.2.12",
      .complexity = "O(N) where N is the number of entries returned",
      .args = "[count:integer]",
      .acl = "@admin @slow @dangerous",
      .tips = "request_policy:all_nodes nondeterministic_output"}},
    {"len", 2, Len, "Get the slow log's length",
     {.since = "2.2.12",
      .complexity = "O(1)",
      .acl = "@admin @slow @dangerous",
      .tips = "request_policy:all_nodes response_policy:agg_sum nondeterministic_output"}},
    {"reset", 2, Reset, "Clear all entries from the slow log",
     {.since = "2.2.12",
      .complexity = "O(N) where N is the number of entries in the slowlog",
      .acl = "@admin @slow @dangerous",
      .tips = "request_policy:all_nodes response_policy:all_succeeded"}},
    {"help", 2, Help, "Show helpful text about the different subcommands",
     {.since = "6.2.0", .complexity = "O(1)", .acl = "@slow"}},
};
// clang-format on

Status CmdSlowlog(CommandContext& ctx) { return RunSubcommand(ctx, kSubcommands); }

// clang-format off
const CommandSpec kSlowlogCommands[] = {
    {"slowlog", -2, kCmdAdmin | kCmdLoading, 0, 0, 0, CmdSlowlog, "server",
     "A container for slow log commands",
     {.since = "2.2.12",
      .complexity = "Depends on subcommand.",
      .acl = "@slow",
      .subcommands = kSubcommands}},
};
// clang-format on

}  // namespace

std::span<const CommandSpec> SlowlogCommands() { return kSlowlogCommands; }

}  // namespace mnemo
