// Shared pieces of the sorted set command family (cmd_zset.cc: the single-key commands and the
// family's table; cmd_zset_ops.cc: the commands over several keys). Not a public interface.
#pragma once

#include <vector>

#include "commands/command.h"
#include "types/zset_type.h"

namespace mnemo {

// Replies `entries` as Redis 7.0 does: an array of members, or with scores a flat
// member, score list in RESP2 and [member, score] pairs in RESP3 (kAuto); kNested: pairs in both
// protocols (ZMPOP), kFlat: flat in both (ZPOPMIN without a count). Refused with
// ReplyTooLargeError (nothing written) when the reply would not fit under the memory limit.
enum class ScoreShape { kAuto, kNested, kFlat };
Status ReplyEntries(CommandContext& ctx, const std::vector<ZEntry>& entries, bool withscores,
                    ScoreShape shape = ScoreShape::kAuto);

// Parses Z[REV]RANGE[BYSCORE|BYLEX|STORE]'s range and options, as Redis's zrangeGenericCommand:
// args from `first` are min, max, then options; `by` / `rev` preset by the command name (kRank and
// !rev for ZRANGE / ZRANGESTORE, which take BYSCORE BYLEX REV).
struct ZRangeArgs {
  ZRangeSpec spec;
  bool withscores = false;
};
StatusOr<ZRangeArgs> ParseZRangeArgs(CommandContext& ctx, size_t first, bool store, bool preset_by,
                                     ZRangeSpec::By by, bool preset_rev, bool rev);

Status CmdZRangeStore(CommandContext& ctx);
Status CmdZMPop(CommandContext& ctx);
Status CmdBZMPop(CommandContext& ctx);
Status CmdBZPopMin(CommandContext& ctx);
Status CmdBZPopMax(CommandContext& ctx);
Status CmdZUnionStore(CommandContext& ctx);
Status CmdZInterStore(CommandContext& ctx);
Status CmdZDiffStore(CommandContext& ctx);
Status CmdZUnion(CommandContext& ctx);
Status CmdZInter(CommandContext& ctx);
Status CmdZDiff(CommandContext& ctx);
Status CmdZInterCard(CommandContext& ctx);

}  // namespace mnemo
