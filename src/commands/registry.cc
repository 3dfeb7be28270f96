#include "commands/registry.h"

#include <cctype>

namespace mnemo {

Status SyntaxError() { return Status::InvalidArgument("syntax error"); }
Status NotIntegerError() {
  return Status::InvalidArgument("value is not an integer or out of range");
}
Status WrongArgsError(std::string_view cmd) {
  std::string lower(cmd);
  for (char& c : lower) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  return Status::InvalidArgument("wrong number of arguments for '" + lower + "' command");
}

CommandTable& CommandTable::Instance() {
  static CommandTable table;
  return table;
}

CommandTable::CommandTable() {
  for (auto family : {StringCommands(), KeyCommands(), ServerCommands(), MemoryCommands(), KProfileCommands()}) {
    for (const CommandSpec& spec : family) {
      index_.emplace(spec.name, all_.size());
      all_.push_back(&spec);
    }
  }
  stats_ = std::make_unique<CommandStats[]>(all_.size());
}

const CommandSpec* CommandTable::Find(std::string_view name) const {
  char buf[64];
  if (name.size() > sizeof(buf)) return nullptr;
  for (size_t i = 0; i < name.size(); i++) {
    buf[i] = static_cast<char>(tolower(static_cast<unsigned char>(name[i])));
  }
  auto it = index_.find(std::string_view(buf, name.size()));
  return it == index_.end() ? nullptr : all_[it->second];
}

CommandStats& CommandTable::Stats(const CommandSpec* spec) {
  return stats_[index_.at(spec->name)];
}

void CommandTable::ResetStats() {
  for (size_t i = 0; i < all_.size(); i++) {
    stats_[i].calls = 0;
    stats_[i].usec = 0;
    stats_[i].rejected_calls = 0;
    stats_[i].failed_calls = 0;
  }
}

}  // namespace mnemo
