// Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH. The handlers are thin: the queue, the
// watches and the run of EXEC belong to the connection (ClientApi; server/transaction.h), since
// EXEC runs each queued command through the connection's own dispatch.
#include <span>

#include "commands/command.h"

namespace mnemo {
namespace {

Status CmdMulti(CommandContext& ctx) {
  Status s = ctx.client.Multi();
  if (!s.ok()) return s;
  ctx.reply.Ok();
  return Status::OK();
}

Status CmdExec(CommandContext& ctx) { return ctx.client.Exec(ctx.reply); }

Status CmdDiscard(CommandContext& ctx) {
  Status s = ctx.client.Discard();
  if (!s.ok()) return s;
  ctx.reply.Ok();
  return Status::OK();
}

Status CmdWatch(CommandContext& ctx) {
  Status s = ctx.client.Watch(std::span<const std::string>(ctx.args).subspan(1));
  if (!s.ok()) return s;
  ctx.reply.Ok();
  return Status::OK();
}

Status CmdUnwatch(CommandContext& ctx) {
  ctx.client.Unwatch();
  ctx.reply.Ok();
  return Status::OK();
}

constexpr uint32_t kTxn = kCmdLoading | kCmdNoQueue;

// clang-format off
const CommandSpec kCommands[] = {
    {"multi", 1, kTxn | kCmdFast | kCmdNoScript | kCmdAllowBusy, 0, 0, 0, CmdMulti, "transactions",
     "Mark the start of a transaction block",
     {.since = "1.2.0", .complexity = "O(1)", .acl = "@fast @transaction"}},
    {"exec", 1, kTxn | kCmdNoScript, 0, 0, 0, CmdExec, "transactions", "Execute all commands issued after MULTI",
     {.since = "1.2.0",
      .complexity = "Depends on commands in the transaction",
      .acl = "@slow @transaction",
      .notes = "The transaction's writes are one atomic write to storage, and the keys of every "
               "queued command are locked before the first runs, so no other client sees a part "
               "of it (docs/internals.md, \"Transactions\"). A command that must run on the "
               "background thread (CLIENT LIST, MEMORY STATS, ...) answers an error inside "
               "EXEC. Scripts (EVAL..., SCRIPT LOAD) in the queue run inside the transaction, on "
               "the EXEC's worker, which borrows the script engine for it."}},
    {"discard", 1, kTxn | kCmdFast | kCmdNoScript | kCmdAllowBusy, 0, 0, 0, CmdDiscard, "transactions",
     "Discard all commands issued after MULTI",
     {.since = "2.0.0",
      .complexity = "O(N), when N is the number of queued commands",
      .acl = "@fast @transaction"}},
    {"watch", -2, kTxn | kCmdFast | kCmdNoScript | kCmdAllowBusy, 1, -1, 1, CmdWatch, "transactions",
     "Watch the given keys to determine execution of the MULTI/EXEC block",
     {.since = "2.2.0",
      .complexity = "O(1) for every key.",
      .args = "key:key...",
      .acl = "@fast @transaction",
      .keys = "RO index:1 range:-1,1,0"}},
    {"unwatch", 1, kCmdLoading | kCmdFast | kCmdNoScript | kCmdAllowBusy, 0, 0, 0, CmdUnwatch, "transactions",
     "Forget about all watched keys",
     {.since = "2.2.0", .complexity = "O(1)", .acl = "@fast @transaction"}},
};
// clang-format on

}  // namespace

std::span<const CommandSpec> TransactionCommands() { return kCommands; }

}  // namespace mnemo
