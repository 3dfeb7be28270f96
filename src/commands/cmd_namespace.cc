// NAMESPACE: tenants as Kvrocks has them (ADD, SET, DEL, GET, CURRENT; types/namespaces.h), plus
// Mnemo's data quotas (QUOTA, USAGE). Admin only, except CURRENT, which any client may ask.
#include <optional>
#include <string>

#include "commands/arg_parse.h"
#include "commands/command.h"
#include "commands/subcommand.h"
#include "common/string_util.h"
#include "config/config.h"
#include "storage/storage.h"
#include "types/namespaces.h"

namespace mnemo {
namespace {

Status Admin(CommandContext& ctx) { return RequireAdmin(ctx); }

Status Add(CommandContext& ctx) {
  Status s = Admin(ctx);
  if (s.ok()) {
    s = ctx.server.namespaces().Add(ctx.args[2], ctx.args[3], ctx.server.config().requirepass());
  }
  if (!s.ok()) return s;
  ctx.reply.Ok();
  return Status::OK();
}

Status Set(CommandContext& ctx) {
  Status s = Admin(ctx);
  if (s.ok()) {
    s = ctx.server.namespaces().Set(ctx.args[2], ctx.args[3], ctx.server.config().requirepass());
  }
  if (!s.ok()) return s;
  ctx.reply.Ok();
  return Status::OK();
}

// Kvrocks's behaviour: the namespace's keys stay (FLUSHDB inside it first to remove them).
Status Del(CommandContext& ctx) {
  Status s = Admin(ctx);
  if (s.ok()) s = ctx.server.namespaces().Del(ctx.args[2]);
  if (!s.ok()) return s;
  ctx.reply.Ok();
  return Status::OK();
}

// GET <ns>: its token or null. GET *: a flat list of name, token, ..., ending with the default
// namespace and requirepass, as Kvrocks.
Status Get(CommandContext& ctx) {
  Status s = Admin(ctx);
  if (!s.ok()) return s;
  NamespaceRegistry& reg = ctx.server.namespaces();
  if (ctx.args[2] != "*") {
    auto token = reg.Token(ctx.args[2]);
    if (token) {
      ctx.reply.Bulk(*token);
    } else {
      ctx.reply.Null();
    }
    return Status::OK();
  }
  auto all = reg.All();
  ctx.reply.ArrayHeader(2 * (all.size() + 1));
  for (const auto& [name, token] : all) {
    ctx.reply.Bulk(name);
    ctx.reply.Bulk(token);
  }
  ctx.reply.Bulk(kDefaultNamespace);
  ctx.reply.Bulk(ctx.server.config().requirepass());
  return Status::OK();
}

Status Current(CommandContext& ctx) {
  ctx.reply.Bulk(ctx.client.ns());
  return Status::OK();
}

// QUOTA <ns> <bytes>: the data quota in logical bytes (0 = none; "100mb" forms accepted).
// QUOTA ns bytes (the data quota) | QUOTA ns [DATA bytes] [CLIENTS bytes].
Status Quota(CommandContext& ctx) {
  Status s = Admin(ctx);
  if (!s.ok()) return s;
  auto parse = [](const std::string& arg) -> StatusOr<int64_t> {
    auto bytes = ParseMemorySize(arg);
    if (!bytes || *bytes < 0) return Status::InvalidArgument("invalid quota '" + arg + "'");
    return *bytes;
  };
  std::optional<int64_t> data, clients;
  if (ctx.argc() == 4) {
    auto b = parse(ctx.args[3]);
    if (!b.ok()) return b.status();
    data = *b;
  } else {
    if (ctx.argc() % 2 != 1) return SyntaxError();
    for (size_t i = 3; i < ctx.argc(); i += 2) {
      auto b = parse(ctx.args[i + 1]);
      if (!b.ok()) return b.status();
      if (EqualsIgnoreCase(ctx.args[i], "data")) {
        data = *b;
      } else if (EqualsIgnoreCase(ctx.args[i], "clients")) {
        clients = *b;
      } else {
        return SyntaxError();
      }
    }
  }
  NamespaceRegistry& reg = ctx.server.namespaces();
  if (data) s = reg.SetQuota(ctx.args[2], *data);
  if (s.ok() && clients) s = reg.SetClientQuota(ctx.args[2], *clients);
  if (!s.ok()) return s;
  ctx.reply.Ok();
  return Status::OK();
}

// USAGE [ns]: the namespace's figures (the caller's own without an argument; another one needs
// admin).
Status Usage(CommandContext& ctx) {
  std::string ns = ctx.argc() == 3 ? ctx.args[2] : ctx.client.ns();
  if (ns != ctx.client.ns()) {
    Status s = Admin(ctx);
    if (!s.ok()) return s;
    if (ns != kDefaultNamespace && !ctx.server.namespaces().Token(ns)) {
      return Status::InvalidArgument("the namespace was not found");
    }
  }
  auto f = ctx.server.namespaces().Figures(ns);
  if (!f.ok()) return f.status();
  std::vector<std::pair<const char*, int64_t>> fields = f->Fields();
  ctx.reply.MapHeader(fields.size() + 1);
  ctx.reply.Bulk("namespace");
  ctx.reply.Bulk(ns);
  for (const auto& [name, value] : fields) {
    ctx.reply.Bulk(name);
    ctx.reply.Integer(value);
  }
  return Status::OK();
}

// clang-format off
const Subcommand kSubcommands[] = {
    {"add", 4, Add, "Add a namespace and the token that opens it",
     {.since = "0.1.0", .complexity = "O(namespaces)", .args = "namespace:string token:string",
      .acl = "@admin @slow @dangerous"}},
    {"set", 4, Set, "Replace a namespace's token",
     {.since = "0.1.0", .complexity = "O(namespaces)", .args = "namespace:string token:string",
      .acl = "@admin @slow @dangerous"}},
    {"del", 3, Del, "Delete a namespace (its keys stay until FLUSHDB inside it)",
     {.since = "0.1.0", .complexity = "O(1)", .args = "namespace:string",
      .acl = "@admin @slow @dangerous"}},
    {"get", 3, Get, "A namespace's token, or every namespace with its token (GET *)",
     {.since = "0.1.0", .complexity = "O(namespaces)", .args = "namespace:string",
      .acl = "@admin @slow @dangerous"}},
    {"current", 2, Current, "The caller's namespace",
     {.since = "0.1.0", .complexity = "O(1)", .acl = "@slow"}},
    {"quota", -4, Quota,
     "Set a namespace's data quota (logical bytes) and client-memory quota (0 = none)",
     {.since = "0.1.0", .complexity = "O(namespaces)",
      .args = "namespace:string quotas(bytes:string|limits([DATA data:string] "
              "[CLIENTS clients:string]))",
      .acl = "@admin @slow @dangerous"}},
    {"usage", -2, Usage, "A namespace's keys, data bytes, quota and refused writes",
     {.since = "0.1.0", .complexity = "O(1)", .args = "[namespace:string]", .acl = "@slow"}},
};

Status CmdNamespace(CommandContext& ctx) { return RunSubcommand(ctx, kSubcommands); }

const CommandSpec kNamespaceCommands[] = {
    {"namespace", -2, kCmdReadOnly | kCmdNoScript, 0, 0, 0, CmdNamespace, "server",
     "Tenants: NAMESPACE ADD ns token | SET ns token | DEL ns | GET ns|* | CURRENT | "
     "QUOTA ns bytes | USAGE [ns]",
     {.since = "0.1.0",
      .complexity = "Depends on subcommand.",
      .acl = "@slow",
      .notes = "Kvrocks's NAMESPACE (ADD, SET, DEL, GET, CURRENT) with its errors, plus QUOTA and "
               "USAGE (docs/namespaces.md). Admin only except CURRENT and USAGE of the caller's "
               "own namespace.",
      .subcommands = kSubcommands}},
};
// clang-format on

}  // namespace

std::span<const CommandSpec> NamespaceCommands() { return kNamespaceCommands; }

}  // namespace mnemo
