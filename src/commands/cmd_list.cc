// List commands: pushes and pops at both ends, ranges, positions, LINSERT/LREM/LTRIM, LMOVE and
// LMPOP (types/list_type.h); the family's table, with the blocking variants of
// cmd_list_blocking.cc.
#include "commands/arg_parse.h"
#include "commands/list_reply.h"

namespace mnemo {

using End = ListType::End;

// LEFT | RIGHT, or a syntax error.
StatusOr<End> ArgEnd(std::string_view arg) {
  std::string w = ToLower(arg);
  if (w == "left") return End::kLeft;
  if (w == "right") return End::kRight;
  return SyntaxError();
}

namespace {

// Redis's "value is out of range, must be positive" and kin: a non-negative integer or `msg`.
StatusOr<int64_t> ArgNonNegative(std::string_view arg, const char* msg) {
  auto v = ParseInt64(arg);
  if (!v || *v < 0) return Status::InvalidArgument(msg);
  return *v;
}

// An array reply whose length is known once its elements are written (Redis's deferred length):
// elements go straight into the reply, each checked with ReplyCanGrow, and the header is put in
// front at the end. On failure everything written is taken back.
class DeferredArray {
 public:
  explicit DeferredArray(CommandContext& ctx)
      : ctx_(ctx), out_(*ctx.reply.buffer()), start_(out_.size()) {}
  // False when the reply may not grow by this element (the caller then stops).
  bool Add(std::string_view element) {
    constexpr size_t kBulkHeader = 16;  // "$<len>\r\n" and the closing "\r\n"
    if (!ReplyCanGrow(ctx_, element.size() + kBulkHeader)) return false;
    ctx_.reply.Bulk(element);
    count_++;
    return true;
  }
  void AddInteger(int64_t v) {
    ctx_.reply.Integer(v);
    count_++;
  }
  // Puts the header in front; returns `s` (with a stop turned into the -OOM reply error), having
  // taken back what was written when it is not OK.
  Status Finish(Status s) {
    if (!s.ok()) {
      size_t built = out_.size() - start_;
      out_.resize(start_);
      return ListType::IsStopped(s) ? ReplyTooLargeError(built) : s;
    }
    std::string body = out_.substr(start_);
    out_.resize(start_);
    ctx_.reply.ArrayHeader(count_);
    out_.append(body);
    return Status::OK();
  }
  size_t count() const { return count_; }

