// What the scripting commands (EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT ...; cmd_script.cc)
// ask of the script engine (script/script_engine.h), which server/ owns and hands out through
// ServerApi::scripts(). The commands parse their arguments; the engine runs scripts on its own
// thread and answers the calling connection later (ServerApi::Suspend).
//
// Thread-safety: every method may be called from any worker thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "commands/command.h"

namespace mnemo {

class ScriptApi {
 public:
  virtual ~ScriptApi() = default;

  // One EVAL / EVALSHA: `script` is the body (EVAL) or a SHA1 in hex (EVALSHA, any case);
  // ctx.args[3 .. 3+numkeys) are KEYS, the rest ARGV. `read_only`: EVAL_RO / EVALSHA_RO (a
  // write is refused inside). Suspends the connection; the reply comes when the script ends.
  // Inside EXEC (ctx.client.in_multi(), the caller holding the lease below) the script runs at
  // once on the caller's thread, in the transaction's write context, and a run that must be
  // dropped whole (SCRIPT KILL, a limit) is its non-OK status, so EXEC rolls its writes back.
  struct EvalRequest {
    std::string script;
    bool is_sha = false;
    bool read_only = false;
    std::vector<std::string> keys;
    std::vector<std::string> args;
  };
  virtual Status Eval(CommandContext& ctx, EvalRequest request) = 0;
  // SCRIPT LOAD: compiles and caches `body`; replies its SHA1 or the compile error (at once
  // inside EXEC, as Eval).
  virtual Status Load(CommandContext& ctx, std::string body) = 0;
  // SCRIPT EXISTS: whether each SHA1 (any case) is cached. Answers at once.
  virtual std::vector<bool> Exists(const std::vector<std::string>& shas) = 0;
  // SCRIPT FLUSH: drops every cached script (and the VM's memory with them); replies +OK.
  virtual Status Flush(CommandContext& ctx) = 0;
  // SCRIPT KILL: stops the running script. NotBusy when none runs. A script's writes are never
  // visible before it ends, so even one that wrote is stopped, its writes rolled back.
  virtual Status Kill() = 0;
  // True while a script has run longer than busy-reply-threshold.
  virtual bool busy() const = 0;

  // The lease of the VM, for an EXEC whose queue holds a script command (docs/internals.md,
  // "Transactions"): the EXEC must run on its connection's worker (its other commands touch the
  // connection), and its stripes must not be held while anything waits for the script thread.
  // So the script thread, once it is free, calls `grant(lease)` (which posts the EXEC to its
  // worker) and then waits, running nothing, until EndLease(lease). The worker calls
  // BeginLease(lease) first: false when the lease was taken back (the server stops), and then
  // runs no script. The holder runs the EXEC's scripts on its own thread through Eval, Load and
  // Flush above. A grant that is not used (the connection closed) is given back with EndLease.
  virtual void Lease(std::function<void(uint64_t lease)> grant) = 0;
  virtual bool BeginLease(uint64_t lease) = 0;
  virtual void EndLease(uint64_t lease) = 0;
};

// "-BUSY Mnemo is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.":
// what dispatch answers, while busy(), to every command not flagged kCmdAllowBusy.
Status ScriptBusyError();

}  // namespace mnemo
