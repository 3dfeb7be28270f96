#include "server/connection.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "commands/registry.h"
#include "commands/script_api.h"
#include "commands/slowlog.h"
#include "common/heap_bytes.h"
#include "common/log.h"
#include "common/string_util.h"
#include "config/config.h"
#include "server/command_metering.h"
#include "server/server.h"
#include "server/worker.h"
#include "types/namespaces.h"

namespace mnemo {
namespace {

constexpr size_t kReadChunk = 16 * 1024;
// A pipeline's batch is committed early past these sizes, bounding its memory.
constexpr size_t kMaxBatchCommands = 1024;
constexpr size_t kMaxBatchBytes = 4 << 20;
// The worker's write context is committed once it holds this many writes (or kMaxBatchBytes), so
// a long pipeline of distinct keys stays linear overall and its memory bounded.
constexpr size_t kMaxContextWrites = 4096;
// Output limits are checked only above this many pending reply bytes (skips the common case).
constexpr size_t kOutputLimitCheckBytes = 64 * 1024;
// Replies are flushed while a pipeline runs once this many are pending; when the socket then
// refuses them, the connection stops running and reading commands until it drains.
constexpr size_t kFlushReplyBytes = 1 << 20;

RespLimits LimitsFrom(const Config& c) {
  RespLimits l;
  l.max_bulk_len = c.proto_max_bulk_len.load(std::memory_order_relaxed);
  l.max_multibulk_len = c.proto_max_multibulk_len.load(std::memory_order_relaxed);
  return l;
}

std::string UnknownCommandError(const std::vector<std::string>& args) {
  std::string msg =
      "ERR unknown command '" + args[0].substr(0, 128) + "', with args beginning with: ";
  for (size_t i = 1; i < args.size() && msg.size() < 1024; i++) {
    msg += "'" + args[i].substr(0, 128) + "' ";
  }
  return msg;
}

}  // namespace

Connection::Connection(Worker* worker, Server* server, int fd, uint64_t id, std::string addr,
                       std::string laddr, std::unique_ptr<TlsSession> tls)
    : worker_(worker),
      server_(server),
      fd_(fd),
      transport_(fd, std::move(tls)),
      id_(id),
      addr_(std::move(addr)),
      laddr_(std::move(laddr)),
      ns_(kDefaultNamespace),
      activity_(server->namespaces().Activity(kDefaultNamespace)),
      parser_(LimitsFrom(server->config())),
      rmw_(&server->storage()) {
  created_ms_ = last_active_ms_ = NowMs();
  // EXEC's context: a stripe another thread holds is waited for after committing what EXEC
  // wrote so far (the default committer); EXEC takes its keys' stripes up front to avoid it.
  rmw_.WatchWrites(server->blocking().waiting());
  authenticated_ = server->config().requirepass().empty();
  admin_ = authenticated_;
  activity_->clients.fetch_add(1, std::memory_order_relaxed);
}

void Connection::set_ns(std::string ns) {
  CommitPending();  // writes so far belong to the namespace they were made in
  if (ns == ns_) return;
  UnsubscribeAll();  // subscriptions belong to their namespace's channels too: a switch drops them
  ns_ = std::move(ns);
  // The buffers and the connection move to the new namespace's figures.
  int64_t bytes = static_cast<int64_t>(accounted_query_ + accounted_reply_);
  activity_->clients.fetch_sub(1, std::memory_order_relaxed);
  activity_->client_bytes.fetch_sub(bytes, std::memory_order_relaxed);
  activity_ = server_->namespaces().Activity(ns_);
  activity_->clients.fetch_add(1, std::memory_order_relaxed);
  activity_->client_bytes.fetch_add(bytes, std::memory_order_relaxed);
}

void Connection::AccountBuffers() {
  // The MULTI queue counts with the query buffer: both hold requests not yet answered.
  size_t q = QueryBytes(), r = HeapBytes(out_);
  accounted_reply_capacity_ = out_.capacity();
  if (q == accounted_query_ && r == accounted_reply_) return;
  int64_t dq = static_cast<int64_t>(q) - static_cast<int64_t>(accounted_query_);
  int64_t dr = static_cast<int64_t>(r) - static_cast<int64_t>(accounted_reply_);
  worker_->AddBufferBytes(dq, dr);
  activity_->client_bytes.fetch_add(dq + dr, std::memory_order_relaxed);
  accounted_query_ = q;
  accounted_reply_ = r;
}

Connection::~Connection() {
  Unwatch();
  worker_->AddBufferBytes(-static_cast<int64_t>(accounted_query_),
                          -static_cast<int64_t>(accounted_reply_));
  activity_->clients.fetch_sub(1, std::memory_order_relaxed);
  activity_->client_bytes.fetch_sub(static_cast<int64_t>(accounted_query_ + accounted_reply_),
                                    std::memory_order_relaxed);
  if (read_event_) event_free(read_event_);
  if (write_event_) event_free(write_event_);
  if (pause_event_) event_free(pause_event_);
  if (block_event_) event_free(block_event_);
  if (fd_ >= 0) close(fd_);
  UnsubscribeAll();  // a worker's shutdown destroys connections without Close
  server_->ReleaseClient();
}

void Connection::Start() {
  read_event_ =
      event_new(worker_->base(), fd_, EV_READ | EV_PERSIST, &Connection::OnReadable, this);
  write_event_ =
      event_new(worker_->base(), fd_, EV_WRITE | EV_PERSIST, &Connection::OnWritable, this);
  event_add(read_event_, nullptr);
  read_armed_ = true;
}

void Connection::SetAuthenticated(bool admin) {
  authenticated_ = true;
  admin_ = admin;
}

bool Connection::IdleLongerThan(int64_t seconds, int64_t now_ms) const {
  // As in Redis, a subscriber is never idle: it waits for messages.
  return !paused_ && !subscribed() && now_ms - last_active_ms_ > seconds * 1000;
}

void Connection::OnReadable(evutil_socket_t, short, void* arg) {
  auto* c = static_cast<Connection*>(arg);
  c->worker_->NoteRead();
  if (c->write_wants_read_) {  // TLS: the pending write waited for these bytes
    c->write_wants_read_ = false;
    c->FlushOutput();
  }
  c->HandleRead();
}

void Connection::OnWritable(evutil_socket_t, short, void* arg) {
  auto* c = static_cast<Connection*>(arg);
  bool retry_read = c->read_wants_write_;  // TLS: the last read waited for socket space
  c->read_wants_write_ = false;
  c->FlushOutput();
  if (retry_read && !c->closed_) c->HandleRead();
  // Output drained: continue with input that was held back while replies were pending.
  if (!c->closed_ && !c->write_armed_ && !c->paused_) c->ProcessInput();
}

void Connection::HandleRead() {
  if (closed_) return;
  // Limits may change at run time (CONFIG SET); two relaxed loads per read keep them current.
  parser_.set_limits(LimitsFrom(server_->config()));
  size_t held = in_.size() - in_pos_;
  size_t wanted = parser_.BytesWanted();
  size_t want = std::max(kReadChunk, wanted > held ? wanted - held : 0);
  size_t limit = static_cast<size_t>(
      server_->config().client_query_buffer_limit.load(std::memory_order_relaxed));
  want = std::min(want, limit + 1 - std::min(limit, held));
  IoResult r;
  if (want <= kReadChunk) {
    // Usual case: a read returns far less than the chunk, so read on the stack and append what
    // came, rather than zero-filling a whole chunk of the buffer first.
    char chunk[kReadChunk];
    r = transport_.Read(chunk, want);
    in_.append(chunk, r.bytes);
  } else {  // a large bulk is arriving: read it in place
    ReserveInput(want);
    size_t old = in_.size();
    in_.resize(old + want);
    r = transport_.Read(in_.data() + old, want);
    in_.resize(old + r.bytes);
  }
  if (r.bytes == 0) {
    if (r.wait == IoWait::kClosed) Close();
    if (r.wait == IoWait::kWritable) {
      read_wants_write_ = true;
      ArmWrite();
    }
    return;  // kReadable: the read event is persistent
  }
  // TLS may hold decrypted bytes beyond this read that no socket event will announce.
  if (transport_.buffered_input()) event_active(read_event_, EV_READ, 0);
  server_->stats().net_input_bytes.Add(r.bytes);
  last_active_ms_ = NowMs();
  // The limit counts what the buffer holds (its capacity), not just the unparsed bytes, and the
  // arguments already parsed out of it for a request still arriving.
  if (in_.capacity() + parser_.assembling_bytes() > limit) {
    server_->stats().rejected_query_buffer.fetch_add(1, std::memory_order_relaxed);
    ReplyError("ERR Protocol error: query buffer limit exceeded (client-query-buffer-limit)");
    close_after_reply_ = true;
    in_.clear();
    in_.shrink_to_fit();
    in_pos_ = 0;
    if (!in_batch_ && !in_context_) FlushOutput();
    UpdateReadInterest();
    AccountBuffers();
    return;
  }
  ProcessInput();
}

void Connection::ReserveInput(size_t extra) {
  if (in_pos_ > 0) {  // drop the parsed prefix first: only unparsed bytes are kept
    in_.erase(0, in_pos_);
    in_pos_ = 0;
  }
  size_t need = in_.size() + extra;
  if (need <= in_.capacity()) return;
  // std::string grows to at least twice its capacity; a large bulk gets exactly its size, so
  // the buffer holds no more than the request (and the limit, which counts capacity, agrees).
  std::string bigger;
  bigger.reserve(need);
  bigger.append(in_);
  in_.swap(bigger);
}

void Connection::ProcessInput() {
  // Runs commands until the input is used up or the connection must wait (paused, closing,
  // output blocked, or replies held for the worker's batch). A round that stopped because the
  // socket refused replies ends with one more flush; when that flush drains the output (the
  // client read meanwhile), the write event is disarmed and nothing else would come back for
  // the commands still buffered here (their bytes were already read, so no read event either):
  // go round again instead of leaving them stranded.
  while (true) {
    bool input_used_up = RunCommands();
    CompactInput();
    // Replies of writes still in the worker's context or batch go out after its commit
    // (ResumeAfterCommit).
    if (in_batch_ || in_context_) break;
    FlushOutput();
    if (input_used_up || closed_ || paused_ || held_ || close_after_reply_ || write_armed_) break;
  }
  UpdateReadInterest();
  AccountBuffers();
}

bool Connection::RunCommands() {
  // While the socket refuses replies, hold further input back (backpressure).
  while (!closed_ && !paused_ && !close_after_reply_ && !write_armed_) {
    if (!held_) {
      RespParser::Result r;
      size_t wanted = parser_.BytesWanted();
      if (wanted > kReadChunk && in_pos_ == 0 && in_.size() == wanted) {
        // A large bulk read into a buffer of its own (HandleRead) becomes the argument itself:
        // no copy, and the value is not held twice while the request completes.
        std::string bulk;
        bulk.swap(in_);
        r = parser_.TakeBulk(std::move(bulk), &args_);
      } else {
        size_t consumed = 0;
        r = parser_.Parse(in_.data() + in_pos_, in_.size() - in_pos_, &consumed, &args_);
        in_pos_ += consumed;
      }
      if (r == RespParser::Result::kNeedMore) return true;
      args_bytes_ = parser_.command_bytes();
      if (r == RespParser::Result::kError) {
        ReplyError("ERR " + parser_.error());
        close_after_reply_ = true;
        break;
      }
    }
    if (HeldByPause()) break;
    ExecuteWithReplyMode();
    // The arguments go now, not when the next command is parsed: an idle connection whose last
    // command carried megabytes must not keep them.
    args_.clear();
    args_bytes_ = 0;
    if (out_.size() - out_pos_ > kOutputLimitCheckBytes) CheckOutputLimit();
    PendingWrites& pending = worker_->pending();
    if (pending.commands >= kMaxBatchCommands || pending.batch.DataSize() >= kMaxBatchBytes) {
      worker_->CommitWrites();
    }
    const WriteContext& context = worker_->context();
    if (context.writes() >= kMaxContextWrites || context.bytes() >= kMaxBatchBytes) {
      worker_->CommitContext();
    }
    // Flush once a pipeline's replies grow large, so they do not pile up in memory.
    if (out_.size() - out_pos_ >= kFlushReplyBytes) {
      CommitPending();
      FlushOutput();
    }
  }
  return false;
}

void Connection::CompactInput() {
  if (in_pos_ == in_.size()) {
    in_.clear();
    in_pos_ = 0;
    if (in_.capacity() > 64 * 1024) in_.shrink_to_fit();
  } else if (in_pos_ > 0 && (in_pos_ > 64 * 1024 || in_pos_ * 2 > in_.size())) {
    in_.erase(0, in_pos_);
    in_pos_ = 0;
  }
}

void Connection::UpdateReadInterest() {
  // Read only while requests can run: a connection whose replies the socket refuses, that
  // waits for a deferred reply, that CLIENT PAUSE holds or that is closing reads nothing more, so a
  // client that does not read its replies fills the kernel's buffers and blocks instead of growing
  // ours. A TLS write that waits for incoming bytes keeps the read event, which is where it is
  // retried.
  // A blocked client is read on (its input waits in the buffer, bounded by the query buffer
  // limit) so that its disconnect ends its wait at once.
  bool want = !closed_ && (write_wants_read_ || (blocked_ && !close_after_reply_) ||
                           (!write_armed_ && !paused_ && !held_ && !close_after_reply_));
  if (want == read_armed_) return;
  read_armed_ = want;
  if (want) {
    event_add(read_event_, nullptr);
    // TLS may hold decrypted bytes read before the pause, which no socket event will announce.
    if (transport_.buffered_input()) event_active(read_event_, EV_READ, 0);
  } else {
    event_del(read_event_);
  }
}

bool Connection::CheckOutputLimit() {
  if (closed_) return false;
  OutputBufferLimits l =
      server_->config().output_limits(subscribed() ? ClientClass::kPubSub : ClientClass::kNormal);
  auto pending = static_cast<int64_t>(out_.size() - out_pos_ + held_pushes_.size());
  bool over = l.hard > 0 && pending > l.hard;
  if (!over && l.soft > 0 && pending > l.soft) {
    int64_t now = NowMs();
    if (soft_limit_since_ms_ == 0) soft_limit_since_ms_ = now;
    over = now - soft_limit_since_ms_ >= l.soft_seconds * 1000;
  } else if (!over) {
    soft_limit_since_ms_ = 0;
  }
  if (!over) return false;
  server_->stats().output_limit_disconnections.fetch_add(1, std::memory_order_relaxed);
  Log(LogLevel::kWarning,
      "closing client id=%llu addr=%s: %lld reply bytes pending exceed "
      "client-output-buffer-limit (%s class)",
      static_cast<unsigned long long>(id_), addr_.c_str(), static_cast<long long>(pending),
      subscribed() ? "pubsub" : "normal");
  Close();
  return true;
}

Status Connection::CheckMemory(uint32_t flags) {
  if (!(flags & kCmdDenyOOM)) return Status::OK();
  if (Status q = CheckQuota(); !q.ok()) return q;
  MemoryLevel level = server_->governor().level();
  if (level < MemoryLevel::kHard) return Status::OK();
  GovernorCounters& counters = server_->governor().counters();
  if (level == MemoryLevel::kFull) {
    counters.refused_commands.fetch_add(1, std::memory_order_relaxed);
    return MemoryFullError();
  }
  size_t bytes = 0;
  for (const auto& a : args_) bytes += a.size();
  if (static_cast<int64_t>(bytes) <= kHardLevelRequestLimit) return Status::OK();
  counters.refused_oversized.fetch_add(1, std::memory_order_relaxed);
  return Status::OutOfMemory("request too large while used memory is near 'maxmemory'.");
}

Status Connection::CheckQuota() {
  NamespaceRegistry& reg = server_->namespaces();
  // One relaxed load each per write without quotas.
  if (!reg.any_quota() && !reg.any_client_quota()) return Status::OK();
  size_t adding = 0;
  for (const auto& a : args_) adding += a.size();  // at most what the request can add
  if (reg.any_client_quota() && static_cast<int64_t>(adding) > kHardLevelRequestLimit) {
    int64_t quota = reg.ClientQuota(ns_);
    if (quota > 0 && activity_->client_bytes.load(std::memory_order_relaxed) > quota) {
      NoteQuotaRefusal();
      return Status::OutOfMemory("command not allowed: namespace '" + ns_ +
                                 "' is over its client memory quota of " + std::to_string(quota) +
                                 " bytes.");
    }
  }
  if (!reg.any_quota() || !reg.OverQuota(ns_, static_cast<int64_t>(adding))) {
    refusal_run_ = 0;
    return Status::OK();
  }
  NoteQuotaRefusal();
  return QuotaExceededError(ns_, reg.Quota(ns_));
}

void Connection::NoteQuotaRefusal() {
  int64_t longest = server_->config().namespace_quota_backoff.load(std::memory_order_relaxed);
  if (longest <= 0) return;
  int64_t now = NowMs();
  if (now - last_refusal_ms_ > 2 * longest) refusal_run_ = 0;  // an old run is over
  last_refusal_ms_ = now;
  backoff_until_ms_ = now + std::min(longest, int64_t{1} << std::min(refusal_run_, 30));
  refusal_run_++;
}

Status Connection::CheckReplyMemory(const CommandSpec* spec, size_t reply_start) {
  // Only a read's reply can be taken back: a write's reply reports what was done.
  if (!(spec->flags & kCmdReadOnly)) return Status::OK();
  if (server_->ReplyFits(0)) return Status::OK();
  size_t bytes = out_.size() - reply_start;
  out_.resize(reply_start);
  if (out_.capacity() > kFlushReplyBytes) out_.shrink_to_fit();
  return ReplyTooLargeError(bytes);
}

Status Connection::CheckAccess(const CommandSpec* spec) const {
  if (!authenticated_ && !(spec->flags & kCmdNoAuth)) {
    return Status::NoAuth("Authentication required.");
  }
  if ((spec->flags & kCmdAdmin) && !admin_) {
    return Status::InvalidArgument("admin permission required to perform the command");
  }
  return Status::OK();
}

void Connection::Execute() {
  Reply reply(&out_, resp_);
  CommandTable& table = CommandTable::Instance();
  CommandStats* stats_ptr = nullptr;
  const CommandSpec* spec = table.Find(args_[0], &stats_ptr);
  if (spec == nullptr) {
    CommitPending();
    if (txn_.active()) txn_.Flag();
    server_->stats().unknown_commands.fetch_add(1, std::memory_order_relaxed);
    ReplyError(UnknownCommandError(args_));
    return;
  }
  last_command_ = spec->name;
  CommandStats& stats = *stats_ptr;
  int argc = static_cast<int>(args_.size());
  Status s = (spec->arity > 0 && argc != spec->arity) || (spec->arity < 0 && argc < -spec->arity)
                 ? WrongArgsError(spec->name)
                 : CheckAccess(spec);
  // Inside MULTI every command to queue passes the memory gate, as Redis's: a queue grows memory.
  bool queued = txn_.active() && !(spec->flags & kCmdNoQueue);
  if (s.ok()) s = CheckMemory(queued ? spec->flags | kCmdDenyOOM : spec->flags);
  // A script past busy-reply-threshold: only what may stop it (or ends the session) runs.
  if (s.ok() && server_->ScriptBusy() && !(spec->flags & kCmdAllowBusy)) s = ScriptBusyError();
  if (s.ok() && resp_ == RespVersion::kResp2 && subscribed()) s = CheckPubSubContext(spec);
  if (!s.ok()) {
    CommitPending();
    if (txn_.active()) txn_.Flag();  // refused at queue time: EXEC answers EXECABORT
    stats.rejected_calls.fetch_add(1, std::memory_order_relaxed);
    if (std::string_view(spec->name) == "exec") {  // as Redis: a refused EXEC ends MULTI too
      EndTransaction();
      ReplyError(ExecAbortError(s).ToString());
      return;
    }
    ReplyError(s.ToString());
    return;
  }
  if (queued) {
    QueueCommand(spec);
    return;
  }
  RunCommand(spec, stats, reply);
}

void Connection::RunCommand(const CommandSpec* spec, CommandStats& stats, Reply& reply) {
  // Inside EXEC the context is held for the whole transaction: nothing commits in between,
  // and blind writes go into the context too (a handler offered no batch writes through it).
  bool batchable = !in_exec_ && (spec->flags & kCmdBatchable);
  // Reads outside EXEC see committed data only (no context): their replies need not wait.
  bool read_only = !in_exec_ && (spec->flags & kCmdReadOnly);
  if (in_exec_) {
    // Nothing to commit: EXEC holds the context until its end.
  } else if (spec->flags & kCmdWriteContext) {
    // Earlier blind writes of this connection first, so the reads below see them.
    if (in_batch_) CommitPending();
  } else if (batchable) {
    // A blind write follows the context's writes anyway; its reply must not sit among the
    // context's replies (they are rewritten if its commit fails).
    if (in_context_) worker_->CommitContext();
  } else {
    CommitPending();  // this connection's writes, so that it reads them
    // Anything else that may write may use a context of its own (EXEC, a script, a move of
    // blocked clients) and wait for stripes: this thread must then hold none.
    if (!read_only) worker_->CommitContext();
  }
  WriteContext* context = in_exec_ ? &rmw_ : read_only ? nullptr : &worker_->context();
  PendingWrites& pending = worker_->pending();
  size_t reply_start = out_.size();
  size_t pending_before = pending.commands;
  Database db(&server_->storage(), ns_, context);
  CommandContext ctx{args_, reply, *server_, *this, db, batchable ? &pending : nullptr, spec};
  ctx.notify_flags = server_->config().notify_flags();
  size_t events_before = events_.size();
  // Only a command that may write can leave writes to drop; EXEC brackets each of its queued
  // commands itself.
  bool bracketed = context != nullptr && !(spec->flags & (kCmdReadOnly | kCmdNoQueue));
  if (bracketed) context->BeginCommand();
  int64_t start = MonotonicUs();
  // A reply buffer that grew by more than kReplyAccountStep is accounted before the meter lets
  // go of it (RunMetered); smaller growth waits for the end of the pass, as before.
  Status s = RunMetered(spec, ctx, stats, id_, activity_.get(), [this] {
    // The buffer's block changes only when its capacity does: no allocator lookup otherwise.
    if (out_.capacity() == accounted_reply_capacity_) return;
    if (HeapBytes(out_) <= accounted_reply_ + kReplyAccountStep) return;
    size_t before = accounted_reply_;
    AccountBuffers();
    // The reply buffer names it now: the running command (EXEC's, when this one is queued in
    // it) no longer does.
    CommandMeter::ThisThread().HandOver(accounted_reply_ - before);
  });
  auto usec = static_cast<uint64_t>(MonotonicUs() - start);
  stats.usec.fetch_add(usec, std::memory_order_relaxed);
  stats.calls.fetch_add(1, std::memory_order_relaxed);
  RecordLatency(stats, spec, usec);
  server_->stats().commands.Add(1);
  activity_->commands.Add(1);
  if (s.ok() && out_.size() - reply_start > kLargeReplyBytes)
    s = CheckReplyMemory(spec, reply_start);
  if (!s.ok()) {
    // A failed command leaves nothing behind (a no-op unless bracketed).
    if (context != nullptr) context->RollbackCommand();
    events_.resize(events_before);
    // An error reply must not sit among held replies (they are rewritten if a commit fails).
    if (!in_exec_) CommitPending();
    stats.failed_calls.fetch_add(1, std::memory_order_relaxed);
    ReplyError(s.ToString());
    return;
  }
  if (context != nullptr) context->EndCommand();
  if (in_exec_) return;                                  // EXEC's reply waits for its own commit
  if (batchable && pending.commands > pending_before) {  // the handler added a blind write
    if (!in_batch_) {
      in_batch_ = true;
      batch_reply_start_ = reply_start;
      batch_replies_ = 0;
      worker_->Enlist(id_);
    }
    batch_replies_++;
  } else if (context != nullptr && !context->empty() && !blocked_) {
    // It read or wrote through the context, which holds writes not committed yet (its own or
    // other connections'): the reply waits for the context's commit.
    if (!in_context_) {
      in_context_ = true;
      context_reply_start_ = reply_start;
      context_replies_ = 0;
      worker_->EnlistContext(id_);
    }
    context_replies_++;
  }
  // Clients blocked on the keys written get their elements now, in this context (only while
  // anybody waits is anything noted).
  if (context != nullptr && context->has_written())
    server_->blocking().ServeWritten(context, *this);
  // After EXEC (which committed its writes): the clients blocked on the keys they filled are
  // served in EXEC's context, committed at once; this thread holds no other stripe here.
  if (rmw_.has_written()) {
    server_->blocking().ServeWritten(&rmw_, *this);
    (void)rmw_.Commit();  // a failure reaches the served clients (AfterCommit)
  }
  if (!events_.empty() && !in_batch_ && !in_context_) FlushKeyspaceEvents();
}

// The latency histogram (latency-tracking) and the slow log: for a fast command two relaxed
// loads, one increment and one compare.
void Connection::RecordLatency(CommandStats& stats, const CommandSpec* spec, uint64_t usec) {
  // Server:: calls: no virtual dispatch on the hot path.
  if (server_->Server::config().latency_tracking.load(std::memory_order_relaxed))
    stats.latency[LatencyBucket(usec)].fetch_add(1, std::memory_order_relaxed);
  SlowLog& slowlog = server_->Server::slowlog();
  if (!slowlog.Slow(usec)) [[likely]]
    return;
  // As Redis: EXEC's commands are logged one by one, not EXEC; AUTH's and HELLO's secrets are
  // logged as "(redacted)".
  if (strcmp(spec->name, "exec") == 0) return;
  if (strcmp(spec->name, "auth") == 0 || strcmp(spec->name, "hello") == 0) {
    std::vector<std::string> shown = RedactedArgs(spec, args_);
    slowlog.Push(shown, static_cast<int64_t>(usec), addr_, name_);
    return;
  }
  slowlog.Push(args_, static_cast<int64_t>(usec), addr_, name_);
}

// AUTH: every argument; HELLO: the user name and password after AUTH (Redis 7's redaction).
std::vector<std::string> Connection::RedactedArgs(const CommandSpec* spec,
                                                  const std::vector<std::string>& args) {
  std::vector<std::string> shown = args;
  bool auth = strcmp(spec->name, "auth") == 0;
  for (size_t i = 1; i < shown.size(); i++) {
    if (auth) {
      shown[i] = "(redacted)";
    } else if (EqualsIgnoreCase(shown[i], "auth") && i + 2 < shown.size()) {
      shown[i + 1] = shown[i + 2] = "(redacted)";
      i += 2;
    }
  }
  return shown;
}

bool Connection::HeldByPause() {
  // A quota back-off first: its command waits whatever it is (the clock read only then).
  int64_t wait_ms = 0;
  if (backoff_until_ms_ != 0) {
    wait_ms = std::max<int64_t>(0, backoff_until_ms_ - NowMs());
    if (wait_ms == 0) backoff_until_ms_ = 0;
  }
  // One relaxed load per command unless a pause was requested (the name lookup only then).
  // Retry every 10 ms at most: CLIENT UNPAUSE ends a pause early. The worker keeps serving.
  if (wait_ms == 0 && server_->PauseRequested() &&
      server_->PauseHolds(CommandTable::Instance().Find(args_[0]))) {
    wait_ms = 10;
  }
  held_ = wait_ms > 0;
  if (!held_) return false;
  if (pause_event_ == nullptr) {
    pause_event_ = evtimer_new(worker_->base(), &Connection::OnPauseTimer, this);
  }
  timeval tv{static_cast<time_t>(wait_ms / 1000), static_cast<suseconds_t>(wait_ms % 1000 * 1000)};
  evtimer_add(pause_event_, &tv);
  return true;
}

void Connection::OnPauseTimer(evutil_socket_t, short, void* arg) {
  auto* c = static_cast<Connection*>(arg);
  if (!c->closed_ && c->held_) c->ProcessInput();
}

void Connection::ExecuteWithReplyMode() {
  size_t mark = out_.size();
  bool skip_this = skip_next_;
  skip_next_ = false;
  Execute();
  if (!reply_off_ && !skip_this && !skip_next_) return;
  // The batches first, so no batched reply is rewritten past `mark` later.
  CommitPending();
  if (paused_) {
    drop_deferred_ = true;
  } else {
    out_.resize(mark);
  }
}

void Connection::SetReplyMode(ReplyMode mode) {
  reply_off_ = mode == ReplyMode::kOff;
  skip_next_ = mode == ReplyMode::kSkip;
}

void Connection::Reset() {
  EndTransaction();  // RESET discards MULTI and the watches, as Redis's
  set_ns(std::string(kDefaultNamespace));
  name_.clear();
  authenticated_ = server_->config().requirepass().empty();
  admin_ = authenticated_;
  reply_off_ = false;
  skip_next_ = false;
  resp_ = RespVersion::kResp2;  // as Redis: RESET leaves a HELLO 3 connection on RESP2
  UnsubscribeAll();
}

void Connection::ReplyError(std::string_view line) {
  server_->stats().error_replies.Add(1);
  Reply(&out_).Error(line);
}

void Connection::CommitPending() {
  if (in_exec_) return;  // EXEC commits its context once, at its end (AUTH inside EXEC...)
  if (in_batch_) {
    worker_->CommitWrites();  // the context too: it commits first
  } else if (in_context_) {
    worker_->CommitContext();
  }
}

void Connection::ContextCommitted(const Status& s) {
  in_context_ = false;
  size_t replies = context_replies_;
  context_replies_ = 0;
  if (s.ok()) {
    if (!in_batch_) FlushKeyspaceEvents();
  } else {
    events_.clear();  // nothing of it happened
    // A RocksDB write is atomic: nothing of it was applied, every reply it held becomes the error.
    out_.resize(context_reply_start_);
    for (size_t i = 0; i < replies; i++) ReplyError(s.ToString());
  }
  if (!in_batch_) {
    out_.append(held_pushes_);  // messages that came while the replies waited
    held_pushes_.clear();
  }
}

void Connection::BatchCommitted(const Status& s) {
  in_batch_ = false;
  if (s.ok()) {
    if (!in_context_) FlushKeyspaceEvents();
  } else {
    events_.clear();
    // Nothing of the batch was applied: every reply given for it becomes the error.
    out_.resize(batch_reply_start_);
    for (size_t i = 0; i < batch_replies_; i++) ReplyError(s.ToString());
  }
  if (!in_context_) {
    out_.append(held_pushes_);  // messages that came while the replies waited
    held_pushes_.clear();
  }
}

void Connection::ResumeAfterCommit() {
  flush_scheduled_ = false;
  if (closed_ || in_batch_ || in_context_) return;
  FlushOutput();
  // Complete commands still buffered (none today: a pass ends in a batch only once its input
  // is used up) would otherwise wait for a read event that their already-read bytes never
  // bring; a partial one just parses to "need more" again.
  if (!closed_ && !write_armed_ && !paused_ && in_pos_ < in_.size()) ProcessInput();
}

void Connection::ResumeWithReply(const std::string& reply_bytes) {
  // A deferred job's bytes are exactly one reply, so a leading '-' means an error reply.
  if (!reply_bytes.empty() && reply_bytes[0] == '-') server_->stats().error_replies.Add(1);
  if (!drop_deferred_) out_.append(reply_bytes);
  drop_deferred_ = false;
  paused_ = false;
  last_active_ms_ = NowMs();
  FlushOutput();
  if (!closed_) ProcessInput();
}

void Connection::FlushOutput() {
  while (!closed_ && out_pos_ < out_.size()) {
    IoResult r = transport_.Write(out_.data() + out_pos_, out_.size() - out_pos_);
    if (r.bytes > 0) {
      out_pos_ += r.bytes;
      server_->stats().net_output_bytes.Add(r.bytes);
      continue;
    }
    if (r.wait == IoWait::kClosed) {
      Close();
      return;
    }
    CheckOutputLimit();
    if (closed_) return;
    if (r.wait == IoWait::kWritable) ArmWrite();
    if (r.wait == IoWait::kReadable) {  // TLS: retried on the read event, kept armed for it
      write_wants_read_ = true;
      UpdateReadInterest();
    }
    return;
  }
  if (closed_) return;
  out_.clear();
  out_pos_ = 0;
  soft_limit_since_ms_ = 0;
  if (out_.capacity() > 1 << 20) out_.shrink_to_fit();
  if (write_armed_ && !read_wants_write_) {
    event_del(write_event_);
    write_armed_ = false;
    UpdateReadInterest();
  }
  AccountBuffers();
  if (close_after_reply_ && (!paused_ || blocked_)) Close();
}

void Connection::ArmWrite() {
  if (write_armed_) return;
  event_add(write_event_, nullptr);
  write_armed_ = true;
  UpdateReadInterest();
}

void Connection::Kill() {
  close_after_reply_ = true;
  if (!paused_ || blocked_) Close();
}

void Connection::Block(uint64_t seq, int64_t timeout_ms, std::string timeout_reply) {
  blocked_ = true;
  paused_ = true;
  block_seq_ = seq;
  block_timeout_reply_ = std::move(timeout_reply);
  // Past 2^31 s (68 years) no timer is armed (libevent's deadline arithmetic would overflow):
  // the wait is forever, which it would outlast anyway.
  constexpr int64_t kLongestTimerMs = (int64_t{1} << 31) * 1000;
  if (timeout_ms <= 0 || timeout_ms > kLongestTimerMs) return;
  if (block_event_ == nullptr) {
    block_event_ = evtimer_new(worker_->base(), &Connection::OnBlockTimeout, this);
  }
  block_deadline_us_ = MonotonicUs() + timeout_ms * 1000;
  ArmBlockTimer(timeout_ms * 1000);
}

void Connection::ArmBlockTimer(int64_t us) {
  timeval tv{static_cast<time_t>(us / 1000000), static_cast<suseconds_t>(us % 1000000)};
  evtimer_add(block_event_, &tv);
}

void Connection::OnBlockTimeout(evutil_socket_t, short, void* arg) {
  auto* c = static_cast<Connection*>(arg);
  if (!c->blocked_) return;
  // libevent counts from the time it cached when the loop woke, which can be earlier than the
  // wait began: never end a wait before its time.
  int64_t left_us = c->block_deadline_us_ - MonotonicUs();
  if (left_us > 0) {
    c->ArmBlockTimer(left_us);
    return;
  }
  // Only when the wait is still registered: a served client's reply is on its way.
  if (!c->server_->blocking().Remove(c->id_, c->block_seq_)) return;
  std::string reply = std::move(c->block_timeout_reply_);
  c->Unblock(c->block_seq_, reply);
}

void Connection::Unblock(uint64_t seq, const std::string& reply) {
  if (!blocked_ || seq != block_seq_ || closed_) return;
  blocked_ = false;
  if (block_event_ != nullptr) evtimer_del(block_event_);
  ResumeWithReply(reply);
}

void Connection::Close() {
  if (closed_) return;
  closed_ = true;
  if (blocked_) {  // a client that is gone is never served
    server_->blocking().Remove(id_, block_seq_);
    blocked_ = false;
  }
  read_armed_ = false;
  event_del(read_event_);
  event_del(write_event_);
  transport_.Shutdown();
  shutdown(fd_, SHUT_RDWR);
  UnsubscribeAll();
  worker_->Remove(id_);
}

Status Connection::CheckPubSubContext(const CommandSpec* spec) const {
  if (spec->flags & kCmdPubSubContext) return Status::OK();
  std::string name = spec->name;  // Redis names a subcommand as container|sub
  if (args_.size() > 1) {
    std::string sub = ToLower(args_[1]);
    for (const Subcommand& row : spec->doc.subcommands) {
      if (sub == row.name) name += "|" + sub;
    }
  }
  return Status::InvalidArgument("Can't execute '" + name +
                                 "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET "
                                 "are allowed in this context");
}

bool Connection::Subscribe(PubSubKind kind, std::string_view name) {
  if (!subs_[static_cast<size_t>(kind)].emplace(name).second) return false;
  server_->pubsub().Add(kind, ns_, name, PubSubTarget{id_, worker_->index()});
  return true;
}

bool Connection::Unsubscribe(PubSubKind kind, std::string_view name) {
  auto& set = subs_[static_cast<size_t>(kind)];
  auto it = set.find(std::string(name));
  if (it == set.end()) return false;
  set.erase(it);
  server_->pubsub().Remove(kind, ns_, name, PubSubTarget{id_, worker_->index()});
  return true;
}

std::vector<std::string> Connection::Subscriptions(PubSubKind kind) const {
  const auto& set = subs_[static_cast<size_t>(kind)];
  return {set.begin(), set.end()};
}

void Connection::UnsubscribeAll() {
  for (PubSubKind kind : {PubSubKind::kChannel, PubSubKind::kPattern, PubSubKind::kShard}) {
    auto& set = subs_[static_cast<size_t>(kind)];
    for (const std::string& name : set) {
      server_->pubsub().Remove(kind, ns_, name, PubSubTarget{id_, worker_->index()});
    }
    set.clear();
  }
}

int64_t Connection::Publish(PubSubKind kind, std::string_view channel, std::string_view message) {
  if (!in_exec_) return worker_->Publish(ns_, kind, channel, message);
  // Inside EXEC (a PUBLISH, or a script's): counted now, sent with the keyspace events once the
  // transaction committed, as Redis's subscribers get them only after the EXEC.
  events_.push_back(KeyEvent{0, std::string(channel), std::string(message), kind});
  return server_->pubsub().Collect(kind, ns_, channel,
                                   [](PubSubTarget, const std::shared_ptr<const std::string>*) {});
}

void Connection::DeliverPush(const PubSubDelivery& d) {
  if (closed_) return;
  // A message published before this connection's UNSUBSCRIBE was answered is not sent after it.
  PubSubKind kind = d.pattern != nullptr ? PubSubKind::kPattern : d.msg->kind;
  const std::string& name = d.pattern != nullptr ? *d.pattern : d.msg->channel;
  if (!subs_[static_cast<size_t>(kind)].contains(name)) return;
  AppendPubSubMessage(in_batch_ || in_context_ ? &held_pushes_ : &out_, resp_, d);
  if (!flush_scheduled_) {
    flush_scheduled_ = true;
    worker_->FlushAtEndOfPass(id_);
  }
  if (out_.size() - out_pos_ + held_pushes_.size() > kOutputLimitCheckBytes) CheckOutputLimit();
}

void Connection::NotifyKeyspaceEvent(uint32_t type, std::string_view event, std::string_view key) {
  events_.push_back(KeyEvent{type, std::string(event), std::string(key)});
}

void Connection::FlushKeyspaceEvents() {
  if (events_.empty()) return;
  uint32_t flags = server_->config().notify_flags();
  std::vector<KeyEvent> events;
  events.swap(events_);
  for (const KeyEvent& e : events) {
    if (e.type == 0) {  // a PUBLISH of EXEC (Publish)
      worker_->Publish(ns_, e.kind, e.event, e.key);
      continue;
    }
    if (!(flags & e.type)) continue;
    ForEachKeyspaceMessage(flags, e.event, e.key, [&](std::string channel, std::string_view msg) {
      worker_->Publish(ns_, PubSubKind::kChannel, channel, msg);
    });
  }
}

// Redis 7's fields in Redis's order, then Mnemo's (ns=); docs/clients.md says what each means.
std::string Connection::Describe() {
  int64_t now = NowMs();
  auto num = [](auto v) { return std::to_string(v); };
  size_t reply_pending = out_.size() - out_pos_;
  std::string s;
  s.reserve(384);
  s += "id=" + num(id_) + " addr=" + addr_ + " laddr=" + laddr_ + " fd=" + num(fd_) +
       " name=" + name_ + " age=" + num((now - created_ms_) / 1000) +
       " idle=" + num((now - last_active_ms_) / 1000) + " flags=" +
       (blocked_        ? "b"
        : txn_.active() ? "x"
        : subscribed()  ? "P"
                        : "N") +
       " db=0 sub=" + num(subs_[0].size()) + " psub=" + num(subs_[1].size()) +
       " ssub=" + num(subs_[2].size()) +
       " multi=" + (txn_.active() ? num(txn_.count()) : std::string("-1")) +
       " qbuf=" + num(in_.size() - in_pos_) + " qbuf-free=" + num(in_.capacity() - in_.size()) +
       " argv-mem=0 multi-mem=" + num(txn_.memory()) + " rbs=" + num(out_.capacity()) +
       " rbp=" + num(reply_pending) + " obl=0 oll=0 omem=" + num(out_.capacity()) +
       " tot-mem=" + num(Memory().tot_mem) + " events=" + (read_armed_ ? "r" : "") +
       (write_armed_ ? "w" : "") + " cmd=" + last_command_ +
       " user=default redir=-1 resp=" + num(static_cast<int>(resp_)) + " lib-name=" + lib_name_ +
       " lib-ver=" + lib_ver_ + " ns=" + ns_;
  return s;
}

}  // namespace mnemo
