// ScriptEngine: Lua scripting (EVAL, EVALSHA, SCRIPT ...) behind commands/script_api.h.
//
// One thread runs every script, one after the other, in one LuaVm (docs/internals.md,
// "Scripting", says why): a worker hands an EVAL over with its connection suspended
// (ServerApi::Suspend) and goes on serving its other clients; the reply comes back to the
// connection when the script ends. While a script has run longer than busy-reply-threshold,
// busy() is true and dispatch answers other clients -BUSY.
//
// Atomicity: each run has one WriteContext. The stripes of all KEYS are locked before the
// script starts; every write goes into the context, which is committed once when the script
// ends (or dropped: SCRIPT KILL, a limit), so no other client ever sees part of a script. A key
// the script touches that is not in KEYS is locked if free; if another client holds it, the run
// is dropped and the script runs again with that key locked up front (nothing was visible).
//
// Messages: a script's PUBLISH and keyspace events are kept during the run and sent after its
// commit (ScriptHooks::publish), before its reply is posted, so every subscriber gets them
// before the caller's next command; a dropped run sends none.
//
// Inside EXEC: an EXEC whose queue holds a script command borrows the VM (Lease): the script
// thread waits while the EXEC's worker runs the transaction, its scripts included, in the
// transaction's write context (docs/internals.md, "Transactions").
//
// The cache: SCRIPT LOAD's scripts stay until SCRIPT FLUSH; scripts that only EVAL cached are
// dropped oldest first beyond kMaxEvalScripts (as Redis 7.4 does), so a client that sends ever
// new script bodies cannot fill the memory.
//
// Thread-safety: the ScriptApi methods, busy(), memory() and Stop may be called from any thread;
// the VM and the run's fields are used by the script thread, or by the lease's holder while
// the script thread waits for it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>

#include "commands/script_api.h"
#include "script/script_caller.h"

namespace mnemo {

class Config;
class LuaVm;
class Storage;

// What the snapshot (mem_lua) and INFO memory report of scripting.
struct ScriptMemory {
  uint64_t vm = 0;              // used_memory_lua: bytes the Lua state holds
  uint64_t cache = 0;           // used_memory_scripts: cached bodies and their entries
  uint64_t cached_scripts = 0;  // number_of_cached_scripts
};

class ScriptEngine : public ScriptApi {
 public:
  static constexpr size_t kMaxEvalScripts = 500;
  // Runs of one script at most, when keys outside KEYS keep being busy (each run locks more).
  static constexpr int kMaxRuns = 8;

  ScriptEngine(ServerApi* server, Config* config, Storage* storage, ScriptHooks hooks);
  ~ScriptEngine() override;  // Stop()

  // Starts the script thread.
  void Start();
  // Kills the running script, drops queued jobs (their connections get an error) and joins.
  void Stop();

  Status Eval(CommandContext& ctx, EvalRequest request) override;
  Status Load(CommandContext& ctx, std::string body) override;
  std::vector<bool> Exists(const std::vector<std::string>& shas) override;
  Status Flush(CommandContext& ctx) override;
  Status Kill() override;
  void Lease(std::function<void(uint64_t lease)> grant) override;
  bool BeginLease(uint64_t lease) override;
  void EndLease(uint64_t lease) override;

  bool busy() const override { return busy_.load(std::memory_order_relaxed); }
  ScriptMemory memory() const;

 private:
  struct CacheEntry {
    std::string body;
    bool loaded = false;  // by SCRIPT LOAD: never evicted
  };
  using Job = std::function<void(Reply& reply, const ScriptCallerInfo& caller)>;
  // Suspends the connection and queues `job` for the script thread, which answers it.
  void Submit(CommandContext& ctx, Job job);
  void Loop();
  // The lease's job on the script thread: grants it and waits for its end.
  void RunLease(const std::function<void(uint64_t)>& grant);
  // True on the thread that holds the lease now (an EXEC's worker running its queue).
  bool HoldsLease() const;
  // On the script thread (or the lease's holder):
  void RunEval(const EvalRequest& request, const ScriptCallerInfo& caller, Reply& reply);
  // The script of an EXEC, in the EXEC's context; the status of a run dropped whole.
  Status EvalInExec(CommandContext& ctx, const EvalRequest& request);
  // The sha of an EVAL's body (compiled and cached) or of an EVALSHA (compiled if the VM
  // dropped it); NOSCRIPT or the compile error otherwise.
  StatusOr<std::string> Resolve(const EvalRequest& request);
  void DropCache();  // SCRIPT FLUSH
  // Compiles and caches `body` (sha = its SHA1); the compile error otherwise.
  Status Cache(const std::string& sha, const std::string& body, bool loaded);
  ScriptOutcome RunOnce(const std::string& sha, const EvalRequest& request,
                        const ScriptCallerInfo& caller, std::vector<std::string>* lock_keys,
                        std::string* out, RespVersion version);
  ScriptOutcome CheckBusyAndKill();

  ServerApi* server_;
  Config* config_;
  Storage* storage_;
  ScriptHooks hooks_;
  std::unique_ptr<LuaVm> vm_;

  mutable std::mutex mu_;  // guards cache_, eval_order_, cache_bytes_ and the queue
  std::unordered_map<std::string, CacheEntry> cache_;
  std::deque<std::string> eval_order_;  // shas cached by EVAL, oldest first
  uint64_t cache_bytes_ = 0;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::thread thread_;
  // The lease (guarded by mu_): its number (0 = none granted), whether its holder began, and
  // the holder's thread.
  uint64_t lease_ = 0;
  uint64_t leases_ = 0;
  bool lease_begun_ = false;
  std::thread::id lease_thread_;

  // The running script: its run number (0 = none), when it started, the kill request.
  std::atomic<uint64_t> running_{0};
  std::atomic<uint64_t> kill_{0};
  std::atomic<bool> busy_{false};
  int64_t started_ms_ = 0;
  uint64_t runs_ = 0;
};

// The SHA1 of `data` in lower-case hex (OpenSSL).
std::string Sha1Hex(std::string_view data);

}  // namespace mnemo
