// The blocking list commands: BLPOP, BRPOP, BLMOVE, BRPOPLPUSH and BLMPOP (their rows are in
// cmd_list.cc's table). Each first tries the non-blocking form holding its keys' stripes, and
// when there is nothing to pop hands the server what to do once a key is written
// (ServerApi::Block, server/blocking.h), still holding them so that no push slips in between.
#include "commands/arg_parse.h"
#include "commands/list_reply.h"

namespace mnemo {

using End = ListType::End;

namespace {

bool IsWrongType(const Status& s) { return s.code() == Status::WrongType().code(); }

// A waiter's serve (BlockRequest::serve) over `try_serve`: a key of another type keeps it waiting.
template <typename Fn>
std::function<StatusOr<bool>(CommandContext&, std::string_view)> KeepWaitingOnWrongType(Fn fn) {
  return [fn](CommandContext& c, std::string_view key) -> StatusOr<bool> {
    StatusOr<bool> r = fn(c, key);
    if (!r.ok() && IsWrongType(r.status())) return false;
    return r;
  };
}

// BLPOP/BRPOP's reply: [key, element] of one pop from the first of `keys` that exists.
StatusOr<bool> TryPopOneReply(CommandContext& ctx, const std::vector<std::string_view>& keys,
                              End end) {
  std::string element;
  size_t popped = 0;
  auto n = ListType(&ctx.db).PopFirst(keys, end, 1, &popped, [&](std::string_view v) {
    element.assign(v);
    return true;
  });
  if (n.status().IsNotFound()) return false;
  if (!n.ok()) return n.status();
  // Redis's events of the pop, whether served at once or later: "lpop"/"rpop", "del" if emptied.
  ctx.Notify(kNotifyList, end == End::kLeft ? "lpop" : "rpop", keys[popped]);
  NotifyIfDeleted(ctx, keys[popped]);
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(keys[popped]);
  ctx.reply.Bulk(element);
  return true;
}

// Blocks with `req` unless `served` says the handler already replied (or failed).
Status BlockUnlessServed(CommandContext& ctx, const StatusOr<bool>& served, BlockRequest req) {
  if (!served.ok()) return served.status();
  if (*served) return Status::OK();
  ctx.server.Block(ctx, std::move(req));
  return Status::OK();
}

Status BlockingPop(CommandContext& ctx, End end) {
  auto timeout = ArgBlockTimeout(ctx.args.back());
  if (!timeout.ok()) return timeout.status();
  std::vector<std::string_view> keys(ctx.args.begin() + 1, ctx.args.end() - 1);
  ctx.db.Lock(keys);  // held until the wait is registered: no push slips in between
  BlockRequest req;
  req.keys.assign(keys.begin(), keys.end());
  req.timeout_ms = *timeout;
  req.serve = KeepWaitingOnWrongType(
      [end](CommandContext& c, std::string_view key) { return TryPopOneReply(c, {key}, end); });
  return BlockUnlessServed(ctx, TryPopOneReply(ctx, keys, end), std::move(req));
}

}  // namespace

Status CmdBLPop(CommandContext& ctx) { return BlockingPop(ctx, End::kLeft); }
Status CmdBRPop(CommandContext& ctx) { return BlockingPop(ctx, End::kRight); }

Status CmdBLMPop(CommandContext& ctx) {
  auto a = ParseMPop(ctx, 2);
  if (!a.ok()) return a.status();
  auto timeout = ArgBlockTimeout(ctx.args[1]);
  if (!timeout.ok()) return timeout.status();
  ctx.db.Lock(a->keys);
  BlockRequest req;
  req.keys.assign(a->keys.begin(), a->keys.end());
  req.timeout_ms = *timeout;
  req.serve = KeepWaitingOnWrongType(
      [end = a->end, count = a->count](CommandContext& c, std::string_view key) {
        return TryPopReply(c, {key}, end, count, true);
      });
  return BlockUnlessServed(ctx, TryPopReply(ctx, a->keys, a->end, a->count, true), std::move(req));
}

namespace {

// LMOVE from `src` to `dst` replying the element; false when `src` holds no list.
StatusOr<bool> TryMoveReply(CommandContext& ctx, std::string_view src, std::string_view dst,
                            End from, End to) {
  std::string element;
  auto moved = ListType(&ctx.db).Move(src, dst, from, to, &element);
  if (!moved.ok()) return moved.status();
  if (!*moved) return false;
  // LMOVE's events, in Redis's order: the push to `dst`, the pop from `src`, "del" if emptied.
  ctx.Notify(kNotifyList, to == End::kLeft ? "lpush" : "rpush", dst);
  ctx.Notify(kNotifyList, from == End::kLeft ? "lpop" : "rpop", src);
  NotifyIfDeleted(ctx, src);
  ctx.reply.Bulk(element);
  return true;
}

Status BlockingMove(CommandContext& ctx, End from, End to, std::string_view timeout_arg) {
  auto timeout = ArgBlockTimeout(timeout_arg);
  if (!timeout.ok()) return timeout.status();
  std::string_view src = ctx.args[1], dst = ctx.args[2];
  BlockRequest req;
  req.keys = {std::string(src)};
  req.destination = dst;
  req.timeout_ms = *timeout;
  req.null_array = false;
  // Woken: a source of another type keeps it waiting; a destination of another type is its
  // WRONGTYPE error (Redis's order).
  req.serve = [dst = std::string(dst), from, to](CommandContext& c,
                                                 std::string_view key) -> StatusOr<bool> {
    auto rec = c.db.GetRecordOfType(key, DataType::kList);
    if (rec.status().IsNotFound() || IsWrongType(rec.status())) return false;
    if (!rec.ok()) return rec.status();
    return TryMoveReply(c, key, dst, from, to);
  };
  // Move takes both stripes and holds them until the wait is registered.
  return BlockUnlessServed(ctx, TryMoveReply(ctx, src, dst, from, to), std::move(req));
}

}  // namespace

Status CmdBLMove(CommandContext& ctx) {
  auto from = ArgEnd(ctx.args[3]);
  if (!from.ok()) return from.status();
  auto to = ArgEnd(ctx.args[4]);
  if (!to.ok()) return to.status();
  return BlockingMove(ctx, *from, *to, ctx.args[5]);
}

Status CmdBRPopLPush(CommandContext& ctx) {
  return BlockingMove(ctx, End::kRight, End::kLeft, ctx.args[3]);
}

}  // namespace mnemo
