// Sorted set commands over one key (ZADD, ZRANGE and its variants, ZPOP*, ZREMRANGE*, ZRANDMEMBER,
// ZSCAN, ...) and the family's command table; the commands over several keys are in
// cmd_zset_ops.cc. Types/zset_type.h holds the data type.
#include <cmath>
#include <limits>
#include <random>

#include "commands/arg_parse.h"
#include "commands/zset_reply.h"

namespace mnemo {

namespace {

Status NotFloatError() { return Status::InvalidArgument("value is not a valid float"); }

// Redis's limit below which a zset is one listpack that ZSCAN returns in one call.
constexpr uint64_t kScanWholeBelow = 128;
// A ZRANDMEMBER reply with repetitions (negative count) larger than this is refused: it is not
// bounded by the data, and Redis would spend the memory of the whole reply at once.
constexpr uint64_t kMaxRandomReplyBytes = 64 << 20;

std::mt19937_64& Rng() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

// `event` for a removal of `n` members of args[1], then "del" when it emptied the key.
void NotifyRemoved(CommandContext& ctx, int64_t n, const char* event) {
  if (n <= 0) return;
  ctx.Notify(kNotifyZSet, event, ctx.args[1]);
  NotifyIfDeleted(ctx, ctx.args[1]);
}

Status CmdZAdd(CommandContext& ctx) {
  ZSetType::AddFlags f;
  size_t i = 2;
  for (; i < ctx.argc(); i++) {
    std::string opt = ToLower(ctx.args[i]);
    if (opt == "nx") {
      f.nx = true;
    } else if (opt == "xx") {
      f.xx = true;
    } else if (opt == "gt") {
      f.gt = true;
    } else if (opt == "lt") {
      f.lt = true;
    } else if (opt == "ch") {
      f.ch = true;
    } else if (opt == "incr") {
      f.incr = true;
    } else {
      break;
    }
  }
  size_t elements = ctx.argc() - i;
  if (elements == 0 || elements % 2 != 0) return SyntaxError();
  if (f.nx && f.xx) {
    return Status::InvalidArgument("XX and NX options at the same time are not compatible");
  }
  if ((f.gt && f.nx) || (f.lt && f.nx) || (f.gt && f.lt)) {
    return Status::InvalidArgument("GT, LT, and/or NX options at the same time are not compatible");
  }
  if (f.incr && elements > 2) {
    return Status::InvalidArgument("INCR option supports a single increment-element pair");
  }
  std::vector<ZEntry> items;
  items.reserve(elements / 2);
  for (; i < ctx.argc(); i += 2) {
    auto score = ParseScore(ctx.args[i]);
    if (!score) return NotFloatError();
    items.push_back({ctx.args[i + 1], *score});
  }
  auto r = ZSetType(&ctx.db).Add(ctx.args[1], f, items);
  if (!r.ok()) return r.status();
  if (r->count > 0 || r->score) ctx.Notify(kNotifyZSet, f.incr ? "zincr" : "zadd", ctx.args[1]);
  if (!f.incr) {
    ctx.reply.Integer(r->count);
  } else if (r->score) {
    ctx.reply.Double(*r->score);
  } else {
    ctx.reply.Null();
  }
  return Status::OK();
}

Status CmdZIncrBy(CommandContext& ctx) {
  auto delta = ParseScore(ctx.args[2]);
  if (!delta) return NotFloatError();
  ZSetType::AddFlags f;
  f.incr = true;
  auto r = ZSetType(&ctx.db).Add(ctx.args[1], f, {{ctx.args[3], *delta}});
  if (!r.ok()) return r.status();
  ctx.Notify(kNotifyZSet, "zincr", ctx.args[1]);
  ctx.reply.Double(*r->score);
  return Status::OK();
}

Status CmdZRem(CommandContext& ctx) {
  std::vector<std::string_view> members(ctx.args.begin() + 2, ctx.args.end());
  auto r = ZSetType(&ctx.db).Remove(ctx.args[1], members);
  if (!r.ok()) return r.status();
  NotifyRemoved(ctx, *r, "zrem");
  ctx.reply.Integer(*r);
  return Status::OK();
}

Status CmdZScore(CommandContext& ctx) {
  auto r = ZSetType(&ctx.db).Score(ctx.args[1], ctx.args[2]);
  if (!r.ok()) return r.status();
  if (r->has_value()) {
    ctx.reply.Double(**r);
  } else {
    ctx.reply.Null();
  }
  return Status::OK();
}

Status CmdZMScore(CommandContext& ctx) {
  ZSetType zsets(&ctx.db);
  std::vector<std::optional<double>> scores;
  for (size_t i = 2; i < ctx.argc(); i++) {
    auto r = zsets.Score(ctx.args[1], ctx.args[i]);
    if (!r.ok()) return r.status();
    scores.push_back(*r);
  }
  ctx.reply.ArrayHeader(scores.size());
  for (auto& s : scores) {
    if (s) {
      ctx.reply.Double(*s);
    } else {
      ctx.reply.Null();
    }
  }
  return Status::OK();
}

Status CmdZCard(CommandContext& ctx) {
  auto r = ZSetType(&ctx.db).Card(ctx.args[1]);
  if (!r.ok()) return r.status();
  ctx.reply.Integer(*r);
  return Status::OK();
}

Status CountRange(CommandContext& ctx, ZRangeSpec::By by) {
  ZRangeSpec spec;
  spec.by = by;
  if (by == ZRangeSpec::By::kScore) {
    auto r = ParseScoreRange(ctx.args[2], ctx.args[3]);
    if (!r.ok()) return r.status();
    spec.score = *r;
  } else {
    auto r = ParseLexRange(ctx.args[2], ctx.args[3]);
    if (!r.ok()) return r.status();
    spec.lex = *r;
  }
  auto n = ZSetType(&ctx.db).Count(ctx.args[1], spec);
  if (!n.ok()) return n.status();
  ctx.reply.Integer(*n);
  return Status::OK();
}

Status CmdZCount(CommandContext& ctx) { return CountRange(ctx, ZRangeSpec::By::kScore); }
Status CmdZLexCount(CommandContext& ctx) { return CountRange(ctx, ZRangeSpec::By::kLex); }

Status RangeCommand(CommandContext& ctx, bool preset_by, ZRangeSpec::By by, bool preset_rev,
                    bool rev) {
  auto a = ParseZRangeArgs(ctx, 2, /*store=*/false, preset_by, by, preset_rev, rev);
  if (!a.ok()) return a.status();
  std::vector<ZEntry> out;
  Status s = ZSetType(&ctx.db).Range(ctx.args[1], a->spec, [&](std::string_view m, double score) {
    out.push_back({std::string(m), score});
    return true;
  });
  if (!s.ok()) return s;
  return ReplyEntries(ctx, out, a->withscores);
}

using By = ZRangeSpec::By;
Status CmdZRange(CommandContext& ctx) { return RangeCommand(ctx, false, By::kRank, false, false); }
Status CmdZRevRange(CommandContext& ctx) { return RangeCommand(ctx, true, By::kRank, true, true); }
Status CmdZRangeByScore(CommandContext& ctx) {
  return RangeCommand(ctx, true, By::kScore, true, false);
}
Status CmdZRevRangeByScore(CommandContext& ctx) {
  return RangeCommand(ctx, true, By::kScore, true, true);
}
Status CmdZRangeByLex(CommandContext& ctx) {
  return RangeCommand(ctx, true, By::kLex, true, false);
}
Status CmdZRevRangeByLex(CommandContext& ctx) {
  return RangeCommand(ctx, true, By::kLex, true, true);
}

Status RankCommand(CommandContext& ctx, bool rev) {
  auto r = ZSetType(&ctx.db).Rank(ctx.args[1], ctx.args[2], rev);
  if (!r.ok()) return r.status();
  if (r->has_value()) {
    ctx.reply.Integer(**r);
  } else {
    ctx.reply.Null();
  }
  return Status::OK();
}

Status CmdZRank(CommandContext& ctx) { return RankCommand(ctx, false); }
Status CmdZRevRank(CommandContext& ctx) { return RankCommand(ctx, true); }

Status PopCommand(CommandContext& ctx, bool max) {
  if (ctx.argc() > 3) return SyntaxError();
  int64_t count = 1;
  if (ctx.argc() == 3) {
    auto c = ParseInt64(ctx.args[2]);
    if (!c || *c < 0) return Status::InvalidArgument("value is out of range, must be positive");
    count = *c;
  }
  auto r = ZSetType(&ctx.db).Pop(ctx.args[1], count, max);
  if (!r.ok()) return r.status();
  NotifyRemoved(ctx, static_cast<int64_t>(r->size()), max ? "zpopmax" : "zpopmin");
  // With an explicit count RESP3 gets pairs; without one, a flat [member, score] as Redis 7.0.
  return ReplyEntries(ctx, *r, true, ctx.argc() == 3 ? ScoreShape::kAuto : ScoreShape::kFlat);
}

Status CmdZPopMin(CommandContext& ctx) { return PopCommand(ctx, false); }
Status CmdZPopMax(CommandContext& ctx) { return PopCommand(ctx, true); }

Status RemoveRangeCommand(CommandContext& ctx, By by) {
  ZRangeSpec spec;
  spec.by = by;
  if (by == By::kRank) {
    auto start = ArgInt(ctx.args[2]);
    if (!start.ok()) return start.status();
    auto stop = ArgInt(ctx.args[3]);
    if (!stop.ok()) return stop.status();
    spec.start = *start;
    spec.stop = *stop;
  } else if (by == By::kScore) {
    auto r = ParseScoreRange(ctx.args[2], ctx.args[3]);
    if (!r.ok()) return r.status();
    spec.score = *r;
  } else {
    auto r = ParseLexRange(ctx.args[2], ctx.args[3]);
    if (!r.ok()) return r.status();
    spec.lex = *r;
  }
  auto n = ZSetType(&ctx.db).RemoveRange(ctx.args[1], spec);
  if (!n.ok()) return n.status();
  static const char* const kEvents[] = {"zremrangebyrank", "zremrangebyscore", "zremrangebylex"};
  NotifyRemoved(ctx, *n, kEvents[by == By::kRank ? 0 : by == By::kScore ? 1 : 2]);
  ctx.reply.Integer(*n);
  return Status::OK();
}

Status CmdZRemRangeByRank(CommandContext& ctx) { return RemoveRangeCommand(ctx, By::kRank); }
Status CmdZRemRangeByScore(CommandContext& ctx) { return RemoveRangeCommand(ctx, By::kScore); }
Status CmdZRemRangeByLex(CommandContext& ctx) { return RemoveRangeCommand(ctx, By::kLex); }

// ZRANDMEMBER with a count: distinct members for a positive count (at most the whole set), and
// |count| draws with repetition for a negative one.
Status RandomWithCount(CommandContext& ctx, int64_t count, bool withscores) {
  auto all = ZSetType(&ctx.db).ReadAll(ctx.args[1], /*allow_set=*/false);
  if (!all.ok()) return all.status();
  std::vector<ZEntry>& v = *all;
  if (v.empty() || count == 0) return ReplyEntries(ctx, {}, withscores);
  if (count > 0) {
    std::shuffle(v.begin(), v.end(), Rng());
    if (static_cast<uint64_t>(count) < v.size()) v.resize(static_cast<size_t>(count));
    return ReplyEntries(ctx, v, withscores);
  }
  uint64_t n = static_cast<uint64_t>(-count);  // count > -INT64_MAX - 1: checked by the caller
  uint64_t mean = 0;
  for (auto& e : v) mean += e.member.size() + (withscores ? 32 : 16);
  mean /= v.size();
  if (n > kMaxRandomReplyBytes / std::max<uint64_t>(mean, 1)) {
    return ReplyTooLargeError(n * mean > n ? n * mean : std::numeric_limits<uint64_t>::max());
  }
  std::uniform_int_distribution<size_t> pick(0, v.size() - 1);
  std::vector<ZEntry> out;
  out.reserve(n);
  for (uint64_t i = 0; i < n; i++) out.push_back(v[pick(Rng())]);
  return ReplyEntries(ctx, out, withscores);
}

Status CmdZRandMember(CommandContext& ctx) {
  if (ctx.argc() == 2) {  // one member: a random rank, walked to from the nearer end
    ZSetType zsets(&ctx.db);
    auto card = zsets.Card(ctx.args[1]);
    if (!card.ok()) return card.status();
    if (*card == 0) {
      ctx.reply.Null();
      return Status::OK();
    }
    ZRangeSpec spec;
    spec.start = spec.stop = std::uniform_int_distribution<int64_t>(0, *card - 1)(Rng());
    if (spec.start >= *card / 2) {
      spec.rev = true;
      spec.start = spec.stop = *card - 1 - spec.start;
    }
    std::string member;
    Status s = zsets.Range(ctx.args[1], spec, [&](std::string_view m, double) {
      member = m;
      return false;
    });
    if (!s.ok()) return s;
    ctx.reply.Bulk(member);
    return Status::OK();
  }
  auto count = ArgInt(ctx.args[2]);
  if (!count.ok()) return count.status();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  if (*count < -kMax) {
    return Status::InvalidArgument(
        "value is out of range, value must between -9223372036854775807 and "
        "9223372036854775807");
  }
  bool withscores = false;
  if (ctx.argc() > 4 || (ctx.argc() == 4 && ToLower(ctx.args[3]) != "withscores")) {
    return SyntaxError();
  }
  if (ctx.argc() == 4) {
    withscores = true;
    if (*count < -kMax / 2 || *count > kMax / 2) {
      return Status::InvalidArgument("value is out of range");
    }
  }
  return RandomWithCount(ctx, *count, withscores);
}

// The cursor text saved for ZSCAN: the key it belongs to and the last member returned.
std::string ScanCursorText(std::string_view key, std::string_view member) {
  std::string s = "zscan:" + std::to_string(key.size()) + ":";
  s.append(key);
  s.append(member);
  return s;
}

Status CmdZScan(CommandContext& ctx) {
  auto cursor = ParseUint64(ctx.args[2]);
  if (!cursor) return Status::InvalidArgument("invalid cursor");
  ZSetType zsets(&ctx.db);
  auto card = zsets.Card(ctx.args[1]);  // the type is checked before the options, as Redis does
  if (!card.ok()) return card.status();
  if (*card == 0) {  // a missing key is an empty scan whatever the options say, as in Redis
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk("0");
    ctx.reply.ArrayHeader(0);
    return Status::OK();
  }
  std::string pattern;
  size_t count = 10;
  Status opts = ParseElementScanOptions(ctx.args, 3, &pattern, &count);
  if (!opts.ok()) return opts;
  std::string after;
  if (*cursor != 0) {
    auto text = ctx.server.LoadCursor(*cursor);
    if (!text.ok()) return text.status();
    std::string prefix = ScanCursorText(ctx.args[1], "");
    if (text->compare(0, prefix.size(), prefix) == 0) after = text->substr(prefix.size());
  }
  std::vector<ZEntry> found;
  std::string next;
  Status s;
  if (static_cast<uint64_t>(*card) <= kScanWholeBelow) {
    // A small set comes back whole and in score order, as Redis's listpack does.
    s = zsets.Range(ctx.args[1], ZRangeSpec(), [&](std::string_view m, double score) {
      found.push_back({std::string(m), score});
      return true;
    });
  } else {
    s = zsets.Scan(ctx.args[1], after, count, &found, &next);
  }
  if (!s.ok()) return s;
  uint64_t next_cursor =
      next.empty() ? 0 : ctx.server.SaveCursor(ScanCursorText(ctx.args[1], next));
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(std::to_string(next_cursor));
  size_t n = 0;
  for (auto& e : found) n += pattern.empty() || GlobMatch(pattern, e.member) ? 1 : 0;
  ctx.reply.ArrayHeader(2 * n);
  for (auto& e : found) {
    if (!pattern.empty() && !GlobMatch(pattern, e.member)) continue;
    ctx.reply.Bulk(e.member);
    char buf[64];
    int len = std::isinf(e.score) ? snprintf(buf, sizeof(buf), "%s", e.score > 0 ? "inf" : "-inf")
                                  : snprintf(buf, sizeof(buf), "%.17g", e.score);
    ctx.reply.Bulk(std::string_view(buf, static_cast<size_t>(len)));
  }
  return Status::OK();
}

constexpr uint32_t kR = kCmdReadOnly;

// One row per command, its CommandDoc below it.
// clang-format off
const CommandSpec kZSetCommands[] = {
    {"zadd", -4, kCmdWrite | kCmdWriteContext | kCmdDenyOOM | kCmdFast, 1, 1, 1, CmdZAdd, "sorted-set",
     "Add members to a sorted set, or update their scores (NX XX GT LT CH INCR)",
     {.since = "1.2.0",
      .complexity = "O(log(N)) for each item added, where N is the number of elements in the sorted set.",
      .args = "key:key [condition(NX|XX)@3.0.2] [comparison(GT|LT)@6.2.0] [change=CH@3.0.2] [increment=INCR@3.0.2] score_member(score:double member)...",
      .acl = "@write @sortedset @fast",
      .keys = "RW update index:1 range:0,1,0"}},
    {"zincrby", 4, kCmdWrite | kCmdWriteContext | kCmdDenyOOM | kCmdFast, 1, 1, 1, CmdZIncrBy, "sorted-set",
     "Increment the score of a member",
     {.since = "1.2.0",
      .complexity = "O(log(N)) where N is the number of elements in the sorted set.",
      .args = "key:key increment:integer member",
      .acl = "@write @sortedset @fast",
      .keys = "RW access update index:1 range:0,1,0"}},
    {"zrem", -3, kCmdWrite | kCmdWriteContext | kCmdFast, 1, 1, 1, CmdZRem, "sorted-set",
     "Remove members from a sorted set",
     {.since = "1.2.0",
      .complexity = "O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.",
      .args = "key:key member...",
      .acl = "@write @sortedset @fast",
      .keys = "RW delete index:1 range:0,1,0"}},
    {"zscore", 3, kR | kCmdFast, 1, 1, 1, CmdZScore, "sorted-set",
     "Score of a member",
     {.since = "1.2.0",
      .complexity = "O(1)",
      .args = "key:key member",
      .acl = "@read @sortedset @fast",
      .keys = "RO access index:1 range:0,1,0"}},
    {"zmscore", -3, kR | kCmdFast, 1, 1, 1, CmdZMScore, "sorted-set",
     "Scores of several members",
     {.since = "6.2.0",
      .complexity = "O(N) where N is the number of members being requested.",
      .args = "key:key member...",
      .acl = "@read @sortedset @fast",
      .keys = "RO access index:1 range:0,1,0"}},
    {"zcard", 2, kR | kCmdFast, 1, 1, 1, CmdZCard, "sorted-set",
     "Number of members of a sorted set",
     {.since = "1.2.0",
      .complexity = "O(1)",
      .args = "key:key",
      .acl = "@read @sortedset @fast",
      .keys = "RO index:1 range:0,1,0"}},
    {"zcount", 4, kR | kCmdFast, 1, 1, 1, CmdZCount, "sorted-set",
     "Number of members with a score in a range",
     {.since = "2.0.0",
      .complexity = "O(log(N)) with N being the number of elements in the sorted set.",
      .args = "key:key min:double max:double",
      .acl = "@read @sortedset @fast",
      .keys = "RO access index:1 range:0,1,0"}},
    {"zlexcount", 4, kR | kCmdFast, 1, 1, 1, CmdZLexCount, "sorted-set",
     "Number of members in a lexicographic range",
     {.since = "2.8.9",
      .complexity = "O(log(N)) with N being the number of elements in the sorted set.",
      .args = "key:key min max",
      .acl = "@read @sortedset @fast",
      .keys = "RO access index:1 range:0,1,0"}},
    {"zrange", -4, kR, 1, 1, 1, CmdZRange, "sorted-set",
     "Members in a range of ranks, scores or lexicographic order",
     {.since = "1.2.0",
      .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.",
      .args = "key:key start stop [sortby(BYSCORE|BYLEX)@6.2.0] [REV@6.2.0] [LIMIT offset_count(offset:integer count:integer)@6.2.0] [WITHSCORES]",
      .acl = "@read @sortedset @slow",
      .keys = "RO access index:1 range:0,1,0",
      .notes = "by rank, O(start + M): the score index is walked to the start rank"}},
    {"zrangebyscore", -4, kR, 1, 1, 1, CmdZRangeByScore, "sorted-set",
     "Members with a score in a range",
     {.since = "1.0.5",
      .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
      .args = "key:key min:double max:double [WITHSCORES@2.0.0] [LIMIT offset_count(offset:integer count:integer)]",
      .acl = "@read @sortedset @slow",
      .keys = "RO access index:1 range:0,1,0",
      .deprecated_since = "6.2.0",
      .replaced_by = "`ZRANGE` with the `BYSCORE` argument"}},
    {"zrevrangebyscore", -4, kR, 1, 1, 1, CmdZRevRangeByScore, "sorted-set",
     "Members with a score in a range, highest first",
     {.since = "2.2.0",
      .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
      .args = "key:key max:double min:double [WITHSCORES] [LIMIT offset_count(offset:integer count:integer)]",
      .acl = "@read @sortedset @slow",
      .keys = "RO access index:1 range:0,1,0",
      .deprecated_since = "6.2.0",
      .replaced_by = "`ZRANGE` with the `REV` and `BYSCORE` arguments"}},
    {"zrangebylex", -4, kR, 1, 1, 1, CmdZRangeByLex, "sorted-set",
     "Members in a lexicographic range",
     {.since = "2.8.9",
      .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
      .args = "key:key min max [LIMIT offset_count(offset:integer count:integer)]",
      .acl = "@read @sortedset @slow",
      .keys = "RO access index:1 range:0,1,0",
      .deprecated_since = "6.2.0",
      .replaced_by = "`ZRANGE` with the `BYLEX` argument"}},
    {"zrevrangebylex", -4, kR, 1, 1, 1, CmdZRevRangeByLex, "sorted-set",
     "Members in a lexicographic range, highest first",
     {.since = "2.8.9",
      .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
      .args = "key:key max min [LIMIT offset_count(offset:integer count:integer)]",
      .acl = "@read @sortedset @slow",
      .keys = "RO access index:1 range:0,1,0",
      .deprecated_since = "6.2.0",
      .replaced_by = "`ZRANGE` with the `REV` and `BYLEX` arguments"}},
    {"zrevrange", -4, kR, 1, 1, 1, CmdZRevRange, "sorted-set",
     "Members in a range of ranks, highest score first",
     {.since = "1.2.0",
      .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.",
      .args = "key:key start:integer stop:integer [WITHSCORES]",
      .acl = "@read @sortedset @slow",
      .keys = "RO access index:1 range:0,1,0",
      .deprecated_since = "6.2.0",
      .replaced_by = "`ZRANGE` with the `REV` argument",
      .notes = "O(start + M): the score index is walked from the top to the start rank"}},
    {"zrank", 3, kR | kCmdFast, 1, 1, 1, CmdZRank, "sorted-set",
     "Rank of a member, lowest score first",
     {.since = "2.0.0",
      .complexity = "O(R) where R is the rank of the member: ranks are not indexed, the score index is walked",
      .args = "key:key member",
      .acl = "@read @sortedset @fast",
      .keys = "RO access index:1 range:0,1,0",
      .notes = "O(rank): Mnemo walks the score index from the low end (ranks are not indexed)"}},
    {"zrevrank", 3, kR | kCmdFast, 1, 1, 1, CmdZRevRank, "sorted-set",
     "Rank of a member, highest score first",
     {.since = "2.0.0",
      .complexity = "O(R) where R is the rank of the member from the top: the score index is walked",
      .args = "key:key member",
      .acl = "@read @sortedset @fast",
      .keys = "RO access index:1 range:0,1,0",
      .notes = "O(rank): Mnemo walks the score index from the high end (ranks are not indexed)"}},
    {"zpopmin", -2, kCmdWrite | kCmdWriteContext | kCmdFast, 1, 1, 1, CmdZPopMin, "sorted-set",
     "Remove and return the members with the lowest scores",
     {.since = "5.0.0",
      .complexity = "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.",
      .args = "key:key [count:integer]",
      .acl = "@write @sortedset @fast",
      .keys = "RW access delete index:1 range:0,1,0"}},
    {"zpopmax", -2, kCmdWrite | kCmdWriteContext | kCmdFast, 1, 1, 1, CmdZPopMax, "sorted-set",
     "Remove and return the members with the highest scores",
     {.since = "5.0.0",
      .complexity = "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.",
      .args = "key:key [count:integer]",
      .acl = "@write @sortedset @fast",
      .keys = "RW access delete index:1 range:0,1,0"}},
    {"zremrangebyrank", 4, kCmdWrite | kCmdWriteContext, 1, 1, 1, CmdZRemRangeByRank, "sorted-set",
     "Remove the members in a range of ranks",
     {.since = "2.0.0",
      .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
      .args = "key:key start:integer stop:integer",
      .acl = "@write @sortedset @slow",
      .keys = "RW delete index:1 range:0,1,0",
      .notes = "O(start + M): the score index is walked to the start rank"}},
    {"zremrangebyscore", 4, kCmdWrite | kCmdWriteContext, 1, 1, 1, CmdZRemRangeByScore, "sorted-set",
     "Remove the members with a score in a range",
     {.since = "1.2.0",
      .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
      .args = "key:key min:double max:double",
      .acl = "@write @sortedset @slow",
      .keys = "RW delete index:1 range:0,1,0"}},
    {"zremrangebylex", 4, kCmdWrite | kCmdWriteContext, 1, 1, 1, CmdZRemRangeByLex, "sorted-set",
     "Remove the members in a lexicographic range",
     {.since = "2.8.9",
      .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
      .args = "key:key min max",
      .acl = "@write @sortedset @slow",
      .keys = "RW delete index:1 range:0,1,0"}},
    {"zrandmember", -2, kR, 1, 1, 1, CmdZRandMember, "sorted-set",
     "Random members of a sorted set",
     {.since = "6.2.0",
      .complexity = "O(N) where N is the number of elements returned",
      .args = "key:key [options(count:integer [WITHSCORES])]",
      .acl = "@read @sortedset @slow",
      .keys = "RO access index:1 range:0,1,0",
      .tips = "nondeterministic_output",
      .notes = "with a count, O(N) in the size of the set (it is read whole); a negative count whose "
               "reply would pass 64 MiB is refused with -OOM (Redis would build it)"}},
    {"zscan", -3, kR, 1, 1, 1, CmdZScan, "sorted-set",
     "Iterate the members and scores of a sorted set",
     {.since = "2.8.0",
      .complexity = "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..",
      .args = "key:key cursor:integer [MATCH pattern:pattern] [COUNT count:integer]",
      .acl = "@read @sortedset @slow",
      .keys = "RO access index:1 range:0,1,0",
      .tips = "nondeterministic_output",
      .notes = "a sorted set of up to 128 members comes back in one call (as Redis's listpack); the cursor stands for the last member returned"}},
    {"zrangestore", -5, kCmdWrite | kCmdWriteContext | kCmdDenyOOM, 1, 2, 1, CmdZRangeStore, "sorted-set",
     "Store a range of a sorted set in a key",
     {.since = "6.2.0",
      .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.",
      .args = "dst:key src:key#1 min max [sortby(BYSCORE|BYLEX)] [REV] [LIMIT offset_count(offset:integer count:integer)]",
      .acl = "@write @sortedset @slow",
      .keys = "OW update index:1 range:0,1,0 ; RO access index:2 range:0,1,0"}},
    {"zmpop", -4, kCmdWrite | kCmdWriteContext, 0, 0, 0, CmdZMPop, "sorted-set",
     "Remove and return members with the lowest or highest scores from the first non-empty sorted set",
     {.since = "7.0.0",
      .complexity = "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.",
      .args = "numkeys:integer key:key... where(MIN|MAX) [COUNT count:integer]",
      .acl = "@write @sortedset @slow",
      .keys = "RW access delete index:1 keynum:0,1,1"}},
    {"bzpopmin", -3, kCmdWrite | kCmdWriteContext | kCmdFast | kCmdNoScript, 1, -2, 1, CmdBZPopMin, "sorted-set",
     "Remove and return the member with the lowest score from one or more sorted sets, or block until one is available",
     {.since = "5.0.0",
      .complexity = "O(log(N)) with N being the number of elements in the sorted set.",
      .args = "key:key... timeout:double",
      .acl = "@write @sortedset @fast @blocking",
      .keys = "RW access delete index:1 range:-2,1,0"}},
    {"bzpopmax", -3, kCmdWrite | kCmdWriteContext | kCmdFast | kCmdNoScript, 1, -2, 1, CmdBZPopMax, "sorted-set",
     "Remove and return the member with the highest score from one or more sorted sets, or block until one is available",
     {.since = "5.0.0",
      .complexity = "O(log(N)) with N being the number of elements in the sorted set.",
      .args = "key:key... timeout:double",
      .acl = "@write @sortedset @fast @blocking",
      .keys = "RW access delete index:1 range:-2,1,0"}},
    {"bzmpop", -5, kCmdWrite | kCmdWriteContext, 0, 0, 0, CmdBZMPop, "sorted-set",
     "Remove and return members with scores in a sorted set or block until one is available",
     {.since = "7.0.0",
      .complexity = "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.",
      .args = "timeout:double numkeys:integer key:key... where(MIN|MAX) [COUNT count:integer]",
      .acl = "@write @sortedset @slow @blocking",
      .keys = "RW access delete index:2 keynum:0,1,1"}},
    {"zunionstore", -4, kCmdWrite | kCmdWriteContext | kCmdDenyOOM, 1, 1, 1, CmdZUnionStore, "sorted-set",
     "Store the union of sorted sets in a key",
     {.since = "2.0.0",
      .complexity = "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.",
      .args = "destination:key numkeys:integer key:key#1... [WEIGHTS weight:integer...] [AGGREGATE aggregate(SUM|MIN|MAX)]",
      .acl = "@write @sortedset @slow",
      .keys = "OW update index:1 range:0,1,0 ; RO access index:2 keynum:0,1,1"}},
    {"zinterstore", -4, kCmdWrite | kCmdWriteContext | kCmdDenyOOM, 1, 1, 1, CmdZInterStore, "sorted-set",
     "Store the intersection of sorted sets in a key",
     {.since = "2.0.0",
      .complexity = "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.",
      .args = "destination:key numkeys:integer key:key#1... [WEIGHTS weight:integer...] [AGGREGATE aggregate(SUM|MIN|MAX)]",
      .acl = "@write @sortedset @slow",
      .keys = "OW update index:1 range:0,1,0 ; RO access index:2 keynum:0,1,1"}},
    {"zdiffstore", -4, kCmdWrite | kCmdWriteContext | kCmdDenyOOM, 1, 1, 1, CmdZDiffStore, "sorted-set",
     "Store the difference of sorted sets in a key",
     {.since = "6.2.0",
      .complexity = "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.",
      .args = "destination:key numkeys:integer key:key#1...",
      .acl = "@write @sortedset @slow",
      .keys = "OW update index:1 range:0,1,0 ; RO access index:2 keynum:0,1,1"}},
    {"zunion", -3, kR, 0, 0, 0, CmdZUnion, "sorted-set",
     "Union of sorted sets",
     {.since = "6.2.0",
      .complexity = "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.",
      .args = "numkeys:integer key:key... [WEIGHTS weight:integer...] [AGGREGATE aggregate(SUM|MIN|MAX)] [WITHSCORES]",
      .acl = "@read @sortedset @slow",
      .keys = "RO access index:1 keynum:0,1,1"}},
    {"zinter", -3, kR, 0, 0, 0, CmdZInter, "sorted-set",
     "Intersection of sorted sets",
     {.since = "6.2.0",
      .complexity = "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.",
      .args = "numkeys:integer key:key... [WEIGHTS weight:integer...] [AGGREGATE aggregate(SUM|MIN|MAX)] [WITHSCORES]",
      .acl = "@read @sortedset @slow",
      .keys = "RO access index:1 keynum:0,1,1"}},
    {"zdiff", -3, kR, 0, 0, 0, CmdZDiff, "sorted-set",
     "Difference of sorted sets",
     {.since = "6.2.0",
      .complexity = "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.",
      .args = "numkeys:integer key:key... [WITHSCORES]",
      .acl = "@read @sortedset @slow",
      .keys = "RO access index:1 keynum:0,1,1"}},
    {"zintercard", -3, kR, 0, 0, 0, CmdZInterCard, "sorted-set",
     "Number of members of the intersection of sorted sets",
     {.since = "7.0.0",
      .complexity = "O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.",
      .args = "numkeys:integer key:key... [LIMIT limit:integer]",
      .acl = "@read @sortedset @slow",
      .keys = "RO access index:1 keynum:0,1,1"}},

};
// clang-format on

}  // namespace

std::span<const CommandSpec> ZSetCommands() { return kZSetCommands; }

Status ReplyEntries(CommandContext& ctx, const std::vector<ZEntry>& entries, bool withscores,
                    ScoreShape shape) {
  std::string& out = *ctx.reply.buffer();
  size_t start = out.size();
  bool pairs = withscores &&
               (shape == ScoreShape::kNested || (shape == ScoreShape::kAuto && ctx.reply.resp3()));
  ctx.reply.ArrayHeader(withscores && !pairs ? 2 * entries.size() : entries.size());
  for (const ZEntry& e : entries) {
    if (!ReplyCanGrow(ctx, e.member.size() + 48)) {
      size_t built = out.size() - start;
      out.resize(start);
      return ReplyTooLargeError(built);
    }
    if (pairs) ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(e.member);
    if (withscores) ctx.reply.Double(e.score);
  }
  return Status::OK();
}

StatusOr<ZRangeArgs> ParseZRangeArgs(CommandContext& ctx, size_t first, bool store, bool preset_by,
                                     By by, bool preset_rev, bool rev) {
  ZRangeArgs a;
  bool by_set = preset_by, rev_set = preset_rev;
  a.spec.by = by;
  a.spec.rev = rev;
  for (size_t j = first + 2; j < ctx.argc(); j++) {
    std::string opt = ToLower(ctx.args[j]);
    size_t left = ctx.argc() - j - 1;
    if (!store && opt == "withscores") {
      a.withscores = true;
    } else if (opt == "limit" && left >= 2) {
      auto off = ArgInt(ctx.args[j + 1]);
      if (!off.ok()) return off.status();
      auto lim = ArgInt(ctx.args[j + 2]);
      if (!lim.ok()) return lim.status();
      a.spec.offset = *off;
      a.spec.limit = *lim;
      j += 2;
    } else if (!rev_set && opt == "rev") {
      a.spec.rev = rev_set = true;
    } else if (!by_set && opt == "bylex") {
      a.spec.by = By::kLex;
      by_set = true;
    } else if (!by_set && opt == "byscore") {
      a.spec.by = By::kScore;
      by_set = true;
    } else {
      return SyntaxError();
    }
  }
  if (a.spec.limit != -1 && a.spec.by == By::kRank) {
    return Status::InvalidArgument(
        "syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
  }
  if (a.spec.by == By::kRank) a.spec.offset = 0;  // Redis ignores a rank range's LIMIT x -1

  if (a.withscores && a.spec.by == By::kLex) {
    return Status::InvalidArgument(
        "syntax error, WITHSCORES not supported in combination with BYLEX");
  }
  std::string_view lo = ctx.args[first], hi = ctx.args[first + 1];
  if (a.spec.rev && a.spec.by != By::kRank) std::swap(lo, hi);  // given as max, min
  if (a.spec.by == By::kRank) {
    auto start = ArgInt(lo);
    if (!start.ok()) return start.status();
    auto stop = ArgInt(hi);
    if (!stop.ok()) return stop.status();
    a.spec.start = *start;
    a.spec.stop = *stop;
  } else if (a.spec.by == By::kScore) {
    auto r = ParseScoreRange(lo, hi);
    if (!r.ok()) return r.status();
    a.spec.score = *r;
  } else {
    auto r = ParseLexRange(lo, hi);
    if (!r.ok()) return r.status();
    a.spec.lex = *r;
  }
  return a;
}

}  // namespace mnemo
