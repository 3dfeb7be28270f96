// Connection and server commands: PING, ECHO, QUIT, SELECT, AUTH, HELLO, CLIENT, COMMAND, INFO,
// CONFIG, TIME, SHUTDOWN.
#include <optional>

#include "commands/arg_parse.h"
#include "commands/command.h"
#include "commands/registry.h"
#include "commands/subcommand.h"
#include "common/version.h"
#include "config/config.h"

namespace mnemo {
namespace {

Status CmdPing(CommandContext& ctx) {
  if (ctx.argc() > 2) return WrongArgsError("ping");
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
  if (*db != 0) return Status::InvalidArgument("DB index is out of range");
  ctx.reply.Ok();
  return Status::OK();
}

Status WrongPass() {
  return Status::Custom("WRONGPASS invalid username-password pair or user is disabled.");
}

Status Authenticate(CommandContext& ctx, std::string_view password) {
  std::string pass = ctx.server.config().requirepass();
  if (pass.empty()) {
    return Status::InvalidArgument(
        "AUTH <password> called without any password configured for the default user. Are you "
        "sure your configuration is correct?");
  }
  if (password != pass) return WrongPass();
  ctx.client.SetAuthenticated(/*admin=*/true);
  return Status::OK();
}

// AUTH <user> <password> and HELLO's AUTH: the only user is "default"; without requirepass it
// takes any password (Redis's "nopass" default user). Checks only; the caller authenticates.
Status CheckUserPassword(CommandContext& ctx, std::string_view user, std::string_view password) {
  if (user != "default") return WrongPass();
  std::string pass = ctx.server.config().requirepass();
  if (!pass.empty() && password != pass) return WrongPass();
  return Status::OK();
}

Status AuthenticateUser(CommandContext& ctx, std::string_view user, std::string_view password) {
  Status s = CheckUserPassword(ctx, user, password);
  if (!s.ok()) return s;
  ctx.client.SetAuthenticated(/*admin=*/true);
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
  const std::string* name = nullptr;
  for (size_t i = 2; i < ctx.argc(); i++) {
    std::string opt = ToLower(ctx.args[i]);
    if (opt == "auth" && i + 2 < ctx.argc()) {
      Status s = CheckUserPassword(ctx, ctx.args[i + 1], ctx.args[i + 2]);
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
  if (auth) ctx.client.SetAuthenticated(/*admin=*/true);
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
      "HELP",
      "    Print this help."};
  ctx.reply.ArrayHeader(std::size(kLines));
  for (const char* line : kLines) ctx.reply.Simple(line);
  return Status::OK();
}

const Subcommand kClientSubcommands[] = {
    {"id", 2, ClientId},           {"getname", 2, ClientGetName}, {"setname", 3, ClientSetName},
    {"list", 2, ClientList},       {"info", 2, ClientInfo},       {"kill", -3, ClientKill},
    {"setinfo", 4, ClientSetInfo}, {"help", 2, ClientHelp},
};

Status CmdClient(CommandContext& ctx) { return RunSubcommand(ctx, kClientSubcommands); }

void ReplyFlags(Reply& r, uint32_t flags) {
  std::vector<std::string> names;
  if (flags & kCmdWrite) names.push_back("write");
  if (flags & kCmdReadOnly) names.push_back("readonly");
  if (flags & kCmdDenyOOM) names.push_back("denyoom");
  if (flags & kCmdAdmin) names.push_back("admin");
  if (flags & kCmdNoAuth) names.push_back("no_auth");
  if (flags & kCmdFast) names.push_back("fast");
  if (flags & kCmdLoading) names.push_back("loading");
  r.SetHeader(names.size());
  for (const auto& f : names) r.Simple(f);
}

void ReplyCommandInfo(Reply& r, const CommandSpec* c) {
  r.ArrayHeader(10);
  r.Bulk(c->name);
  r.Integer(c->arity);
  ReplyFlags(r, c->flags);
  r.Integer(c->first_key);
  r.Integer(c->last_key);
  r.Integer(c->key_step);
  r.SetHeader(0);    // ACL categories
  r.ArrayHeader(0);  // tips
  r.ArrayHeader(0);  // key specifications
  r.ArrayHeader(0);  // subcommands
}

void ReplyCommandDocs(Reply& r, const CommandSpec* c) {
  r.Bulk(c->name);
  r.MapHeader(3);
  r.Bulk("summary");
  r.Bulk(c->summary);
  r.Bulk("since");
  r.Bulk("0.1.0");
  r.Bulk("group");
  r.Bulk(c->group);
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
// modules and declares no ACL categories (COMMAND INFO lists none), so those two filters match
// nothing; PATTERN is a case-insensitive glob over the names.
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
  if (filter == Filter::kNone || filter == Filter::kPattern) {
    for (const CommandSpec* c : CommandTable::Instance().All()) {
      if (filter == Filter::kPattern && !GlobMatch(ctx.args[4], c->name, /*nocase=*/true)) {
        continue;
      }
      names.push_back(c->name);
    }
  }
  ctx.reply.ArrayHeader(names.size());
  for (std::string_view name : names) ctx.reply.Bulk(name);
  return Status::OK();
}

// COMMAND GETKEYS <command> [arg ...]: the keys of a full command line, taken from the key
// positions of its row. Errors are checked in Redis's order: unknown command, no keys, arity.
Status CommandGetKeys(CommandContext& ctx) {
  const CommandSpec* c = CommandTable::Instance().Find(ctx.args[2]);
  if (c == nullptr) return Status::InvalidArgument("Invalid command specified");
  if (c->first_key == 0) return Status::InvalidArgument("The command has no key arguments");
  std::span<const std::string> line(ctx.args.begin() + 2, ctx.args.end());
  int argc = static_cast<int>(line.size());
  if ((c->arity > 0 && argc != c->arity) || argc < -c->arity) {
    return Status::InvalidArgument("Invalid number of arguments specified for command");
  }
  // last_key -1 is the last argument (Redis's legacy key range: negative counts from the end).
  int last = c->last_key < 0 ? argc + c->last_key : c->last_key;
  std::vector<std::string_view> keys;
  for (int i = c->first_key; i <= last && i < argc; i += c->key_step) keys.push_back(line[i]);
  if (keys.empty()) return Status::InvalidArgument("Invalid arguments specified for command");
  ctx.reply.ArrayHeader(keys.size());
  for (std::string_view key : keys) ctx.reply.Bulk(key);
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
const Subcommand kCommandSubcommands[] = {
    {"count", 2, CommandCount}, {"list", -2, CommandList},       {"info", -2, CommandInfo},
    {"docs", -2, CommandDocs},  {"getkeys", -4, CommandGetKeys}, {"help", 2, CommandHelp}};

Status CmdCommand(CommandContext& ctx) {
  if (ctx.argc() == 1) {
    ReplyAllCommands(ctx.reply);
    return Status::OK();
  }
  return RunSubcommand(ctx, kCommandSubcommands);
}

// Whether INFO's reply holds the keyspace section (no argument, default, all, everything or
// keyspace: see server/info.cc), which scans the namespace's keys and so is rendered on the
// background thread. Other sections are rendered on the spot.
bool InfoScansKeys(const CommandContext& ctx) {
  if (ctx.argc() == 1) return true;
  for (size_t i = 1; i < ctx.argc(); i++) {
    for (const char* s : {"default", "all", "everything", "keyspace"}) {
      if (EqualsIgnoreCase(ctx.args[i], s)) return true;
    }
  }
  return false;
}

Status CmdInfo(CommandContext& ctx) {
  std::string section;
  for (size_t i = 1; i < ctx.argc(); i++) {
    if (!section.empty()) section += " ";
    section += ToLower(ctx.args[i]);
  }
  if (!InfoScansKeys(ctx)) {
    ctx.reply.Verbatim(ctx.server.Info(section, ctx.client.ns()));
    return Status::OK();
  }
  ServerApi* server = &ctx.server;
  ctx.server.Defer(ctx, [server, section, ns = ctx.client.ns()](Reply& r) {
    r.Verbatim(server->Info(section, ns));
    return Status::OK();
  });
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

const Subcommand kConfigSubcommands[] = {{"get", -3, ConfigGet},
                                         {"set", -4, ConfigSet},
                                         {"rewrite", 2, ConfigRewrite},
                                         {"resetstat", 2, ConfigResetStat},
                                         {"help", 2, ConfigHelp}};

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

const CommandSpec kServerCommands[] = {
    {"ping", -1, kConn, 0, 0, 0, CmdPing, "connection", "Check the connection"},
    {"echo", 2, kConn, 0, 0, 0, CmdEcho, "connection", "Return the argument"},
    {"quit", -1, kConn | kCmdNoAuth, 0, 0, 0, CmdQuit, "connection", "Close the connection"},
    {"select", 2, kConn, 0, 0, 0, CmdSelect, "connection", "Select database 0 (the only one)"},
    {"auth", -2, kConn | kCmdNoAuth, 0, 0, 0, CmdAuth, "connection", "Authenticate"},
    {"hello", -1, kConn | kCmdNoAuth, 0, 0, 0, CmdHello, "connection",
     "Handshake: protocol version 2, optional AUTH and SETNAME"},
    {"client", -2, kCmdLoading, 0, 0, 0, CmdClient, "connection",
     "Client connections: ID, SETNAME, GETNAME, LIST, KILL, INFO"},
    {"command", -1, kCmdLoading, 0, 0, 0, CmdCommand, "server",
     "Command metadata: COUNT, LIST, INFO, DOCS, GETKEYS, HELP"},
    {"info", -1, kCmdLoading, 0, 0, 0, CmdInfo, "server", "Server information and statistics"},
    {"config", -2, kCmdAdmin | kCmdLoading, 0, 0, 0, CmdConfig, "server",
     "Configuration: GET, SET, REWRITE, RESETSTAT, HELP"},
    {"time", 1, kConn, 0, 0, 0, CmdTime, "server", "The server's time"},
    {"shutdown", -1, kCmdAdmin | kCmdLoading, 0, 0, 0, CmdShutdown, "server",
     "Stop the server cleanly"},
};

}  // namespace

std::span<const CommandSpec> ServerCommands() { return kServerCommands; }

}  // namespace mnemo
