// Lua scripting: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT LOAD|EXISTS|FLUSH|KILL|HELP.
// The commands parse their arguments with Redis 7.0's errors; the script engine
// (commands/script_api.h) runs the scripts on its own thread and answers the connection.
#include "commands/arg_parse.h"
#include "commands/command.h"
#include "commands/script_api.h"
#include "commands/subcommand.h"
#include "common/string_util.h"

namespace mnemo {
namespace {

// EVAL script numkeys [key ...] [arg ...], and its three siblings.
Status Eval(CommandContext& ctx, bool is_sha, bool read_only) {
  auto numkeys = ArgInt(ctx.args[2]);
  if (!numkeys.ok()) return numkeys.status();
  if (*numkeys < 0) return Status::InvalidArgument("Number of keys can't be negative");
  if (*numkeys > static_cast<int64_t>(ctx.argc() - 3)) {
    return Status::InvalidArgument("Number of keys can't be greater than number of args");
  }
  ScriptApi::EvalRequest r;
  r.script = ctx.args[1];
  r.is_sha = is_sha;
  r.read_only = read_only;
  size_t first_arg = 3 + static_cast<size_t>(*numkeys);
  r.keys.assign(ctx.args.begin() + 3, ctx.args.begin() + static_cast<ptrdiff_t>(first_arg));
  r.args.assign(ctx.args.begin() + static_cast<ptrdiff_t>(first_arg), ctx.args.end());
  return ctx.server.scripts().Eval(ctx, std::move(r));
}

Status CmdEval(CommandContext& ctx) { return Eval(ctx, false, false); }
Status CmdEvalSha(CommandContext& ctx) { return Eval(ctx, true, false); }
Status CmdEvalRo(CommandContext& ctx) { return Eval(ctx, false, true); }
Status CmdEvalShaRo(CommandContext& ctx) { return Eval(ctx, true, true); }

Status ScriptLoad(CommandContext& ctx) { return ctx.server.scripts().Load(ctx, ctx.args[2]); }

Status ScriptExists(CommandContext& ctx) {
  std::vector<std::string> shas(ctx.args.begin() + 2, ctx.args.end());
  std::vector<bool> found = ctx.server.scripts().Exists(shas);
  ctx.reply.ArrayHeader(found.size());
  for (bool f : found) ctx.reply.Integer(f ? 1 : 0);
  return Status::OK();
}

Status ScriptFlush(CommandContext& ctx) {
  // ASYNC and SYNC are accepted; the cache is dropped on the script thread either way.
  if (ctx.argc() > 3 || (ctx.argc() == 3 && !EqualsIgnoreCase(ctx.args[2], "async") &&
                         !EqualsIgnoreCase(ctx.args[2], "sync"))) {
    return Status::InvalidArgument("SCRIPT FLUSH only support SYNC|ASYNC option");
  }
  return ctx.server.scripts().Flush(ctx);
}

Status ScriptKill(CommandContext& ctx) {
  Status s = ctx.server.scripts().Kill();
  if (!s.ok()) return s;
  ctx.reply.Ok();
  return Status::OK();
}

Status ScriptHelp(CommandContext& ctx) {
  ctx.reply.BulkArray({
      "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "EXISTS <sha1> [<sha1> ...]",
      "    Return information about the existence of the scripts in the script cache.",
      "FLUSH [ASYNC|SYNC]",
      "    Flush the Lua scripts cache. Very dangerous on replicas.",
      "    When called without the optional mode argument, the behavior is determined by the",
      "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
      "    * ASYNC: Asynchronously flush the scripts cache.",
      "    * SYNC: Synchronously flush the scripts cache.",
      "KILL",
      "    Kill the currently executing Lua script.",
      "LOAD <script>",
      "    Load a script into the scripts cache without executing it.",
      "HELP",
      "    Prints this help.",
  });
  return Status::OK();
}

const Subcommand kScriptSubcommands[] = {
    {"help",
     2,
     ScriptHelp,
     "Show helpful text about the different subcommands",
     {.since = "5.0.0", .complexity = "O(1)", .acl = "@slow @scripting"}},
    {"exists",
     -3,
     ScriptExists,
     "Check existence of scripts in the script cache.",
     {.since = "2.6.0",
      .complexity = "O(N) with N being the number of scripts to check (so checking a single "
                    "script is an O(1) operation).",
      .args = "sha1...",
      .acl = "@slow @scripting",
      .tips = "request_policy:all_shards response_policy:agg_logical_and"}},
    {"kill",
     2,
     ScriptKill,
     "Kill the script currently in execution.",
     {.since = "2.6.0",
      .complexity = "O(1)",
      .acl = "@slow @scripting",
      .tips = "request_policy:all_shards response_policy:one_succeeded",
      .notes = "Stops the running script even when it has written: its writes are not visible "
               "before it ends, so they are dropped (Redis answers UNKILLABLE there)."}},
    {"flush",
     -2,
     ScriptFlush,
     "Remove all the scripts from the script cache.",
     {.since = "2.6.0",
      .complexity = "O(N) with N being the number of scripts in cache",
      .args = "[async(ASYNC|SYNC)@6.2.0]",
      .acl = "@slow @scripting",
      .tips = "request_policy:all_nodes response_policy:all_succeeded"}},
    {"load",
     3,
     ScriptLoad,
     "Load the specified Lua script into the script cache.",
     {.since = "2.6.0",
      .complexity = "O(N) with N being the length in bytes of the script body.",
      .args = "script",
      .acl = "@slow @scripting",
      .tips = "request_policy:all_nodes response_policy:all_succeeded"}},
};

Status CmdScript(CommandContext& ctx) {
  // The row allows SCRIPT while a script is busy, for SCRIPT KILL only.
  if (ctx.server.scripts().busy() && !EqualsIgnoreCase(ctx.args[1], "kill")) {
    return ScriptBusyError();
  }
  return RunSubcommand(ctx, kScriptSubcommands);
}

constexpr const char* kEvalComplexity = "Depends on the script that is executed.";
constexpr const char* kEvalShaKeys = "RW access update index:2 keynum:0,1,1";
constexpr const char* kEvalShaRoKeys = "RO access index:2 keynum:0,1,1";
constexpr const char* kEvalKeys =
    "\"We cannot tell how the keys will be used so we assume the worst, RW and UPDATE\" RW "
    "access update index:2 keynum:0,1,1";
constexpr const char* kEvalRoKeys =
    "\"We cannot tell how the keys will be used so we assume the worst, RO and ACCESS\" RO "
    "access index:2 keynum:0,1,1";
constexpr const char* kEvalNotes =
    "Scripts run one at a time on a thread of their own; their writes are committed as one "
    "atomic batch when the script ends, and their PUBLISHes and keyspace events are sent after "
    "that commit (docs/internals.md, \"Scripting\"). Inside MULTI/EXEC a script runs within the "
    "transaction.";

const CommandSpec kScriptCommands[] = {
    {"eval",
     -3,
     kCmdNoScript,
     0,
     0,
     0,
     CmdEval,
     "scripting",
     "Execute a Lua script server side",
     {.since = "2.6.0",
      .complexity = kEvalComplexity,
      .args = "script numkeys:integer [key:key...] [arg...]",
      .acl = "@slow @scripting",
      .keys = kEvalKeys,
      .notes = kEvalNotes}},
    {"evalsha",
     -3,
     kCmdNoScript,
     0,
     0,
     0,
     CmdEvalSha,
     "scripting",
     "Execute a Lua script server side",
     {.since = "2.6.0",
      .complexity = kEvalComplexity,
      .args = "sha1 numkeys:integer [key:key...] [arg...]",
      .acl = "@slow @scripting",
      .keys = kEvalShaKeys}},
    {"eval_ro",
     -3,
     kCmdNoScript | kCmdReadOnly,
     0,
     0,
     0,
     CmdEvalRo,
     "scripting",
     "Execute a read-only Lua script server side",
     {.since = "7.0.0",
      .complexity = kEvalComplexity,
      .args = "script numkeys:integer [key:key...] [arg...]",
      .acl = "@slow @scripting",
      .keys = kEvalRoKeys}},
    {"evalsha_ro",
     -3,
     kCmdNoScript | kCmdReadOnly,
     0,
     0,
     0,
     CmdEvalShaRo,
     "scripting",
     "Execute a read-only Lua script server side",
     {.since = "7.0.0",
      .complexity = kEvalComplexity,
      .args = "sha1 numkeys:integer [key:key...] [arg...]",
      .acl = "@slow @scripting",
      .keys = kEvalShaRoKeys}},
    {"script",
     -2,
     kCmdNoScript | kCmdAllowBusy,
     0,
     0,
     0,
     CmdScript,
     "scripting",
     "Lua scripts: LOAD, EXISTS, FLUSH, KILL, HELP",
     {.since = "2.6.0",
      .complexity = "Depends on subcommand.",
      .acl = "@slow",
      .subcommands = kScriptSubcommands}},
};

}  // namespace

Status ScriptBusyError() {
  return Status::Busy(
      "Mnemo is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.");
}

std::span<const CommandSpec> ScriptCommands() { return kScriptCommands; }

}  // namespace mnemo
