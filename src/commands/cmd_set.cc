// Set commands: SADD, SREM, membership, SMEMBERS, SCARD, SPOP, SRANDMEMBER, SMOVE, the
// intersection / union / difference family and SSCAN, over types/set_type.h.
#include <limits>

#include "commands/arg_parse.h"
#include "commands/command.h"
#include "config/config.h"
#include "types/set_type.h"

namespace mnemo {
namespace {

std::vector<std::string_view> ArgViews(CommandContext& ctx, size_t from, size_t to) {
  return std::vector<std::string_view>(ctx.args.begin() + static_cast<long>(from),
                                       ctx.args.begin() + static_cast<long>(to));
}
std::vector<std::string_view> ArgViews(CommandContext& ctx, size_t from) {
  return ArgViews(ctx, from, ctx.argc());
}

int64_t MaxReplyBytes(CommandContext& ctx) {
  return ctx.server.config().proto_max_bulk_len.load(std::memory_order_relaxed);
}

Status ReplyLimitError(int64_t limit) {
  return Status::InvalidArgument("the reply would exceed proto-max-bulk-len (" +
                                 std::to_string(limit) + " bytes)");
}

// Members gathered into a body of their own and sent behind one header once counted: the
// count is known only at the end (reads of a set take no lock, so the metadata's size need not
// match what one iterator sees). Stops, as a refused reply, when the body would pass the memory
// limit (ServerApi::ReplyFits) or `max_bytes`.
class MemberReply {
 public:
  explicit MemberReply(CommandContext& ctx, int64_t max_bytes = -1)
      : ctx_(ctx), body_reply_(&body_, ctx.reply.version()), max_bytes_(max_bytes) {}

  bool Add(std::string_view member) {
    size_t need = body_.size() + member.size() + 24;  // "$<len>\r\n" and "\r\n"
    if (max_bytes_ >= 0 && need > static_cast<size_t>(max_bytes_)) {
      over_max_ = true;
      return false;
    }
    // The body's growth, and the copy into the reply after it.
    if (need > kLargeReplyBytes && need > body_.capacity() &&
        !ctx_.server.ReplyFits(2 * std::max(need, 2 * body_.capacity()))) {
      too_large_ = true;
      return false;
    }
    body_reply_.Bulk(member);
    count_++;
    return true;
  }
  MemberSink Sink() {
    return [this](std::string_view m) { return Add(m); };
  }
  Status Send(bool as_set) {
    if (over_max_) return ReplyLimitError(max_bytes_);
    if (too_large_) return ReplyTooLargeError(body_.size());
    if (as_set) {
      ctx_.reply.SetHeader(count_);
    } else {
      ctx_.reply.ArrayHeader(count_);
    }
    ctx_.reply.Raw(body_);
    return Status::OK();
  }

