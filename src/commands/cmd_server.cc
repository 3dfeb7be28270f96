// Connection and server commands: PING, ECHO, QUIT, SELECT, AUTH, HELLO, CLIENT, COMMAND, INFO,
// CONFIG, TIME, SHUTDOWN.
#include <optional>

#include "commands/arg_parse.h"
#include "commands/command.h"
#include "commands/command_doc.h"
#include "commands/command_keys.h"
#include "commands/registry.h"
#include "commands/subcommand.h"
#include "common/version.h"
#include "config/config.h"
#include "types/namespaces.h"

namespace mnemo {
namespace {

Status CmdPing(CommandContext& ctx) {
  if (ctx.argc() > 2) return WrongArgsError("ping");
  // A subscribed RESP2 connection gets ["pong", message or ""], as Redis sends it.
  if (ctx.client.resp() == RespVersion::kResp2 &&
      ctx.client.SubscriptionCount(PubSubKind::kChannel) +
              ctx.client.SubscriptionCount(PubSubKind::kPattern) +
              ctx.client.SubscriptionCount(PubSubKind::kShard) >
          0) {
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk("pong");
    ctx.reply.Bulk(ctx.argc() == 2 ? std::string_view(ctx.args[1]) : std::string_view());
    return Status::OK();
  }
  if (ctx.argc() == 2) {
    ctx.reply.Bulk(ctx.args[1]);
  } else {
    ctx.reply.Simple("PONG");
  }
  return Status::OK();
}

Status CmdEcho(CommandContext& ctx) {
  ctx.reply.Bulk(ctx.args[1]);
  return Status::OK();
}

Status CmdQuit(CommandContext& ctx) {
  ctx.client.CloseAfterReply();
  ctx.reply.Ok();
  return Status::OK();
}

Status CmdSelect(CommandContext& ctx) {
  auto db = ArgInt(ctx.args[1]);
  if (!db.ok()) return db.status();
  if (*db != 0) return DbIndexError();
  ctx.reply.Ok();
  return Status::OK();
}

Status WrongPass() {
  return Status::Custom("WRONGPASS invalid username-password pair or user is disabled.");
}

// Where a password leads: requirepass opens the default namespace as admin, a namespace's
// token opens that namespace (not admin, as in Kvrocks); nullopt for anything else.
std::optional<std::string> NamespaceOf(CommandContext& ctx, std::string_view password) {
  std::string pass = ctx.server.config().requirepass();
  if (!pass.empty() && password == pass) return std::string(kDefaultNamespace);
  return ctx.server.namespaces().Lookup(password);
}

void LogIn(CommandContext& ctx, const std::string& ns) {
  ctx.client.set_ns(ns);
  ctx.client.SetAuthenticated(/*admin=*/ns == kDefaultNamespace);
}

Status Authenticate(CommandContext& ctx, std::string_view password) {
  std::string pass = ctx.server.config().requirepass();
  if (pass.empty()) {
    return Status::InvalidArgument(
        "AUTH <password> called without any password configured for the default user. Are you "
        "sure your configuration is correct?");
  }
  auto ns = NamespaceOf(ctx, password);
  if (!ns) return WrongPass();
  LogIn(ctx, *ns);
  return Status::OK();
}

// AUTH <user> <password> and HELLO's AUTH: the only user is "default"; without requirepass it
// takes any password (Redis's "nopass" default user), else requirepass or a namespace's token.
// Checks only: sets *ns to where the password leads; the caller logs in.
Status CheckUserPassword(CommandContext& ctx, std::string_view user, std::string_view password,
                         std::string* ns) {
  if (user != "default") return WrongPass();
  *ns = std::string(kDefaultNamespace);
  if (ctx.server.config().requirepass().empty()) return Status::OK();
  auto found = NamespaceOf(ctx, password);
  if (!found) return WrongPass();
  *ns = *found;
  return Status::OK();
}

Status AuthenticateUser(CommandContext& ctx, std::string_view user, std::string_view password) {
  std::string ns;
  Status s = CheckUserPassword(ctx, user, password, &ns);
  if (!s.ok()) return s;
  LogIn(ctx, ns);
  return Status::OK();
}

Status CmdAuth(CommandContext& ctx) {
  if (ctx.argc() > 3) return SyntaxError();
  Status s = ctx.argc() == 3 ? AuthenticateUser(ctx, ctx.args[1], ctx.args[2])
                             : Authenticate(ctx, ctx.args[1]);
  if (!s.ok()) return s;
  ctx.reply.Ok();
  return Status::OK();
}

// HELLO's map: Redis 7.0's seven fields, then Mnemo's own version. `version` is the Redis
// version clients gate features on (INFO's redis_version), see common/version.h.
void ReplyHello(Reply& r, const ClientApi& client) {
  r.MapHeader(8);
  r.Bulk("server");
  r.Bulk(kServerName);
  r.Bulk("version");
  r.Bulk(kRedisCompatVersion);
  r.Bulk("proto");
  r.Integer(static_cast<int64_t>(client.resp()));
  r.Bulk("id");
  r.Integer(static_cast<int64_t>(client.id()));
  r.Bulk("mode");
  r.Bulk("standalone");
  r.Bulk("role");
  r.Bulk("master");
  r.Bulk("modules");
  r.ArrayHeader(0);
  r.Bulk("mnemo_version");
  r.Bulk(kMnemoVersion);
}

Status ValidateClientName(std::string_view name) {
  for (char c : name) {
    if (c < '!' || c > '~') {
      return Status::InvalidArgument(
          "Client names cannot contain spaces, newlines or special characters.");
    }
  }
  return Status::OK();
}

// HELLO [protover [AUTH user pass] [SETNAME name]]. The errors come in Redis 7.0's order: a
// version outside 2..3 (-NOPROTO), a bad option, a wrong password, then -NOAUTH for a client that
// is still not authenticated, then a bad name. Unlike Redis, nothing (authentication, name,
// protocol) is applied unless the whole command succeeds. Without a version the protocol stays
// as it is. The protocol switches before the reply, so `HELLO 3` is answered in RESP3.
Status CmdHello(CommandContext& ctx) {
  std::optional<RespVersion> version;
  if (ctx.argc() >= 2) {
    auto ver = ParseInt64(ctx.args[1]);
    if (!ver) return Status::InvalidArgument("Protocol version is not an integer or out of range");
    if (*ver < 2 || *ver > 3) return Status::Custom("NOPROTO unsupported protocol version");
    version = *ver == 3 ? RespVersion::kResp3 : RespVersion::kResp2;
  }
  bool auth = false;
  std::string auth_ns;
  const std::string* name = nullptr;
  for (size_t i = 2; i < ctx.argc(); i++) {
    std::string opt = ToLower(ctx.args[i]);
    if (opt == "auth" && i + 2 < ctx.argc()) {
      Status s = CheckUserPassword(ctx, ctx.args[i + 1], ctx.args[i + 2], &auth_ns);
      if (!s.ok()) return s;
      auth = true;
      i += 2;
    } else if (opt == "setname" && i + 1 < ctx.argc()) {
      name = &ctx.args[++i];
    } else {
      return Status::InvalidArgument("Syntax error in HELLO option '" + ctx.args[i] + "'");
    }
  }
  if (!ctx.client.authenticated() && !auth) {
    return Status::NoAuth(
        "HELLO must be called with the client already authenticated, otherwise "
        "the HELLO AUTH <user> <pass> option can be used to authenticate the "
        "client and select the RESP protocol version at the same time");
  }
  if (name) {
    Status s = ValidateClientName(*name);
    if (!s.ok()) return s;
    ctx.client.set_name(*name);
  }
  if (auth) LogIn(ctx, auth_ns);
  if (version) {
    ctx.client.set_resp(*version);
    ctx.reply.set_version(*version);
  }
  ReplyHello(ctx.reply, ctx.client);
  return Status::OK();
}

Status ClientId(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.client.id()));
  return Status::OK();
}

