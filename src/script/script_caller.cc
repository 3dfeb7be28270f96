#include "script/script_caller.h"

#include "commands/registry.h"
#include "common/string_util.h"
#include "types/database.h"

namespace mnemo {

ScriptCaller::ScriptCaller(ServerApi* server, Storage* storage, const ScriptCallerInfo& info,
                           WriteContext* context, Admit admit, Options options)
    : server_(server),
      storage_(storage),
      client_(info),
      context_(context),
      admit_(std::move(admit)),
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
  if ((spec->flags & kCmdWrite) && options_.read_only) {
    return "ERR Write commands are not allowed from read-only scripts.";
  }
  if (spec->flags & kCmdDenyOOM) {
    Status s = admit_ ? admit_(args, client_.ns()) : Status::OK();
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
  context_->BeginCommand();
  int64_t start = MonotonicUs();
  Status s = spec->handler(ctx);
  stats->usec.fetch_add(static_cast<uint64_t>(MonotonicUs() - start), std::memory_order_relaxed);
  stats->calls.fetch_add(1, std::memory_order_relaxed);
  if (!s.ok()) {
    context_->RollbackCommand();
    stats->failed_calls.fetch_add(1, std::memory_order_relaxed);
    reply->clear();
    r.Error(s.ToString());
    return;
  }
  context_->EndCommand();
}

}  // namespace mnemo
