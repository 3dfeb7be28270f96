// Sorted set commands over several keys: ZRANGESTORE, ZMPOP and the blocking pops (BZPOPMIN,
// BZPOPMAX, BZMPOP: ServerApi::Block), and the set operations ZUNION,
// ZINTER, ZDIFF (with and without STORE) and ZINTERCARD. Inputs are read whole (bounded by the
// data they hold); a key of type set counts as a sorted set with every score 1, as in Redis.
#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "commands/arg_parse.h"
#include "commands/zset_reply.h"

namespace mnemo {

namespace {

enum class SetOp { kUnion, kInter, kDiff };
enum class Aggregate { kSum, kMin, kMax };

struct SetOpArgs {
  std::vector<std::string_view> keys;
  std::vector<std::vector<ZEntry>> inputs;  // one per key, in score order
  std::vector<double> weights;
  Aggregate aggregate = Aggregate::kSum;
  bool withscores = false;
  int64_t limit = 0;  // ZINTERCARD: 0 = none
};

// The keys after args[numkeys_at], with Redis's checks of numkeys.
StatusOr<std::vector<std::string_view>> NumKeys(CommandContext& ctx, size_t numkeys_at) {
  auto n = ArgInt(ctx.args[numkeys_at]);
  if (!n.ok()) return n.status();
  if (*n < 1) {
    return Status::InvalidArgument("at least 1 input key is needed for '" + ToLower(ctx.args[0]) +
                                   "' command");
  }
  if (static_cast<uint64_t>(*n) > ctx.argc() - numkeys_at - 1) return SyntaxError();
  return std::vector<std::string_view>(ctx.args.begin() + numkeys_at + 1,
                                       ctx.args.begin() + numkeys_at + 1 + *n);
}

// Reads the inputs (WRONGTYPE first, as Redis), then the options after the keys.
Status ReadSetOp(CommandContext& ctx, size_t numkeys_at, SetOp op, bool store, bool card_only,
                 SetOpArgs* a) {
  ZSetType zsets(&ctx.db);
  for (auto k : a->keys) {
    auto all = zsets.ReadAll(k, /*allow_set=*/true);
    if (!all.ok()) return all.status();
    a->inputs.push_back(std::move(*all));
  }
  a->weights.assign(a->keys.size(), 1.0);
  size_t j = numkeys_at + 1 + a->keys.size();
  while (j < ctx.argc()) {
    size_t remaining = ctx.argc() - j;
    std::string opt = ToLower(ctx.args[j]);
    bool weighted = op != SetOp::kDiff && !card_only;
    if (weighted && remaining >= a->keys.size() + 1 && opt == "weights") {
      for (size_t i = 0; i < a->keys.size(); i++) {
        auto w = ParseScore(ctx.args[j + 1 + i]);
        if (!w) return Status::InvalidArgument("weight value is not a float");
        a->weights[i] = *w;
      }
      j += a->keys.size() + 1;
    } else if (weighted && remaining >= 2 && opt == "aggregate") {
      std::string how = ToLower(ctx.args[j + 1]);
      if (how == "sum") {
        a->aggregate = Aggregate::kSum;
      } else if (how == "min") {
        a->aggregate = Aggregate::kMin;
      } else if (how == "max") {
        a->aggregate = Aggregate::kMax;
      } else {
        return SyntaxError();
      }
      j += 2;
    } else if (card_only && remaining >= 2 && opt == "limit") {
      auto l = ParseInt64(ctx.args[j + 1]);
      if (!l || *l < 0) return Status::InvalidArgument("LIMIT can't be negative");
      a->limit = *l;
      j += 2;
    } else if (!store && !card_only && opt == "withscores") {
      a->withscores = true;
      j++;
    } else {
      return SyntaxError();
    }
  }
  return Status::OK();
}

double Combine(Aggregate how, double acc, double v) {
  double r;
  switch (how) {
    case Aggregate::kSum:
      r = acc + v;
      break;
    case Aggregate::kMin:
      r = std::min(acc, v);
      break;
    default:
      r = std::max(acc, v);
  }
  return std::isnan(r) ? 0.0 : r;  // inf + -inf counts as 0, as in Redis
}

double Weighted(double score, double weight) {
  double v = score * weight;
  return std::isnan(v) ? 0.0 : v;
}

// The result of the operation, in score order (ties by member). With limit > 0 (ZINTERCARD)
// the intersection stops once it has that many members.
std::vector<ZEntry> Compute(const SetOpArgs& a, SetOp op) {
  std::vector<ZEntry> out;
  if (op == SetOp::kUnion) {
    std::unordered_map<std::string, double> acc;
    for (size_t i = 0; i < a.inputs.size(); i++) {
      for (const ZEntry& e : a.inputs[i]) {
        double v = Weighted(e.score, a.weights[i]);
        auto [it, fresh] = acc.emplace(e.member, v);
        if (!fresh) it->second = Combine(a.aggregate, it->second, v);
      }
    }
    out.reserve(acc.size());
    for (auto& [m, s] : acc) out.push_back({m, s});
  } else {
    std::vector<std::unordered_map<std::string_view, double>> others(a.inputs.size());
    for (size_t i = 1; i < a.inputs.size(); i++) {
      for (const ZEntry& e : a.inputs[i]) others[i].emplace(e.member, e.score);
    }
    for (const ZEntry& e : a.inputs[0]) {
      double v = op == SetOp::kInter ? Weighted(e.score, a.weights[0]) : e.score;
      bool keep = true;
      for (size_t i = 1; i < a.inputs.size() && keep; i++) {
        auto it = others[i].find(e.member);
        bool found = it != others[i].end();
        keep = op == SetOp::kInter ? found : !found;
        if (found && op == SetOp::kInter) {
          v = Combine(a.aggregate, v, Weighted(it->second, a.weights[i]));
        }
      }
      if (!keep) continue;
      out.push_back({e.member, v});
      if (a.limit > 0 && static_cast<int64_t>(out.size()) == a.limit) break;
    }
  }
  for (auto& e : out) e.score += 0.0;  // -0.0 -> 0.0
  std::sort(out.begin(), out.end(), [](const ZEntry& x, const ZEntry& y) {
    return x.score < y.score || (x.score == y.score && x.member < y.member);
  });
  return out;
}

Status SetOpCommand(CommandContext& ctx, SetOp op, bool store, bool card_only = false) {
  size_t numkeys_at = store ? 2 : 1;
  SetOpArgs a;
  auto keys = NumKeys(ctx, numkeys_at);
  if (!keys.ok()) return keys.status();
  a.keys = std::move(*keys);
  if (store) {
    std::vector<std::string_view> locked = a.keys;
    locked.push_back(ctx.args[1]);
    ctx.db.Lock(locked);  // before reading what the store replaces
  }
  Status s = ReadSetOp(ctx, numkeys_at, op, store, card_only, &a);
  if (!s.ok()) return s;
  std::vector<ZEntry> out = Compute(a, op);
  if (card_only) {
    ctx.reply.Integer(static_cast<int64_t>(out.size()));
    return Status::OK();
  }
  if (!store) return ReplyEntries(ctx, out, a.withscores);
  auto n = ZSetType(&ctx.db).Store(ctx.args[1], out);
  if (!n.ok()) return n.status();
  static const char* const kEvents[] = {"zunionstore", "zinterstore", "zdiffstore"};
  const char* event = kEvents[op == SetOp::kUnion ? 0 : op == SetOp::kInter ? 1 : 2];
  if (*n > 0) ctx.Notify(kNotifyZSet, event, ctx.args[1]);
  ctx.reply.Integer(*n);
  return Status::OK();
}

}  // namespace

Status CmdZUnionStore(CommandContext& ctx) { return SetOpCommand(ctx, SetOp::kUnion, true); }
Status CmdZInterStore(CommandContext& ctx) { return SetOpCommand(ctx, SetOp::kInter, true); }
Status CmdZDiffStore(CommandContext& ctx) { return SetOpCommand(ctx, SetOp::kDiff, true); }
Status CmdZUnion(CommandContext& ctx) { return SetOpCommand(ctx, SetOp::kUnion, false); }
Status CmdZInter(CommandContext& ctx) { return SetOpCommand(ctx, SetOp::kInter, false); }
Status CmdZDiff(CommandContext& ctx) { return SetOpCommand(ctx, SetOp::kDiff, false); }
Status CmdZInterCard(CommandContext& ctx) {
  return SetOpCommand(ctx, SetOp::kInter, false, /*card_only=*/true);
}

Status CmdZRangeStore(CommandContext& ctx) {
  auto a = ParseZRangeArgs(ctx, 3, /*store=*/true, false, ZRangeSpec::By::kRank, false, false);
  if (!a.ok()) return a.status();
  ctx.db.Lock(std::vector<std::string_view>{ctx.args[1], ctx.args[2]});
  ZSetType zsets(&ctx.db);
  std::vector<ZEntry> out;
  Status s = zsets.Range(ctx.args[2], a->spec, [&](std::string_view m, double score) {
    out.push_back({std::string(m), score});
    return true;
  });
  if (!s.ok()) return s;
  auto n = zsets.Store(ctx.args[1], out);
  if (!n.ok()) return n.status();
  if (*n > 0) ctx.Notify(kNotifyZSet, "zrangestore", ctx.args[1]);
  ctx.reply.Integer(*n);
  return Status::OK();
}

namespace {

// [B]ZMPOP's arguments from args[numkeys_at]: numkeys key... MIN|MAX [COUNT count].
struct ZMPopArgs {
  std::vector<std::string_view> keys;
  bool max = false;
  int64_t count = 1;
};

StatusOr<ZMPopArgs> ParseZMPop(CommandContext& ctx, size_t numkeys_at) {
  auto n = ParseInt64(ctx.args[numkeys_at]);
  if (!n || *n < 1) return Status::InvalidArgument("numkeys should be greater than 0");
  if (static_cast<uint64_t>(*n) >= ctx.argc() - numkeys_at - 1) return SyntaxError();
  ZMPopArgs a;
  size_t where_at = numkeys_at + 1 + static_cast<size_t>(*n);
  a.keys.assign(ctx.args.begin() + numkeys_at + 1, ctx.args.begin() + where_at);
  std::string where = ToLower(ctx.args[where_at]);
  if (where != "min" && where != "max") return SyntaxError();
  a.max = where == "max";
  int64_t count = -1;
  for (size_t j = where_at + 1; j < ctx.argc(); j++) {
    if (count == -1 && ToLower(ctx.args[j]) == "count" && j + 1 < ctx.argc()) {
      auto c = ParseInt64(ctx.args[++j]);
      if (!c || *c < 1) return Status::InvalidArgument("count should be greater than 0");
      count = *c;
    } else {
      return SyntaxError();
    }
  }
  if (count != -1) a.count = count;
  return a;
}

// Pops from the first of `keys` that holds members and replies: [key, [[member, score]...]]
// (ZMPOP) or, `single`, [key, member, score] (BZPOPMIN). False, nothing written, when none does.
// WrongType as soon as a key before it holds another type.
StatusOr<bool> TryZPopReply(CommandContext& ctx, const std::vector<std::string_view>& keys,
                            bool max, int64_t count, bool single) {
  ctx.db.Lock(keys);
  ZSetType zsets(&ctx.db);
  for (auto k : keys) {
    auto card = zsets.Card(k);
    if (!card.ok()) return card.status();
    if (*card == 0) continue;
    auto popped = zsets.Pop(k, single ? 1 : count, max);
    if (!popped.ok()) return popped.status();
    ctx.Notify(kNotifyZSet, max ? "zpopmax" : "zpopmin", k);
    NotifyIfDeleted(ctx, k);
    if (single) {
      ctx.reply.ArrayHeader(3);
      ctx.reply.Bulk(k);
      ctx.reply.Bulk(popped->front().member);
      ctx.reply.Double(popped->front().score);
      return true;
    }
    size_t start = ctx.reply.size();
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(k);
    Status replied = ReplyEntries(ctx, *popped, true, ScoreShape::kNested);
    if (!replied.ok()) {
      ctx.reply.buffer()->resize(start);  // a failing handler writes nothing
      return replied;
    }
    return true;
  }
  return false;
}

// Blocks until one of `keys` holds members (ServerApi::Block), unless it does now.
Status BlockingZPop(CommandContext& ctx, std::vector<std::string_view> keys, bool max,
                    int64_t count, bool single, int64_t timeout_ms) {
  StatusOr<bool> served = TryZPopReply(ctx, keys, max, count, single);  // holds the stripes
  if (!served.ok()) return served.status();
  if (*served) return Status::OK();
  BlockRequest req;
  req.keys.assign(keys.begin(), keys.end());
  req.timeout_ms = timeout_ms;
  req.serve = [max, count, single](CommandContext& c, std::string_view key) -> StatusOr<bool> {
    StatusOr<bool> r = TryZPopReply(c, {key}, max, count, single);
    if (!r.ok() && r.status().code() == Status::WrongType().code()) return false;  // waits on
    return r;
  };
  ctx.server.Block(ctx, std::move(req));
  return Status::OK();
}

}  // namespace

Status CmdZMPop(CommandContext& ctx) {
  auto a = ParseZMPop(ctx, 1);
  if (!a.ok()) return a.status();
  auto served = TryZPopReply(ctx, a->keys, a->max, a->count, false);
  if (!served.ok()) return served.status();
  if (!*served) ctx.reply.NullArray();
  return Status::OK();
}

Status CmdBZMPop(CommandContext& ctx) {
  auto a = ParseZMPop(ctx, 2);
  if (!a.ok()) return a.status();
  auto timeout = ArgBlockTimeout(ctx.args[1]);
  if (!timeout.ok()) return timeout.status();
  return BlockingZPop(ctx, a->keys, a->max, a->count, false, *timeout);
}

Status BlockingZPopOne(CommandContext& ctx, bool max) {
  auto timeout = ArgBlockTimeout(ctx.args.back());
  if (!timeout.ok()) return timeout.status();
  std::vector<std::string_view> keys(ctx.args.begin() + 1, ctx.args.end() - 1);
  return BlockingZPop(ctx, std::move(keys), max, 1, true, *timeout);
}

Status CmdBZPopMin(CommandContext& ctx) { return BlockingZPopOne(ctx, false); }
Status CmdBZPopMax(CommandContext& ctx) { return BlockingZPopOne(ctx, true); }

}  // namespace mnemo
