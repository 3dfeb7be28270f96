// Subcommand tables for container commands (CLIENT, CONFIG, COMMAND, ...): one row per
// subcommand with its arity, dispatched with Redis's error words.
#pragma once

#include <span>

#include "commands/command.h"

namespace mnemo {

// Runs the row named by args[1]. Unknown: "unknown subcommand 'X'. Try CMD HELP."; bad arity:
// "wrong number of arguments for 'cmd|sub' command".
Status RunSubcommand(CommandContext& ctx, std::span<const Subcommand> table);

}  // namespace mnemo
