// The keys of a full command line: from its row's key positions (CommandSpec first_key,
// last_key, key_step), or, for the commands whose keys depend on their arguments (a numkeys
// argument: ZUNIONSTORE, ZINTER, LMPOP, ZMPOP, SINTERCARD, EVAL...; SORT's STORE destination),
// by parsing the line as Redis's key extraction does. COMMAND GETKEYS answers with it, and EXEC
// locks the keys it names before running a transaction (server/transaction.h).
//
// Thread-safe: pure functions over the command table.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "commands/command.h"

namespace mnemo {

// Indexes into `line` (line[0] is the command name) of its keys, in argument order, repeats
// included. REQUIRES: `line` has the spec's arity. Empty for a command without key arguments.
// Fails with InvalidArgument("Invalid arguments specified for command") when a numkeys
// argument is not an integer or names more keys than the line has (or, where Redis requires a
// key, fewer than one).
StatusOr<std::vector<size_t>> CommandKeyPositions(const CommandSpec& spec,
                                                  std::span<const std::string> line);

// Whether the command names keys at all (key positions or a parsed form); COMMAND GETKEYS answers
// "The command has no key arguments" otherwise.
bool CommandHasKeys(const CommandSpec& spec);

}  // namespace mnemo
