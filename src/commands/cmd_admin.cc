// Server administration commands of Redis that a disk store answers in its own way: SAVE,
// BGSAVE and LASTSAVE (RocksDB flushes and checkpoints), ROLE and WAIT (no replicas), SWAPDB
// (one database), RESET, and the ACL subcommands that describe the single default user. What
// each does differently from Redis is in its row's notes (docs/commands.md).
#include <chrono>

#include "commands/arg_parse.h"
#include "commands/command.h"
#include "commands/registry.h"
#include "commands/subcommand.h"
#include "config/config.h"
#include "storage/storage.h"

namespace mnemo {
namespace {

int64_t NowSeconds() { return NowMs() / 1000; }

// SAVE: every acknowledged write is already in the WAL; flushing the memtables makes the SST
// files alone hold the data (what a restart would otherwise replay). On the background thread.
Status CmdSave(CommandContext& ctx) {
  ServerApi* server = &ctx.server;
  ctx.server.Defer(ctx, [server](Reply& r) {
    Status s = server->storage().Flush();
    if (!s.ok()) return s;
    server->SetLastSave(NowSeconds());
    r.Ok();
    return Status::OK();
  });
  return Status::OK();
}

// BGSAVE [SCHEDULE]: a RocksDB checkpoint of the whole database at <dir>/checkpoint (the
// previous one replaced), made on the background thread; the reply comes when it is complete.
Status CmdBgSave(CommandContext& ctx) {
  if (ctx.argc() > 2 || (ctx.argc() == 2 && !EqualsIgnoreCase(ctx.args[1], "schedule"))) {
    return SyntaxError();
  }
  ServerApi* server = &ctx.server;
  std::string path = ctx.server.config().dir() + "/checkpoint";
  ctx.server.Defer(ctx, [server, path](Reply& r) {
    Status s = server->storage().ReplaceCheckpoint(path);
    if (!s.ok()) return s;
    server->SetLastSave(NowSeconds());
    r.Simple("Background saving started");
    return Status::OK();
  });
  return Status::OK();
}

Status CmdLastSave(CommandContext& ctx) {
  ctx.reply.Integer(ctx.server.LastSave());
  return Status::OK();
}

Status CmdRole(CommandContext& ctx) {
  ctx.reply.ArrayHeader(3);
  ctx.reply.Bulk("master");
  ctx.reply.Integer(0);
  ctx.reply.ArrayHeader(0);
  return Status::OK();
}

// WAIT numreplicas timeout: no replicas exist, so none can acknowledge: 0 at once.
Status CmdWait(CommandContext& ctx) {
  auto n = ArgInt(ctx.args[1]);
  if (!n.ok()) return n.status();
  auto timeout = ArgInt(ctx.args[2]);
  if (!timeout.ok()) return timeout.status();
  if (*timeout < 0) return Status::InvalidArgument("timeout is negative");
  ctx.reply.Integer(0);
  return Status::OK();
}

Status CmdSwapDb(CommandContext& ctx) {
  auto a = ParseInt64(ctx.args[1]);
  if (!a) return Status::InvalidArgument("invalid first DB index");
  auto b = ParseInt64(ctx.args[2]);
  if (!b) return Status::InvalidArgument("invalid second DB index");
  if (*a != 0 || *b != 0) return DbIndexError();
  ctx.reply.Ok();  // swapping database 0 with itself
  return Status::OK();
}

Status CmdReset(CommandContext& ctx) {
  ctx.client.Reset();
  ctx.reply.Simple("RESET");
  return Status::OK();
}

Status AclWhoAmI(CommandContext& ctx) {
  ctx.reply.Bulk("default");
  return Status::OK();
}

Status AclUsers(CommandContext& ctx) {
  ctx.reply.ArrayHeader(1);
  ctx.reply.Bulk("default");
  return Status::OK();
}

// Redis 7.0's categories, in its order.
constexpr const char* kAclCategories[] = {
    "keyspace", "read",   "write",       "set",       "sortedset",  "list",        "hash",
    "string",   "bitmap", "hyperloglog", "geo",       "stream",     "pubsub",      "admin",
    "fast",     "slow",   "blocking",    "dangerous", "connection", "transaction", "scripting"};

// ACL CAT: the categories; ACL CAT <category>: the commands of the tables in it.
Status AclCat(CommandContext& ctx) {
  if (ctx.argc() > 3) return WrongArgsError("acl|cat");
  if (ctx.argc() == 2) {
    ctx.reply.ArrayHeader(std::size(kAclCategories));
    for (const char* c : kAclCategories) ctx.reply.Bulk(c);
    return Status::OK();
  }
  std::string want = "@" + ToLower(ctx.args[2]);
  bool known = false;
  for (const char* c : kAclCategories) known = known || want.substr(1) == c;
  if (!known) return Status::InvalidArgument("Unknown category '" + ctx.args[2] + "'");
  std::vector<std::string> names;
  for (const CommandSpec* c : CommandTable::Instance().All()) {
    const ParsedDoc& p = CommandTable::Instance().Parsed(c->doc);
    if (std::find(p.acl.begin(), p.acl.end(), want) != p.acl.end()) names.emplace_back(c->name);
  }
  ctx.reply.BulkArray(names);
  return Status::OK();
}

Status AclHelp(CommandContext& ctx) {
  static const char* const kLines[] = {
      "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CAT [<category>]",
      "    List all commands that belong to <category>, or all command categories",
      "    when no category is specified.",
      "USERS",
      "    List all configured users (only `default` exists).",
      "WHOAMI",
      "    Return the current connection username.",
      "HELP",
      "    Print this help."};
  ctx.reply.ArrayHeader(std::size(kLines));
  for (const char* line : kLines) ctx.reply.Simple(line);
  return Status::OK();
}

// One row per command, its CommandDoc below it.
// clang-format off
const Subcommand kAclSubcommands[] = {
    {"whoami", 2, AclWhoAmI, "Return the name of the user associated to the current connection",
     {.since = "6.0.0", .complexity = "O(1)", .acl = "@slow"}},
    {"cat", -2, AclCat, "List the ACL categories or the commands inside a category",
     {.since = "6.0.0",
      .complexity = "O(1) since the categories and commands are a fixed set.",
      .args = "[categoryname]",
      .acl = "@slow"}},
    {"users", 2, AclUsers, "List the username of all the configured ACL rules",
     {.since = "6.0.0",
      .complexity = "O(N). Where N is the number of configured users.",
      .acl = "@admin @slow @dangerous"}},
    {"help", 2, AclHelp, "Show helpful text about the different subcommands",
     {.since = "6.0.0", .complexity = "O(1)", .acl = "@slow"}},

};
// clang-format on

Status CmdAcl(CommandContext& ctx) { return RunSubcommand(ctx, kAclSubcommands); }

constexpr uint32_t kAdm = kCmdAdmin | kCmdLoading;

// One row per command, its CommandDoc below it.
// clang-format off
const CommandSpec kAdminCommands[] = {
    {"save", 1, kAdm | kCmdNoMulti | kCmdNoScript, 0, 0, 0, CmdSave, "server", "Flush the memtables to disk",
     {.since = "1.0.0",
      .complexity = "O(N) where N is the total number of keys in all databases",
      .acl = "@admin @slow @dangerous",
      .notes = "flushes every memtable to SST files (each acknowledged write is already in the "
               "write-ahead log); no RDB file is written"}},
    {"bgsave", -1, kAdm | kCmdNoScript, 0, 0, 0, CmdBgSave, "server",
     "Make a checkpoint of the database under `dir`",
     {.since = "1.0.0",
      .complexity = "O(1)",
      .args = "[SCHEDULE@3.2.2]",
      .acl = "@admin @slow @dangerous",
      .notes = "replies when a RocksDB checkpoint of the whole database is complete at "
               "`<dir>/checkpoint` (hard links to the SST files), replacing the previous one; "
               "`SCHEDULE` is accepted"}},
    {"lastsave", 1, kAdm | kCmdFast, 0, 0, 0, CmdLastSave, "server",
     "Unix time of the last successful SAVE or BGSAVE",
     {.since = "1.0.0",
      .complexity = "O(1)",
      .acl = "@admin @fast @dangerous",
      .tips = "nondeterministic_output",
      .notes = "the time of the last successful `SAVE` or `BGSAVE`; the server's start time before "
               "the first"}},
    {"role", 1, kCmdFast | kCmdLoading | kCmdNoScript, 0, 0, 0, CmdRole, "server",
     "Replication role: always master with no replicas",
     {.since = "2.8.12",
      .complexity = "O(1)",
      .acl = "@admin @fast @dangerous",
      .notes = "`master`, offset 0, no replicas: replication does not exist yet"}},
    {"wait", 3, kCmdNoScript, 0, 0, 0, CmdWait, "generic",
     "Wait for replicas to acknowledge writes: there are none, so 0 at once",
     {.since = "3.0.0",
      .complexity = "O(1)",
      .args = "numreplicas:integer timeout:integer",
      .acl = "@slow @connection",
      .tips = "request_policy:all_shards response_policy:agg_min",
      .notes =
          "no replicas exist, so it replies 0 at once (a negative timeout is still an error)"}},
    {"swapdb", 3, kCmdWrite | kCmdFast, 0, 0, 0, CmdSwapDb, "server",
     "Swap two databases: only database 0 exists",
     {.since = "4.0.0",
      .complexity =
          "O(N) where N is the count of clients watching or blocking on keys from both databases.",
      .args = "index1:integer index2:integer",
      .acl = "@keyspace @write @fast @dangerous",
      .notes = "only database 0 exists: `SWAPDB 0 0` is OK, any other index `ERR DB index is out "
               "of range`"}},
    {"reset", 1, kCmdFast | kCmdLoading | kCmdNoAuth | kCmdNoQueue | kCmdNoScript | kCmdAllowBusy | kCmdPubSubContext, 0, 0, 0, CmdReset, "connection",
     "Reset the connection to its initial state",
     {.since = "6.2.0",
      .complexity = "O(1)",
      .acl = "@fast @connection",
      .notes = "clears the name, authentication (when `requirepass` is set) and `CLIENT REPLY` "
               "mode; replies `RESET`"}},
    {"acl", -2, kCmdLoading, 0, 0, 0, CmdAcl, "server",
     "Access control: WHOAMI, CAT, USERS, HELP (only the default user exists)",
     {.since = "6.0.0",
      .complexity = "Depends on subcommand.",
      .acl = "@slow",
      .notes = "only `WHOAMI`, `CAT`, `USERS` and `HELP`, for the single `default` user",
      .subcommands = kAclSubcommands}},

};
// clang-format on

}  // namespace

std::span<const CommandSpec> AdminCommands() { return kAdminCommands; }

}  // namespace mnemo