Status ClientGetName(CommandContext& ctx) {
  if (ctx.client.name().empty()) {
    ctx.reply.Null();
  } else {
    ctx.reply.Bulk(ctx.client.name());
  }
  return Status::OK();
}

Status ClientSetName(CommandContext& ctx) {
  Status s = ValidateClientName(ctx.args[2]);
  if (!s.ok()) return s;
  ctx.client.set_name(ctx.args[2]);
  ctx.reply.Ok();
  return Status::OK();
}

Status ClientList(CommandContext& ctx) {
  // Visits every worker: runs on the background thread, never on an event loop.
  ServerApi* server = &ctx.server;
  ctx.server.Defer(ctx, [server](Reply& r) {
    r.Verbatim(server->ClientList());
    return Status::OK();
  });
  return Status::OK();
}

Status ClientInfo(CommandContext& ctx) {
  ctx.reply.Verbatim(ctx.client.Describe() + "\n");
  return Status::OK();
}

Status ClientKill(CommandContext& ctx) {
  if (Status s = RequireAdmin(ctx); !s.ok()) return s;  // a tenant may not close others' clients
  std::vector<std::string> filter(ctx.args.begin() + 2, ctx.args.end());
  ServerApi* server = &ctx.server;
  uint64_t self = ctx.client.id();
  bool old_form = ctx.argc() == 3;  // CLIENT KILL ip:port
  ctx.server.Defer(ctx, [server, filter, self, old_form](Reply& r) {
    auto killed = server->KillClients(filter, self);
    if (!killed.ok()) return killed.status();
    if (old_form && *killed == 0) return Status::InvalidArgument("No such client");
    if (old_form) {
      r.Ok();
    } else {
      r.Integer(*killed);
    }
    return Status::OK();
  });
  return Status::OK();
}

