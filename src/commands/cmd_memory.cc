// MEMORY commands (STATS, USAGE, DOCTOR, MALLOC-STATS, PURGE, REPORT, HELP).
#include "commands/command.h"

namespace mnemo {

std::span<const CommandSpec> MemoryCommands() { return {}; }

}  // namespace mnemo