 private:
  CommandContext& ctx_;
  std::string& out_;
  size_t start_;
  size_t count_ = 0;
};

Status Push(CommandContext& ctx, End end, bool only_existing) {
  std::vector<std::string_view> elements(ctx.args.begin() + 2, ctx.args.end());
  auto n = ListType(&ctx.db).Push(ctx.args[1], elements, end, only_existing);
  if (!n.ok()) return n.status();
  if (*n > 0) ctx.Notify(kNotifyList, end == End::kLeft ? "lpush" : "rpush", ctx.args[1]);
  ctx.reply.Integer(*n);
  return Status::OK();
}

Status CmdLPush(CommandContext& ctx) { return Push(ctx, End::kLeft, false); }
Status CmdRPush(CommandContext& ctx) { return Push(ctx, End::kRight, false); }
Status CmdLPushX(CommandContext& ctx) { return Push(ctx, End::kLeft, true); }
Status CmdRPushX(CommandContext& ctx) { return Push(ctx, End::kRight, true); }

// A pop's events: "lpop"/"rpop", then "del" when the list is gone.
void NotifyPop(CommandContext& ctx, std::string_view key, End end) {
  ctx.Notify(kNotifyList, end == End::kLeft ? "lpop" : "rpop", key);
  NotifyIfDeleted(ctx, key);
}

}  // namespace

// Pops up to `count` from `end` of keys (the first that exists), replying as LMPOP does when
// `keyed`, else as LPOP with a count. False, with nothing written, when no key exists.
StatusOr<bool> TryPopReply(CommandContext& ctx, const std::vector<std::string_view>& keys, End end,
                           int64_t count, bool keyed) {
  std::string& out = *ctx.reply.buffer();
  size_t start = out.size();
  if (keyed) ctx.reply.ArrayHeader(2);
  size_t key_at = out.size();
  DeferredArray array(ctx);
  size_t popped = 0;
  auto n = ListType(&ctx.db).PopFirst(keys, end, count, &popped,
                                      [&](std::string_view v) { return array.Add(v); });
  if (n.status().IsNotFound()) {
    out.resize(start);
    return false;
  }
  Status s = array.Finish(n.status());
  if (!s.ok()) {
    out.resize(start);
    return s;
  }
  NotifyPop(ctx, keys[popped], end);
  if (keyed) {  // the key's name goes before the elements
    std::string elements = out.substr(key_at);
    out.resize(key_at);
    ctx.reply.Bulk(keys[popped]);
    out.append(elements);
  }
  return true;
}

StatusOr<MPopArgs> ParseMPop(CommandContext& ctx, size_t numkeys_at) {
  auto numkeys = ParseInt64(ctx.args[numkeys_at]);
  if (!numkeys || *numkeys <= 0) {
    return Status::InvalidArgument("numkeys should be greater than 0");
  }
  if (*numkeys > static_cast<int64_t>(ctx.argc() - numkeys_at) - 2) return SyntaxError();
  size_t where_at = numkeys_at + 1 + static_cast<size_t>(*numkeys);
  MPopArgs a;
  auto end = ArgEnd(ctx.args[where_at]);
  if (!end.ok()) return end.status();
  a.end = *end;
  int64_t count = -1;
  for (size_t i = where_at + 1; i < ctx.argc(); i++) {
    if (count != -1 || ToLower(ctx.args[i]) != "count" || i + 1 >= ctx.argc()) {
      return SyntaxError();
    }
    auto c = ParseInt64(ctx.args[++i]);
    if (!c || *c <= 0) return Status::InvalidArgument("count should be greater than 0");
    count = *c;
  }
  if (count != -1) a.count = count;
  a.keys.assign(ctx.args.begin() + numkeys_at + 1, ctx.args.begin() + where_at);
  return a;
}

namespace {

Status PopReply(CommandContext& ctx, const std::vector<std::string_view>& keys, End end,
                int64_t count, bool keyed) {
  auto popped = TryPopReply(ctx, keys, end, count, keyed);
  if (!popped.ok()) return popped.status();
  if (!*popped) ctx.reply.NullArray();
  return Status::OK();
}

Status Pop(CommandContext& ctx, End end) {
  if (ctx.argc() > 3) return WrongArgsError(ctx.args[0]);
  if (ctx.argc() == 3) {
    auto count = ArgNonNegative(ctx.args[2], "value is out of range, must be positive");
    if (!count.ok()) return count.status();
    return PopReply(ctx, {ctx.args[1]}, end, *count, false);
  }
  std::string element;
  auto n = ListType(&ctx.db).Pop(ctx.args[1], end, 1, [&](std::string_view v) {
    element.assign(v);
    return true;
  });
  if (n.status().IsNotFound()) {
    ctx.reply.Null();
    return Status::OK();
  }
  if (!n.ok()) return n.status();
  NotifyPop(ctx, ctx.args[1], end);
  ctx.reply.Bulk(element);
  return Status::OK();
}

Status CmdLPop(CommandContext& ctx) { return Pop(ctx, End::kLeft); }
Status CmdRPop(CommandContext& ctx) { return Pop(ctx, End::kRight); }

Status CmdLLen(CommandContext& ctx) {
  auto n = ListType(&ctx.db).Len(ctx.args[1]);
  if (!n.ok()) return n.status();
  ctx.reply.Integer(*n);
  return Status::OK();
}

Status CmdLRange(CommandContext& ctx) {
  auto start = ArgInt(ctx.args[2]);
  if (!start.ok()) return start.status();
  auto stop = ArgInt(ctx.args[3]);
  if (!stop.ok()) return stop.status();
  DeferredArray array(ctx);
  return array.Finish(ListType(&ctx.db).Range(ctx.args[1], *start, *stop,
                                              [&](std::string_view v) { return array.Add(v); }));
}

// LINDEX and LSET look the key up before they parse the index (Redis's order of errors): the
// index's error only for a list that exists.
Status IndexError(CommandContext& ctx, const Status& index_error, bool missing_is_error) {
  auto n = ListType(&ctx.db).Len(ctx.args[1]);
  if (!n.ok()) return n.status();
  if (*n == 0) {
    if (missing_is_error) return Status::InvalidArgument("no such key");
    ctx.reply.Null();
    return Status::OK();
  }
  return index_error;
}

Status CmdLIndex(CommandContext& ctx) {
  auto index = ArgInt(ctx.args[2]);
  if (!index.ok()) return IndexError(ctx, index.status(), false);
  std::string v;
  Status s = ListType(&ctx.db).Index(ctx.args[1], *index, &v);
  if (s.IsNotFound()) {
    ctx.reply.Null();
    return Status::OK();
  }
  if (!s.ok()) return s;
  ctx.reply.Bulk(v);
  return Status::OK();
}

Status CmdLSet(CommandContext& ctx) {
  auto index = ArgInt(ctx.args[2]);
  if (!index.ok()) return IndexError(ctx, index.status(), true);
  Status s = ListType(&ctx.db).Set(ctx.args[1], *index, ctx.args[3]);
  if (s.IsNotFound()) return Status::InvalidArgument("no such key");
  if (!s.ok()) return s;
  ctx.Notify(kNotifyList, "lset", ctx.args[1]);
  ctx.reply.Ok();
  return Status::OK();
}

Status CmdLInsert(CommandContext& ctx) {
  std::string where = ToLower(ctx.args[2]);
  if (where != "before" && where != "after") return SyntaxError();
  auto n = ListType(&ctx.db).Insert(ctx.args[1], where == "before", ctx.args[3], ctx.args[4]);
  if (!n.ok()) return n.status();
  if (*n > 0) ctx.Notify(kNotifyList, "linsert", ctx.args[1]);
  ctx.reply.Integer(*n);
  return Status::OK();
}

Status CmdLRem(CommandContext& ctx) {
  auto count = ArgInt(ctx.args[2]);
  if (!count.ok()) return count.status();
  auto n = ListType(&ctx.db).Remove(ctx.args[1], *count, ctx.args[3]);
  if (!n.ok()) return n.status();
  if (*n > 0) ctx.Notify(kNotifyList, "lrem", ctx.args[1]);
  if (*n > 0) NotifyIfDeleted(ctx, ctx.args[1]);
  ctx.reply.Integer(*n);
  return Status::OK();
}

Status CmdLTrim(CommandContext& ctx) {
  auto start = ArgInt(ctx.args[2]);
  if (!start.ok()) return start.status();
  auto stop = ArgInt(ctx.args[3]);
  if (!stop.ok()) return stop.status();
  bool existed = ExistsForNotify(ctx, ctx.args[1]);
  Status s = ListType(&ctx.db).Trim(ctx.args[1], *start, *stop);
  if (!s.ok()) return s;
  if (existed) ctx.Notify(kNotifyList, "ltrim", ctx.args[1]);
  if (existed) NotifyIfDeleted(ctx, ctx.args[1]);
  ctx.reply.Ok();
  return Status::OK();
}

Status CmdLPos(CommandContext& ctx) {
  int64_t rank = 1, count = -1, maxlen = 0;  // count -1: no COUNT option
  for (size_t i = 3; i < ctx.argc(); i++) {
    std::string opt = ToLower(ctx.args[i]);
    if (i + 1 >= ctx.argc()) return SyntaxError();
    std::string_view value = ctx.args[++i];
    if (opt == "rank") {
      auto r = ArgInt(value);
      if (!r.ok()) return r.status();
      if (*r == 0) {
        return Status::InvalidArgument(
            "RANK can't be zero: use 1 to start from the first match, 2 from the second ... or "
            "use negative to start from the end of the list");
      }
      // Redis 7.0 negates INT64_MIN into itself, which then matches from the first match at
      // the tail: the same as -1.
      rank = *r == std::numeric_limits<int64_t>::min() ? -1 : *r;
    } else if (opt == "count") {
      auto c = ArgNonNegative(value, "COUNT can't be negative");
      if (!c.ok()) return c.status();
      count = *c;
    } else if (opt == "maxlen") {
      auto m = ArgNonNegative(value, "MAXLEN can't be negative");
      if (!m.ok()) return m.status();
      maxlen = *m;
    } else {
      return SyntaxError();
    }
  }
  auto found =
      ListType(&ctx.db).Positions(ctx.args[1], ctx.args[2], rank, count < 0 ? 1 : count, maxlen);
  if (!found.ok()) return found.status();
  if (count < 0) {
    if (found->empty()) {
      ctx.reply.Null();
    } else {
      ctx.reply.Integer(found->front());
    }
    return Status::OK();
  }
  ctx.reply.ArrayHeader(found->size());
  for (int64_t p : *found) ctx.reply.Integer(p);
  return Status::OK();
}

Status Move(CommandContext& ctx, End from, End to) {
  std::string element;
  auto moved = ListType(&ctx.db).Move(ctx.args[1], ctx.args[2], from, to, &element);
  if (!moved.ok()) return moved.status();
  if (*moved) ctx.Notify(kNotifyList, to == End::kLeft ? "lpush" : "rpush", ctx.args[2]);
  if (*moved) NotifyPop(ctx, ctx.args[1], from);
  if (*moved) {
    ctx.reply.Bulk(element);
  } else {
    ctx.reply.Null();
  }
  return Status::OK();
}

Status CmdLMove(CommandContext& ctx) {
  auto from = ArgEnd(ctx.args[3]);
  if (!from.ok()) return from.status();
  auto to = ArgEnd(ctx.args[4]);
  if (!to.ok()) return to.status();
  return Move(ctx, *from, *to);
}

Status CmdRPopLPush(CommandContext& ctx) { return Move(ctx, End::kRight, End::kLeft); }

Status CmdLMPop(CommandContext& ctx) {
  auto a = ParseMPop(ctx, 1);
  if (!a.ok()) return a.status();
  return PopReply(ctx, a->keys, a->end, a->count, true);
}

constexpr uint32_t kW = kCmdWrite | kCmdWriteContext;
constexpr uint32_t kR = kCmdReadOnly;
constexpr const char* kPushComplexity =
    "O(1) for each element added, so O(N) to add N elements when the command is called with "
    "multiple arguments.";

// One row per command, its CommandDoc below it.
// clang-format off
const CommandSpec kListCommands[] = {
    {"lpush", -3, kW | kCmdDenyOOM | kCmdFast, 1, 1, 1, CmdLPush, "list",
     "Prepend one or multiple elements to a list",
     {.since = "1.0.0",
      .complexity = kPushComplexity,
      .args = "key:key element...",
      .acl = "@write @list @fast",
      .keys = "RW insert index:1 range:0,1,0"}},
    {"rpush", -3, kW | kCmdDenyOOM | kCmdFast, 1, 1, 1, CmdRPush, "list",
     "Append one or multiple elements to a list",
     {.since = "1.0.0",
      .complexity = kPushComplexity,
      .args = "key:key element...",
      .acl = "@write @list @fast",
      .keys = "RW insert index:1 range:0,1,0"}},
    {"lpushx", -3, kW | kCmdDenyOOM | kCmdFast, 1, 1, 1, CmdLPushX, "list",
     "Prepend an element to a list, only if the list exists",
     {.since = "2.2.0",
      .complexity = kPushComplexity,
      .args = "key:key element...",
      .acl = "@write @list @fast",
      .keys = "RW insert index:1 range:0,1,0"}},
    {"rpushx", -3, kW | kCmdDenyOOM | kCmdFast, 1, 1, 1, CmdRPushX, "list",
     "Append an element to a list, only if the list exists",
     {.since = "2.2.0",
      .complexity = kPushComplexity,
      .args = "key:key element...",
      .acl = "@write @list @fast",
      .keys = "RW insert index:1 range:0,1,0"}},
    {"lpop", -2, kW | kCmdFast, 1, 1, 1, CmdLPop, "list",
     "Remove and get the first elements in a list",
     {.since = "1.0.0",
      .complexity = "O(N) where N is the number of elements returned",
      .args = "key:key [count:integer@6.2.0]",
      .acl = "@write @list @fast",
      .keys = "RW access delete index:1 range:0,1,0"}},
    {"rpop", -2, kW | kCmdFast, 1, 1, 1, CmdRPop, "list",
     "Remove and get the last elements in a list",
     {.since = "1.0.0",
      .complexity = "O(N) where N is the number of elements returned",
      .args = "key:key [count:integer@6.2.0]",
      .acl = "@write @list @fast",
      .keys = "RW access delete index:1 range:0,1,0"}},
    {"llen", 2, kR | kCmdFast, 1, 1, 1, CmdLLen, "list", "Get the length of a list",
     {.since = "1.0.0",
      .complexity = "O(1)",
      .args = "key:key",
      .acl = "@read @list @fast",
      .keys = "RO index:1 range:0,1,0"}},
    {"lrange", 4, kR, 1, 1, 1, CmdLRange, "list", "Get a range of elements from a list",
     {.since = "1.0.0",
      .complexity = "O(S+N) where S is the distance of start offset from HEAD for small lists, "
                    "from nearest end (HEAD or TAIL) for large lists; and N is the number of "
                    "elements in the specified range.",
      .args = "key:key start:integer stop:integer",
      .acl = "@read @list @slow",
      .keys = "RO access index:1 range:0,1,0",
      .notes = "O(log S + N): the start is one seek"}},
    {"lindex", 3, kR, 1, 1, 1, CmdLIndex, "list", "Get an element from a list by its index",
     {.since = "1.0.0",
      .complexity = "O(N) where N is the number of elements to traverse to get to the element at "
                    "index. This makes asking for the first or the last element of the list "
                    "O(1).",
      .args = "key:key index:integer",
      .acl = "@read @list @slow",
      .keys = "RO access index:1 range:0,1,0",
      .notes = "O(1) at any index"}},
    {"lset", 4, kW | kCmdDenyOOM, 1, 1, 1, CmdLSet, "list",
     "Set the value of an element in a list by its index",
     {.since = "1.0.0",
      .complexity = "O(N) where N is the length of the list. Setting either the first or the "
                    "last element of the list is O(1).",
      .args = "key:key index:integer element",
      .acl = "@write @list @slow",
      .keys = "RW update index:1 range:0,1,0",
      .notes = "O(1) at any index"}},
    {"linsert", 5, kW | kCmdDenyOOM, 1, 1, 1, CmdLInsert, "list",
     "Insert an element before or after another element in a list",
     {.since = "2.2.0",
      .complexity = "O(N) where N is the number of elements to traverse before seeing the value "
                    "pivot. This means that inserting somewhere on the left end on the list "
                    "(head) can be considered O(1) and inserting somewhere on the right end "
                    "(tail) is O(N).",
      .args = "key:key where(BEFORE|AFTER) pivot element",
      .acl = "@write @list @slow",
      .keys = "RW insert index:1 range:0,1,0",
      .notes = "also rewrites the elements on the shorter side of the pivot"}},
    {"lrem", 4, kW, 1, 1, 1, CmdLRem, "list", "Remove elements from a list",
     {.since = "1.0.0",
      .complexity = "O(N+M) where N is the length of the list and M is the number of elements "
                    "removed.",
      .args = "key:key count:integer element",
      .acl = "@write @list @slow",
      .keys = "RW delete index:1 range:0,1,0"}},
    {"ltrim", 4, kW, 1, 1, 1, CmdLTrim, "list", "Trim a list to the specified range",
     {.since = "1.0.0",
      .complexity = "O(N) where N is the number of elements to be removed by the operation.",
      .args = "key:key start:integer stop:integer",
      .acl = "@write @list @slow",
      .keys = "RW delete index:1 range:0,1,0",
      .notes = "O(1) when nothing is kept"}},
    {"lpos", -3, kR, 1, 1, 1, CmdLPos, "list", "Return the index of matching elements on a list",
     {.since = "6.0.6",
      .complexity = "O(N) where N is the number of elements in the list, for the average case. "
                    "When searching for elements near the head or the tail of the list, or when "
                    "the MAXLEN option is provided, the command may run in constant time.",
      .args = "key:key element [RANK rank:integer] [COUNT num-matches:integer] "
              "[MAXLEN len:integer]",
      .acl = "@read @list @slow",
      .keys = "RO access index:1 range:0,1,0"}},
    {"lmove", 5, kW | kCmdDenyOOM, 1, 2, 1, CmdLMove, "list",
     "Pop an element from a list, push it to another list and return it",
     {.since = "6.2.0",
      .complexity = "O(1)",
      .args = "source:key destination:key wherefrom(LEFT|RIGHT) whereto(LEFT|RIGHT)",
      .acl = "@write @list @slow",
      .keys = "RW access delete index:1 range:0,1,0 ; RW insert index:2 range:0,1,0"}},
    {"rpoplpush", 3, kW | kCmdDenyOOM, 1, 2, 1, CmdRPopLPush, "list",
     "Remove the last element in a list, prepend it to another list and return it",
     {.since = "1.2.0",
      .complexity = "O(1)",
      .args = "source:key destination:key",
      .acl = "@write @list @slow",
      .keys = "RW access delete index:1 range:0,1,0 ; RW insert index:2 range:0,1,0",
      .deprecated_since = "6.2.0",
      .replaced_by = "`LMOVE` with the `RIGHT` and `LEFT` arguments"}},
    {"lmpop", -4, kW, 0, 0, 0, CmdLMPop, "list", "Pop elements from a list",
     {.since = "7.0.0",
      .complexity = "O(N+M) where N is the number of provided keys and M is the number of "
                    "elements returned.",
      .args = "numkeys:integer key:key... where(LEFT|RIGHT) [COUNT count:integer]",
      .acl = "@write @list @slow",
      .keys = "RW access delete index:1 keynum:0,1,1"}},
    {"blpop", -3, kW | kCmdNoScript, 1, -2, 1, CmdBLPop, "list",
     "Remove and get the first element in a list, or block until one is available",
     {.since = "2.0.0",
      .complexity = "O(N) where N is the number of provided keys.",
      .args = "key:key... timeout:double",
      .acl = "@write @list @slow @blocking",
      .keys = "RW access delete index:1 range:-2,1,0"}},
    {"brpop", -3, kW | kCmdNoScript, 1, -2, 1, CmdBRPop, "list",
     "Remove and get the last element in a list, or block until one is available",
     {.since = "2.0.0",
      .complexity = "O(N) where N is the number of provided keys.",
      .args = "key:key... timeout:double",
      .acl = "@write @list @slow @blocking",
      .keys = "RW access delete index:1 range:-2,1,0"}},
    {"blmove", 6, kW | kCmdDenyOOM | kCmdNoScript, 1, 2, 1, CmdBLMove, "list",
     "Pop an element from a list, push it to another list and return it; or block until one is "
     "available",
     {.since = "6.2.0",
      .complexity = "O(1)",
      .args = "source:key destination:key wherefrom(LEFT|RIGHT) whereto(LEFT|RIGHT) "
              "timeout:double",
      .acl = "@write @list @slow @blocking",
      .keys = "RW access delete index:1 range:0,1,0 ; RW insert index:2 range:0,1,0",
      .notes = "served by the push that fills the source; when another client holds the "
               "destination's lock just then, the waiter moves the element itself a moment "
               "later, and a third client may take it first (the waiter then waits on)"}},
    {"brpoplpush", 4, kW | kCmdDenyOOM | kCmdNoScript, 1, 2, 1, CmdBRPopLPush, "list",
     "Pop an element from a list, push it to another list and return it; or block until one is "
     "available",
     {.since = "2.2.0",
      .complexity = "O(1)",
      .args = "source:key destination:key timeout:double",
      .acl = "@write @list @slow @blocking",
      .keys = "RW access delete index:1 range:0,1,0 ; RW insert index:2 range:0,1,0",
      .deprecated_since = "6.2.0",
      .replaced_by = "`BLMOVE` with the `RIGHT` and `LEFT` arguments",
      .notes = "as BLMOVE"}},
    {"blmpop", -5, kW, 0, 0, 0, CmdBLMPop, "list",
     "Pop elements from a list, or block until one is available",
     {.since = "7.0.0",
      .complexity = "O(N+M) where N is the number of provided keys and M is the number of "
                    "elements returned.",
      .args = "timeout:double numkeys:integer key:key... where(LEFT|RIGHT) [COUNT count:integer]",
      .acl = "@write @list @slow @blocking",
      .keys = "RW access delete index:2 keynum:0,1,1"}},
};
// clang-format on

}  // namespace

std::span<const CommandSpec> ListCommands() { return kListCommands; }

}  // namespace mnemo