// CLIENT SETINFO LIB-NAME|LIB-VER value (Redis 7.2's subcommand, sent by clients on connect):
// the value may not contain spaces, newlines or other special characters, as a client name.
// Shown in CLIENT LIST / CLIENT INFO.
Status ClientSetInfo(CommandContext& ctx) {
  std::string attr = ToLower(ctx.args[2]);
  const std::string& value = ctx.args[3];
  if (attr != "lib-name" && attr != "lib-ver") {
    return Status::InvalidArgument("Unrecognized option '" + ctx.args[2] + "'");
  }
  for (char c : value) {
    if (c < '!' || c > '~') {
      return Status::InvalidArgument(attr +
                                     " cannot contain spaces, newlines or special "
                                     "characters.");
    }
  }
  if (attr == "lib-name") {
    ctx.client.set_lib_name(value);
  } else {
    ctx.client.set_lib_ver(value);
  }
  ctx.reply.Ok();
  return Status::OK();
}

Status ClientHelp(CommandContext& ctx) {
  static const char* const kLines[] = {
      "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "ID",
      "    Return the ID of the current connection.",
      "GETNAME",
      "    Return the name of the current connection.",
      "SETNAME <name>",
      "    Assign the name <name> to the current connection.",
      "LIST",
      "    Return information about client connections.",
      "INFO",
      "    Return information about the current client connection.",
      "KILL <ip:port> | KILL <ID|ADDR|LADDR|USER|TYPE|SKIPME> <value> [...]",
      "    Kill connections.",
      "UNBLOCK <clientid> [TIMEOUT|ERROR]",
      "    Unblock the specified blocked client.",
      "HELP",
      "    Print this help."};
  ctx.reply.ArrayHeader(std::size(kLines));
  for (const char* line : kLines) ctx.reply.Simple(line);
  return Status::OK();
}

// CLIENT NO-EVICT and NO-TOUCH: Mnemo evicts neither clients nor keys by access time, so the
// modes are checked and accepted without effect.
Status ClientOnOff(CommandContext& ctx) {
  if (!EqualsIgnoreCase(ctx.args[2], "on") && !EqualsIgnoreCase(ctx.args[2], "off")) {
    return SyntaxError();
  }
  ctx.reply.Ok();
  return Status::OK();
}

Status ClientReply(CommandContext& ctx) {
  using Mode = ClientApi::ReplyMode;
  Mode mode;
  if (EqualsIgnoreCase(ctx.args[2], "on")) {
    mode = Mode::kOn;
  } else if (EqualsIgnoreCase(ctx.args[2], "off")) {
    mode = Mode::kOff;
  } else if (EqualsIgnoreCase(ctx.args[2], "skip")) {
    mode = Mode::kSkip;
  } else {
    return SyntaxError();
  }
  ctx.reply.Ok();  // dropped by the connection unless the mode is ON
  ctx.client.SetReplyMode(mode);
  return Status::OK();
}

// CLIENT PAUSE timeout [WRITE|ALL]: the server holds the commands (only writes with WRITE) of
// every client until the time is over; each waiting connection is woken by a timer.
Status ClientPause(CommandContext& ctx) {
  if (Status s = RequireAdmin(ctx); !s.ok()) return s;  // it holds every client
  auto ms = ParseInt64(ctx.args[2]);
  if (!ms) return Status::InvalidArgument("timeout is not an integer or out of range");
  if (*ms < 0) return Status::InvalidArgument("timeout is negative");
  bool writes_only = false;
  if (ctx.argc() == 4) {
    if (EqualsIgnoreCase(ctx.args[3], "write")) {
      writes_only = true;
    } else if (!EqualsIgnoreCase(ctx.args[3], "all")) {
      return Status::InvalidArgument("CLIENT PAUSE mode must be WRITE or ALL");
    }
  } else if (ctx.argc() > 4) {
    return SyntaxError();
  }
  ctx.server.PauseClients(NowMs() + *ms, writes_only);
  ctx.reply.Ok();
  return Status::OK();
}

Status ClientUnpause(CommandContext& ctx) {
  if (Status s = RequireAdmin(ctx); !s.ok()) return s;  // it holds every client
  ctx.server.UnpauseClients();
  ctx.reply.Ok();
  return Status::OK();
}

