#include "script/script_caller.h"

#include <cstring>

#include "commands/registry.h"
#include "common/string_util.h"
#include "config/config.h"
#include "types/database.h"

namespace mnemo {

int64_t ScriptClient::Publish(PubSubKind kind, std::string_view channel, std::string_view message) {
  if (forward_ != nullptr) return forward_->Publish(kind, channel, message);
  messages_.push_back(ScriptMessage{0, kind, std::string(channel), std::string(message)});
  return hooks_.receivers ? hooks_.receivers(kind, info_.ns, channel) : 0;
}

void ScriptClient::NotifyKeyspaceEvent(uint32_t type, std::string_view event,
                                       std::string_view key) {
  if (forward_ != nullptr) return forward_->NotifyKeyspaceEvent(type, event, key);
  messages_.push_back(
      ScriptMessage{type, PubSubKind::kChannel, std::string(event), std::string(key)});
}

ScriptCaller::ScriptCaller(ServerApi* server, Storage* storage, const ScriptCallerInfo& info,
                           WriteContext* context, const ScriptHooks& hooks, Options options)
    : server_(server),
      storage_(storage),
      client_(info, hooks, options.exec_client),
      context_(context),
      hooks_(hooks),
      options_(std::move(options)) {}

ScriptOutcome ScriptCaller::ShouldStop() {
  if (options_.killed && options_.killed()) return ScriptOutcome::kKilled;
  if (!context_->contended().empty()) return ScriptOutcome::kRetry;
  if (context_->bytes() > options_.write_limit) return ScriptOutcome::kWriteLimit;
  return ScriptOutcome::kOk;
}

std::string ScriptCaller::Refusal(const CommandSpec* spec,
                                  const std::vector<std::string>& args) const {
  if (spec == nullptr) return "ERR Unknown Redis command called from script";
  int argc = static_cast<int>(args.size());
  if ((spec->arity > 0 && argc != spec->arity) || (spec->arity < 0 && argc < -spec->arity)) {
    return "ERR Wrong number of args calling Redis command from script";
  }
  if (spec->flags & kCmdNoScript) return "ERR This Redis command is not allowed from script";
  if (!client_.authenticated() && !(spec->flags & kCmdNoAuth)) {
    return "NOAUTH Authentication required.";
  }
  if ((spec->flags & kCmdAdmin) && !client_.admin()) {
    return "ERR admin permission required to perform the command";
  }
  // PUBLISH and SPUBLISH count as writes there (Redis's may_replicate).
  bool publish = strcmp(spec->name, "publish") == 0 || strcmp(spec->name, "spublish") == 0;
  if ((spec->flags & kCmdWrite || publish) && options_.read_only) {
    return "ERR Write commands are not allowed from read-only scripts.";
  }
  if (spec->flags & kCmdDenyOOM) {
    Status s = hooks_.admit ? hooks_.admit(args, client_.ns()) : Status::OK();
    if (!s.ok()) return s.ToString();
  }
  return "";
}

void ScriptCaller::Call(std::vector<std::string>& args, RespVersion resp, std::string* reply) {
  CommandTable& table = CommandTable::Instance();
  CommandStats* stats = nullptr;
  const CommandSpec* spec = table.Find(args[0], &stats);
  Reply r(reply, resp);
  if (std::string refusal = Refusal(spec, args); !refusal.empty()) {
    if (stats != nullptr) stats->rejected_calls.fetch_add(1, std::memory_order_relaxed);
    r.Error(refusal);
    return;
  }
  if (!(spec->flags & kCmdReadOnly)) wrote_ = true;
  client_.set_resp(resp);
  Database db(storage_, client_.ns(), context_);
  CommandContext ctx{args, r, *server_, client_, db, nullptr, spec};
  ctx.notify_flags = server_->config().notify_flags();
  // Inside EXEC the EVAL's bracket is open on the context (brackets do not nest): a failing
  // command writes nothing anyway (types/ write only after every check), and a run dropped
  // whole is rolled back by EXEC.
  bool bracket = options_.exec_client == nullptr;
  if (bracket) context_->BeginCommand();
  int64_t start = MonotonicUs();
  Status s = spec->handler(ctx);
  stats->usec.fetch_add(static_cast<uint64_t>(MonotonicUs() - start), std::memory_order_relaxed);
  stats->calls.fetch_add(1, std::memory_order_relaxed);
  if (!s.ok()) {
    if (bracket) context_->RollbackCommand();
    stats->failed_calls.fetch_add(1, std::memory_order_relaxed);
    reply->clear();
    r.Error(s.ToString());
    return;
  }
  if (bracket) context_->EndCommand();
}

}  // namespace mnemo
