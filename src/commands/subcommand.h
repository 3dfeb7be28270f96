// Subcommand tables for container commands (CLIENT, CONFIG, COMMAND, ...): one row per
// subcommand with its arity, dispatched with Redis's error words.
#pragma once

#include <span>

#include "commands/command.h"

namespace mnemo {

struct Subcommand {
  const char* name;  // lower case
  int arity;         // counts the command and the subcommand: n exactly, -n at least
  Status (*run)(CommandContext&);
};

// Runs the row named by args[1]. Unknown: "unknown subcommand 'X'. Try CMD HELP."; bad arity:
// "wrong number of arguments for 'cmd|sub' command".
Status RunSubcommand(CommandContext& ctx, std::span<const Subcommand> table);

}  // namespace mnemo