// CLIENT UNBLOCK id [TIMEOUT|ERROR]: ends a blocking command's wait (ServerApi::UnblockClient).
// Redis's order of checks: the reason, then the id.
Status ClientUnblock(CommandContext& ctx) {
  if (Status s = RequireAdmin(ctx); !s.ok()) return s;  // it reaches every namespace's clients
  if (ctx.argc() > 4) {
    return SubcommandSyntaxError(ctx);
  }
  bool with_error = false;
  if (ctx.argc() == 4) {
    if (EqualsIgnoreCase(ctx.args[3], "error")) {
      with_error = true;
    } else if (!EqualsIgnoreCase(ctx.args[3], "timeout")) {
      return Status::InvalidArgument("CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
    }
  }
  auto id = ArgInt(ctx.args[2]);
  if (!id.ok()) return id.status();
  bool unblocked = *id > 0 && ctx.server.UnblockClient(static_cast<uint64_t>(*id), with_error);
  ctx.reply.Integer(unblocked ? 1 : 0);
  return Status::OK();
}

Status ClientTracking(CommandContext&) {
  return Status::NotSupported(
      "CLIENT TRACKING is not supported: this server sends no invalidation messages");
}

// One row per command, its CommandDoc below it.
// clang-format off
const Subcommand kClientSubcommands[] = {
    {"id", 2, ClientId, "Returns the client ID for the current connection",
     {.since = "5.0.0", .complexity = "O(1)", .acl = "@slow @connection"}},
    {"getname", 2, ClientGetName, "Get the current connection name",
     {.since = "2.6.9", .complexity = "O(1)", .acl = "@slow @connection"}},
    {"setname", 3, ClientSetName, "Set the current connection name",
     {.since = "2.6.9",
      .complexity = "O(1)",
      .args = "connection-name",
      .acl = "@slow @connection"}},
    {"list", 2, ClientList, "Get the list of client connections",
     {.since = "2.4.0",
      .complexity = "O(N) where N is the number of client connections",
      .args = "[TYPE normal_master_replica_pubsub(NORMAL|MASTER|REPLICA|PUBSUB)@5.0.0] [ID "
              "id(client-id:integer...)@6.2.0]",
      .acl = "@admin @slow @dangerous @connection",
      .tips = "nondeterministic_output"}},
    {"info", 2, ClientInfo, "Returns information about the current client connection.",
     {.since = "6.2.0",
      .complexity = "O(1)",
      .acl = "@slow @connection",
      .tips = "nondeterministic_output"}},
    {"kill", -3, ClientKill, "Kill the connection of a client",
     {.since = "2.4.0",
      .complexity = "O(N) where N is the number of client connections",
      .args = "filter('ip:port'!2.8.12|new-format([ID client-id:integer@2.8.12]|[TYPE "
              "normal_master_slave_pubsub(NORMAL|MASTER@3.2.0|SLAVE|REPLICA@5.0.0|PUBSUB)@2.8.12]|["
              "USER username]|[ADDR 'ip:port']|[LADDR 'ip:port'@6.2.0]|[SKIPME 'yes/no'])...)",
      .acl = "@admin @slow @dangerous @connection"}},
    {"setinfo", 4, ClientSetInfo, "Set client or connection specific info",
     {.since = "7.2.0",
      .complexity = "O(1)",
      .args = "attr(LIB-NAME libname|LIB-VER libver)",
      .acl = "@slow @connection",
      .notes = "from Redis 7.2 (not in 7.0)"}},
    {"no-evict", 3, ClientOnOff, "Set client eviction mode for the current connection",
     {.since = "7.0.0",
      .complexity = "O(1)",
      .args = "enabled(ON|OFF)",
      .acl = "@admin @slow @dangerous @connection",
      .notes = "accepted without effect: clients are never evicted (the memory governor drops the "
               "largest buffers instead)"}},
    {"no-touch", 3, ClientOnOff,
     "Controls whether commands sent by the client affect the LRU/LFU of accessed keys",
     {.since = "7.2.0",
      .complexity = "O(1)",
      .args = "enabled(ON|OFF)",
      .acl = "@slow @connection",
      .notes = "from Redis 7.2; accepted without effect: no access time is kept per key"}},
    {"reply", 3, ClientReply, "Instruct the server whether to reply to commands",
     {.since = "3.2.0",
      .complexity = "O(1)",
      .args = "on_off_skip(ON|OFF|SKIP)",
      .acl = "@slow @connection"}},
    {"pause", -3, ClientPause, "Stop processing commands from clients for some time",
     {.since = "2.9.50",
      .complexity = "O(1)",
      .args = "timeout:integer [mode(WRITE|ALL)@6.2.0]",
      .acl = "@admin @slow @dangerous @connection",
      .notes = "`CLIENT` commands themselves are never held, so `CLIENT UNPAUSE` gets through in "
               "`ALL` mode; with `WRITE` only commands flagged `write` wait"}},
    {"unblock", -3, ClientUnblock,
     "Unblock a client blocked in a blocking command from a different connection",
     {.since = "5.0.0",
      .complexity = "O(log N) where N is the number of client connections",
      .args = "client-id:integer [timeout_error(TIMEOUT|ERROR)]",
      .acl = "@admin @slow @dangerous @connection"}},
    {"unpause", 2, ClientUnpause, "Resume processing of clients that were paused",
     {.since = "6.2.0",
      .complexity = "O(N) Where N is the number of paused clients",
      .acl = "@admin @slow @dangerous @connection"}},
    {"tracking", -3, ClientTracking,
     "Enable or disable server assisted client side caching support",
     {.since = "6.0.0",
      .complexity = "O(1). Some options may introduce additional complexity.",
      .args = "status(ON|OFF) [REDIRECT client-id:integer] [PREFIX prefix...*] [BCAST] [OPTIN] "
              "[OPTOUT] [NOLOOP]",
      .acl = "@slow @connection",
      .notes = "answers an error: client-side caching invalidations are not sent"}},
    {"help", 2, ClientHelp, "Show helpful text about the different subcommands",
     {.since = "5.0.0", .complexity = "O(1)", .acl = "@slow @connection"}},

};
// clang-format on

Status CmdClient(CommandContext& ctx) { return RunSubcommand(ctx, kClientSubcommands); }

void ReplyCommandInfo(Reply& r, const CommandSpec* c) { mnemo::ReplyCommandInfo(r, *c); }

void ReplyCommandDocs(Reply& r, const CommandSpec* c) { mnemo::ReplyCommandDocs(r, *c); }

bool HasAclCategory(const CommandSpec& c, std::string_view category) {
  for (const std::string& cat : CommandTable::Instance().Parsed(c.doc).acl) {
    if (EqualsIgnoreCase(std::string_view(cat).substr(1), category)) return true;
  }
  return false;
}

void ReplyAllCommands(Reply& r) {
  auto all = CommandTable::Instance().All();
  r.ArrayHeader(all.size());
  for (const CommandSpec* c : all) ReplyCommandInfo(r, c);
}

Status CommandCount(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(CommandTable::Instance().All().size()));
  return Status::OK();
}

