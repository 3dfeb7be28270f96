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
#include "commands/command_doc.h"
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
  // The parsed text of a row's CommandDoc (or a subcommand's), parsed once at construction.
  const ParsedDoc& Parsed(const CommandDoc& doc) const { return parsed_.at(&doc); }
  // Every row's CommandDoc parsed; the first error, naming the command, otherwise.
  static Status CheckDocs(std::span<const CommandSpec* const> all);
  // docs/commands.md, generated from the tables (`mnemo --commands-doc`).
  std::string RenderMarkdown() const;

 private:
  CommandTable();
  std::vector<const CommandSpec*> all_;
  std::unordered_map<std::string_view, size_t> index_;       // lower-case name -> position in all_
  std::unordered_map<const CommandSpec*, size_t> position_;  // spec -> position in all_
  std::unordered_map<const CommandDoc*, ParsedDoc> parsed_;
  std::array<std::unique_ptr<CommandStats[]>, kThreadSlots> stats_;  // per thread slot
};

}  // namespace mnemo
