// Sorted set commands over several keys: ZRANGESTORE, ZMPOP, and the set operations ZUNION,
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

Status CmdZMPop(CommandContext& ctx) {
  auto n = ParseInt64(ctx.args[1]);
  if (!n || *n < 1) return Status::InvalidArgument("numkeys should be greater than 0");
  if (static_cast<uint64_t>(*n) >= ctx.argc() - 2) return SyntaxError();
  std::vector<std::string_view> keys(ctx.args.begin() + 2, ctx.args.begin() + 2 + *n);
  size_t where_at = 2 + static_cast<size_t>(*n);
  std::string where = ToLower(ctx.args[where_at]);
  if (where != "min" && where != "max") return SyntaxError();
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
  if (count == -1) count = 1;
  ctx.db.Lock(keys);
  ZSetType zsets(&ctx.db);
  for (auto k : keys) {
    auto card = zsets.Card(k);
    if (!card.ok()) return card.status();
    if (*card == 0) continue;
    auto popped = zsets.Pop(k, count, where == "max");
    if (!popped.ok()) return popped.status();
    ctx.Notify(kNotifyZSet, where == "max" ? "zpopmax" : "zpopmin", k);
    NotifyIfDeleted(ctx, k);
    size_t start = ctx.reply.size();
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(k);
    Status replied = ReplyEntries(ctx, *popped, true, ScoreShape::kNested);
    if (!replied.ok()) ctx.reply.buffer()->resize(start);  // a failing handler writes nothing
    return replied;
  }
  ctx.reply.NullArray();
  return Status::OK();
}

}  // namespace mnemo
