// Connection and server commands: PING, ECHO, QUIT, SELECT, AUTH, HELLO, CLIENT, COMMAND, INFO,
// CONFIG, TIME, SHUTDOWN.
#include "commands/arg_parse.h"
#include "commands/command.h"
#include "commands/registry.h"
#include "config/config.h"

#ifndef MNEMO_VERSION
#define MNEMO_VERSION "0.1.0"
#endif

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

Status Authenticate(CommandContext& ctx, std::string_view password) {
  std::string pass = ctx.server.config().requirepass();
  if (pass.empty()) {
    return Status::InvalidArgument(
        "AUTH <password> called without any password configured for the default user. Are you "
        "sure your configuration is correct?");
  }
  if (password != pass) {
    return Status::Custom("WRONGPASS invalid username-password pair or user is disabled.");
  }
  ctx.client.SetAuthenticated(/*admin=*/true);
  return Status::OK();
}

Status CmdAuth(CommandContext& ctx) {
  if (ctx.argc() > 3) return SyntaxError();
  // AUTH <password> or AUTH default <password> (Redis 6 form with the only user).
  if (ctx.argc() == 3 && ctx.args[1] != "default") {
    return Status::Custom("WRONGPASS invalid username-password pair or user is disabled.");
  }
  Status s = Authenticate(ctx, ctx.args.back());
  if (!s.ok()) return s;
  ctx.reply.Ok();
  return Status::OK();
}

Status CmdHello(CommandContext& ctx) {
  if (ctx.argc() >= 2) {
    auto ver = ParseInt64(ctx.args[1]);
    if (!ver) return Status::InvalidArgument("Protocol version is not an integer or out of range");
    if (*ver != 2) return Status::Custom("NOPROTO unsupported protocol version");
  }
  for (size_t i = 2; i < ctx.argc(); i++) {
    std::string opt = ToLower(ctx.args[i]);
    if (opt == "auth" && i + 2 < ctx.argc()) {
      Status s = Authenticate(ctx, ctx.args[i + 2]);
      if (!s.ok()) return s;
      i += 2;
    } else if (opt == "setname" && i + 1 < ctx.argc()) {
      ctx.client.set_name(ctx.args[++i]);
    } else {
      return Status::InvalidArgument("Syntax error in HELLO option '" + ctx.args[i] + "'");
    }
  }
  if (!ctx.client.authenticated()) {
    return Status::NoAuth("HELLO must be called with the client already authenticated, otherwise "
                          "the HELLO <proto> AUTH <user> <pass> option can be used to authenticate "
                          "the client and select the RESP protocol version at the same time");
  }
  Reply& r = ctx.reply;
  r.MapHeader(7);
  r.Bulk("server");
  r.Bulk("mnemo");
  r.Bulk("version");
  r.Bulk(MNEMO_VERSION);
  r.Bulk("proto");
  r.Integer(2);
  r.Bulk("id");
  r.Integer(static_cast<int64_t>(ctx.client.id()));
  r.Bulk("mode");
  r.Bulk("standalone");
  r.Bulk("role");
  r.Bulk("master");
  r.Bulk("modules");
  r.ArrayHeader(0);
  return Status::OK();
}

Status CmdClient(CommandContext& ctx) {
  std::string sub = ToLower(ctx.args[1]);
  size_t n = ctx.argc();
  if (sub == "id" && n == 2) {
    ctx.reply.Integer(static_cast<int64_t>(ctx.client.id()));
  } else if (sub == "getname" && n == 2) {
    if (ctx.client.name().empty()) {
      ctx.reply.Null();
    } else {
      ctx.reply.Bulk(ctx.client.name());
    }
  } else if (sub == "setname" && n == 3) {
    for (char c : ctx.args[2]) {
      if (c < '!' || c > '~') {
        return Status::InvalidArgument(
            "Client names cannot contain spaces, newlines or special characters.");
      }
    }
    ctx.client.set_name(ctx.args[2]);
    ctx.reply.Ok();
  } else if (sub == "list" && n == 2) {
    ctx.reply.Bulk(ctx.server.ClientList());
  } else if (sub == "info" && n == 2) {
    ctx.reply.Bulk(ctx.client.Describe() + "\n");
  } else if (sub == "kill" && n >= 3) {
    std::vector<std::string> filter(ctx.args.begin() + 2, ctx.args.end());
    auto killed = ctx.server.KillClients(filter);
    if (!killed.ok()) return killed.status();
    if (n == 3) {  // old form CLIENT KILL ip:port
      if (*killed == 0) return Status::InvalidArgument("No such client");
      ctx.reply.Ok();
    } else {
      ctx.reply.Integer(*killed);
    }
  } else if (sub == "setinfo" && n == 4) {
    ctx.reply.Ok();  // library name/version: accepted for client compatibility, not stored
  } else {
    return Status::InvalidArgument("unknown subcommand or wrong number of arguments for '" +
                                   ctx.args[1] + "'. Try CLIENT HELP.");
  }
  return Status::OK();
}