Status CommandInfo(CommandContext& ctx) {
  if (ctx.argc() == 2) {
    ReplyAllCommands(ctx.reply);
    return Status::OK();
  }
  ctx.reply.ArrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); i++) {
    const CommandSpec* c = CommandTable::Instance().Find(ctx.args[i]);
    if (c) {
      ReplyCommandInfo(ctx.reply, c);
    } else {
      ctx.reply.NullArray();
    }
  }
  return Status::OK();
}

Status CommandDocs(CommandContext& ctx) {
  std::vector<const CommandSpec*> chosen;
  auto all = CommandTable::Instance().All();
  if (ctx.argc() == 2) {
    chosen.assign(all.begin(), all.end());
  } else {
    for (size_t i = 2; i < ctx.argc(); i++) {
      if (const CommandSpec* c = CommandTable::Instance().Find(ctx.args[i])) chosen.push_back(c);
    }
  }
  ctx.reply.MapHeader(chosen.size());
  for (const CommandSpec* c : chosen) ReplyCommandDocs(ctx.reply, c);
  return Status::OK();
}

// COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]. Parsed as Redis does:
// FILTERBY must be the last three arguments, anything else is a syntax error. Mnemo has no
// modules, so that filter matches nothing; ACLCAT matches the rows' ACL categories
// (case-insensitive, without the '@'); PATTERN is a case-insensitive glob over the names.
Status CommandList(CommandContext& ctx) {
  enum class Filter { kNone, kModule, kAclCat, kPattern } filter = Filter::kNone;
  if (ctx.argc() > 2) {
    if (ctx.argc() != 5 || !EqualsIgnoreCase(ctx.args[2], "filterby")) return SyntaxError();
    if (EqualsIgnoreCase(ctx.args[3], "module")) {
      filter = Filter::kModule;
    } else if (EqualsIgnoreCase(ctx.args[3], "aclcat")) {
      filter = Filter::kAclCat;
    } else if (EqualsIgnoreCase(ctx.args[3], "pattern")) {
      filter = Filter::kPattern;
    } else {
      return SyntaxError();
    }
  }
  std::vector<std::string_view> names;
  if (filter != Filter::kModule) {
    for (const CommandSpec* c : CommandTable::Instance().All()) {
      if (filter == Filter::kPattern && !GlobMatch(ctx.args[4], c->name, /*nocase=*/true)) {
        continue;
      }
      if (filter == Filter::kAclCat && !HasAclCategory(*c, ctx.args[4])) continue;
      names.push_back(c->name);
    }
  }
  ctx.reply.ArrayHeader(names.size());
  for (std::string_view name : names) ctx.reply.Bulk(name);
  return Status::OK();
}

