// String commands: GET, SET and its variants, MGET/MSET, counters, ranges.
#include "commands/arg_parse.h"
#include "commands/command.h"
#include "config/config.h"
#include "types/string_type.h"

namespace mnemo {
namespace {

StringType Strings(CommandContext& ctx) {
  return StringType(&ctx.db, ctx.server.config().proto_max_bulk_len.load(std::memory_order_relaxed),
                    ctx.server.MemoryHeadroom());
}

void ReplyOptional(Reply& r, const std::optional<std::string>& v) {
  if (v) {
    r.Bulk(*v);
  } else {
    r.Null();
  }
}

Status CmdGet(CommandContext& ctx) {
  std::string v;
  Status s = Strings(ctx).Get(ctx.args[1], &v);
  if (s.IsNotFound()) {
    ctx.reply.Null();
    return Status::OK();
  }
  if (!s.ok()) return s;
  ctx.reply.Bulk(v);
  return Status::OK();
}

// Parses SET's options from args[3..]. As in Redis, the whole syntax is checked first and the
// expiry value (the last one given: the same option may repeat) only afterwards, so
// `SET k v EX x KEEPTTL` is a syntax error and `SET k v EX x EX 5` sets a 5 s TTL.
Status ParseSetArgs(CommandContext& ctx, StringType::SetArgs* a) {
  std::optional<ExpireUnit> expire_kind;
  std::string_view expire_arg;
  for (size_t i = 3; i < ctx.argc(); i++) {
    std::string opt = ToLower(ctx.args[i]);
    bool has_next = i + 1 < ctx.argc();
    auto expire_unit = [&](ExpireUnit u) -> Status {
      // Redis accepts the same expiry option twice (the last wins), not two different ones.
      if ((expire_kind && u != *expire_kind) || a->keep_ttl || !has_next) return SyntaxError();
      expire_kind = u;
      expire_arg = ctx.args[++i];
      return Status::OK();
    };
    Status s;
    if (opt == "nx" && a->cond != StringType::SetArgs::Cond::kXX) {
      a->cond = StringType::SetArgs::Cond::kNX;
    } else if (opt == "xx" && a->cond != StringType::SetArgs::Cond::kNX) {
      a->cond = StringType::SetArgs::Cond::kXX;
    } else if (opt == "get") {
      a->get = true;
    } else if (opt == "keepttl" && !expire_kind) {
      a->keep_ttl = true;
    } else if (opt == "ex") {
      s = expire_unit(ExpireUnit::kSeconds);
    } else if (opt == "px") {
      s = expire_unit(ExpireUnit::kMillis);
    } else if (opt == "exat") {
      s = expire_unit(ExpireUnit::kUnixSeconds);
    } else if (opt == "pxat") {
      s = expire_unit(ExpireUnit::kUnixMillis);
    } else {
      return SyntaxError();
    }
    if (!s.ok()) return s;
  }
  if (!expire_kind) return Status::OK();
  auto at = ArgExpireAt(expire_arg, *expire_kind, "set");
  if (!at.ok()) return at.status();
  a->expire_ms = *at;
  return Status::OK();
}

// SET's events: "set", then "expire" when it gave the key a time to live.
void NotifySet(CommandContext& ctx, std::string_view key, int64_t expire_ms) {
  ctx.Notify(kNotifyString, "set", key);
  if (expire_ms > 0) ctx.Notify(kNotifyGeneric, "expire", key);
}

Status CmdSet(CommandContext& ctx) {
  StringType::SetArgs a;
  Status s = ParseSetArgs(ctx, &a);
  if (!s.ok()) return s;
  StringType strings = Strings(ctx);
  bool plain = a.cond == StringType::SetArgs::Cond::kAlways && !a.get && !a.keep_ttl;
  if (plain && ctx.pending != nullptr) {
    strings.SetBlind(ctx.args[1], ctx.args[2], a.expire_ms, ctx.pending);
    NotifySet(ctx, ctx.args[1], a.expire_ms);
    ctx.reply.Ok();
    return Status::OK();
  }
  if (ctx.pending != nullptr) ctx.client.CommitPendingWrites();  // NX/XX/GET read the key
  auto r = strings.Set(ctx.args[1], ctx.args[2], a);
  if (!r.ok()) return r.status();
  if (r->written) NotifySet(ctx, ctx.args[1], a.expire_ms);
  if (a.get) {
    ReplyOptional(ctx.reply, r->old);
  } else if (r->written) {
    ctx.reply.Ok();
  } else {
    ctx.reply.Null();
  }
  return Status::OK();
}

Status CmdSetNx(CommandContext& ctx) {
  StringType::SetArgs a;
  a.cond = StringType::SetArgs::Cond::kNX;
  auto r = Strings(ctx).Set(ctx.args[1], ctx.args[2], a);
  if (!r.ok()) return r.status();
  if (r->written) NotifySet(ctx, ctx.args[1], 0);
  ctx.reply.Integer(r->written ? 1 : 0);
  return Status::OK();
}

Status SetWithExpire(CommandContext& ctx, ExpireUnit unit) {
  auto at = ArgExpireAt(ctx.args[2], unit, ctx.args[0]);
  if (!at.ok()) return at.status();
  if (ctx.pending != nullptr) {
    Strings(ctx).SetBlind(ctx.args[1], ctx.args[3], *at, ctx.pending);
    NotifySet(ctx, ctx.args[1], *at);
    ctx.reply.Ok();
    return Status::OK();
  }
  StringType::SetArgs a;
  a.expire_ms = *at;
  auto r = Strings(ctx).Set(ctx.args[1], ctx.args[3], a);
  if (!r.ok()) return r.status();
  NotifySet(ctx, ctx.args[1], *at);
  ctx.reply.Ok();
  return Status::OK();
}

Status CmdSetEx(CommandContext& ctx) { return SetWithExpire(ctx, ExpireUnit::kSeconds); }
Status CmdPSetEx(CommandContext& ctx) { return SetWithExpire(ctx, ExpireUnit::kMillis); }

Status CmdGetSet(CommandContext& ctx) {
  StringType::SetArgs a;
  a.get = true;
  auto r = Strings(ctx).Set(ctx.args[1], ctx.args[2], a);
  if (!r.ok()) return r.status();
  NotifySet(ctx, ctx.args[1], 0);
  ReplyOptional(ctx.reply, r->old);
  return Status::OK();
}

Status CmdMGet(CommandContext& ctx) {
  std::vector<std::string_view> keys(ctx.args.begin() + 1, ctx.args.end());
  // The values go straight into the reply, which stops (and is taken back) as soon as it
  // would not fit under the memory limit: a reply of many large values is refused before it
  // is built, not after.
  std::string& out = *ctx.reply.buffer();
  size_t start = out.size();
  bool fits = true;
  ctx.reply.ArrayHeader(keys.size());
  Status s = Strings(ctx).MGet(keys, [&](std::optional<std::string_view> v) {
    constexpr size_t kBulkHeader = 16;  // "$<len>\r\n" and the closing "\r\n"
    if (!ReplyCanGrow(ctx, (v ? v->size() : 0) + kBulkHeader)) return fits = false;
    if (v) {
      ctx.reply.Bulk(*v);
    } else {
      ctx.reply.Null();
    }
    return true;
  });
  if (s.ok() && fits) return s;
  size_t built = out.size() - start;
  out.resize(start);  // a failing handler writes nothing
  return s.ok() ? ReplyTooLargeError(built) : s;
}

Status CmdMSet(CommandContext& ctx) {
  if (ctx.argc() % 2 != 1) return WrongArgsError(ctx.args[0]);
  StringType strings = Strings(ctx);
  // MSET is atomic: all pairs go into one batch (the pipeline's, or the write context's inside
  // EXEC or a script, where no batch is offered), committed together.
  if (ctx.pending == nullptr) {
    std::vector<std::pair<std::string_view, std::string_view>> kvs;
    for (size_t i = 1; i < ctx.argc(); i += 2) kvs.emplace_back(ctx.args[i], ctx.args[i + 1]);
    Status s = strings.MSet(kvs);
    if (!s.ok()) return s;
  } else {
    for (size_t i = 1; i < ctx.argc(); i += 2) {
      strings.SetBlind(ctx.args[i], ctx.args[i + 1], 0, ctx.pending);
    }
  }
  for (size_t i = 1; i < ctx.argc(); i += 2) ctx.Notify(kNotifyString, "set", ctx.args[i]);
  ctx.reply.Ok();
  return Status::OK();
}

Status CmdMSetNx(CommandContext& ctx) {
  if (ctx.argc() % 2 != 1) return WrongArgsError(ctx.args[0]);
  std::vector<std::pair<std::string_view, std::string_view>> kvs;
  for (size_t i = 1; i < ctx.argc(); i += 2) kvs.emplace_back(ctx.args[i], ctx.args[i + 1]);
  auto r = Strings(ctx).MSetNX(kvs);
  if (!r.ok()) return r.status();
  for (const auto& kv : kvs) {
    if (*r) ctx.Notify(kNotifyString, "set", kv.first);
  }
  ctx.reply.Integer(*r ? 1 : 0);
  return Status::OK();
}

Status CmdGetDel(CommandContext& ctx) {
  auto r = Strings(ctx).GetDel(ctx.args[1]);
  if (!r.ok()) return r.status();
  if (r->has_value()) ctx.Notify(kNotifyGeneric, "del", ctx.args[1]);
  ReplyOptional(ctx.reply, *r);
  return Status::OK();
}

// GETEX's events: "expire" for a time to live, "del" for one already past (the key went),
// "persist" when PERSIST removed one.
void NotifyGetEx(CommandContext& ctx, int64_t expire_ms, bool had_ttl) {
  if (expire_ms > 0) {
    ctx.Notify(kNotifyGeneric, expire_ms <= NowMs() ? "del" : "expire", ctx.args[1]);
  } else if (had_ttl) {
    ctx.Notify(kNotifyGeneric, "persist", ctx.args[1]);
  }
}

// GETEX checks its syntax first, then (as Redis does) answers a missing key with null and a
// key of another type with WRONGTYPE before it looks at the expiry value.
Status CmdGetEx(CommandContext& ctx) {
  std::optional<int64_t> expire;
  std::optional<ExpireUnit> unit;
  std::string_view expire_arg;
  std::string last_opt;
  for (size_t i = 2; i < ctx.argc(); i++) {
    std::string opt = ToLower(ctx.args[i]);
    // Redis accepts the same option twice (the last wins), not two different ones.
    if (!last_opt.empty() && opt != last_opt) return SyntaxError();
    last_opt = opt;
    if (opt == "persist") {
      expire = 0;
      continue;
    }
    if (opt == "ex") {
      unit = ExpireUnit::kSeconds;
    } else if (opt == "px") {
      unit = ExpireUnit::kMillis;
    } else if (opt == "exat") {
      unit = ExpireUnit::kUnixSeconds;
    } else if (opt == "pxat") {
      unit = ExpireUnit::kUnixMillis;
    } else {
      return SyntaxError();
    }
    if (i + 1 >= ctx.argc()) return SyntaxError();
    expire_arg = ctx.args[++i];
  }
  if (unit) {
    auto at = ArgExpireAt(expire_arg, *unit, "getex");
    if (!at.ok()) {
      std::string v;
      Status s = Strings(ctx).Get(ctx.args[1], &v);
      if (s.IsNotFound()) {
        ctx.reply.Null();
        return Status::OK();
      }
      return s.ok() ? at.status() : s;
    }
    expire = *at;
  }
  bool had_ttl = false;  // for PERSIST's event
  if (expire == 0 && ctx.notify_flags) {
    auto at = ctx.db.ExpireAt(ctx.args[1]);
    had_ttl = at.ok() && *at > 0;
  }
  auto r = Strings(ctx).GetEx(ctx.args[1], expire);
  if (!r.ok()) return r.status();
  if (r->has_value() && expire) NotifyGetEx(ctx, *expire, had_ttl);
  ReplyOptional(ctx.reply, *r);
  return Status::OK();
}

Status CmdAppend(CommandContext& ctx) {
  auto r = Strings(ctx).Append(ctx.args[1], ctx.args[2]);
  if (!r.ok()) return r.status();
  ctx.Notify(kNotifyString, "append", ctx.args[1]);
  ctx.reply.Integer(*r);
  return Status::OK();
}

Status CmdStrLen(CommandContext& ctx) {
  auto r = Strings(ctx).StrLen(ctx.args[1]);
  if (!r.ok()) return r.status();
  ctx.reply.Integer(*r);
  return Status::OK();
}

Status Incr(CommandContext& ctx, int64_t delta) {
  auto r = Strings(ctx).IncrBy(ctx.args[1], delta);
  if (!r.ok()) return r.status();
  ctx.Notify(kNotifyString, "incrby", ctx.args[1]);
  ctx.reply.Integer(*r);
  return Status::OK();
}

Status CmdIncr(CommandContext& ctx) { return Incr(ctx, 1); }
Status CmdDecr(CommandContext& ctx) { return Incr(ctx, -1); }

Status CmdIncrBy(CommandContext& ctx) {
  auto d = ArgInt(ctx.args[2]);
  if (!d.ok()) return d.status();
  return Incr(ctx, *d);
}

Status CmdDecrBy(CommandContext& ctx) {
  auto d = ArgInt(ctx.args[2]);
  if (!d.ok()) return d.status();
  if (*d == std::numeric_limits<int64_t>::min()) {
    return Status::InvalidArgument("decrement would overflow");
  }
  return Incr(ctx, -*d);
}

Status CmdIncrByFloat(CommandContext& ctx) {
  // Redis checks the key's type before the increment (INCRBY parses first).
  auto t = ctx.db.Type(ctx.args[1]);
  if (!t.ok()) return t.status();
  if (*t != DataType::kString && *t != DataType::kNone) return Status::WrongType();
  auto d = ParseLongDouble(ctx.args[2]);
  if (!d) {  // Redis checks the key's type first
    auto len = Strings(ctx).StrLen(ctx.args[1]);
    return len.ok() ? Status::InvalidArgument("value is not a valid float") : len.status();
  }
  auto r = Strings(ctx).IncrByFloat(ctx.args[1], *d);
  if (!r.ok()) return r.status();
  ctx.Notify(kNotifyString, "incrbyfloat", ctx.args[1]);
  ctx.reply.Bulk(*r);
  return Status::OK();
}

Status CmdGetRange(CommandContext& ctx) {
  auto start = ArgInt(ctx.args[2]);
  if (!start.ok()) return start.status();
  auto end = ArgInt(ctx.args[3]);
  if (!end.ok()) return end.status();
  auto r = Strings(ctx).GetRange(ctx.args[1], *start, *end);
  if (!r.ok()) return r.status();
  ctx.reply.Bulk(*r);
  return Status::OK();
}

Status CmdSetRange(CommandContext& ctx) {
  auto offset = ArgInt(ctx.args[2]);
  if (!offset.ok()) return offset.status();
  auto r = Strings(ctx).SetRange(ctx.args[1], *offset, ctx.args[3]);
  if (!r.ok()) return r.status();
  if (!ctx.args[3].empty()) ctx.Notify(kNotifyString, "setrange", ctx.args[1]);
  ctx.reply.Integer(*r);
  return Status::OK();
}

constexpr uint32_t kW = kCmdWrite | kCmdDenyOOM;
constexpr uint32_t kR = kCmdReadOnly;

// One row per command, its CommandDoc below it.
// clang-format off
const CommandSpec kStringCommands[] = {
    {"get", 2, kR | kCmdFast, 1, 1, 1, CmdGet, "string", "Get the value of a key",
     {.since = "1.0.0",
      .complexity = "O(1)",
      .args = "key:key",
      .acl = "@read @string @fast",
      .keys = "RO access index:1 range:0,1,0"}},
    {"set", -3, kW | kCmdBatchable, 1, 1, 1, CmdSet, "string",
     "Set a key's value, with optional expiry (EX PX EXAT PXAT KEEPTTL), condition (NX XX) and "
     "GET",
     {.since = "1.0.0",
      .complexity = "O(1)",
      .args = "key:key value [condition(NX|XX)@2.6.12] [GET@6.2.0] [expiration(EX "
              "seconds:integer@2.6.12|PX milliseconds:integer@2.6.12|EXAT "
              "unix-time-seconds:unix-time@6.2.0|PXAT "
              "unix-time-milliseconds:unix-time@6.2.0|KEEPTTL@6.0.0)]",
      .acl = "@write @string @slow",
      .keys = "\"RW and ACCESS due to the optional `GET` argument\" RW access update "
              "variable_flags index:1 range:0,1,0"}},
    {"setnx", 3, kW | kCmdWriteContext | kCmdFast, 1, 1, 1, CmdSetNx, "string", "Set a key only if it does not exist",
     {.since = "1.0.0",
      .complexity = "O(1)",
      .args = "key:key value",
      .acl = "@write @string @fast",
      .keys = "OW insert index:1 range:0,1,0"}},
    {"setex", 4, kW | kCmdBatchable, 1, 1, 1, CmdSetEx, "string", "Set a key with a TTL in seconds",
     {.since = "2.0.0",
      .complexity = "O(1)",
      .args = "key:key seconds:integer value",
      .acl = "@write @string @slow",
      .keys = "OW update index:1 range:0,1,0"}},
    {"psetex", 4, kW | kCmdBatchable, 1, 1, 1, CmdPSetEx, "string",
     "Set a key with a TTL in milliseconds",
     {.since = "2.6.0",
      .complexity = "O(1)",
      .args = "key:key milliseconds:integer value",
      .acl = "@write @string @slow",
      .keys = "OW update index:1 range:0,1,0"}},
    {"getset", 3, kW | kCmdWriteContext | kCmdFast, 1, 1, 1, CmdGetSet, "string", "Set a key and return its old value",
     {.since = "1.0.0",
      .complexity = "O(1)",
      .args = "key:key value",
      .acl = "@write @string @fast",
      .keys = "RW access update index:1 range:0,1,0"}},
    {"mget", -2, kR | kCmdFast, 1, -1, 1, CmdMGet, "string", "Get the values of several keys",
     {.since = "1.0.0",
      .complexity = "O(N) where N is the number of keys to retrieve.",
      .args = "key:key...",
      .acl = "@read @string @fast",
      .keys = "RO access index:1 range:-1,1,0",
      .tips = "request_policy:multi_shard"}},
    {"mset", -3, kW | kCmdBatchable, 1, -1, 2, CmdMSet, "string", "Set several keys atomically",
     {.since = "1.0.1",
      .complexity = "O(N) where N is the number of keys to set.",
      .args = "key_value(key:key value)...",
      .acl = "@write @string @slow",
      .keys = "OW update index:1 range:-1,2,0",
      .tips = "request_policy:multi_shard response_policy:all_succeeded"}},
    {"msetnx", -3, kW | kCmdWriteContext, 1, -1, 2, CmdMSetNx, "string",
     "Set several keys only if none of them exists",
     {.since = "1.0.1",
      .complexity = "O(N) where N is the number of keys to set.",
      .args = "key_value(key:key value)...",
      .acl = "@write @string @slow",
      .keys = "OW insert index:1 range:-1,2,0",
      .tips = "request_policy:multi_shard response_policy:agg_min"}},
    {"getdel", 2, kCmdWrite | kCmdWriteContext | kCmdFast, 1, 1, 1, CmdGetDel, "string",
     "Get a key's value and delete the key",
     {.since = "6.2.0",
      .complexity = "O(1)",
      .args = "key:key",
      .acl = "@write @string @fast",
      .keys = "RW access delete index:1 range:0,1,0"}},
    {"getex", -2, kCmdWrite | kCmdWriteContext | kCmdFast, 1, 1, 1, CmdGetEx, "string",
     "Get a key's value and change its expiry",
     {.since = "6.2.0",
      .complexity = "O(1)",
      .args = "key:key [expiration(EX seconds:integer|PX milliseconds:integer|EXAT "
              "unix-time-seconds:unix-time|PXAT unix-time-milliseconds:unix-time|PERSIST)]",
      .acl = "@write @string @fast",
      .keys = "\"RW and UPDATE because it changes the TTL\" RW access update index:1 range:0,1,0"}},
    {"append", 3, kW | kCmdWriteContext | kCmdFast, 1, 1, 1, CmdAppend, "string", "Append to a key's value",
     {.since = "2.0.0",
      .complexity = "O(1). The amortized time complexity is O(1) assuming the appended value is "
                    "small and the already present value is of any size, since the dynamic string "
                    "library used by Redis will double the free space available on every "
                    "reallocation.",
      .args = "key:key value",
      .acl = "@write @string @fast",
      .keys = "RW insert index:1 range:0,1,0"}},
    {"strlen", 2, kR | kCmdFast, 1, 1, 1, CmdStrLen, "string", "Length of a key's value",
     {.since = "2.2.0",
      .complexity = "O(1)",
      .args = "key:key",
      .acl = "@read @string @fast",
      .keys = "RO index:1 range:0,1,0"}},
    {"incr", 2, kW | kCmdFast | kCmdWriteContext, 1, 1, 1, CmdIncr, "string",
     "Increment an integer value by one",
     {.since = "1.0.0",
      .complexity = "O(1)",
      .args = "key:key",
      .acl = "@write @string @fast",
      .keys = "RW access update index:1 range:0,1,0"}},
    {"decr", 2, kW | kCmdFast | kCmdWriteContext, 1, 1, 1, CmdDecr, "string",
     "Decrement an integer value by one",
     {.since = "1.0.0",
      .complexity = "O(1)",
      .args = "key:key",
      .acl = "@write @string @fast",
      .keys = "RW access update index:1 range:0,1,0"}},
    {"incrby", 3, kW | kCmdFast | kCmdWriteContext, 1, 1, 1, CmdIncrBy, "string",
     "Increment an integer value",
     {.since = "1.0.0",
      .complexity = "O(1)",
      .args = "key:key increment:integer",
      .acl = "@write @string @fast",
      .keys = "RW access update index:1 range:0,1,0"}},
    {"decrby", 3, kW | kCmdFast | kCmdWriteContext, 1, 1, 1, CmdDecrBy, "string",
     "Decrement an integer value",
     {.since = "1.0.0",
      .complexity = "O(1)",
      .args = "key:key decrement:integer",
      .acl = "@write @string @fast",
      .keys = "RW access update index:1 range:0,1,0"}},
    {"incrbyfloat", 3, kW | kCmdWriteContext | kCmdFast, 1, 1, 1, CmdIncrByFloat, "string",
     "Increment a floating-point value",
     {.since = "2.6.0",
      .complexity = "O(1)",
      .args = "key:key increment:double",
      .acl = "@write @string @fast",
      .keys = "RW access update index:1 range:0,1,0"}},
    {"getrange", 4, kR, 1, 1, 1, CmdGetRange, "string", "Get a substring of a key's value",
     {.since = "2.4.0",
      .complexity =
          "O(N) where N is the length of the returned string. The complexity is ultimately "
          "determined by the returned length, but because creating a substring from an existing "
          "string is very cheap, it can be considered O(1) for small strings.",
      .args = "key:key start:integer end:integer",
      .acl = "@read @string @slow",
      .keys = "RO access index:1 range:0,1,0"}},
    {"substr", 4, kR, 1, 1, 1, CmdGetRange, "string", "Get a substring of a key's value (GETRANGE)",
     {.since = "1.0.0",
      .complexity =
          "O(N) where N is the length of the returned string. The complexity is ultimately "
          "determined by the returned length, but because creating a substring from an existing "
          "string is very cheap, it can be considered O(1) for small strings.",
      .args = "key:key start:integer end:integer",
      .acl = "@read @string @slow",
      .keys = "RO access index:1 range:0,1,0",
      .deprecated_since = "2.0.0",
      .replaced_by = "`GETRANGE`"}},
    {"setrange", 4, kW | kCmdWriteContext, 1, 1, 1, CmdSetRange, "string", "Overwrite part of a key's value",
     {.since = "2.2.0",
      .complexity = "O(1), not counting the time taken to copy the new string in place. Usually, "
                    "this string is very small so the amortized complexity is O(1). Otherwise, "
                    "complexity is O(M) with M being the length of the value argument.",
      .args = "key:key offset:integer value",
      .acl = "@write @string @slow",
      .keys = "RW update index:1 range:0,1,0"}},

};
// clang-format on

}  // namespace

std::span<const CommandSpec> StringCommands() { return kStringCommands; }

}  // namespace mnemo
