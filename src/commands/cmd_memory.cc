// Memory commands: KPROFILE (heap profiling, Kvrocks's syntax and more) and MEMORY.
#include "commands/command.h"

namespace mnemo {
namespace {

const CommandSpec kMemoryCommands[] = {
    {"kprofile", -3, kCmdAdmin | kCmdReadOnly, 0, 0, 0, nullptr, "server",
     "Heap profiling: MEMORY ENABLE|DISABLE|STATUS|DUMP|INFO|LIST|TOP|DIFF"},
};

}  // namespace

std::span<const CommandSpec> MemoryCommands() { return std::span<const CommandSpec>(kMemoryCommands, 0); }

}  // namespace mnemo