// COMMAND GETKEYS <command> [arg ...]: the keys of a full command line (commands/command_keys.h).
// Errors are checked in Redis's order: unknown command, no keys, arity, then the arguments.
Status CommandGetKeys(CommandContext& ctx) {
  const CommandSpec* c = CommandTable::Instance().Find(ctx.args[2]);
  if (c == nullptr) return Status::InvalidArgument("Invalid command specified");
  if (!CommandHasKeys(*c)) return Status::InvalidArgument("The command has no key arguments");
  std::span<const std::string> line(ctx.args.begin() + 2, ctx.args.end());
  int argc = static_cast<int>(line.size());
  if ((c->arity > 0 && argc != c->arity) || argc < -c->arity) {
    return Status::InvalidArgument("Invalid number of arguments specified for command");
  }
  auto keys = CommandKeyPositions(*c, line);
  if (!keys.ok()) return keys.status();
  if (keys->empty()) return Status::InvalidArgument("Invalid arguments specified for command");
  ctx.reply.ArrayHeader(keys->size());
  for (size_t i : *keys) ctx.reply.Bulk(line[i]);
  return Status::OK();
}

Status CommandHelp(CommandContext& ctx) {
  static const char* const kLines[] = {
      "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "(no subcommand)",
      "    Return details about all commands.",
      "COUNT",
      "    Return the total number of commands in this server.",
      "LIST [FILTERBY (MODULE <module-name>|ACLCAT <category>|PATTERN <pattern>)]",
      "    Return a list of all commands in this server.",
      "INFO [<command-name> ...]",
      "    Return details about multiple commands.",
      "    If no command names are given, details for all commands are returned.",
      "DOCS [<command-name> ...]",
      "    Return documentation details about multiple commands.",
      "    If no command names are given, documentation details for all",
      "    commands are returned.",
      "GETKEYS <full-command>",
      "    Return the keys from a full command.",
      "HELP",
      "    Prints this help."};
  ctx.reply.ArrayHeader(std::size(kLines));
  for (const char* line : kLines) ctx.reply.Simple(line);
  return Status::OK();
}

// Arities as in Redis 7.0 (COMMAND INFO command|getkeys: -4, a command and one argument).
// One row per command, its CommandDoc below it.
// clang-format off
const Subcommand kCommandSubcommands[] = {
    {"count", 2, CommandCount, "Get total number of commands",
     {.since = "2.8.13", .complexity = "O(1)", .acl = "@slow @connection"}},
    {"list", -2, CommandList, "Get an array of command names",
     {.since = "7.0.0",
      .complexity = "O(N) where N is the total number of commands",
      .args = "[FILTERBY filterby(MODULE module-name|ACLCAT category|PATTERN pattern:pattern)]",
      .acl = "@slow @connection",
      .tips = "nondeterministic_output_order"}},
    {"info", -2, CommandInfo,
     "Get array of specific command details, or all when no argument is given.",
     {.since = "2.8.13",
      .complexity = "O(N) where N is the number of commands to look up",
      .args = "[command-name...]",
      .acl = "@slow @connection",
      .tips = "nondeterministic_output_order"}},
    {"docs", -2, CommandDocs, "Get array of specific command documentation",
     {.since = "7.0.0",
      .complexity = "O(N) where N is the number of commands to look up",
      .args = "[command-name...]",
      .acl = "@slow @connection",
      .tips = "nondeterministic_output_order"}},
    {"getkeys", -4, CommandGetKeys, "Extract keys given a full command",
     {.since = "2.8.13",
      .complexity = "O(N) where N is the number of arguments to the command",
      .acl = "@slow @connection"}},
    {"help", 2, CommandHelp, "Show helpful text about the different subcommands",
     {.since = "5.0.0", .complexity = "O(1)", .acl = "@slow @connection"}},

};
// clang-format on

Status CmdCommand(CommandContext& ctx) {
  if (ctx.argc() == 1) {
    ReplyAllCommands(ctx.reply);
    return Status::OK();
  }
  return RunSubcommand(ctx, kCommandSubcommands);
}

Status CmdInfo(CommandContext& ctx) {
  std::string section;
  for (size_t i = 1; i < ctx.argc(); i++) {
    if (!section.empty()) section += " ";
    section += ToLower(ctx.args[i]);
  }
  // Every section is cheap (the keyspace line reads the namespace counters): rendered here.
  ctx.reply.Verbatim(ctx.server.Info(section, ctx.client.ns()));
  return Status::OK();
}