 private:
  CommandContext& ctx_;
  std::string body_;
  Reply body_reply_;
  int64_t max_bytes_;
  size_t count_ = 0;
  bool too_large_ = false;
  bool over_max_ = false;
};

Status ReplyInteger(CommandContext& ctx, const StatusOr<int64_t>& n) {
  if (!n.ok()) return n.status();
  ctx.reply.Integer(*n);
  return Status::OK();
}

// `event` for a write that changed `n` members of `key`, then "del" when `removing` emptied it.
void NotifyChange(CommandContext& ctx, const StatusOr<int64_t>& n, const char* event,
                  std::string_view key, bool removing) {
  if (!n.ok() || *n <= 0) return;
  ctx.Notify(kNotifySet, event, key);
  if (removing) NotifyIfDeleted(ctx, key);
}

Status CmdSAdd(CommandContext& ctx) {
  auto n = SetType(&ctx.db).Add(ctx.args[1], ArgViews(ctx, 2));
  NotifyChange(ctx, n, "sadd", ctx.args[1], false);
  return ReplyInteger(ctx, n);
}

Status CmdSRem(CommandContext& ctx) {
  auto n = SetType(&ctx.db).Remove(ctx.args[1], ArgViews(ctx, 2));
  NotifyChange(ctx, n, "srem", ctx.args[1], true);
  return ReplyInteger(ctx, n);
}

Status CmdSIsMember(CommandContext& ctx) {
  auto r = SetType(&ctx.db).IsMember(ctx.args[1], ctx.args[2]);
  if (!r.ok()) return r.status();
  ctx.reply.Integer(*r ? 1 : 0);
  return Status::OK();
}

Status CmdSMIsMember(CommandContext& ctx) {
  auto r = SetType(&ctx.db).AreMembers(ctx.args[1], ArgViews(ctx, 2));
  if (!r.ok()) return r.status();
  ctx.reply.ArrayHeader(r->size());
  for (bool b : *r) ctx.reply.Integer(b ? 1 : 0);
  return Status::OK();
}

Status CmdSCard(CommandContext& ctx) {
  return ReplyInteger(ctx, SetType(&ctx.db).Card(ctx.args[1]));
}

Status CmdSMembers(CommandContext& ctx) {
  MemberReply out(ctx);
  Status s = SetType(&ctx.db).Members(ctx.args[1], out.Sink());
  if (!s.ok()) return s;
  return out.Send(/*as_set=*/true);
}

Status CmdSPop(CommandContext& ctx) {
  if (ctx.argc() > 3) return SyntaxError();
  uint64_t count = 1;
  if (ctx.argc() == 3) {
    auto n = ParseInt64(ctx.args[2]);
    if (!n || *n < 0) return Status::InvalidArgument("value is out of range, must be positive");
    count = static_cast<uint64_t>(*n);
  }
  auto r = SetType(&ctx.db).Pop(ctx.args[1], count);
  if (!r.ok()) return r.status();
  NotifyChange(ctx, static_cast<int64_t>(r->size()), "spop", ctx.args[1], true);
  if (ctx.argc() == 2) {
    if (r->empty()) {
      ctx.reply.Null();
    } else {
      ctx.reply.Bulk(r->front());
    }
    return Status::OK();
  }
  ctx.reply.SetHeader(r->size());
  for (const std::string& m : *r) ctx.reply.Bulk(m);
  return Status::OK();
}

Status CmdSRandMember(CommandContext& ctx) {
  if (ctx.argc() > 3) return SyntaxError();
  SetType sets(&ctx.db);
  if (ctx.argc() == 2) {
    std::optional<std::string> one;
    Status s = sets.RandMembers(ctx.args[1], 1, [&](std::string_view m) {
      one.emplace(m);
      return false;
    });
    if (!s.ok()) return s;
    if (one) {
      ctx.reply.Bulk(*one);
    } else {
      ctx.reply.Null();
    }
    return Status::OK();
  }
  auto n = ArgInt(ctx.args[2]);
  if (!n.ok()) return n.status();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  if (*n < -kMax) {
    return Status::InvalidArgument("value is out of range, value must between " +
                                   std::to_string(-kMax) + " and " + std::to_string(kMax));
  }
  // A negative count is the reply's length, whatever the set holds: refused up front when even
  // empty members ("$0\r\n\r\n") would pass the limit (a missing key still answers empty),
  // and stopped when the members do.
  int64_t limit = MaxReplyBytes(ctx);
  if (*n < 0 && -*n > limit / 6) {
    auto card = sets.Card(ctx.args[1]);
    if (!card.ok()) return card.status();
    if (*card > 0) return ReplyLimitError(limit);
    ctx.reply.ArrayHeader(0);
    return Status::OK();
  }
  MemberReply out(ctx, limit);
  Status s = sets.RandMembers(ctx.args[1], *n, out.Sink());
  if (!s.ok()) return s;
  return out.Send(/*as_set=*/false);
}

Status CmdSMove(CommandContext& ctx) {
  auto r = SetType(&ctx.db).Move(ctx.args[1], ctx.args[2], ctx.args[3]);
  if (!r.ok()) return r.status();
  NotifyChange(ctx, *r ? 1 : 0, "srem", ctx.args[1], true);
  NotifyChange(ctx, *r ? 1 : 0, "sadd", ctx.args[2], false);
  ctx.reply.Integer(*r ? 1 : 0);
  return Status::OK();
}

Status Combine(CommandContext& ctx, SetOp op) {
  MemberReply out(ctx);
  Status s = SetType(&ctx.db).Combine(op, ArgViews(ctx, 1), out.Sink());
  if (!s.ok()) return s;
  return out.Send(/*as_set=*/true);
}

Status CmdSInter(CommandContext& ctx) { return Combine(ctx, SetOp::kInter); }
Status CmdSUnion(CommandContext& ctx) { return Combine(ctx, SetOp::kUnion); }
Status CmdSDiff(CommandContext& ctx) { return Combine(ctx, SetOp::kDiff); }

Status Store(CommandContext& ctx, SetOp op) {
  static const char* const kEvents[] = {"sinterstore", "sunionstore", "sdiffstore"};
  auto n = SetType(&ctx.db).Store(op, ctx.args[1], ArgViews(ctx, 2));
  NotifyChange(ctx, n,
               kEvents[op == SetOp::kInter   ? 0
                       : op == SetOp::kUnion ? 1
                                             : 2],
               ctx.args[1], false);
  return ReplyInteger(ctx, n);
}

Status CmdSInterStore(CommandContext& ctx) { return Store(ctx, SetOp::kInter); }
Status CmdSUnionStore(CommandContext& ctx) { return Store(ctx, SetOp::kUnion); }
Status CmdSDiffStore(CommandContext& ctx) { return Store(ctx, SetOp::kDiff); }

Status CmdSInterCard(CommandContext& ctx) {
  auto numkeys = ParseInt64(ctx.args[1]);
  if (!numkeys || *numkeys < 1) return Status::InvalidArgument("numkeys should be greater than 0");
  if (*numkeys > static_cast<int64_t>(ctx.argc()) - 2) {
    return Status::InvalidArgument("Number of keys can't be greater than number of args");
  }
  size_t end = 2 + static_cast<size_t>(*numkeys);
  uint64_t limit = 0;
  for (size_t i = end; i < ctx.argc(); i++) {
    if (!EqualsIgnoreCase(ctx.args[i], "limit") || i + 1 >= ctx.argc()) return SyntaxError();
    auto l = ParseInt64(ctx.args[++i]);
    if (!l || *l < 0) return Status::InvalidArgument("LIMIT can't be negative");
    limit = static_cast<uint64_t>(*l);
  }
  return ReplyInteger(ctx, SetType(&ctx.db).InterCard(ArgViews(ctx, 2, end), limit));
}

Status CmdSScan(CommandContext& ctx) {
  auto cursor = ParseUint64(ctx.args[2]);
  if (!cursor) return Status::InvalidArgument("invalid cursor");
  SetType sets(&ctx.db);
  auto card = sets.Card(ctx.args[1]);
  if (!card.ok()) return card.status();
  std::string pattern;
  size_t count = 10;
  if (*card > 0) {
    Status s = ParseElementScanOptions(ctx.args, 3, &pattern, &count);
    if (!s.ok()) return s;
  }
  std::optional<std::string> after;
  if (*cursor != 0) {
    auto last = ctx.server.LoadCursor(*cursor);
    if (!last.ok()) return last.status();
    after = std::move(*last);
  }
  auto r = sets.Scan(ctx.args[1], after ? &*after : nullptr, pattern, count);
  if (!r.ok()) return r.status();
  uint64_t next = r->more ? ctx.server.SaveCursor(std::move(r->last)) : 0;
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(std::to_string(next));
  ctx.reply.BulkArray(r->members);
  return Status::OK();
}

constexpr uint32_t kW = kCmdWrite | kCmdWriteContext;
constexpr uint32_t kR = kCmdReadOnly;

constexpr const char* kRandomComplexity =
    "Without the count argument O(1) for sets up to 512 members (read in one pass: O(N)) and "
    "O(log(N)) above; with a count, O(N) up to 512 members or when the count is N/4 or more, "
    "otherwise O(count*log(N))";
constexpr const char* kRandomNote =
    "members are stored in byte order, with no random access: sets up to 512 members, and counts "
    "of a quarter of the set or more, are sampled exactly in one pass (uniform); larger sets by "
    "point reads of random strings made from the bytes the members at the set's two ends have "
    "at each position, while those hit often enough (uniform over the members of one "
    "fixed-width alphabet such as `element:000000012345`, gaps or not), else by a random seek "
    "between the least and greatest member byte by byte, which is uniform for fixed-width "
    "members and favours members after wide gaps otherwise";

// One row per command, its CommandDoc below it.
// clang-format off
const CommandSpec kSetCommands[] = {
    {"sadd", -3, kW | kCmdDenyOOM | kCmdFast, 1, 1, 1, CmdSAdd, "set",
     "Add one or more members to a set",
     {.since = "1.0.0",
      .complexity = "O(1) for each element added, so O(N) to add N elements when the command is "
                    "called with multiple arguments.",
      .args = "key:key member...",
      .acl = "@write @set @fast",
      .keys = "RW insert index:1 range:0,1,0"}},
    {"srem", -3, kW | kCmdFast, 1, 1, 1, CmdSRem, "set", "Remove one or more members from a set",
     {.since = "1.0.0",
      .complexity = "O(N) where N is the number of members to be removed.",
      .args = "key:key member...",
      .acl = "@write @set @fast",
      .keys = "RW delete index:1 range:0,1,0"}},
    {"sismember", 3, kR | kCmdFast, 1, 1, 1, CmdSIsMember, "set",
     "Determine if a given value is a member of a set",
     {.since = "1.0.0",
      .complexity = "O(1)",
      .args = "key:key member",
      .acl = "@read @set @fast",
      .keys = "RO index:1 range:0,1,0"}},
    {"smismember", -3, kR | kCmdFast, 1, 1, 1, CmdSMIsMember, "set",
     "Returns the membership associated with the given elements for a set",
     {.since = "6.2.0",
      .complexity = "O(N) where N is the number of elements being checked for membership",
      .args = "key:key member...",
      .acl = "@read @set @fast",
      .keys = "RO access index:1 range:0,1,0"}},
    {"smembers", 2, kR, 1, 1, 1, CmdSMembers, "set", "Get all the members in a set",
     {.since = "1.0.0",
      .complexity = "O(N) where N is the set cardinality.",
      .args = "key:key",
      .acl = "@read @set @slow",
      .keys = "RO access index:1 range:0,1,0",
      .tips = "nondeterministic_output_order"}},
    {"scard", 2, kR | kCmdFast, 1, 1, 1, CmdSCard, "set", "Get the number of members in a set",
     {.since = "1.0.0",
      .complexity = "O(1)",
      .args = "key:key",
      .acl = "@read @set @fast",
      .keys = "RO index:1 range:0,1,0"}},
    {"spop", -2, kW | kCmdFast, 1, 1, 1, CmdSPop, "set",
     "Remove and return one or multiple random members from a set",
     {.since = "1.0.0",
      .complexity = kRandomComplexity,
      .args = "key:key [count:integer@3.2.0]",
      .acl = "@write @set @fast",
      .keys = "RW access delete index:1 range:0,1,0",
      .tips = "nondeterministic_output",
      .notes = kRandomNote}},
    {"srandmember", -2, kR, 1, 1, 1, CmdSRandMember, "set",
     "Get one or multiple random members from a set",
     {.since = "1.0.0",
      .complexity = kRandomComplexity,
      .args = "key:key [count:integer@2.6.0]",
      .acl = "@read @set @slow",
      .keys = "RO access index:1 range:0,1,0",
      .tips = "nondeterministic_output",
      .notes = "sampled as `SPOP`; a negative count whose reply would pass proto-max-bulk-len "
               "(even of empty members) is refused with an error instead of being built"}},
    {"smove", 4, kW | kCmdFast, 1, 2, 1, CmdSMove, "set", "Move a member from one set to another",
     {.since = "1.0.0",
      .complexity = "O(1)",
      .args = "source:key destination:key member",
      .acl = "@write @set @fast",
      .keys = "RW access delete index:1 range:0,1,0 ; RW insert index:2 range:0,1,0"}},
    {"sinter", -2, kR, 1, -1, 1, CmdSInter, "set", "Intersect multiple sets",
     {.since = "1.0.0",
      .complexity = "O(N*M) worst case where N is the cardinality of the smallest set and M is "
                    "the number of sets.",
      .args = "key:key...",
      .acl = "@read @set @slow",
      .keys = "RO access index:1 range:-1,1,0",
      .tips = "nondeterministic_output_order",
      .notes = "the keys are read one after the other, not at one instant (as every read of "
               "several sets here)"}},
    {"sintercard", -3, kR, 0, 0, 0, CmdSInterCard, "set",
     "Intersect multiple sets and return the cardinality of the result",
     {.since = "7.0.0",
      .complexity = "O(N*M) worst case where N is the cardinality of the smallest set and M is "
                    "the number of sets.",
      .args = "numkeys:integer key:key... [LIMIT limit:integer]",
      .acl = "@read @set @slow",
      .keys = "RO access index:1 keynum:0,1,1"}},
    {"sunion", -2, kR, 1, -1, 1, CmdSUnion, "set", "Add multiple sets",
     {.since = "1.0.0",
      .complexity = "O(N*log(M)) where N is the total number of elements in all given sets and "
                    "M the number of sets (a merge of their ordered members)",
      .args = "key:key...",
      .acl = "@read @set @slow",
      .keys = "RO access index:1 range:-1,1,0",
      .tips = "nondeterministic_output_order"}},
    {"sdiff", -2, kR, 1, -1, 1, CmdSDiff, "set", "Subtract multiple sets",
     {.since = "1.0.0",
      .complexity = "O(N*M) where N is the cardinality of the first set and M the number of "
                    "sets (a point read in each other set per member of the first)",
      .args = "key:key...",
      .acl = "@read @set @slow",
      .keys = "RO access index:1 range:-1,1,0",
      .tips = "nondeterministic_output_order"}},
    {"sinterstore", -3, kW | kCmdDenyOOM, 1, -1, 1, CmdSInterStore, "set",
     "Intersect multiple sets and store the resulting set in a key",
     {.since = "1.0.0",
      .complexity = "O(N*M) worst case where N is the cardinality of the smallest set and M is "
                    "the number of sets.",
      .args = "destination:key key:key...",
      .acl = "@write @set @slow",
      .keys = "RW update index:1 range:0,1,0 ; RO access index:2 range:-1,1,0"}},
    {"sunionstore", -3, kW | kCmdDenyOOM, 1, -1, 1, CmdSUnionStore, "set",
     "Add multiple sets and store the resulting set in a key",
     {.since = "1.0.0",
      .complexity = "O(N*log(M)) where N is the total number of elements in all given sets and "
                    "M the number of sets",
      .args = "destination:key key:key...",
      .acl = "@write @set @slow",
      .keys = "OW update index:1 range:0,1,0 ; RO access index:2 range:-1,1,0"}},
    {"sdiffstore", -3, kW | kCmdDenyOOM, 1, -1, 1, CmdSDiffStore, "set",
     "Subtract multiple sets and store the resulting set in a key",
     {.since = "1.0.0",
      .complexity = "O(N*M) where N is the cardinality of the first set and M the number of "
                    "sets",
      .args = "destination:key key:key...",
      .acl = "@write @set @slow",
      .keys = "OW update index:1 range:0,1,0 ; RO access index:2 range:-1,1,0"}},
    {"sscan", -3, kR, 1, 1, 1, CmdSScan, "set", "Incrementally iterate Set elements",
     {.since = "2.8.0",
      .complexity = "O(1) for every call. O(N) for a complete iteration, including enough command "
                    "calls for the cursor to return back to 0. N is the number of elements inside "
                    "the collection..",
      .args = "key:key cursor:integer [MATCH pattern:pattern] [COUNT count:integer]",
      .acl = "@read @set @slow",
      .keys = "RO access index:1 range:0,1,0",
      .tips = "nondeterministic_output",
      .notes = "members come in byte order; the cursor names the last member returned (a ring "
               "of cursors shared with `SCAN`), so each member present for the whole iteration "
               "is returned exactly once"}},

};
// clang-format on

}  // namespace

std::span<const CommandSpec> SetCommands() { return kSetCommands; }

}  // namespace mnemo
