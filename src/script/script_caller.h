// ScriptCaller: runs the commands of one script run (redis.call / redis.pcall) through the
// normal command table, as the client that called EVAL, into the run's one write context.
//
// Each command gets Redis's scripting checks first (unknown command, arity, `noscript`, admin
// rights, writes from EVAL_RO, the memory gate for commands that add data), then runs with its
// own reply buffer in the protocol redis.setresp chose, bracketed in the run's write context
// so a failing command leaves nothing behind. Nothing is committed here: the engine commits the
// context once, when the script ends.
//
// A script's PUBLISH and keyspace events are not sent while it runs: they are kept (in order)
// and sent after its commit, or dropped with its writes. Inside EXEC they go to the EXEC's
// connection instead, which sends them after the transaction's commit.
//
// Not thread-safe: used by one thread (the script thread, or the worker holding the VM's lease
// for an EXEC) for one run.
#pragma once

#include <atomic>
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

// A message of a script, kept until its writes commit: a PUBLISH / SPUBLISH (`event_type` 0:
// `kind`, `channel`, `payload`) or a keyspace event (`event_type` its class, `channel` the
// event's name, `payload` the key).
struct ScriptMessage {
  uint32_t event_type = 0;
  PubSubKind kind = PubSubKind::kChannel;
  std::string channel, payload;
};

// What the server does for a script's commands beyond running them (server/server.cc).
struct ScriptHooks {
  // The memory gate for a command flagged kCmdDenyOOM: OK, or the -OOM error to answer.
  std::function<Status(const std::vector<std::string>& args, const std::string& ns)> admit;
  // PUBLISH's answer: the receivers `channel` of `ns` has now (as Redis counts them).
  std::function<int64_t(PubSubKind kind, const std::string& ns, std::string_view channel)>
      receivers;
  // After a run's commit: sends its messages in order (from the calling thread, to the
  // subscribers' workers), so that they reach every subscriber before the script's reply.
  std::function<void(const std::string& ns, const std::vector<ScriptMessage>& messages)> publish;
  // Before a run's commit: serves the clients blocked on keys it wrote, into its context
  // (server/blocking.h, BlockingRegistry::ServeWritten); their events go to `client`.
  std::function<void(WriteContext* context, ClientApi& client)> serve_blocked;
  // What the run's context watches to note the keys it writes (WriteContext::WatchWrites).
  const std::atomic<int64_t>* blocked_waiting = nullptr;
};

// The ClientApi of commands run by a script: the caller's identity; nothing of the connection
// can be changed from inside a script (the commands that would are `noscript`). PUBLISH and
// keyspace events are kept in `messages` (or handed to `forward`, the EXEC's connection).
class ScriptClient : public ClientApi {
 public:
  ScriptClient(const ScriptCallerInfo& info, const ScriptHooks& hooks, ClientApi* forward)
      : info_(info), hooks_(hooks), forward_(forward) {}
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
  int64_t Publish(PubSubKind kind, std::string_view channel, std::string_view message) override;
  void NotifyKeyspaceEvent(uint32_t type, std::string_view event, std::string_view key) override;
  std::vector<ScriptMessage>& messages() { return messages_; }

 private:
  const ScriptCallerInfo& info_;
  const ScriptHooks& hooks_;
  ClientApi* forward_;
  RespVersion resp_ = RespVersion::kResp2;
  std::vector<ScriptMessage> messages_;
};

class ScriptCaller : public ScriptHost {
 public:
  struct Options {
    bool read_only = false;        // EVAL_RO / EVALSHA_RO
    uint64_t write_limit = 0;      // lua-write-limit: bytes the context may buffer
    std::function<bool()> killed;  // SCRIPT KILL (and the busy clock), from the hook
    // Inside EXEC: the EXEC's connection, which gets the messages; the commands are then not
    // bracketed one by one (the context's bracket is the EVAL's, which EXEC opened).
    ClientApi* exec_client = nullptr;
  };
  ScriptCaller(ServerApi* server, Storage* storage, const ScriptCallerInfo& info,
               WriteContext* context, const ScriptHooks& hooks, Options options);

  void Call(std::vector<std::string>& args, RespVersion resp, std::string* reply) override;
  // kKilled after SCRIPT KILL, kWriteLimit once the context holds more than write_limit bytes,
  // kRetry once a key outside the locked set was held by another client
  // (WriteContext::contended).
  ScriptOutcome ShouldStop() override;

  // Whether a command that may write ran (SCRIPT KILL's UNKILLABLE in Redis; here informative).
  bool wrote() const { return wrote_; }
  // The client the script's commands run as (its kept messages).
  ScriptClient& client() { return client_; }

 private:
  // Redis's checks before a command runs; the error reply text, or "" to go on.
  std::string Refusal(const CommandSpec* spec, const std::vector<std::string>& args) const;

  ServerApi* server_;
  Storage* storage_;
  ScriptClient client_;
  WriteContext* context_;
  const ScriptHooks& hooks_;
  Options options_;
  bool wrote_ = false;
};

}  // namespace mnemo
