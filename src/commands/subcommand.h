// Subcommand tables for container commands (CLIENT, CONFIG, COMMAND, ...): one row per
// subcommand with its arity, dispatched with Redis's error words.
#pragma once

#include <span>

#include "commands/command.h"

namespace mnemo {

// Runs the row named by args[1]. Unknown: "unknown subcommand 'X'. Try CMD HELP."; bad arity:
// "wrong number of arguments for 'cmd|sub' command".
Status RunSubcommand(CommandContext& ctx, std::span<const Subcommand> table);

// Redis's reply to a subcommand's arguments it cannot take past its arity: "unknown subcommand
// or wrong number of arguments for 'sub'. Try CMD HELP." (sub as sent).
Status SubcommandSyntaxError(const CommandContext& ctx);

}  // namespace mnemo
