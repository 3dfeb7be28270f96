// LuaVm: one Lua 5.1 state set up as Redis 7.0's scripting environment, and the running of one
// cached script in it.
//
// The environment (script/lua_sandbox.cc): the base, table, string and math libraries, cjson
// and bit (lua-cjson, lua-bitop), cmsgpack (over lua-messagepack, script/lua_cmsgpack.h; Debian
// ships no struct), and the `redis` table
// (call, pcall, error_reply, status_reply, sha1hex, log, setresp, the LOG_* and REPL_*
// constants and the replication no-ops). Nothing reaches files, the process or other modules:
// no os, io, package, require, module, dofile, loadfile, print, getfenv, setfenv, newproxy or
// debug. Globals are read-only as in Redis 7: assigning one, or a field of a library table,
// fails with "Attempt to modify a readonly table", and reading an unset one with "Script
// attempted to access nonexistent global variable 'x'". math.random is Redis's own generator
// (drand48's sequence), seeded with 0 when the state is made and, as in Redis 7, going on from
// script to script: math.randomseed(n) makes a script's numbers the same on every run.
//
// Memory: every allocation of the state goes through a counting allocator; while a script
// runs (or a body compiles) it refuses to grow the state past `limit` bytes, and the script is
// stopped with an error that pcall cannot catch. The state itself survives and is collected.
//
// Thread-compatible: one thread uses a LuaVm at a time (the script engine's thread); memory()
// may be read from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "protocol/reply.h"

struct lua_State;
struct lua_Debug;

namespace mnemo {

// How a script run ended. kError: the script raised an error (its writes stand, as in Redis);
// the others after kError stop the script and drop its writes: SCRIPT KILL, the memory limit,
// a reply past the memory limit, lua-write-limit, and kRetry (a key outside the locked set was
// busy: the engine runs the script again with it locked first).
enum class ScriptOutcome {
  kOk,
  kError,
  kKilled,
  kOutOfMemory,
  kReplyTooLarge,
  kWriteLimit,
  kRetry
};

// What a running script asks of the server.
class ScriptHost {
 public:
  virtual ~ScriptHost() = default;
  // redis.call / redis.pcall: runs `args` as a command and appends its one reply, in protocol
  // `resp`, to *reply. A refusal by the scripting layer ("Unknown Redis command called from
  // script", ...) is an error reply too.
  virtual void Call(std::vector<std::string>& args, RespVersion resp, std::string* reply) = 0;
  // Called every kHookInstructions Lua instructions and after each Call: anything but kOk
  // stops the script with that outcome.
  virtual ScriptOutcome ShouldStop() = 0;
};

class LuaVm {
 public:
  LuaVm();
  ~LuaVm();
  LuaVm(const LuaVm&) = delete;
  LuaVm& operator=(const LuaVm&) = delete;

  static constexpr int kHookInstructions = 100000;

  // Bytes the state holds now (what its allocator handed out and not freed).
  uint64_t memory() const { return bytes_.load(std::memory_order_relaxed); }
  // The most a script may grow the state to; applies from the next Compile or Run.
  void set_limit(uint64_t bytes) { limit_ = bytes; }

  // Compiles `body` and keeps it under `sha`. On a syntax error (or the memory limit) returns
  // InvalidArgument("Error compiling script (new function): <Lua's message>").
  Status Compile(const std::string& sha, std::string_view body);
  bool Has(const std::string& sha);
  void Drop(const std::string& sha);
  // Drops every compiled script and collects the garbage.
  void DropAll();

  using Outcome = ScriptOutcome;
  // Runs the script `sha` (REQUIRES: Has(sha)) with KEYS and ARGV, calling `host` for its
  // commands, and appends its reply — the converted result or the error — to `reply` (in the
  // caller's protocol). For kWriteLimit and kRetry the reply is left to the caller.
  Outcome Run(const std::string& sha, const std::vector<std::string>& keys,
              const std::vector<std::string>& args, ScriptHost* host, Reply& reply);

  // For the sandbox's C functions (lua_sandbox.cc, lua_redis.cc).
  static LuaVm* From(lua_State* L);
  ScriptHost* host() { return host_; }
  RespVersion script_resp() const { return script_resp_; }
  void set_script_resp(RespVersion v) { script_resp_ = v; }
  // True once the running script must end (killed or out of memory): pcall, xpcall and
  // coroutine.resume re-raise, the hook raises at every instruction.
  bool stopping() const { return stop_ != Outcome::kOk; }
  // Raises the stop error (the SCRIPT KILL error, or out of memory). Does not return.
  int RaiseStop(lua_State* L);
  void Stop(Outcome why);
  // Buffers redis.call reuses, so that a Lua error raised while they are in use leaks nothing.
  std::vector<std::string>& call_args() { return call_args_; }
  std::string& call_reply() { return call_reply_; }
  // math.random's generator state (nrand48's), seeded with 0.
  unsigned short* rand_state() { return rand_state_; }

 private:
  static void* Alloc(void* ud, void* ptr, size_t osize, size_t nsize);
  static void Hook(lua_State* L, lua_Debug* ar);
  // Appends the error reply for a failed run, from the error value at the top of the stack.
  void ReplyRunError(const std::string& sha, Reply& reply);
  void SetArray(const char* name, const std::vector<std::string>& items);

  lua_State* L_ = nullptr;
  std::atomic<uint64_t> bytes_{0};
  uint64_t limit_ = UINT64_MAX;
  bool limited_ = false;  // the limit applies (a script or compile is running)
  ScriptHost* host_ = nullptr;
  RespVersion script_resp_ = RespVersion::kResp2;
  Outcome stop_ = Outcome::kOk;
  std::vector<std::string> call_args_;
  std::string call_reply_;
  unsigned short rand_state_[3] = {0x330E, 0, 0};
};

// Sets up the environment described above in a fresh state (lua_sandbox.cc).
void SetUpSandbox(lua_State* L);
// Registers the `redis` table's functions into the table at the top (lua_redis.cc).
void RegisterRedisLib(lua_State* L);

// Registry keys of what the sandbox keeps out of the scripts' reach.
inline constexpr const char* kRegistryScripts = "mnemo.scripts";          // sha -> function
inline constexpr const char* kRegistryErrorHandler = "mnemo.errhandler";  // the pcall handler
inline constexpr const char* kRegistryGlobals = "mnemo.globals";          // the real globals
inline constexpr const char* kRegistryReadonly = "mnemo.readonly";        // proxy -> real table
inline constexpr const char* kRegistryVm = "mnemo.vm";                    // LuaVm*
inline constexpr const char* kRegistryToString = "mnemo.tostring";        // the base tostring

}  // namespace mnemo
