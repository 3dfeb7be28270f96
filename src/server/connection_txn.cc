// The transaction part of Connection (connection.h): MULTI's queue, WATCH, and EXEC's run of
// the queue inside one write context (docs/internals.md, "Transactions").
#include "commands/command_keys.h"
#include "commands/registry.h"
#include "commands/script_api.h"
#include "common/string_util.h"
#include "config/config.h"
#include "server/connection.h"
#include "server/server.h"
#include "server/worker.h"

namespace mnemo {

Status Connection::Multi() {
  if (txn_.active()) return Status::InvalidArgument("MULTI calls can not be nested");
  txn_.Begin();
  queue_over_limit_ = false;
  return Status::OK();
}

Status Connection::Discard() {
  if (!txn_.active()) return Status::InvalidArgument("DISCARD without MULTI");
  EndTransaction();
  return Status::OK();
}

Status Connection::Watch(std::span<const std::string> keys) {
  if (txn_.active()) return Status::InvalidArgument("WATCH inside MULTI is not allowed");
  Database db(&server_->storage(), ns_);
  int64_t now = NowMs();
  for (const std::string& key : keys) server_->watches().Watch(&watcher_, db.MetaKey(key), now);
  return Status::OK();
}

void Connection::Unwatch() {
  if (!watcher_.keys.empty() || watcher_.dirty.load(std::memory_order_relaxed)) {
    server_->watches().UnwatchAll(&watcher_);
  }
}

void Connection::EndTransaction() {
  txn_.Clear();
  queue_over_limit_ = false;
  Unwatch();
  AccountBuffers();
}

void Connection::QueueCommand(const CommandSpec* spec) {
  if (spec->flags & kCmdNoMulti) {
    txn_.Flag();
    ReplyError("ERR Command not allowed inside a transaction");
    return;
  }
  auto limit = static_cast<size_t>(
      server_->config().client_query_buffer_limit.load(std::memory_order_relaxed));
  if (!queue_over_limit_ && txn_.Queue(spec, std::move(args_)) > limit) {
    // The queue is bounded like the query buffer: past the limit it is freed, and the
    // transaction can only end in EXECABORT.
    queue_over_limit_ = true;
    txn_.DropQueue();
  }
  args_.clear();
  args_bytes_ = 0;  // txn_.memory() counts them now
  AccountBuffers();
  if (queue_over_limit_) {
    txn_.Flag();
    ReplyError("ERR Transaction discarded: the queued commands exceed 'client-query-buffer-limit'");
    return;
  }
  Reply(&out_).Simple("QUEUED");
}

void Connection::LockTransactionKeys(std::span<const QueuedCommand> commands) {
  Database db(&server_->storage(), ns_, &rmw_);
  LockManager* locks = server_->storage().locks();
  // One key per stripe: a transaction of many keys then locks at most kStripes of them.
  std::vector<bool> seen(LockManager::kStripes);
  std::vector<std::string> meta_keys;
  auto add = [&](std::string key) {
    size_t stripe = locks->StripeOf(key);
    if (!seen[stripe]) meta_keys.push_back(std::move(key));
    seen[stripe] = true;
  };
  for (const std::string& key : watcher_.keys) add(key);  // held too: EXEC checks them next
  for (const QueuedCommand& q : commands) {
    auto positions = CommandKeyPositions(*q.spec, q.args);
    if (!positions.ok()) continue;  // the command fails on its own arguments, touching nothing
    for (size_t i : *positions) add(db.MetaKey(q.args[i]));
  }
  // The context is empty (EXEC committed what the connection had pending), so this either takes
  // every stripe at once or waits for all of them in ascending order, holding none meanwhile.
  if (!meta_keys.empty()) rmw_.Lock(meta_keys);
}

// An EXEC whose queue holds a script command runs holding the VM's lease (ScriptApi::Lease):
// the connection pauses until the script thread is free, which then waits while this worker
// runs the whole EXEC — its scripts included — and gives the lease back. Nothing holds a stripe
// while waiting for the script thread (the EXEC locks its keys only once it holds the lease),
// so no cycle of waits can form (docs/internals.md, "Transactions").
void Connection::RequestExecLease() {
  Pause();
  Worker* worker = worker_;
  uint64_t id = id_;
  ScriptApi* scripts = &server_->scripts();
  scripts->Lease([worker, id, scripts](uint64_t lease) {
    worker->RunInLoop([worker, id, scripts, lease] {
      Connection* c = worker->stopping() ? nullptr : worker->Find(id);
      if (c == nullptr) return scripts->EndLease(lease);  // gone: the lease goes back unused
      c->RunLeasedExec(lease);
    });
  });
}

void Connection::RunLeasedExec(uint64_t lease) {
  ScriptApi& scripts = server_->scripts();
  size_t mark = out_.size();
  if (!scripts.BeginLease(lease)) {
    EndTransaction();
    ReplyError("ERR the server is shutting down");
  } else {
    exec_lease_ = lease;
    Reply reply(&out_, resp_);
    Status s = Exec(reply);
    exec_lease_ = 0;
    scripts.EndLease(lease);
    if (!s.ok()) ReplyError(s.ToString());
  }
  // What RunCommand does after any EXEC: clients blocked on the keys written are served in
  // EXEC's context, committed at once (a failure reaches the served clients through
  // AfterCommit and rewrites none of EXEC's replies), and the queued messages go out.
  if (rmw_.has_written()) {
    server_->blocking().ServeWritten(&rmw_, *this);
    (void)rmw_.Commit();
  }
  FlushKeyspaceEvents();
  if (drop_deferred_) out_.resize(mark);  // CLIENT REPLY OFF / SKIP
  ResumeWithReply("");
}

Status Connection::Exec(Reply& reply) {
  if (!txn_.active()) return Status::InvalidArgument("EXEC without MULTI");
  if (txn_.has_script() && exec_lease_ == 0 && !txn_.flagged()) {
    RequestExecLease();  // EXEC runs again, answering, once this worker holds the lease
    return Status::OK();
  }
  if (txn_.flagged()) {
    EndTransaction();
    return Status::Custom("EXECABORT Transaction discarded because of previous errors.");
  }
  if (txn_.deny_oom()) {  // Redis's memory gate for an EXEC of commands that may add data
    Status m = CheckMemory(kCmdDenyOOM);
    if (!m.ok()) {
      EndTransaction();
      return ExecAbortError(m);
    }
  }
  LockTransactionKeys(txn_.queue());
  if (server_->watches().Changed(&watcher_, NowMs())) {
    rmw_.Abandon();  // nothing written yet: releases the stripes
    EndTransaction();
    reply.NullArray();
    return Status::OK();
  }
  std::vector<QueuedCommand> queue = std::move(txn_.queue());
  EndTransaction();  // as Redis: out of MULTI and the watches gone once EXEC runs
  size_t reply_start = out_.size();
  size_t events_start = events_.size();
  Status s = RunQueue(queue, reply);
  if (s.ok()) s = rmw_.Commit();  // the transaction's writes: one atomic write
  if (!s.ok()) {
    rmw_.Abandon();
    out_.resize(reply_start);  // nothing (more) was applied: EXEC answers the error
    events_.resize(events_start);
  }
  return s;
}

Status Connection::RunQueue(std::vector<QueuedCommand>& queue, Reply& reply) {
  CommandTable& table = CommandTable::Instance();
  std::vector<std::string> exec_args = std::move(args_);
  reply.ArrayHeader(queue.size());
  Status s;
  in_exec_ = true;
  for (size_t i = 0; i < queue.size() && s.ok(); i++) {
    CommandStats* stats = nullptr;
    table.Find(queue[i].spec->name, &stats);
    args_ = std::move(queue[i].args);
    bool outside = queue[i].spec->flags & kCmdOutsideContext;
    // FLUSHDB / FLUSHALL write to storage directly: what came before them commits first (so
    // they delete it), and the stripes of the commands after them are taken again.
    if (outside) s = rmw_.Commit();
    if (s.ok()) RunCommand(queue[i].spec, *stats, reply);
    if (s.ok() && outside) LockTransactionKeys(std::span(queue).subspan(i + 1));
  }
  in_exec_ = false;
  args_ = std::move(exec_args);
  return s;
}

}  // namespace mnemo