void ReplyFlags(Reply& r, uint32_t flags) {
  std::vector<std::string> names;
  if (flags & kCmdWrite) names.push_back("write");
  if (flags & kCmdReadOnly) names.push_back("readonly");
  if (flags & kCmdDenyOOM) names.push_back("denyoom");
  if (flags & kCmdAdmin) names.push_back("admin");
  if (flags & kCmdNoAuth) names.push_back("no_auth");
  if (flags & kCmdFast) names.push_back("fast");
  if (flags & kCmdLoading) names.push_back("loading");
  r.ArrayHeader(names.size());
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
  r.ArrayHeader(0);  // ACL categories
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

Status CmdCommand(CommandContext& ctx) {
  CommandTable& table = CommandTable::Instance();
  auto all = table.All();
  if (ctx.argc() == 1) {
    ctx.reply.ArrayHeader(all.size());
    for (const CommandSpec* c : all) ReplyCommandInfo(ctx.reply, c);
    return Status::OK();
  }
  std::string sub = ToLower(ctx.args[1]);
  if (sub == "count" && ctx.argc() == 2) {
    ctx.reply.Integer(static_cast<int64_t>(all.size()));
  } else if (sub == "info") {
    if (ctx.argc() == 2) {
      ctx.reply.ArrayHeader(all.size());
      for (const CommandSpec* c : all) ReplyCommandInfo(ctx.reply, c);
    } else {
      ctx.reply.ArrayHeader(ctx.argc() - 2);
      for (size_t i = 2; i < ctx.argc(); i++) {
        const CommandSpec* c = table.Find(ctx.args[i]);
        if (c) {
          ReplyCommandInfo(ctx.reply, c);
        } else {
          ctx.reply.NullArray();
        }
      }
    }
  } else if (sub == "docs") {
    std::vector<const CommandSpec*> chosen;
    if (ctx.argc() == 2) {
      chosen.assign(all.begin(), all.end());
    } else {
      for (size_t i = 2; i < ctx.argc(); i++) {
        if (const CommandSpec* c = table.Find(ctx.args[i])) chosen.push_back(c);
      }
    }
    ctx.reply.MapHeader(chosen.size());
    for (const CommandSpec* c : chosen) ReplyCommandDocs(ctx.reply, c);
  } else {
    return Status::InvalidArgument("unknown subcommand or wrong number of arguments for '" +
                                   ctx.args[1] + "'. Try COMMAND HELP.");
  }
  return Status::OK();
}

Status CmdInfo(CommandContext& ctx) {
  std::string section;
  for (size_t i = 1; i < ctx.argc(); i++) {
    if (!section.empty()) section += " ";
    section += ToLower(ctx.args[i]);
  }
  ctx.reply.Bulk(ctx.server.Info(section));
  return Status::OK();
}

Status CmdConfig(CommandContext& ctx) {
  std::string sub = ToLower(ctx.args[1]);
  Config& config = ctx.server.config();
  size_t n = ctx.argc();
  if (sub == "get" && n >= 3) {
    std::vector<std::pair<std::string, std::string>> out;
    for (size_t i = 2; i < n; i++) {
      for (auto& kv : config.Get(ctx.args[i])) {
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
  } else if (sub == "set" && n >= 4 && n % 2 == 0) {
    for (size_t i = 2; i < n; i += 2) {
      Status s = config.Set(ctx.args[i], ctx.args[i + 1]);
      if (!s.ok()) return s;
    }
    ctx.reply.Ok();
  } else if (sub == "rewrite" && n == 2) {
    Status s = config.Rewrite();
    if (!s.ok()) return s;
    ctx.reply.Ok();
  } else if (sub == "resetstat" && n == 2) {
    ctx.server.ResetStats();
    ctx.reply.Ok();
  } else {
    return Status::InvalidArgument("unknown subcommand or wrong number of arguments for '" +
                                   ctx.args[1] + "'. Try CONFIG HELP.");
  }
  return Status::OK();
}

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
     "Command metadata: COUNT, INFO, DOCS"},
    {"info", -1, kCmdLoading, 0, 0, 0, CmdInfo, "server", "Server information and statistics"},
    {"config", -2, kCmdAdmin | kCmdLoading, 0, 0, 0, CmdConfig, "server",
     "Configuration: GET, SET, REWRITE, RESETSTAT"},
    {"time", 1, kConn, 0, 0, 0, CmdTime, "server", "The server's time"},
    {"shutdown", -1, kCmdAdmin | kCmdLoading, 0, 0, 0, CmdShutdown, "server",
     "Stop the server cleanly"},
};

}  // namespace

std::span<const CommandSpec> ServerCommands() { return kServerCommands; }

}  // namespace mnemo