Status ConfigGet(CommandContext& ctx) {
  std::vector<std::pair<std::string, std::string>> out;
  for (size_t i = 2; i < ctx.argc(); i++) {
    for (auto& kv : ctx.server.config().Get(ctx.args[i])) {
      bool dup = false;
      for (auto& seen : out) dup = dup || seen.first == kv.first;
      if (!dup) out.push_back(std::move(kv));
    }
  }
  ctx.reply.MapHeader(out.size());
  for (auto& [k, v] : out) {
    ctx.reply.Bulk(k);
    ctx.reply.Bulk(v);
  }
  return Status::OK();
}

// CONFIG SET k v [k v ...]: all or nothing, as in Redis 7. Every pair is checked (a path key
// against enable-protected-configs and where the client connects from) before any is applied.
Status ConfigSet(CommandContext& ctx) {
  if (ctx.argc() % 2 != 0) return WrongArgsError("config|set");
  Config& config = ctx.server.config();
  SetSource source =
      ctx.client.from_loopback() ? SetSource::kLocalClient : SetSource::kRemoteClient;
  std::vector<std::string> seen;
  for (size_t i = 2; i < ctx.argc(); i += 2) {
    std::string key = ToLower(ctx.args[i]);
    for (const auto& k : seen) {
      if (k == key) {
        return Status::InvalidArgument("CONFIG SET failed (possibly related to argument '" +
                                       ctx.args[i] + "') - duplicate parameter");
      }
    }
    seen.push_back(key);
    Status s = config.Check(ctx.args[i], ctx.args[i + 1], source);
    if (!s.ok()) return s;
  }
  for (size_t i = 2; i < ctx.argc(); i += 2) {
    Status s = config.Set(ctx.args[i], ctx.args[i + 1], source);
    if (!s.ok()) return s;
  }
  ctx.reply.Ok();
  return Status::OK();
}

Status ConfigRewrite(CommandContext& ctx) {
  Status s = ctx.server.config().Rewrite();
  if (!s.ok()) return s;
  ctx.reply.Ok();
  return Status::OK();
}

Status ConfigResetStat(CommandContext& ctx) {
  ctx.server.ResetStats();
  ctx.reply.Ok();
  return Status::OK();
}

Status ConfigHelp(CommandContext& ctx) {
  static const char* const kLines[] = {
      "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GET <pattern>",
      "    Return parameters matching the glob-like <pattern> and their values.",
      "SET <directive> <value>",
      "    Set the configuration <directive> to <value>.",
      "RESETSTAT",
      "    Reset statistics reported by the INFO command.",
      "REWRITE",
      "    Rewrite the configuration file.",
      "HELP",
      "    Prints this help."};
  ctx.reply.ArrayHeader(std::size(kLines));
  for (const char* line : kLines) ctx.reply.Simple(line);
  return Status::OK();
}

// One row per command, its CommandDoc below it.
// clang-format off
const Subcommand kConfigSubcommands[] = {
    {"get", -3, ConfigGet, "Get the values of configuration parameters",
     {.since = "2.0.0",
      .complexity = "O(N) when N is the number of configuration parameters provided",
      .args = "parameter(parameter)...",
      .acl = "@admin @slow @dangerous"}},
    {"set", -4, ConfigSet, "Set configuration parameters to the given values",
     {.since = "2.0.0",
      .complexity = "O(N) when N is the number of configuration parameters provided",
      .args = "parameter_value(parameter value)...",
      .acl = "@admin @slow @dangerous",
      .tips = "request_policy:all_nodes response_policy:all_succeeded"}},
    {"rewrite", 2, ConfigRewrite, "Rewrite the configuration file with the in memory configuration",
     {.since = "2.8.0", .complexity = "O(1)", .acl = "@admin @slow @dangerous"}},
    {"resetstat", 2, ConfigResetStat, "Reset the stats returned by INFO",
     {.since = "2.0.0", .complexity = "O(1)", .acl = "@admin @slow @dangerous"}},
    {"help", 2, ConfigHelp, "Show helpful text about the different subcommands",
     {.since = "5.0.0", .complexity = "O(1)", .acl = "@slow"}},

};
// clang-format on

Status CmdConfig(CommandContext& ctx) { return RunSubcommand(ctx, kConfigSubcommands); }

Status CmdTime(CommandContext& ctx) {
  int64_t us = NowUs();
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(std::to_string(us / 1000000));
  ctx.reply.Bulk(std::to_string(us % 1000000));
  return Status::OK();
}

Status CmdShutdown(CommandContext& ctx) {
  for (size_t i = 1; i < ctx.argc(); i++) {
    std::string opt = ToLower(ctx.args[i]);
    if (opt != "nosave" && opt != "save" && opt != "now" && opt != "force") return SyntaxError();
  }
  // Like Redis: no reply on success, the connection closes as the server exits.
  ctx.server.RequestShutdown();
  ctx.client.CloseAfterReply();
  return Status::OK();
}

