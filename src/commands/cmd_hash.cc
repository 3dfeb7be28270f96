// Hash commands: HSET and its variants, reads of fields and of the whole hash, HINCRBY*,
// HRANDFIELD and HSCAN, over types/hash_type.h.
#include <algorithm>
#include <cmath>
#include <limits>

#include "commands/arg_parse.h"
#include "commands/command.h"
#include "config/config.h"
#include "types/hash_type.h"

namespace mnemo {
namespace {

constexpr size_t kBulkOverhead = 16;  // "$<len>\r\n" and the closing "\r\n", generously

// Replies made of the hash's elements are built piece by piece; when the next piece would not
// fit under the memory limit the partial reply is taken back and the command fails with
// ReplyTooLargeError (nothing is sent).
class BoundedReply {
 public:
  explicit BoundedReply(CommandContext& ctx) : ctx_(ctx), start_(ctx.reply.buffer()->size()) {}
  bool Fits(size_t bytes) {
    if (!fits_) return false;
    fits_ = ReplyCanGrow(ctx_, bytes);
    return fits_;
  }
  // OK when everything fit; else the reply so far is dropped and the error returned.
  Status Done(Status s) {
    if (s.ok() && fits_) return s;
    std::string& out = *ctx_.reply.buffer();
    size_t built = out.size() - start_;
    out.resize(start_);
    return s.ok() ? ReplyTooLargeError(built) : s;
  }

