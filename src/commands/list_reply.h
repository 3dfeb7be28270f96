// Shared pieces of the list command family (cmd_list.cc: the commands and the family's table;
// cmd_list_blocking.cc: BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP). Not a public interface.
#pragma once

#include <string_view>
#include <vector>

#include "commands/command.h"
#include "types/list_type.h"

namespace mnemo {

// LEFT | RIGHT, or a syntax error.
StatusOr<ListType::End> ArgEnd(std::string_view arg);

// Pops up to `count` from `end` of keys (the first that exists), replying as LMPOP does when
// `keyed`, else as LPOP with a count. False, with nothing written, when no key exists.
// WrongType as soon as a key before it holds another type; -OOM (nothing written, nothing
// popped) when the reply would not fit under the memory limit.
StatusOr<bool> TryPopReply(CommandContext& ctx, const std::vector<std::string_view>& keys,
                           ListType::End end, int64_t count, bool keyed);

// [B]LMPOP's arguments from args[numkeys_at]: numkeys key... LEFT|RIGHT [COUNT count], with
// Redis's errors and their order.
struct MPopArgs {
  std::vector<std::string_view> keys;
  ListType::End end = ListType::End::kLeft;
  int64_t count = 1;
};
StatusOr<MPopArgs> ParseMPop(CommandContext& ctx, size_t numkeys_at);

Status CmdBLPop(CommandContext& ctx);
Status CmdBRPop(CommandContext& ctx);
Status CmdBLMPop(CommandContext& ctx);
Status CmdBLMove(CommandContext& ctx);
Status CmdBRPopLPush(CommandContext& ctx);

}  // namespace mnemo
