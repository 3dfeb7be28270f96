// ScriptCaller: runs the commands of one script run (redis.call / redis.pcall) through the
// normal command table, as the client that called EVAL, into the run's one write context.
//
// Each command gets Redis's scripting checks first (unknown command, arity, `noscript`, admin
// rights, writes from EVAL_RO, the memory gate for commands that add data), then runs with its
// own reply buffer in the protocol redis.setresp chose, bracketed in the run's write context
// so a failing command leaves nothing behind. Nothing is committed here: the engine commits the
// context once, when the script ends.
//
// Not thread-safe: used by the script thread only, for one run.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "commands/command.h"
#include "script/lua_vm.h"
#include "types/write_context.h"

namespace mnemo {

// The calling connection as a script sees it, copied on its worker thread when EVAL arrives.
struct ScriptCallerInfo {
  uint64_t id = 0;
  std::string name;
  std::string ns;
  bool authenticated = true;
  bool admin = true;
  bool from_loopback = true;
};

// The ClientApi of commands run by a script: the caller's identity; nothing of the connection
// can be changed from inside a script (the commands that would are `noscript`).
class ScriptClient : public ClientApi {
 public:
  explicit ScriptClient(const ScriptCallerInfo& info) : info_(info) {}
  uint64_t id() const override { return info_.id; }
  const std::string& name() const override { return info_.name; }
  void set_name(std::string) override {}
  bool authenticated() const override { return info_.authenticated; }
  bool admin() const override { return info_.admin; }
  void SetAuthenticated(bool) override {}
  const std::string& ns() const override { return info_.ns; }
  void set_ns(std::string) override {}
  bool from_loopback() const override { return info_.from_loopback; }
  void CloseAfterReply() override {}
  void CommitPendingWrites() override {}  // a script's writes are all in its one context
  std::string Describe() override { return ""; }
  void Reset() override {}
  void SetReplyMode(ReplyMode) override {}
  RespVersion resp() const override { return resp_; }
  void set_resp(RespVersion v) override { resp_ = v; }
  void set_lib_name(std::string) override {}
  void set_lib_ver(std::string) override {}
  void NoteSubcommand(std::string_view) override {}
  bool in_script() const override { return true; }

 private:
  const ScriptCallerInfo& info_;
  RespVersion resp_ = RespVersion::kResp2;
};

class ScriptCaller : public ScriptHost {
 public:
  // The memory gate for a command flagged kCmdDenyOOM: OK, or the -OOM error to answer.
  using Admit = std::function<Status(const std::vector<std::string>& args, const std::string& ns)>;
  struct Options {
    bool read_only = false;        // EVAL_RO / EVALSHA_RO
    uint64_t write_limit = 0;      // lua-write-limit: bytes the context may buffer
    std::function<bool()> killed;  // SCRIPT KILL (and the busy clock), from the hook
  };
  ScriptCaller(ServerApi* server, Storage* storage, const ScriptCallerInfo& info,
               WriteContext* context, Admit admit, Options options);

  void Call(std::vector<std::string>& args, RespVersion resp, std::string* reply) override;
  // kKilled after SCRIPT KILL, kWriteLimit once the context holds more than write_limit bytes,
  // kRetry once a key outside the locked set was held by another client
  // (WriteContext::contended).
  ScriptOutcome ShouldStop() override;

  // Whether a command that may write ran (SCRIPT KILL's UNKILLABLE in Redis; here informative).
  bool wrote() const { return wrote_; }

 private:
  // Redis's checks before a command runs; the error reply text, or "" to go on.
  std::string Refusal(const CommandSpec* spec, const std::vector<std::string>& args) const;

  ServerApi* server_;
  Storage* storage_;
  ScriptClient client_;
  WriteContext* context_;
  Admit admit_;
  Options options_;
  bool wrote_ = false;
};

}  // namespace mnemo