 private:
  CommandContext& ctx_;
  size_t start_;
  bool fits_ = true;
};

Status CmdHSet(CommandContext& ctx) {
  if (ctx.argc() % 2 != 0) return WrongArgsError(ctx.args[0]);
  std::vector<HashType::FieldValue> pairs;
  pairs.reserve((ctx.argc() - 2) / 2);
  for (size_t i = 2; i < ctx.argc(); i += 2) pairs.emplace_back(ctx.args[i], ctx.args[i + 1]);
  auto r = HashType(&ctx.db).Set(ctx.args[1], pairs, /*only_new=*/false);
  if (!r.ok()) return r.status();
  ctx.Notify(kNotifyHash, "hset", ctx.args[1]);
  if (std::string_view(ctx.spec->name) == "hmset") {
    ctx.reply.Ok();
  } else {
    ctx.reply.Integer(*r);
  }
  return Status::OK();
}

Status CmdHSetNx(CommandContext& ctx) {
  auto r = HashType(&ctx.db).Set(ctx.args[1], {{ctx.args[2], ctx.args[3]}}, /*only_new=*/true);
  if (!r.ok()) return r.status();
  if (*r > 0) ctx.Notify(kNotifyHash, "hset", ctx.args[1]);
  ctx.reply.Integer(*r);
  return Status::OK();
}

Status CmdHGet(CommandContext& ctx) {
  std::string v;
  Status s = HashType(&ctx.db).Get(ctx.args[1], ctx.args[2], &v);
  if (s.IsNotFound()) {
    ctx.reply.Null();
    return Status::OK();
  }
  if (!s.ok()) return s;
  ctx.reply.Bulk(v);
  return Status::OK();
}

Status CmdHMGet(CommandContext& ctx) {
  std::vector<std::string_view> fields(ctx.args.begin() + 2, ctx.args.end());
  BoundedReply bounded(ctx);
  ctx.reply.ArrayHeader(fields.size());
  Status s = HashType(&ctx.db).MGet(ctx.args[1], fields, [&](std::optional<std::string_view> v) {
    if (!bounded.Fits((v ? v->size() : 0) + kBulkOverhead)) return false;
    if (v) {
      ctx.reply.Bulk(*v);
    } else {
      ctx.reply.Null();
    }
    return true;
  });
  return bounded.Done(s);
}

Status CmdHDel(CommandContext& ctx) {
  std::vector<std::string_view> fields(ctx.args.begin() + 2, ctx.args.end());
  auto r = HashType(&ctx.db).Delete(ctx.args[1], fields);
  if (!r.ok()) return r.status();
  if (*r > 0) ctx.Notify(kNotifyHash, "hdel", ctx.args[1]);
  if (*r > 0) NotifyIfDeleted(ctx, ctx.args[1]);
  ctx.reply.Integer(*r);
  return Status::OK();
}

Status CmdHExists(CommandContext& ctx) {
  std::string v;
  Status s = HashType(&ctx.db).Get(ctx.args[1], ctx.args[2], &v);
  if (!s.ok() && !s.IsNotFound()) return s;
  ctx.reply.Integer(s.ok() ? 1 : 0);
  return Status::OK();
}

Status CmdHStrLen(CommandContext& ctx) {
  std::string v;
  Status s = HashType(&ctx.db).Get(ctx.args[1], ctx.args[2], &v);
  if (!s.ok() && !s.IsNotFound()) return s;
  ctx.reply.Integer(static_cast<int64_t>(v.size()));
  return Status::OK();
}

Status CmdHLen(CommandContext& ctx) {
  auto r = HashType(&ctx.db).Len(ctx.args[1]);
  if (!r.ok()) return r.status();
  ctx.reply.Integer(*r);
  return Status::OK();
}

// HKEYS, HVALS, HGETALL: the whole hash in field order. The elements are encoded apart and
// counted, and the header written after: the metadata's size, read before the iterator opens,
// may differ from what the iterator sees when another connection writes the hash in between.
enum class Whole { kKeys, kValues, kBoth };

Status ReplyWhole(CommandContext& ctx, Whole what) {
  std::string body;
  Reply out(&body, ctx.reply.version());
  uint64_t size = 0, seen = 0;
  bool fits = true;
  size_t base = ctx.reply.size();
  Status s = HashType(&ctx.db).ForEach(ctx.args[1], &size, [&](auto field, auto value) {
    size_t need = (what != Whole::kValues ? field.size() + kBulkOverhead : 0) +
                  (what != Whole::kKeys ? value.size() + kBulkOverhead : 0);
    size_t total = base + body.size() + need;
    if (body.size() + need > body.capacity() && total > kLargeReplyBytes &&
        !ctx.server.ReplyFits(std::max(total, 2 * body.capacity()))) {
      return fits = false;
    }
    if (what != Whole::kValues) out.Bulk(field);
    if (what != Whole::kKeys) out.Bulk(value);
    seen++;
    return true;
  });
  if (!s.ok()) return s;
  if (!fits) return ReplyTooLargeError(body.size());
  if (what == Whole::kBoth) {
    ctx.reply.MapHeader(seen);
  } else {
    ctx.reply.ArrayHeader(seen);
  }
  ctx.reply.Raw(body);
  return Status::OK();
}

Status CmdHKeys(CommandContext& ctx) { return ReplyWhole(ctx, Whole::kKeys); }
Status CmdHVals(CommandContext& ctx) { return ReplyWhole(ctx, Whole::kValues); }
Status CmdHGetAll(CommandContext& ctx) { return ReplyWhole(ctx, Whole::kBoth); }

Status CmdHIncrBy(CommandContext& ctx) {
  auto d = ArgInt(ctx.args[3]);
  if (!d.ok()) return d.status();
  auto r = HashType(&ctx.db).IncrBy(ctx.args[1], ctx.args[2], *d);
  if (!r.ok()) return r.status();
  ctx.Notify(kNotifyHash, "hincrby", ctx.args[1]);
  ctx.reply.Integer(*r);
  return Status::OK();
}

Status CmdHIncrByFloat(CommandContext& ctx) {
  auto d = ParseLongDouble(ctx.args[3]);
  if (!d) return Status::InvalidArgument("value is not a valid float");
  if (std::isnan(*d) || std::isinf(*d)) return Status::InvalidArgument("value is NaN or Infinity");
  auto r = HashType(&ctx.db).IncrByFloat(ctx.args[1], ctx.args[2], *d);
  if (!r.ok()) return r.status();
  ctx.Notify(kNotifyHash, "hincrbyfloat", ctx.args[1]);
  ctx.reply.Bulk(*r);
  return Status::OK();
}

// HRANDFIELD key: one random field, or nil.
Status RandomOne(CommandContext& ctx) {
  auto r = HashType(&ctx.db).RandomFields(ctx.args[1], 1, /*distinct=*/true);
  if (!r.ok()) return r.status();
  if (r->empty()) {
    ctx.reply.Null();
  } else {
    ctx.reply.Bulk(r->front().first);
  }
  return Status::OK();
}

// The reply of a repeating HRANDFIELD is bounded before anything is drawn: its estimated size
// (the hash's mean field and value sizes times the count) may not pass proto-max-bulk-len, so an
// absurd count is refused at once instead of being drawn.
Status CheckRepeatBound(CommandContext& ctx, const Metadata& meta, uint64_t count,
                        bool withvalues) {
  long double per = static_cast<long double>(meta.bytes) / static_cast<long double>(meta.size);
  if (!withvalues) per /= 2;  // no values: about half of field + value
  long double estimate = static_cast<long double>(count) * (per + 2 * kBulkOverhead);
  int64_t limit = ctx.server.config().proto_max_bulk_len.load(std::memory_order_relaxed);
  if (estimate > static_cast<long double>(limit)) {
    return Status::InvalidArgument("count is too large: the reply would exceed proto-max-bulk-len");
  }
  return Status::OK();
}

Status CmdHRandField(CommandContext& ctx) {
  if (ctx.argc() == 2) return RandomOne(ctx);
  if (ctx.argc() > 4) return SyntaxError();
  auto l = ArgInt(ctx.args[2]);
  if (!l.ok()) return l.status();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  if (*l == std::numeric_limits<int64_t>::min()) {
    return Status::InvalidArgument(
        "value is out of range, value must between -9223372036854775807 and "
        "9223372036854775807");
  }
  bool withvalues = false;
  if (ctx.argc() == 4) {
    if (!EqualsIgnoreCase(ctx.args[3], "withvalues")) return SyntaxError();
    withvalues = true;
    if (*l < -kMax / 2 || *l > kMax / 2) return Status::InvalidArgument("value is out of range");
  }
  bool distinct = *l >= 0;
  uint64_t count = distinct ? static_cast<uint64_t>(*l) : static_cast<uint64_t>(-*l);
  HashType hashes(&ctx.db);
  auto meta = hashes.Meta(ctx.args[1]);
  if (!meta.ok()) return meta.status();
  if (!meta->has_value() || count == 0) {
    ctx.reply.ArrayHeader(0);
    return Status::OK();
  }
  if (!distinct) {
    Status bound = CheckRepeatBound(ctx, **meta, count, withvalues);
    if (!bound.ok()) return bound;
  }
  auto r = hashes.RandomFields(ctx.args[1], count, distinct);
  if (!r.ok()) return r.status();
  BoundedReply bounded(ctx);
  bool pairs3 = withvalues && ctx.reply.resp3();  // RESP3: an array of [field, value] pairs
  ctx.reply.ArrayHeader(withvalues && !pairs3 ? 2 * r->size() : r->size());
  for (const auto& [field, value] : *r) {
    if (!bounded.Fits(field.size() + value.size() + 2 * kBulkOverhead)) break;
    if (pairs3) ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(field);
    if (withvalues) ctx.reply.Bulk(value);
  }
  return bounded.Done(Status::OK());
}

Status CmdHScan(CommandContext& ctx) {
  auto cursor = ParseUint64(ctx.args[2]);
  if (!cursor) return Status::InvalidArgument("invalid cursor");
  // As Redis: the key's type before the options, and a missing key is an empty scan whatever
  // the options say.
  auto rec = ctx.db.GetRecordOfType(ctx.args[1], DataType::kHash);
  if (rec.status().IsNotFound()) {
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk("0");
    ctx.reply.ArrayHeader(0);
    return Status::OK();
  }
  if (!rec.ok()) return rec.status();
  std::string pattern;
  size_t count = 10;
  Status opts = ParseElementScanOptions(ctx.args, 3, &pattern, &count);
  if (!opts.ok()) return opts;
  if (pattern == "*") pattern.clear();
  std::string after;
  if (*cursor != 0) {
    auto last = ctx.server.LoadCursor(*cursor);
    if (!last.ok()) return last.status();
    after = std::move(*last);
  }
  auto r = HashType(&ctx.db).Scan(ctx.args[1], *cursor != 0 ? &after : nullptr, pattern, count);
  if (!r.ok()) return r.status();
  BoundedReply bounded(ctx);
  uint64_t next = r->more ? ctx.server.SaveCursor(std::move(r->next_after)) : 0;
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(std::to_string(next));
  ctx.reply.ArrayHeader(2 * r->items.size());
  for (const auto& [field, value] : r->items) {
    if (!bounded.Fits(field.size() + value.size() + 2 * kBulkOverhead)) break;
    ctx.reply.Bulk(field);
    ctx.reply.Bulk(value);
  }
  return bounded.Done(Status::OK());
}

constexpr uint32_t kW = kCmdWrite | kCmdWriteContext;
constexpr uint32_t kR = kCmdReadOnly;

// One row per command, its CommandDoc below it.
// clang-format off
const CommandSpec kHashCommands[] = {
    {"hset", -4, kW | kCmdDenyOOM | kCmdFast, 1, 1, 1, CmdHSet, "hash",
     "Set the string value of a hash field",
     {.since = "2.0.0",
      .complexity = "O(1) for each field/value pair added, so O(N) to add N field/value pairs "
                    "when the command is called with multiple field/value pairs.",
      .args = "key:key field_value(field value)...",
      .acl = "@write @hash @fast",
      .keys = "RW update index:1 range:0,1,0"}},
    {"hsetnx", 4, kW | kCmdDenyOOM | kCmdFast, 1, 1, 1, CmdHSetNx, "hash",
     "Set the value of a hash field, only if the field does not exist",
     {.since = "2.0.0",
      .complexity = "O(1)",
      .args = "key:key field value",
      .acl = "@write @hash @fast",
      .keys = "RW insert index:1 range:0,1,0"}},
    {"hmset", -4, kW | kCmdDenyOOM | kCmdFast, 1, 1, 1, CmdHSet, "hash",
     "Set multiple hash fields to multiple values",
     {.since = "2.0.0",
      .complexity = "O(N) where N is the number of fields being set.",
      .args = "key:key field_value(field value)...",
      .acl = "@write @hash @fast",
      .keys = "RW update index:1 range:0,1,0",
      .deprecated_since = "4.0.0",
      .replaced_by = "`HSET` with multiple field-value pairs"}},
    {"hget", 3, kR | kCmdFast, 1, 1, 1, CmdHGet, "hash", "Get the value of a hash field",
     {.since = "2.0.0",
      .complexity = "O(1)",
      .args = "key:key field",
      .acl = "@read @hash @fast",
      .keys = "RO access index:1 range:0,1,0"}},
    {"hmget", -3, kR | kCmdFast, 1, 1, 1, CmdHMGet, "hash",
     "Get the values of all the given hash fields",
     {.since = "2.0.0",
      .complexity = "O(N) where N is the number of fields being requested.",
      .args = "key:key field...",
      .acl = "@read @hash @fast",
      .keys = "RO access index:1 range:0,1,0"}},
    {"hdel", -3, kW | kCmdFast, 1, 1, 1, CmdHDel, "hash", "Delete one or more hash fields",
     {.since = "2.0.0",
      .complexity = "O(N) where N is the number of fields to be removed.",
      .args = "key:key field...",
      .acl = "@write @hash @fast",
      .keys = "RW delete index:1 range:0,1,0"}},
    {"hexists", 3, kR | kCmdFast, 1, 1, 1, CmdHExists, "hash", "Determine if a hash field exists",
     {.since = "2.0.0",
      .complexity = "O(1)",
      .args = "key:key field",
      .acl = "@read @hash @fast",
      .keys = "RO index:1 range:0,1,0"}},
    {"hlen", 2, kR | kCmdFast, 1, 1, 1, CmdHLen, "hash", "Get the number of fields in a hash",
     {.since = "2.0.0",
      .complexity = "O(1)",
      .args = "key:key",
      .acl = "@read @hash @fast",
      .keys = "RO index:1 range:0,1,0"}},
    {"hstrlen", 3, kR | kCmdFast, 1, 1, 1, CmdHStrLen, "hash",
     "Get the length of the value of a hash field",
     {.since = "3.2.0",
      .complexity = "O(1)",
      .args = "key:key field",
      .acl = "@read @hash @fast",
      .keys = "RO index:1 range:0,1,0"}},
    {"hkeys", 2, kR, 1, 1, 1, CmdHKeys, "hash", "Get all the fields in a hash",
     {.since = "2.0.0",
      .complexity = "O(N) where N is the size of the hash.",
      .args = "key:key",
      .acl = "@read @hash @slow",
      .keys = "RO access index:1 range:0,1,0",
      .tips = "nondeterministic_output_order"}},
    {"hvals", 2, kR, 1, 1, 1, CmdHVals, "hash", "Get all the values in a hash",
     {.since = "2.0.0",
      .complexity = "O(N) where N is the size of the hash.",
      .args = "key:key",
      .acl = "@read @hash @slow",
      .keys = "RO access index:1 range:0,1,0",
      .tips = "nondeterministic_output_order"}},
    {"hgetall", 2, kR, 1, 1, 1, CmdHGetAll, "hash", "Get all the fields and values in a hash",
     {.since = "2.0.0",
      .complexity = "O(N) where N is the size of the hash.",
      .args = "key:key",
      .acl = "@read @hash @slow",
      .keys = "RO access index:1 range:0,1,0",
      .tips = "nondeterministic_output_order"}},
    {"hincrby", 4, kW | kCmdDenyOOM | kCmdFast, 1, 1, 1, CmdHIncrBy, "hash",
     "Increment the integer value of a hash field by the given number",
     {.since = "2.0.0",
      .complexity = "O(1)",
      .args = "key:key field increment:integer",
      .acl = "@write @hash @fast",
      .keys = "RW access update index:1 range:0,1,0"}},
    {"hincrbyfloat", 4, kW | kCmdDenyOOM | kCmdFast, 1, 1, 1, CmdHIncrByFloat, "hash",
     "Increment the float value of a hash field by the given amount",
     {.since = "2.6.0",
      .complexity = "O(1)",
      .args = "key:key field increment:double",
      .acl = "@write @hash @fast",
      .keys = "RW access update index:1 range:0,1,0"}},
    {"hrandfield", -2, kR, 1, 1, 1, CmdHRandField, "hash",
     "Get one or multiple random fields from a hash",
     {.since = "6.2.0",
      .complexity = "O(N) where N is the size of the hash: the fields are read in one pass",
      .args = "key:key [options(count:integer [WITHVALUES])]",
      .acl = "@read @hash @slow",
      .keys = "RO access index:1 range:0,1,0",
      .tips = "nondeterministic_output",
      .notes = "a negative count whose reply would exceed `proto-max-bulk-len` (estimated from "
               "the hash's mean field and value sizes) is refused with `-ERR count is too "
               "large`, before anything is drawn"}},
    {"hscan", -3, kR, 1, 1, 1, CmdHScan, "hash",
     "Incrementally iterate hash fields and associated values",
     {.since = "2.8.0",
      .complexity =
          "O(1) for every call. O(N) for a complete iteration, including enough command calls for "
          "the cursor to return back to 0. N is the number of elements inside the collection..",
      .args = "key:key cursor:integer [MATCH pattern:pattern] [COUNT count:integer]",
      .acl = "@read @hash @slow",
      .keys = "RO access index:1 range:0,1,0",
      .tips = "nondeterministic_output",
      .notes = "cursors are SCAN's (a ring of recent cursors: an old one gets `-ERR invalid "
               "cursor`); COUNT is capped at 2^20 fields per call, and fields come in byte "
               "order"}},

};
// clang-format on

}  // namespace

std::span<const CommandSpec> HashCommands() { return kHashCommands; }

}  // namespace mnemo
