// Generic key commands that came with Redis tools in mind: TOUCH, OBJECT, DUMP/RESTORE in
// Redis's serialization format (types/dump_format.h), and SORT/SORT_RO, parsed in full, over
// the types that exist (strings are not sortable: WRONGTYPE, as Redis).
#include "commands/arg_parse.h"
#include "commands/command.h"
#include "commands/subcommand.h"
#include "config/config.h"
#include "types/database.h"
#include "types/dump_format.h"
#include "types/string_type.h"

namespace mnemo {
namespace {

StringType Strings(CommandContext& ctx) {
  return StringType(&ctx.db, ctx.server.config().proto_max_bulk_len.load(std::memory_order_relaxed),
                    ctx.server.MemoryHeadroom());
}

Status BusyKey() { return Status::Custom("BUSYKEY Target key name already exists."); }

// TOUCH: Mnemo keeps no per-key access time, so it only counts the keys that exist.
Status CmdTouch(CommandContext& ctx) {
  std::vector<std::string_view> keys(ctx.args.begin() + 1, ctx.args.end());
  auto n = ctx.db.Exists(keys);
  if (!n.ok()) return n.status();
  ctx.reply.Integer(*n);
  return Status::OK();
}

// OBJECT FREQ: the access frequency the key cache keeps per key, Redis's LFU counter.
Status ObjectFreq(CommandContext& ctx) {
  auto f = ctx.db.Frequency(ctx.args[2]);
  if (!f.ok()) return f.status();
  if (!f->has_value()) {
    ctx.reply.Null();
  } else {
    ctx.reply.Integer(**f);
  }
  return Status::OK();
}

// The encoding Redis would report. A string's from its value, as Redis encodes a value it is
// given: "int" for a canonical 64-bit integer, "embstr" up to 44 bytes, "raw" beyond. A
// composite's elements are one record each, as in Redis's large encodings, whose names they get.
const char* EncodingName(const Metadata& meta) {
  switch (meta.type) {
    case DataType::kString: {
      if (meta.fragmented) return "raw";  // longer than any "int" or "embstr"
      std::string_view v = meta.payload;
      auto n = v.size() <= 20 ? ParseInt64(v) : std::nullopt;
      if (n && std::to_string(*n) == v) return "int";
      return v.size() <= 44 ? "embstr" : "raw";
    }
    case DataType::kHash:
    case DataType::kSet:
      return "hashtable";
    case DataType::kList:
      return "quicklist";
    case DataType::kZSet:
      return "skiplist";
    case DataType::kNone:
      break;
  }
  return "unknown";
}

Status ObjectEncoding(CommandContext& ctx) {
  auto rec = ctx.db.GetRecord(ctx.args[2]);
  if (rec.status().IsNotFound()) {
    ctx.reply.Null();
    return Status::OK();
  }
  if (!rec.ok()) return rec.status();
  ctx.reply.Bulk(EncodingName(rec->meta));
  return Status::OK();
}

// OBJECT REFCOUNT: values are never shared between keys in Mnemo, so 1 for every key.
Status ObjectRefcount(CommandContext& ctx) {
  auto n = ctx.db.Exists({ctx.args[2]});
  if (!n.ok()) return n.status();
  if (*n == 0) {
    ctx.reply.Null();
  } else {
    ctx.reply.Integer(1);
  }
  return Status::OK();
}

// OBJECT IDLETIME: the key cache's minute of last access, in seconds; 0 for a key it does not
// hold (see the command's notes).
Status ObjectIdletime(CommandContext& ctx) {
  auto idle = ctx.db.IdleMinutes(ctx.args[2]);
  if (!idle.ok()) return idle.status();
  if (!idle->has_value()) {
    ctx.reply.Null();
  } else if (**idle == Storage::kIdleUnknown) {
    ctx.reply.Integer(0);
  } else {
    ctx.reply.Integer(static_cast<int64_t>(**idle) * 60);
  }
  return Status::OK();
}

Status ObjectHelp(CommandContext& ctx) {
  static const char* const kLines[] = {
      "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "ENCODING <key>",
      "    Return the kind of internal representation used in order to store the value",
      "    associated with a <key>.",
      "FREQ <key>",
      "    Return the access frequency index of the <key>. The returned integer is",
      "    proportional to the logarithm of the recent access frequency of the key.",
      "IDLETIME <key>",
      "    Return the idle time of the <key>, that is the approximated number of",
      "    seconds elapsed since the last access to the key.",
      "REFCOUNT <key>",
      "    Return the number of references of the value associated with the specified",
      "    <key>.",
      "HELP",
      "    Prints this help."};
  ctx.reply.ArrayHeader(std::size(kLines));
  for (const char* line : kLines) ctx.reply.Simple(line);
  return Status::OK();
}

// One row per command, its CommandDoc below it.
// clang-format off
const Subcommand kObjectSubcommands[] = {
    {"encoding", 3, ObjectEncoding, "Inspect the internal encoding of a Redis object",
     {.since = "2.2.3",
      .complexity = "O(1)",
      .args = "key:key",
      .acl = "@keyspace @read @slow",
      .keys = "RO index:2 range:0,1,0",
      .tips = "nondeterministic_output"}},
    {"refcount", 3, ObjectRefcount, "Get the number of references to the value of the key",
     {.since = "2.2.3",
      .complexity = "O(1)",
      .args = "key:key",
      .acl = "@keyspace @read @slow",
      .keys = "RO index:2 range:0,1,0",
      .tips = "nondeterministic_output"}},
    {"idletime", 3, ObjectIdletime, "Get the time since a Redis object was last accessed",
     {.since = "2.2.3",
      .complexity = "O(1)",
      .args = "key:key",
      .acl = "@keyspace @read @slow",
      .keys = "RO index:2 range:0,1,0",
      .tips = "nondeterministic_output"}},
    {"freq", 3, ObjectFreq, "Get the logarithmic access frequency counter of an object",
     {.since = "4.0.0",
      .complexity = "O(1)",
      .args = "key:key",
      .acl = "@keyspace @read @slow",
      .keys = "RO index:2 range:0,1,0",
      .tips = "nondeterministic_output"}},
    {"help", 2, ObjectHelp, "Show helpful text about the different subcommands",
     {.since = "6.2.0", .complexity = "O(1)", .acl = "@keyspace @slow"}},

};
// clang-format on

Status CmdObject(CommandContext& ctx) { return RunSubcommand(ctx, kObjectSubcommands); }

Status CmdDump(CommandContext& ctx) {
  std::string value;
  Status s = Strings(ctx).Get(ctx.args[1], &value);
  if (s.IsNotFound()) {
    ctx.reply.Null();
    return Status::OK();
  }
  if (s.code() == Status::Code::kWrongType) {
    return Status::NotSupported("DUMP supports only string values so far");
  }
  if (!s.ok()) return s;
  ctx.reply.Bulk(EncodeStringDump(value));
  return Status::OK();
}

struct RestoreArgs {
  bool replace = false;
  bool absttl = false;
  int64_t ttl = 0;
};

// RESTORE's options, checked in Redis's order (options, busy key, TTL, payload).
Status ParseRestoreOptions(CommandContext& ctx, RestoreArgs* a) {
  bool idle = false, freq = false;
  for (size_t i = 4; i < ctx.argc(); i++) {
    bool more = i + 1 < ctx.argc();
    if (EqualsIgnoreCase(ctx.args[i], "replace")) {
      a->replace = true;
    } else if (EqualsIgnoreCase(ctx.args[i], "absttl")) {
      a->absttl = true;
    } else if (EqualsIgnoreCase(ctx.args[i], "idletime") && more && !freq) {
      auto v = ArgInt(ctx.args[++i]);
      if (!v.ok()) return v.status();
      if (*v < 0) return Status::InvalidArgument("Invalid IDLETIME value, must be >= 0");
      idle = true;  // accepted; Mnemo keeps no idle time
    } else if (EqualsIgnoreCase(ctx.args[i], "freq") && more && !idle) {
      auto v = ArgInt(ctx.args[++i]);
      if (!v.ok()) return v.status();
      if (*v < 0 || *v > 255) {
        return Status::InvalidArgument("Invalid FREQ value, must be >= 0 and <= 255");
      }
      freq = true;  // accepted; the frequency counts the write as any write
    } else {
      return SyntaxError();
    }
  }
  return Status::OK();
}

Status CmdRestore(CommandContext& ctx) {
  RestoreArgs a;
  Status s = ParseRestoreOptions(ctx, &a);
  if (!s.ok()) return s;
  const std::string& key = ctx.args[1];
  auto exists = ctx.db.Exists({key});
  if (!exists.ok()) return exists.status();
  if (!a.replace && *exists > 0) return BusyKey();
  auto ttl = ArgInt(ctx.args[2]);
  if (!ttl.ok()) return ttl.status();
  if (*ttl < 0) return Status::InvalidArgument("Invalid TTL value, must be >= 0");
  auto value = DecodeStringDump(ctx.args[3]);
  if (!value.ok()) return value.status();
  int64_t expire_ms = *ttl == 0 ? 0 : (a.absttl ? *ttl : NowMs() + *ttl);
  if (expire_ms != 0 && expire_ms <= NowMs()) {  // already expired: nothing is created
    if (a.replace) {
      auto n = ctx.db.Delete({key});
      if (!n.ok()) return n.status();
    }
    ctx.reply.Ok();
    return Status::OK();
  }
  StringType::SetArgs set;
  set.expire_ms = expire_ms;
  if (!a.replace) set.cond = StringType::SetArgs::Cond::kNX;  // a key created meanwhile
  auto r = Strings(ctx).Set(key, *value, set);
  if (!r.ok()) return r.status();
  if (!r->written) return BusyKey();
  ctx.reply.Ok();
  return Status::OK();
}

struct SortArgs {
  std::string store;  // empty: no STORE
  bool has_store = false;
};

// SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA]
// [STORE destination], parsed as Redis does (SORT_RO has no STORE).
Status ParseSort(CommandContext& ctx, bool read_only, SortArgs* a) {
  for (size_t i = 2; i < ctx.argc(); i++) {
    size_t left = ctx.argc() - i - 1;
    const std::string& opt = ctx.args[i];
    if (EqualsIgnoreCase(opt, "asc") || EqualsIgnoreCase(opt, "desc") ||
        EqualsIgnoreCase(opt, "alpha")) {
      continue;
    }
    if (EqualsIgnoreCase(opt, "limit") && left >= 2) {
      for (int k = 1; k <= 2; k++) {
        auto v = ArgInt(ctx.args[i + k]);
        if (!v.ok()) return v.status();
      }
      i += 2;
    } else if (!read_only && EqualsIgnoreCase(opt, "store") && left >= 1) {
      a->store = ctx.args[++i];
      a->has_store = true;
    } else if ((EqualsIgnoreCase(opt, "by") || EqualsIgnoreCase(opt, "get")) && left >= 1) {
      i++;  // patterns read other keys only while sorting elements
    } else {
      return SyntaxError();
    }
  }
  return Status::OK();
}

Status Sort(CommandContext& ctx, bool read_only) {
  SortArgs a;
  Status s = ParseSort(ctx, read_only, &a);
  if (!s.ok()) return s;
  auto t = ctx.db.Type(ctx.args[1]);
  if (!t.ok()) return t.status();
  if (*t == DataType::kString) return Status::WrongType();
  if (*t != DataType::kNone) return Status::NotSupported("SORT of this type is not supported yet");
  // A missing key sorts as an empty list; STORE then deletes the destination.
  if (a.has_store) {
    auto n = ctx.db.Delete({a.store});
    if (!n.ok()) return n.status();
    ctx.reply.Integer(0);
  } else {
    ctx.reply.ArrayHeader(0);
  }
  return Status::OK();
}

Status CmdSort(CommandContext& ctx) { return Sort(ctx, false); }
Status CmdSortRo(CommandContext& ctx) { return Sort(ctx, true); }

constexpr uint32_t kR = kCmdReadOnly;

// One row per command, its CommandDoc below it.
// clang-format off
const CommandSpec kGenericCommands[] = {
    {"touch", -2, kR | kCmdFast, 1, -1, 1, CmdTouch, "generic",
     "Count the keys that exist (no access time is kept)",
     {.since = "3.2.1",
      .complexity = "O(N) where N is the number of keys that will be touched.",
      .args = "key:key...",
      .acl = "@keyspace @read @fast",
      .keys = "RO index:1 range:-1,1,0",
      .tips = "request_policy:multi_shard response_policy:agg_sum",
      .notes = "counts the keys that exist; each is read, so the key cache records the access "
               "(OBJECT FREQ and IDLETIME) of the keys it holds"}},
    {"object", -2, kR, 0, 0, 0, CmdObject, "generic",
     "Object introspection: ENCODING, REFCOUNT, IDLETIME, FREQ, HELP",
     {.since = "2.2.3",
      .complexity = "Depends on subcommand.",
      .acl = "@slow",
      .notes = "answers for a disk store; a missing key answers nil to each. `ENCODING`: a "
               "string's is what Redis gives the value when it is set (`int` for a canonical "
               "64-bit integer, `embstr` up to 44 bytes, `raw` beyond), not what in-place edits "
               "leave in Redis (after `APPEND`, `SETRANGE`, `SETBIT` Redis says `raw`); a "
               "composite keeps one record per element, like Redis's large encodings, whose names "
               "it takes: `hashtable` for hashes and sets, `quicklist` for lists, `skiplist` for "
               "sorted sets, whatever their size. `REFCOUNT` is always 1 (no value is shared; "
               "Redis says 2147483647 for its shared small integers). `IDLETIME` is the whole "
               "minutes since the last read or write of the key, in seconds, as the key cache "
               "keeps them (so a multiple of 60); a key the key cache does not hold answers 0, "
               "which then means unknown, not recent. `FREQ` answers nil for a missing key, and otherwise Redis's "
               "LFU counter (lfu-log-factor 10, lfu-decay-time 1 minute, fixed) as kept in the key "
               "cache, where each read or write of the key counts; a key the key cache does not "
               "hold (not read or written lately, a record over 16 KiB, or `key-cache-size 0`) "
               "answers 0, what a new key's counter in Redis decays to after 5 idle minutes. "
               "`OBJECT FREQ` itself does not count as an access",
      .subcommands = kObjectSubcommands}},
    {"dump", 2, kR, 1, 1, 1, CmdDump, "generic",
     "A key's value in Redis's serialization format (RDB version 10)",
     {.since = "2.6.0",
      .complexity =
          "O(1) to access the key and additional O(N*M) to serialize it, where N is the number of "
          "objects composing the value and M their average size. For small string values the "
          "time complexity is thus O(1)+O(1*M) where M is small, so simply O(1).",
      .args = "key:key",
      .acl = "@keyspace @read @slow",
      .keys = "RO access index:1 range:0,1,0",
      .tips = "nondeterministic_output",
      .notes = "Redis's format (RDB type byte, RDB version 10, CRC64), so payloads move between "
               "Redis 7.0 and Mnemo; only strings exist so far"}},
    {"restore", -4, kCmdWrite | kCmdDenyOOM, 1, 1, 1, CmdRestore, "generic",
     "Create a key from a DUMP payload (of Mnemo or Redis)",
     {.since = "2.6.0",
      .complexity =
          "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, "
          "where N is the number of objects composing the value and M their average size. "
          "For small string values the time complexity is thus O(1)+O(1*M) where M is small, so "
          "simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because "
          "inserting values into sorted sets is O(log(N)).",
      .args = "key:key ttl:integer serialized-value [REPLACE@3.0.0] [ABSTTL@5.0.0] [IDLETIME "
              "seconds:integer@5.0.0] [FREQ frequency:integer@5.0.0]",
      .acl = "@keyspace @write @slow @dangerous",
      .keys = "OW update index:1 range:0,1,0",
      .notes = "reads Redis's string encodings (plain, integer, LZF); payloads of other types get "
               "an error until those types exist; `IDLETIME` and `FREQ` are checked and ignored "
               "(no access time is kept, and the key's frequency counts the write as any other write)"}},
    {"sort", -2, kCmdWrite | kCmdDenyOOM, 1, 1, 1, CmdSort, "generic",
     "Sort the elements of a list, set or sorted set",
     {.since = "1.0.0",
      .complexity =
          "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the "
          "number of returned elements. When the elements are not sorted, complexity is O(N).",
      .args =
          "key:key [BY pattern:pattern#1] [LIMIT offset_count(offset:integer count:integer)] [GET "
          "pattern:pattern#1...*] [order(ASC|DESC)] [sorting=ALPHA] [STORE destination:key]",
      .acl = "@write @set @sortedset @list @slow @dangerous",
      .keys = "RO access index:1 range:0,1,0 ; \"For the optional BY/GET keyword. It is marked "
              "'unknown' because the key names derive from the content of the key we sort\" RO "
              "access begin:unknown find:unknown ; \"For the optional STORE keyword. It is marked "
              "'unknown' because the keyword can appear anywhere in the argument array\" OW update "
              "begin:unknown find:unknown",
      .notes = "the whole syntax is parsed and checked, but lists, sets and sorted sets do not "
               "exist yet: a missing key sorts as empty (`STORE` deletes the destination and "
               "replies 0), a string gives `WRONGTYPE`"}},
    {"sort_ro", -2, kR, 1, 1, 1, CmdSortRo, "generic",
     "Sort the elements of a list, set or sorted set (read-only)",
     {.since = "7.0.0",
      .complexity =
          "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the "
          "number of returned elements. When the elements are not sorted, complexity is O(N).",
      .args = "key:key [BY pattern:pattern#1] [LIMIT offset_count(offset:integer count:integer)] "
              "[GET pattern:pattern#1...*] [order(ASC|DESC)] [sorting=ALPHA]",
      .acl = "@read @set @sortedset @list @slow @dangerous",
      .keys = "RO access index:1 range:0,1,0 ; \"For the optional BY/GET keyword. It is marked "
              "'unknown' because the key names derive from the content of the key we sort\" RO "
              "access begin:unknown find:unknown",
      .notes = "as `SORT`, without `STORE`"}},

};
// clang-format on

}  // namespace

std::span<const CommandSpec> GenericCommands() { return kGenericCommands; }

}  // namespace mnemo
