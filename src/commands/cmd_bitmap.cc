// Bitmap commands over string values (SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD,
// BITFIELD_RO) and LCS, with Redis 7.0's argument order, checks and error texts: where Redis looks
// the key up before parsing the rest (BITCOUNT, BITPOS, LCS), so does Mnemo.
#include "commands/arg_parse.h"
#include "commands/command.h"
#include "config/config.h"
#include "types/bitmap.h"
#include "types/bitmap_type.h"
#include "types/string_type.h"

namespace mnemo {
namespace {

StringType Strings(CommandContext& ctx) {
  return StringType(&ctx.db, ctx.server.config().proto_max_bulk_len.load(std::memory_order_relaxed),
                    ctx.server.MemoryHeadroom());
}

BitmapType Bitmaps(CommandContext& ctx) { return BitmapType(Strings(ctx), &ctx.db); }

Status BitOffsetError() {
  return Status::InvalidArgument("bit offset is not an integer or out of range");
}

// A bit offset of SETBIT/GETBIT/BITFIELD: a non-negative integer whose byte is inside
// proto-max-bulk-len (Redis's limit; so SETBIT k 4294967295 1 is the highest bit by default).
StatusOr<uint64_t> ArgBitOffset(CommandContext& ctx, std::string_view text, int field_bits = 0) {
  std::optional<int64_t> off =
      field_bits > 0 ? bitmap::ParseFieldOffset(text, field_bits) : ParseInt64(text);
  int64_t max_len = ctx.server.config().proto_max_bulk_len.load(std::memory_order_relaxed);
  if (!off || *off < 0 || (*off >> 3) >= max_len) return BitOffsetError();
  return static_cast<uint64_t>(*off);
}

// The value of a key for a read: nullopt when missing; WrongType when not a string.
StatusOr<std::optional<std::string>> ReadString(CommandContext& ctx, std::string_view key) {
  std::string v;
  Status s = Strings(ctx).Get(key, &v);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return s;
  return std::optional<std::string>(std::move(v));
}

Status CmdSetBit(CommandContext& ctx) {
  auto offset = ArgBitOffset(ctx, ctx.args[2]);
  if (!offset.ok()) return offset.status();
  auto bit = ParseInt64(ctx.args[3]);
  if (!bit || (*bit != 0 && *bit != 1)) {
    return Status::InvalidArgument("bit is not an integer or out of range");
  }
  auto old = Bitmaps(ctx).SetBit(ctx.args[1], *offset, static_cast<int>(*bit));
  if (!old.ok()) return old.status();
  ctx.Notify(kNotifyString, "setbit", ctx.args[1]);
  ctx.reply.Integer(*old);
  return Status::OK();
}

Status CmdGetBit(CommandContext& ctx) {
  auto offset = ArgBitOffset(ctx, ctx.args[2]);
  if (!offset.ok()) return offset.status();
  auto bit = Bitmaps(ctx).GetBit(ctx.args[1], *offset);
  if (!bit.ok()) return bit.status();
  ctx.reply.Integer(*bit);
  return Status::OK();
}

// BYTE|BIT of BITCOUNT/BITPOS; true for BIT.
StatusOr<bool> ArgIndexUnit(std::string_view text) {
  if (EqualsIgnoreCase(text, "bit")) return true;
  if (EqualsIgnoreCase(text, "byte")) return false;
  return SyntaxError();
}

// The string of a key for BITCOUNT/BITPOS, read range by range (its fragments, when it has them).
StatusOr<StringValue> LoadString(CommandContext& ctx, std::string_view key) {
  return StringValue::Load(&ctx.db, key, StringValue::Mode::kRead);
}

Status CmdBitCount(CommandContext& ctx) {
  auto v = LoadString(ctx, ctx.args[1]);
  if (!v.ok()) return v.status();
  if (!v->exists()) {
    ctx.reply.Integer(0);
    return Status::OK();
  }
  auto len = static_cast<int64_t>(v->length());
  bitmap::BitRange range = bitmap::WholeRange(len);
  if (ctx.argc() == 4 || ctx.argc() == 5) {
    auto start = ArgInt(ctx.args[2]);
    if (!start.ok()) return start.status();
    auto end = ArgInt(ctx.args[3]);
    if (!end.ok()) return end.status();
    if (*start < 0 && *end < 0 && *start > *end) {
      ctx.reply.Integer(0);
      return Status::OK();
    }
    bool bit_unit = false;
    if (ctx.argc() == 5) {
      auto unit = ArgIndexUnit(ctx.args[4]);
      if (!unit.ok()) return unit.status();
      bit_unit = *unit;
    }
    range = bitmap::ResolveRange(len, *start, *end, bit_unit);
  } else if (ctx.argc() != 2) {
    return SyntaxError();
  }
  auto n = BitmapType::Count(*v, range);
  if (!n.ok()) return n.status();
  ctx.reply.Integer(*n);
  return Status::OK();
}

Status CmdBitPos(CommandContext& ctx) {
  auto bit = ArgInt(ctx.args[2]);
  if (!bit.ok()) return bit.status();
  if (*bit != 0 && *bit != 1) return Status::InvalidArgument("The bit argument must be 1 or 0.");
  auto v = LoadString(ctx, ctx.args[1]);
  if (!v.ok()) return v.status();
  if (!v->exists()) {  // a missing key is an endless run of zeros
    ctx.reply.Integer(*bit ? -1 : 0);
    return Status::OK();
  }
  auto len = static_cast<int64_t>(v->length());
  bitmap::BitRange range = bitmap::WholeRange(len);
  std::optional<int64_t> end;
  if (ctx.argc() >= 4 && ctx.argc() <= 6) {
    auto start = ArgInt(ctx.args[3]);
    if (!start.ok()) return start.status();
    bool bit_unit = false;
    if (ctx.argc() == 6) {
      auto unit = ArgIndexUnit(ctx.args[5]);
      if (!unit.ok()) return unit.status();
      bit_unit = *unit;
    }
    if (ctx.argc() >= 5) {
      auto e = ArgInt(ctx.args[4]);
      if (!e.ok()) return e.status();
      end = *e;
    }
    range = bitmap::ResolveRange(len, *start, end, bit_unit);
  } else if (ctx.argc() != 3) {
    return SyntaxError();
  }
  auto pos = BitmapType::Pos(*v, static_cast<int>(*bit), range, end.has_value());
  if (!pos.ok()) return pos.status();
  ctx.reply.Integer(*pos);
  return Status::OK();
}

Status CmdBitOp(CommandContext& ctx) {
  bitmap::Op op;
  const std::string& name = ctx.args[1];
  if (EqualsIgnoreCase(name, "and")) {
    op = bitmap::Op::kAnd;
  } else if (EqualsIgnoreCase(name, "or")) {
    op = bitmap::Op::kOr;
  } else if (EqualsIgnoreCase(name, "xor")) {
    op = bitmap::Op::kXor;
  } else if (EqualsIgnoreCase(name, "not")) {
    op = bitmap::Op::kNot;
  } else {
    return SyntaxError();
  }
  if (op == bitmap::Op::kNot && ctx.argc() != 4) {
    return Status::InvalidArgument("BITOP NOT must be called with a single source key.");
  }
  std::vector<std::string_view> sources(ctx.args.begin() + 3, ctx.args.end());
  bool existed = ExistsForNotify(ctx, ctx.args[2]);
  auto len = Bitmaps(ctx).BitOp(op, ctx.args[2], sources);
  if (!len.ok()) return len.status();
  if (*len > 0 || existed)
    ctx.Notify(*len > 0 ? kNotifyString : kNotifyGeneric, *len > 0 ? "set" : "del", ctx.args[2]);
  ctx.reply.Integer(*len);
  return Status::OK();
}

// One GET/SET/INCRBY of BITFIELD from args[i..]; advances i past it.
Status ParseFieldOp(CommandContext& ctx, size_t* i, BitmapType::FieldOp* op) {
  auto type = bitmap::ParseFieldType(ctx.args[*i + 1]);
  if (!type) {
    return Status::InvalidArgument(
        "Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but "
        "i64 is.");
  }
  op->type = *type;
  auto offset = ArgBitOffset(ctx, ctx.args[*i + 2], type->bits);
  if (!offset.ok()) return offset.status();
  op->offset = *offset;
  if (op->kind != BitmapType::FieldOp::Kind::kGet) {
    auto v = ArgInt(ctx.args[*i + 3]);
    if (!v.ok()) return v.status();
    op->value = *v;
  }
  *i += op->kind == BitmapType::FieldOp::Kind::kGet ? 2 : 3;
  return Status::OK();
}

// BITFIELD's subcommands in order, as Redis parses them.
Status ParseBitField(CommandContext& ctx, std::vector<BitmapType::FieldOp>* ops, bool* writes) {
  bitmap::Overflow overflow = bitmap::Overflow::kWrap;
  using Kind = BitmapType::FieldOp::Kind;
  for (size_t i = 2; i < ctx.argc(); i++) {
    size_t left = ctx.argc() - i - 1;
    const std::string& sub = ctx.args[i];
    BitmapType::FieldOp op;
    if (EqualsIgnoreCase(sub, "get") && left >= 2) {
      op.kind = Kind::kGet;
    } else if (EqualsIgnoreCase(sub, "set") && left >= 3) {
      op.kind = Kind::kSet;
    } else if (EqualsIgnoreCase(sub, "incrby") && left >= 3) {
      op.kind = Kind::kIncrBy;
    } else if (EqualsIgnoreCase(sub, "overflow") && left >= 1) {
      const std::string& mode = ctx.args[++i];
      if (EqualsIgnoreCase(mode, "wrap")) {
        overflow = bitmap::Overflow::kWrap;
      } else if (EqualsIgnoreCase(mode, "sat")) {
        overflow = bitmap::Overflow::kSat;
      } else if (EqualsIgnoreCase(mode, "fail")) {
        overflow = bitmap::Overflow::kFail;
      } else {
        return Status::InvalidArgument("Invalid OVERFLOW type specified");
      }
      continue;
    } else {
      return SyntaxError();
    }
    op.overflow = overflow;
    Status s = ParseFieldOp(ctx, &i, &op);
    if (!s.ok()) return s;
    if (op.kind != Kind::kGet) *writes = true;
    ops->push_back(op);
  }
  return Status::OK();
}

Status BitField(CommandContext& ctx, bool read_only) {
  std::vector<BitmapType::FieldOp> ops;
  bool writes = false;
  Status s = ParseBitField(ctx, &ops, &writes);
  if (!s.ok()) return s;
  if (read_only && writes) {
    return Status::InvalidArgument("BITFIELD_RO only supports the GET subcommand");
  }
  auto r = Bitmaps(ctx).BitField(ctx.args[1], ops);
  if (!r.ok()) return r.status();
  if (writes) ctx.Notify(kNotifyString, "setbit", ctx.args[1]);
  ctx.reply.ArrayHeader(r->size());
  for (const auto& v : *r) {
    if (v) {
      ctx.reply.Integer(*v);
    } else {
      ctx.reply.Null();
    }
  }
  return Status::OK();
}

Status CmdBitField(CommandContext& ctx) { return BitField(ctx, false); }
Status CmdBitFieldRo(CommandContext& ctx) { return BitField(ctx, true); }

struct LcsArgs {
  bool len = false, idx = false, withmatchlen = false;
  int64_t minmatchlen = 0;
};

Status ParseLcs(CommandContext& ctx, LcsArgs* a) {
  for (size_t i = 3; i < ctx.argc(); i++) {
    const std::string& opt = ctx.args[i];
    if (EqualsIgnoreCase(opt, "idx")) {
      a->idx = true;
    } else if (EqualsIgnoreCase(opt, "len")) {
      a->len = true;
    } else if (EqualsIgnoreCase(opt, "withmatchlen")) {
      a->withmatchlen = true;
    } else if (EqualsIgnoreCase(opt, "minmatchlen") && i + 1 < ctx.argc()) {
      auto v = ArgInt(ctx.args[++i]);
      if (!v.ok()) return v.status();
      a->minmatchlen = std::max<int64_t>(*v, 0);
    } else {
      return SyntaxError();
    }
  }
  if (a->idx && a->len) {
    return Status::InvalidArgument("If you want both the length and indexes, please just use IDX.");
  }
  return Status::OK();
}

void ReplyLcsMatches(CommandContext& ctx, const bitmap::LcsResult& r, bool withmatchlen) {
  ctx.reply.MapHeader(2);
  ctx.reply.Bulk("matches");
  ctx.reply.ArrayHeader(r.matches.size());
  for (const auto& m : r.matches) {
    ctx.reply.ArrayHeader(withmatchlen ? 3 : 2);
    ctx.reply.ArrayHeader(2);
    ctx.reply.Integer(m.a_start);
    ctx.reply.Integer(m.a_end);
    ctx.reply.ArrayHeader(2);
    ctx.reply.Integer(m.b_start);
    ctx.reply.Integer(m.b_end);
    if (withmatchlen) ctx.reply.Integer(m.len);
  }
  ctx.reply.Bulk("len");
  ctx.reply.Integer(r.len);
}

// LCS: the DP table is bounded as in Redis (at most proto-max-bulk-len bytes, which also bounds
// the time), and by the memory left under the limit; LEN alone needs only two rows of it.
Status CmdLcs(CommandContext& ctx) {
  auto a = ReadString(ctx, ctx.args[1]);
  auto b = ReadString(ctx, ctx.args[2]);
  if (a.status().code() == Status::Code::kWrongType ||
      b.status().code() == Status::Code::kWrongType) {
    return Status::InvalidArgument("The specified keys must contain string values");
  }
  if (!a.ok()) return a.status();
  if (!b.ok()) return b.status();
  LcsArgs args;
  Status s = ParseLcs(ctx, &args);
  if (!s.ok()) return s;
  std::string_view x = *a ? std::string_view(**a) : std::string_view();
  std::string_view y = *b ? std::string_view(**b) : std::string_view();
  if (x.size() >= UINT32_MAX - 1 || y.size() >= UINT32_MAX - 1) {
    return Status::InvalidArgument("String too long for LCS");
  }
  uint64_t table = bitmap::LcsTableBytes(x.size(), y.size());
  auto max_len =
      static_cast<uint64_t>(ctx.server.config().proto_max_bulk_len.load(std::memory_order_relaxed));
  if (table > max_len) {
    return Status::InvalidArgument(
        "Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
  }
  if (args.len) {
    ctx.reply.Integer(bitmap::LcsLength(x, y));
    return Status::OK();
  }
  if (static_cast<int64_t>(table) > ctx.server.MemoryHeadroom()) {
    return StringType::TooLargeForMemory();
  }
  bitmap::LcsResult r = bitmap::Lcs(x, y, args.idx, args.minmatchlen);
  if (args.idx) {
    ReplyLcsMatches(ctx, r, args.withmatchlen);
  } else {
    ctx.reply.Bulk(r.lcs);
  }
  return Status::OK();
}

constexpr uint32_t kW = kCmdWrite | kCmdWriteContext | kCmdDenyOOM;
constexpr uint32_t kR = kCmdReadOnly;

// One row per command, its CommandDoc below it.
// clang-format off
const CommandSpec kBitmapCommands[] = {
    {"setbit", 4, kW, 1, 1, 1, CmdSetBit, "bitmap",
     "Sets or clears the bit at offset in the string value stored at key",
     {.since = "2.2.0",
      .complexity = "O(1)",
      .args = "key:key offset:integer value:integer",
      .acl = "@write @bitmap @slow",
      .keys = "RW access update index:1 range:0,1,0",
      .notes = "a value longer than 4096 bytes is stored in 4096-byte fragments, of which a "
               "SETBIT rewrites one (see docs/internals.md, \"Bitmaps\"); growing it is refused "
               "with `-OOM` beyond the memory left under `maxmemory`"}},
    {"getbit", 3, kR | kCmdFast, 1, 1, 1, CmdGetBit, "bitmap",
     "Returns the bit value at offset in the string value stored at key",
     {.since = "2.2.0",
      .complexity = "O(1)",
      .args = "key:key offset:integer",
      .acl = "@read @bitmap @fast",
      .keys = "RO access index:1 range:0,1,0"}},
    {"bitcount", -2, kR, 1, 1, 1, CmdBitCount, "bitmap", "Count set bits in a string",
     {.since = "2.6.0",
      .complexity = "O(N)",
      .args = "key:key [index(start:integer end:integer [index_unit(BYTE|BIT)@7.0.0])]",
      .acl = "@read @bitmap @slow",
      .keys = "RO access index:1 range:0,1,0"}},
    {"bitpos", -3, kR, 1, 1, 1, CmdBitPos, "bitmap", "Find first bit set or clear in a string",
     {.since = "2.8.7",
      .complexity = "O(N)",
      .args = "key:key bit:integer [index(start:integer [end_index(end:integer "
              "[index_unit(BYTE|BIT)@7.0.0])])]",
      .acl = "@read @bitmap @slow",
      .keys = "RO access index:1 range:0,1,0"}},
    {"bitop", -4, kW, 2, -1, 1, CmdBitOp, "bitmap", "Perform bitwise operations between strings",
     {.since = "2.6.0",
      .complexity = "O(N)",
      .args = "operation destkey:key key:key...",
      .acl = "@write @bitmap @slow",
      .keys = "OW update index:2 range:0,1,0 ; RO access index:3 range:-1,1,0"}},
    {"bitfield", -2, kW, 1, 1, 1, CmdBitField, "bitmap",
     "Perform arbitrary bitfield integer operations on strings",
     {.since = "3.2.0",
      .complexity = "O(1) for each subcommand specified",
      .args = "key:key [operation(GET encoding_offset(encoding offset:integer)|write([OVERFLOW "
              "wrap_sat_fail(WRAP|SAT|FAIL)] write_operation(SET encoding_offset_value(encoding "
              "offset:integer value:integer)|INCRBY encoding_offset_increment(encoding "
              "offset:integer increment:integer))))...]",
      .acl = "@write @bitmap @slow",
      .keys = "\"This command allows both access and modification of the key\" RW access update "
              "variable_flags index:1 range:0,1,0"}},
    {"bitfield_ro", -2, kR | kCmdFast, 1, 1, 1, CmdBitFieldRo, "bitmap",
     "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD",
     {.since = "6.0.0",
      .complexity = "O(1) for each subcommand specified",
      .args = "key:key [GET encoding_offset(encoding offset:integer)...*]",
      .acl = "@read @bitmap @fast",
      .keys = "RO access index:1 range:0,1,0"}},
    {"lcs", -3, kR, 1, 2, 1, CmdLcs, "string", "Find longest common substring",
     {.since = "7.0.0",
      .complexity = "O(N*M) where N and M are the lengths of s1 and s2, respectively",
      .args = "key1:key key2:key#0 [LEN] [IDX] [MINMATCHLEN len:integer] [WITHMATCHLEN]",
      .acl = "@read @string @slow",
      .keys = "RO access index:1 range:1,1,0",
      .notes = "refused as Redis refuses it when the (N+1)*(M+1)*4-byte table exceeds "
               "`proto-max-bulk-len` (which also bounds the time), and with `-OOM` beyond the "
               "memory left under `maxmemory`; `LEN` computes the length in O(min(N,M)) memory"}},

};
// clang-format on

}  // namespace

std::span<const CommandSpec> BitmapCommands() { return kBitmapCommands; }

}  // namespace mnemo
