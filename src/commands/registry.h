// The table of every command, built once from the family tables. Lookups are case-insensitive
// and allocation-free. Thread-safe after construction (read-only; stats are atomics).
#pragma once

#include <array>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "commands/command.h"
#include "common/striped_counter.h"

namespace mnemo {

class CommandTable {
 public:
  static CommandTable& Instance();

  const CommandSpec* Find(std::string_view name) const;
  // Find plus the calling thread's counters of the command, in one lookup (the dispatch path).
  const CommandSpec* Find(std::string_view name, CommandStats** stats);
  // A command's counters summed over all threads.
  CommandCounts Counts(const CommandSpec* spec) const;
  std::span<const CommandSpec* const> All() const { return all_; }
  void ResetStats();
  // docs/commands.md, generated from the tables (`mnemo --commands-doc`).
  std::string RenderMarkdown() const;

 private:
  CommandTable();
  std::vector<const CommandSpec*> all_;
  std::unordered_map<std::string_view, size_t> index_;       // lower-case name -> position in all_
  std::unordered_map<const CommandSpec*, size_t> position_;  // spec -> position in all_
  std::array<std::unique_ptr<CommandStats[]>, kThreadSlots> stats_;  // per thread slot
};

}  // namespace mnemo
