#include "commands/registry.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>

#include "common/log.h"
#include "types/database.h"

namespace mnemo {

Status SyntaxError() { return Status::InvalidArgument("syntax error"); }
Status RequireAdmin(const CommandContext& ctx) {
  if (ctx.client.admin()) return Status::OK();
  return Status::InvalidArgument("admin permission required to perform the command");
}
Status NotIntegerError() {
  return Status::InvalidArgument("value is not an integer or out of range");
}
Status DbIndexError() { return Status::InvalidArgument("DB index is out of range"); }
Status WrongArgsError(std::string_view cmd) {
  std::string lower(cmd);
  for (char& c : lower) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  return Status::InvalidArgument("wrong number of arguments for '" + lower + "' command");
}

Status ReplyTooLargeError(uint64_t bytes) {
  return Status::OutOfMemory("command not allowed: the reply (at least " + std::to_string(bytes) +
                             " bytes) would exceed the memory left under 'maxmemory'.");
}

void NotifyIfDeleted(CommandContext& ctx, std::string_view key) {
  if (!(ctx.notify_flags & kNotifyGeneric)) return;
  auto t = ctx.db.Type(key);
  if (t.ok() && *t == DataType::kNone) ctx.Notify(kNotifyGeneric, "del", key);
}

bool ExistsForNotify(CommandContext& ctx, std::string_view key) {
  if (ctx.notify_flags == 0) return false;
  auto t = ctx.db.Type(key);
  return t.ok() && *t != DataType::kNone;
}

bool ReplyCanGrow(CommandContext& ctx, size_t bytes) {
  const std::string& out = *ctx.reply.buffer();
  size_t need = out.size() + bytes;
  if (need <= out.capacity() || need <= kLargeReplyBytes) return true;
  return ctx.server.ReplyFits(std::max(need, 2 * out.capacity()));
}

CommandTable& CommandTable::Instance() {
  static CommandTable table;
  return table;
}

CommandTable::CommandTable() {
  for (auto family :
       {StringCommands(), BitmapCommands(), KeyCommands(), GenericCommands(), ServerCommands(),
        AdminCommands(), MemoryCommands(), KProfileCommands(), NamespaceCommands(), HashCommands(),
        ZSetCommands(), ListCommands(), SetCommands(), TransactionCommands(), SlowlogCommands(),
        ScriptCommands(), PubSubCommands()}) {
    for (const CommandSpec& spec : family) {
      index_.emplace(spec.name, all_.size());
      position_.emplace(&spec, all_.size());
      all_.push_back(&spec);
    }
  }
  for (const CommandSpec* spec : all_) {
    auto add = [&](const char* name, const CommandDoc& doc) {
      auto p = ParseDoc(doc);
      if (!p.ok()) {  // a malformed row is a programming error, caught by registry_test
        Log(LogLevel::kWarning, "command table row '%s': %s", name, p.status().ToString().c_str());
        abort();
      }
      parsed_.emplace(&doc, std::move(*p));
    };
    add(spec->name, spec->doc);
    for (const Subcommand& sub : spec->doc.subcommands) add(sub.name, sub.doc);
  }
  // Two spare entries keep the slots' arrays off each other's cache lines.
  for (auto& slot : stats_) slot = std::make_unique<CommandStats[]>(all_.size() + 2);
}

namespace {

// Lower-cases `name` into `buf`; false when it is too long to be a command name.
bool LowerName(std::string_view name, char (&buf)[64]) {
  if (name.size() > sizeof(buf)) return false;
  for (size_t i = 0; i < name.size(); i++) {
    char c = name[i];
    buf[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
  }
  return true;
}

}  // namespace

const CommandSpec* CommandTable::Find(std::string_view name) const {
  char buf[64];
  if (!LowerName(name, buf)) return nullptr;
  auto it = index_.find(std::string_view(buf, name.size()));
  return it == index_.end() ? nullptr : all_[it->second];
}

const CommandSpec* CommandTable::Find(std::string_view name, CommandStats** stats) {
  char buf[64];
  if (!LowerName(name, buf)) return nullptr;
  auto it = index_.find(std::string_view(buf, name.size()));
  if (it == index_.end()) return nullptr;
  *stats = &stats_[ThreadSlot()][it->second];
  return all_[it->second];
}

CommandCounts CommandTable::Counts(const CommandSpec* spec) const {
  size_t i = position_.at(spec);
  CommandCounts c;
  for (const auto& slot : stats_) {
    c.calls += slot[i].calls.load(std::memory_order_relaxed);
    c.usec += slot[i].usec.load(std::memory_order_relaxed);
    c.rejected_calls += slot[i].rejected_calls.load(std::memory_order_relaxed);
    c.failed_calls += slot[i].failed_calls.load(std::memory_order_relaxed);
    c.alloc_bytes += slot[i].alloc_bytes.load(std::memory_order_relaxed);
    c.alloc_peak = std::max(c.alloc_peak, slot[i].alloc_peak.load(std::memory_order_relaxed));
    for (size_t b = 0; b < kLatencyBuckets; b++)
      c.latency.counts[b] += slot[i].latency[b].load(std::memory_order_relaxed);
  }
  return c;
}

void CommandTable::ResetStats() {
  for (auto& slot : stats_) {
    for (size_t i = 0; i < all_.size(); i++) {
      slot[i].calls = 0;
      slot[i].usec = 0;
      slot[i].rejected_calls = 0;
      slot[i].failed_calls = 0;
      slot[i].alloc_bytes = 0;
      slot[i].alloc_peak = 0;
      for (auto& b : slot[i].latency) b.store(0, std::memory_order_relaxed);
    }
  }
}

namespace {

std::string FlagNames(uint32_t flags) {
  static const std::pair<uint32_t, const char*> kNames[] = {
      {kCmdWrite, "write"},         {kCmdReadOnly, "readonly"}, {kCmdDenyOOM, "denyoom"},
      {kCmdAdmin, "admin"},         {kCmdNoAuth, "no-auth"},    {kCmdFast, "fast"},
      {kCmdBatchable, "batchable"}, {kCmdLoading, "loading"},   {kCmdNoScript, "noscript"},
      {kCmdAllowBusy, "allow-busy"}};
  std::string out;
  for (auto& [bit, name] : kNames) {
    if (!(flags & bit)) continue;
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

std::string Arity(int arity) {
  return arity >= 0 ? std::to_string(arity) : ">= " + std::to_string(-arity);
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& ch : out) ch = static_cast<char>(toupper(static_cast<unsigned char>(ch)));
  return out;
}

}  // namespace

std::string CommandTable::RenderMarkdown() const {
  std::string out =
      "# Commands\n\n"
      "Generated from the command tables in `src/commands/` by `build/mnemo --commands-doc`;\n"
      "a unit test keeps this file equal to the code. The syntax is what `COMMAND DOCS` gives\n"
      "(Redis 7.0's, for the commands Redis has). Arity counts the command name, as Redis's\n"
      "`COMMAND` does. Flags: `write` may change data, `readonly` never does, `denyoom` may add\n"
      "data, `admin` needs an admin connection when `requirepass` is set, `no-auth` is allowed\n"
      "before `AUTH`, `fast` is O(1) or O(log n), `batchable` is a blind write that joins the\n"
      "worker's group commit (see internals.md), `noscript` is refused inside a Lua script,\n"
      "`allow-busy` is served while a script is busy (past `busy-reply-threshold`). Where\n"
      "Mnemo behaves differently from Redis, the notes at the end say how.\n";
  std::vector<const CommandSpec*> sorted = all_;
  std::stable_sort(sorted.begin(), sorted.end(), [](const CommandSpec* a, const CommandSpec* b) {
    return std::string_view(a->group) < std::string_view(b->group);
  });
  std::string group, notes;
  auto row = [&](std::string name, const CommandDoc& doc, int arity, uint32_t flags,
                 const std::string& keys, const char* summary) {
    std::string usage;
    for (char ch : RenderUsage(Parsed(doc).args)) {
      if (ch == '|') usage += '\\';  // a table cell's pipe
      usage += ch;
    }
    out += "| `" + name + (usage.empty() ? "" : " " + usage) + "` | " + Arity(arity) + " | " +
           FlagNames(flags) + " | " + keys + " | " + summary + " |\n";
    if (*doc.notes) notes += "- `" + name + "`: " + doc.notes + "\n";
  };
  for (const CommandSpec* c : sorted) {
    if (group != c->group) {
      group = c->group;
      out += "\n## " + group +
             "\n\n| command | arity | flags | keys | summary |\n|---|---|---|---|---|\n";
    }
    std::string keys = c->first_key == 0
                           ? "-"
                           : std::to_string(c->first_key) + ".." + std::to_string(c->last_key) +
                                 " step " + std::to_string(c->key_step);
    row(Upper(c->name), c->doc, c->arity, c->flags, keys, c->summary);
    for (const Subcommand& sub : c->doc.subcommands) {
      row(Upper(c->name) + " " + Upper(sub.name), sub.doc, sub.arity, c->flags, "-", sub.summary);
    }
  }
  if (!notes.empty()) out += "\n## Notes\n\n" + notes;
  return out;
}

}  // namespace mnemo