constexpr uint32_t kConn = kCmdFast | kCmdLoading;

// One row per command, its CommandDoc below it.
// clang-format off
const CommandSpec kServerCommands[] = {
    {"ping", -1, kConn | kCmdPubSubContext, 0, 0, 0, CmdPing, "connection", "Check the connection",
     {.since = "1.0.0",
      .complexity = "O(1)",
      .args = "[message]",
      .acl = "@fast @connection",
      .tips = "request_policy:all_shards response_policy:all_succeeded"}},
    {"echo", 2, kConn, 0, 0, 0, CmdEcho, "connection", "Return the argument",
     {.since = "1.0.0", .complexity = "O(1)", .args = "message", .acl = "@fast @connection"}},
    {"quit", -1, kConn | kCmdNoAuth | kCmdNoQueue | kCmdNoScript | kCmdAllowBusy | kCmdPubSubContext, 0, 0, 0, CmdQuit, "connection", "Close the connection",
     {.since = "1.0.0", .complexity = "O(1)", .acl = "@fast @connection"}},
    {"select", 2, kConn, 0, 0, 0, CmdSelect, "connection", "Select database 0 (the only one)",
     {.since = "1.0.0", .complexity = "O(1)", .args = "index:integer", .acl = "@fast @connection"}},
    {"auth", -2, kConn | kCmdNoAuth | kCmdNoScript | kCmdAllowBusy, 0, 0, 0, CmdAuth, "connection", "Authenticate",
     {.since = "1.0.0",
      .complexity = "O(N) where N is the number of passwords defined for the user",
      .args = "[username@6.0.0] password",
      .acl = "@fast @connection"}},
    {"hello", -1, kConn | kCmdNoAuth | kCmdNoScript | kCmdAllowBusy, 0, 0, 0, CmdHello, "connection",
     "Handshake: protocol version 2 or 3 (RESP3), optional AUTH and SETNAME",
     {.since = "6.0.0",
      .complexity = "O(1)",
      .args = "[arguments(protover:integer [AUTH username_password(username password)] [SETNAME "
              "clientname])]",
      .acl = "@fast @connection"}},
    {"client", -2, kCmdLoading | kCmdNoScript, 0, 0, 0, CmdClient, "connection",
     "Client connections: ID, SETNAME, GETNAME, LIST, KILL, INFO",
     {.since = "2.4.0",
      .complexity = "Depends on subcommand.",
      .acl = "@slow",
      .subcommands = kClientSubcommands}},
    {"command", -1, kCmdLoading, 0, 0, 0, CmdCommand, "server",
     "Command metadata: COUNT, LIST, INFO, DOCS, GETKEYS, HELP",
     {.since = "2.8.13",
      .complexity = "O(N) where N is the total number of commands",
      .acl = "@slow @connection",
      .tips = "nondeterministic_output_order",
      .subcommands = kCommandSubcommands}},
    {"info", -1, kCmdLoading, 0, 0, 0, CmdInfo, "server", "Server information and statistics",
     {.since = "1.0.0",
      .complexity = "O(1)",
      .args = "[section...]",
      .acl = "@slow @dangerous",
      .tips = "nondeterministic_output request_policy:all_shards response_policy:special"}},
    {"config", -2, kCmdAdmin | kCmdLoading | kCmdNoScript, 0, 0, 0, CmdConfig, "server",
     "Configuration: GET, SET, REWRITE, RESETSTAT, HELP",
     {.since = "2.0.0",
      .complexity = "Depends on subcommand.",
      .acl = "@slow",
      .subcommands = kConfigSubcommands}},
    {"time", 1, kConn, 0, 0, 0, CmdTime, "server", "The server's time",
     {.since = "2.6.0", .complexity = "O(1)", .acl = "@fast", .tips = "nondeterministic_output"}},
    {"shutdown", -1, kCmdAdmin | kCmdLoading | kCmdNoMulti | kCmdNoScript | kCmdAllowBusy, 0, 0, 0, CmdShutdown, "server",
     "Stop the server cleanly",
     {.since = "1.0.0",
      .complexity = "O(N) when saving, where N is the total number of keys in all databases when "
                    "saving data, otherwise O(1)",
      .args = "[nosave_save(NOSAVE|SAVE)] [NOW@7.0.0] [FORCE@7.0.0] [ABORT@7.0.0]",
      .acl = "@admin @slow @dangerous"}},

};
// clang-format on

}  // namespace

std::span<const CommandSpec> ServerCommands() { return kServerCommands; }

}  // namespace mnemo
