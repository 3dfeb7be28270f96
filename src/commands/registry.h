// The table of every command, built once from the family tables. Lookups are case-insensitive
// and allocation-free. Thread-safe after construction (read-only; stats are atomics).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "commands/command.h"

namespace mnemo {

class CommandTable {
 public:
  static CommandTable& Instance();

  const CommandSpec* Find(std::string_view name) const;
  // Find plus the command's counters, in one lookup (the dispatch path).
  const CommandSpec* Find(std::string_view name, CommandStats** stats);
  CommandStats& Stats(const CommandSpec* spec);
  std::span<const CommandSpec* const> All() const { return all_; }
  void ResetStats();
  // docs/commands.md, generated from the tables (`mnemo --commands-doc`).
  std::string RenderMarkdown() const;

 private:
  CommandTable();
  std::vector<const CommandSpec*> all_;
  std::unordered_map<std::string_view, size_t> index_;       // lower-case name -> position in all_
  std::unordered_map<const CommandSpec*, size_t> position_;  // spec -> position in all_
  std::unique_ptr<CommandStats[]> stats_;
};

}  // namespace mnemo
