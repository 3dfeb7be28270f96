// Generic key commands: DEL, EXISTS, TYPE, expiry, KEYS, SCAN, RENAME, RANDOMKEY, DBSIZE, FLUSH*.
#include "commands/arg_parse.h"
#include "commands/command.h"
#include "storage/storage.h"
#include "types/database.h"

namespace mnemo {
namespace {

std::vector<std::string_view> KeyArgs(CommandContext& ctx, size_t from = 1) {
  return std::vector<std::string_view>(ctx.args.begin() + static_cast<long>(from), ctx.args.end());
}

Status CmdDel(CommandContext& ctx) {
  std::vector<std::string_view> gone;  // what DEL removes, for its "del" events
  for (std::string_view k : KeyArgs(ctx)) {
    if (ExistsForNotify(ctx, k)) gone.push_back(k);
  }
  auto n = ctx.db.Delete(KeyArgs(ctx));
  if (!n.ok()) return n.status();
  for (std::string_view k : gone) ctx.Notify(kNotifyGeneric, "del", k);
  ctx.reply.Integer(*n);
  return Status::OK();
}

Status CmdExists(CommandContext& ctx) {
  auto n = ctx.db.Exists(KeyArgs(ctx));
  if (!n.ok()) return n.status();
  ctx.reply.Integer(*n);
  return Status::OK();
}

Status CmdType(CommandContext& ctx) {
  auto t = ctx.db.Type(ctx.args[1]);
  if (!t.ok()) return t.status();
  ctx.reply.Simple(DataTypeName(*t));
  return Status::OK();
}

// As in Redis, the options are checked before the time value.
Status ExpireCommand(CommandContext& ctx, ExpireUnit unit) {
  uint32_t flags = 0;
  for (size_t i = 3; i < ctx.argc(); i++) {
    std::string opt = ToLower(ctx.args[i]);
    if (opt == "nx") {
      flags |= Database::kExpireNX;
    } else if (opt == "xx") {
      flags |= Database::kExpireXX;
    } else if (opt == "gt") {
      flags |= Database::kExpireGT;
    } else if (opt == "lt") {
      flags |= Database::kExpireLT;
    } else {
      return Status::InvalidArgument("Unsupported option " + ctx.args[i]);
    }
  }
  if ((flags & Database::kExpireNX) && (flags & ~Database::kExpireNX)) {
    return Status::InvalidArgument(
        "NX and XX, GT or LT options at the same time are not compatible");
  }
  if ((flags & Database::kExpireGT) && (flags & Database::kExpireLT)) {
    return Status::InvalidArgument("GT and LT options at the same time are not compatible");
  }
  auto at = ArgExpireAt(ctx.args[2], unit, ctx.args[0], /*allow_non_positive=*/true);
  if (!at.ok()) return at.status();
  auto r = ctx.db.Expire(ctx.args[1], *at, flags);
  if (!r.ok()) return r.status();
  if (*r) ctx.Notify(kNotifyGeneric, *at <= NowMs() ? "del" : "expire", ctx.args[1]);
  ctx.reply.Integer(*r ? 1 : 0);
  return Status::OK();
}

Status CmdExpire(CommandContext& ctx) { return ExpireCommand(ctx, ExpireUnit::kSeconds); }
Status CmdPExpire(CommandContext& ctx) { return ExpireCommand(ctx, ExpireUnit::kMillis); }
Status CmdExpireAt(CommandContext& ctx) { return ExpireCommand(ctx, ExpireUnit::kUnixSeconds); }
Status CmdPExpireAt(CommandContext& ctx) { return ExpireCommand(ctx, ExpireUnit::kUnixMillis); }

// TTL-family replies: -2 absent, -1 persistent, else the value in the requested unit.
Status TtlCommand(CommandContext& ctx, bool millis, bool absolute) {
  auto at = ctx.db.ExpireAt(ctx.args[1]);
  if (!at.ok()) return at.status();
  int64_t v = *at;
  if (v >= 0) {
    if (!absolute) v = std::max<int64_t>(v - NowMs(), 0);
    if (!millis) v = absolute ? v / 1000 : (v + 500) / 1000;
  }
  ctx.reply.Integer(v);
  return Status::OK();
}

Status CmdTtl(CommandContext& ctx) { return TtlCommand(ctx, false, false); }
Status CmdPTtl(CommandContext& ctx) { return TtlCommand(ctx, true, false); }
Status CmdExpireTime(CommandContext& ctx) { return TtlCommand(ctx, false, true); }
Status CmdPExpireTime(CommandContext& ctx) { return TtlCommand(ctx, true, true); }

Status CmdPersist(CommandContext& ctx) {
  auto r = ctx.db.Persist(ctx.args[1]);
  if (!r.ok()) return r.status();
  if (*r) ctx.Notify(kNotifyGeneric, "persist", ctx.args[1]);
  ctx.reply.Integer(*r ? 1 : 0);
  return Status::OK();
}

Status CmdKeys(CommandContext& ctx) {
  auto keys = ctx.db.Keys(ctx.args[1]);
  if (!keys.ok()) return keys.status();
  ctx.reply.BulkArray(*keys);
  return Status::OK();
}

// The type a SCAN TYPE name selects, or none when no type has that name.
std::optional<DataType> ParseTypeName(std::string_view name) {
  std::string n = ToLower(name);
  for (DataType t :
       {DataType::kString, DataType::kHash, DataType::kList, DataType::kSet, DataType::kZSet}) {
    if (n == DataTypeName(t)) return t;
  }
  return std::nullopt;
}

Status CmdScan(CommandContext& ctx) {
  auto cursor = ParseUint64(ctx.args[1]);
  if (!cursor) return Status::InvalidArgument("invalid cursor");
  std::string pattern;
  int64_t count = 10;
  DataType type = DataType::kNone;
  bool unknown_type = false;
  for (size_t i = 2; i < ctx.argc(); i += 2) {
    if (i + 1 >= ctx.argc()) return SyntaxError();
    std::string opt = ToLower(ctx.args[i]);
    if (opt == "match") {
      pattern = ctx.args[i + 1];
    } else if (opt == "count") {
      auto c = ArgInt(ctx.args[i + 1]);
      if (!c.ok()) return c.status();
      if (*c < 1) return SyntaxError();
      count = std::min<int64_t>(*c, 1 << 20);  // bounded: one SCAN step never builds a huge reply
    } else if (opt == "type") {
      // Redis matches no key for a name no type has (and keeps that as its behaviour).
      auto t = ParseTypeName(ctx.args[i + 1]);
      unknown_type = !t.has_value();
      type = t.value_or(DataType::kNone);
    } else {
      return SyntaxError();
    }
  }
  std::string after;
  if (*cursor != 0) {
    auto last = ctx.server.LoadCursor(*cursor);
    if (!last.ok()) return last.status();
    after = std::move(*last);
  }
  if (unknown_type) {
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk("0");
    ctx.reply.ArrayHeader(0);
    return Status::OK();
  }
  auto r = ctx.db.Scan(after, pattern, static_cast<size_t>(count), type);
  if (!r.ok()) return r.status();
  uint64_t next = r->next_after.empty() ? 0 : ctx.server.SaveCursor(std::move(r->next_after));
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(std::to_string(next));
  ctx.reply.BulkArray(r->keys);
  return Status::OK();
}

Status Rename(CommandContext& ctx, bool nx) {
  auto r = ctx.db.Rename(ctx.args[1], ctx.args[2], nx);
  if (!r.ok()) return r.status();
  if (*r || !nx) {
    ctx.Notify(kNotifyGeneric, "rename_from", ctx.args[1]);
    ctx.Notify(kNotifyGeneric, "rename_to", ctx.args[2]);
  }
  if (nx) {
    ctx.reply.Integer(*r ? 1 : 0);
  } else {
    ctx.reply.Ok();
  }
  return Status::OK();
}

Status CmdRename(CommandContext& ctx) { return Rename(ctx, false); }
Status CmdRenameNx(CommandContext& ctx) { return Rename(ctx, true); }

// COPY source destination [DB destination-db] [REPLACE]: only database 0 exists, so any other
// DB is Redis's answer for an index beyond `databases` (and a non-integer, or one outside 32
// bits, its integer errors).
Status CmdCopy(CommandContext& ctx) {
  bool replace = false;
  for (size_t i = 3; i < ctx.argc(); i++) {
    if (EqualsIgnoreCase(ctx.args[i], "replace")) {
      replace = true;
    } else if (EqualsIgnoreCase(ctx.args[i], "db") && i + 1 < ctx.argc()) {
      auto db = ArgInt(ctx.args[++i]);
      if (!db.ok()) return db.status();
      if (*db < INT32_MIN || *db > INT32_MAX) {
        return Status::InvalidArgument(
            "value is out of range, value must between -2147483648 and 2147483647");
      }
      if (*db != 0) return DbIndexError();
    } else {
      return SyntaxError();
    }
  }
  if (ctx.args[1] == ctx.args[2]) {
    return Status::InvalidArgument("source and destination objects are the same");
  }
  auto r = ctx.db.Copy(ctx.args[1], ctx.args[2], replace);
  if (!r.ok()) return r.status();
  if (*r) ctx.Notify(kNotifyGeneric, "copy_to", ctx.args[2]);
  ctx.reply.Integer(*r ? 1 : 0);
  return Status::OK();
}

Status CmdRandomKey(CommandContext& ctx) {
  auto k = ctx.db.RandomKey();
  if (!k.ok()) return k.status();
  if (k->has_value()) {
    ctx.reply.Bulk(**k);
  } else {
    ctx.reply.Null();
  }
  return Status::OK();
}

Status CmdDbSize(CommandContext& ctx) {
  auto n = ctx.db.Size();
  if (!n.ok()) return n.status();
  ctx.reply.Integer(*n);
  return Status::OK();
}

Status CheckFlushArgs(CommandContext& ctx) {
  if (ctx.argc() > 2) return SyntaxError();
  if (ctx.argc() == 2) {
    std::string mode = ToLower(ctx.args[1]);
    if (mode != "async" && mode != "sync") return SyntaxError();
  }
  return Status::OK();
}

Status CmdFlushDb(CommandContext& ctx) {
  Status s = CheckFlushArgs(ctx);
  if (s.ok()) s = ctx.db.Flush();
  if (!s.ok()) return s;
  ctx.reply.Ok();
  return Status::OK();
}

Status CmdFlushAll(CommandContext& ctx) {
  Status s = CheckFlushArgs(ctx);
  if (s.ok()) s = ctx.server.storage().DeleteAll();
  if (!s.ok()) return s;
  ctx.reply.Ok();
  return Status::OK();
}

constexpr uint32_t kR = kCmdReadOnly;
constexpr uint32_t kW = kCmdWrite;

// One row per command, its CommandDoc below it.
// clang-format off
const CommandSpec kKeyCommands[] = {
    {"del", -2, kW | kCmdWriteContext, 1, -1, 1, CmdDel, "generic", "Delete keys",
     {.since = "1.0.0",
      .complexity = "O(N) where N is the number of keys that will be removed. When a key to remove "
                    "holds a value other than a string, the individual complexity for this key is "
                    "O(M) where M is the number of elements in the list, set, sorted set or hash. "
                    "Removing a single key that holds a string value is O(1).",
      .args = "key:key...",
      .acl = "@keyspace @write @slow",
      .keys = "RM delete index:1 range:-1,1,0",
      .tips = "request_policy:multi_shard response_policy:agg_sum"}},
    {"unlink", -2, kW | kCmdWriteContext | kCmdFast, 1, -1, 1, CmdDel, "generic",
     "Delete keys (O(1) per key: element records are reclaimed by compaction)",
     {.since = "4.0.0",
      .complexity = "O(1) for each key removed regardless of its size. Then the command does O(N) "
                    "work in a different thread in order to reclaim memory, where N is the number "
                    "of allocations the deleted objects where composed of.",
      .args = "key:key...",
      .acl = "@keyspace @write @fast",
      .keys = "RM delete index:1 range:-1,1,0",
      .tips = "request_policy:multi_shard response_policy:agg_sum"}},
    {"exists", -2, kR | kCmdFast, 1, -1, 1, CmdExists, "generic", "Count the keys that exist",
     {.since = "1.0.0",
      .complexity = "O(N) where N is the number of keys to check.",
      .args = "key:key...",
      .acl = "@keyspace @read @fast",
      .keys = "RO index:1 range:-1,1,0",
      .tips = "request_policy:multi_shard response_policy:agg_sum"}},
    {"type", 2, kR | kCmdFast, 1, 1, 1, CmdType, "generic", "The type of a key's value",
     {.since = "1.0.0",
      .complexity = "O(1)",
      .args = "key:key",
      .acl = "@keyspace @read @fast",
      .keys = "RO index:1 range:0,1,0"}},
    {"expire", -3, kW | kCmdWriteContext | kCmdFast, 1, 1, 1, CmdExpire, "generic", "Set a TTL in seconds",
     {.since = "1.0.0",
      .complexity = "O(1)",
      .args = "key:key seconds:integer [condition(NX|XX|GT|LT)@7.0.0]",
      .acl = "@keyspace @write @fast",
      .keys = "RW update index:1 range:0,1,0"}},
    {"pexpire", -3, kW | kCmdWriteContext | kCmdFast, 1, 1, 1, CmdPExpire, "generic", "Set a TTL in milliseconds",
     {.since = "2.6.0",
      .complexity = "O(1)",
      .args = "key:key milliseconds:integer [condition(NX|XX|GT|LT)@7.0.0]",
      .acl = "@keyspace @write @fast",
      .keys = "RW update index:1 range:0,1,0"}},
    {"expireat", -3, kW | kCmdWriteContext | kCmdFast, 1, 1, 1, CmdExpireAt, "generic",
     "Set the expiry as a unix time in seconds",
     {.since = "1.2.0",
      .complexity = "O(1)",
      .args = "key:key unix-time-seconds:unix-time [condition(NX|XX|GT|LT)@7.0.0]",
      .acl = "@keyspace @write @fast",
      .keys = "RW update index:1 range:0,1,0"}},
    {"pexpireat", -3, kW | kCmdWriteContext | kCmdFast, 1, 1, 1, CmdPExpireAt, "generic",
     "Set the expiry as a unix time in milliseconds",
     {.since = "2.6.0",
      .complexity = "O(1)",
      .args = "key:key unix-time-milliseconds:unix-time [condition(NX|XX|GT|LT)@7.0.0]",
      .acl = "@keyspace @write @fast",
      .keys = "RW update index:1 range:0,1,0"}},
    {"ttl", 2, kR | kCmdFast, 1, 1, 1, CmdTtl, "generic", "Remaining time to live in seconds",
     {.since = "1.0.0",
      .complexity = "O(1)",
      .args = "key:key",
      .acl = "@keyspace @read @fast",
      .keys = "RO access index:1 range:0,1,0",
      .tips = "nondeterministic_output"}},
    {"pttl", 2, kR | kCmdFast, 1, 1, 1, CmdPTtl, "generic", "Remaining time to live in ms",
     {.since = "2.6.0",
      .complexity = "O(1)",
      .args = "key:key",
      .acl = "@keyspace @read @fast",
      .keys = "RO access index:1 range:0,1,0",
      .tips = "nondeterministic_output"}},
    {"expiretime", 2, kR | kCmdFast, 1, 1, 1, CmdExpireTime, "generic",
     "Expiry as a unix time in seconds",
     {.since = "7.0.0",
      .complexity = "O(1)",
      .args = "key:key",
      .acl = "@keyspace @read @fast",
      .keys = "RO access index:1 range:0,1,0"}},
    {"pexpiretime", 2, kR | kCmdFast, 1, 1, 1, CmdPExpireTime, "generic",
     "Expiry as a unix time in milliseconds",
     {.since = "7.0.0",
      .complexity = "O(1)",
      .args = "key:key",
      .acl = "@keyspace @read @fast",
      .keys = "RO access index:1 range:0,1,0"}},
    {"persist", 2, kW | kCmdWriteContext | kCmdFast, 1, 1, 1, CmdPersist, "generic", "Remove a key's expiry",
     {.since = "2.2.0",
      .complexity = "O(1)",
      .args = "key:key",
      .acl = "@keyspace @write @fast",
      .keys = "RW update index:1 range:0,1,0"}},
    {"keys", 2, kR, 0, 0, 0, CmdKeys, "generic", "Keys matching a glob pattern",
     {.since = "1.0.0",
      .complexity = "O(N) with N being the number of keys in the database, under the assumption "
                    "that the key names in the database and the given pattern have limited length.",
      .args = "pattern:pattern",
      .acl = "@keyspace @read @slow @dangerous",
      .tips = "request_policy:all_shards nondeterministic_output_order"}},
    {"scan", -2, kR, 0, 0, 0, CmdScan, "generic", "Iterate the keyspace incrementally",
     {.since = "2.8.0",
      .complexity =
          "O(1) for every call. O(N) for a complete iteration, including enough command calls for "
          "the cursor to return back to 0. N is the number of elements inside the collection.",
      .args = "cursor:integer [MATCH pattern:pattern] [COUNT count:integer] [TYPE type@6.0.0]",
      .acl = "@keyspace @read @slow",
      .tips = "nondeterministic_output request_policy:special"}},
    {"rename", 3, kW | kCmdWriteContext, 1, 2, 1, CmdRename, "generic", "Rename a key",
     {.since = "1.0.0",
      .complexity = "O(1)",
      .args = "key:key newkey:key",
      .acl = "@keyspace @write @slow",
      .keys = "RW access delete index:1 range:0,1,0 ; OW update index:2 range:0,1,0"}},
    {"renamenx", 3, kW | kCmdWriteContext | kCmdFast, 1, 2, 1, CmdRenameNx, "generic",
     "Rename a key if the new name is free",
     {.since = "1.0.0",
      .complexity = "O(1)",
      .args = "key:key newkey:key",
      .acl = "@keyspace @write @fast",
      .keys = "RW access delete index:1 range:0,1,0 ; OW insert index:2 range:0,1,0"}},
    {"copy", -3, kW | kCmdWriteContext | kCmdDenyOOM, 1, 2, 1, CmdCopy, "generic", "Copy a key",
     {.since = "6.2.0",
      .complexity = "O(N) worst case for collections, where N is the number of nested items. "
                    "O(1) for string values.",
      .args = "source:key destination:key [DB destination-db:integer] [REPLACE]",
      .acl = "@keyspace @write @slow",
      .keys = "RO access index:1 range:0,1,0 ; OW update index:2 range:0,1,0",
      .notes = "only database 0 exists: `DB 0` is accepted, any other index answers "
               "`ERR DB index is out of range` (what Redis answers for an index beyond "
               "`databases`). A composite key's elements are copied under a new version, so "
               "the copy is independent of the source"}},
    {"randomkey", 1, kR, 0, 0, 0, CmdRandomKey, "generic", "A random key",
     {.since = "1.0.0",
      .complexity = "O(1)",
      .acl = "@keyspace @read @slow",
      .tips = "request_policy:all_shards nondeterministic_output"}},
    {"dbsize", 1, kR | kCmdFast, 0, 0, 0, CmdDbSize, "server", "Number of keys in the namespace",
     {.since = "1.0.0",
      .complexity = "O(1)",
      .acl = "@keyspace @read @fast",
      .tips = "request_policy:all_shards response_policy:agg_sum"}},
    {"flushdb", -1, kW | kCmdOutsideContext, 0, 0, 0, CmdFlushDb, "server", "Delete every key of the namespace",
     {.since = "1.0.0",
      .complexity = "O(N) where N is the number of keys in the selected database",
      .args = "[async(ASYNC@4.0.0|SYNC@6.2.0)]",
      .acl = "@keyspace @write @slow @dangerous",
      .tips = "request_policy:all_shards response_policy:all_succeeded"}},
    {"flushall", -1, kW | kCmdAdmin | kCmdOutsideContext, 0, 0, 0, CmdFlushAll, "server", "Delete every key",
     {.since = "1.0.0",
      .complexity = "O(N) where N is the total number of keys in all databases",
      .args = "[async(ASYNC@4.0.0|SYNC@6.2.0)]",
      .acl = "@keyspace @write @slow @dangerous",
      .tips = "request_policy:all_shards response_policy:all_succeeded"}},

};
// clang-format on

}  // namespace

std::span<const CommandSpec> KeyCommands() { return kKeyCommands; }

}  // namespace mnemo
