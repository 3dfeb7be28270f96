// One client connection: socket I/O, the incremental parser, dispatch of each command, and the
// reply buffer. Lives on one worker thread and is touched only there (other threads reach it by
// posting a task to that worker).
//
// Pipelining: all complete commands of one read are executed back to back and their replies go
// out in one write. Writes join the worker's group commit (worker.h): read-modify-writes go into
// the worker's write context, blind writes (kCmdBatchable) into its batch; the replies they
// produced are held until the worker commits, so no reply is sent for an uncommitted write. A
// command that needs this connection's earlier writes committed first (a read after them, a
// blind write after context writes or the other way round) has the worker commit them.
#pragma once

#include <event2/event.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "commands/command.h"
#include "common/heap_bytes.h"
#include "common/net_address.h"
#include "protocol/resp_parser.h"
#include "server/pubsub.h"
#include "server/transaction.h"
#include "server/transport.h"
#include "types/database.h"
#include "types/namespaces.h"

namespace mnemo {

class Server;
class Worker;

class Connection : public ClientApi {
 public:
  // A plain connection over `fd`, or TLS over it when `tls` is given.
  Connection(Worker* worker, Server* server, int fd, uint64_t id, std::string addr,
             std::string laddr, std::unique_ptr<TlsSession> tls = nullptr);
  ~Connection() override;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Registers the socket with the worker's event loop.
  void Start();
  // Called by the worker when the deferred reply of a paused command is ready.
  void ResumeWithReply(const std::string& reply_bytes);
  // Closes the connection at the next safe point (after pending replies are flushed if `flush`).
  void Kill();
  bool IdleLongerThan(int64_t seconds, int64_t now_ms) const;
  // True while a TLS connection has not completed its handshake.
  bool tls_handshaking() const { return transport_.handshaking(); }
  int64_t created_ms() const { return created_ms_; }

  // ClientApi
  uint64_t id() const override { return id_; }
  const std::string& name() const override { return name_; }
  void set_name(std::string name) override { name_ = std::move(name); }
  bool authenticated() const override { return authenticated_; }
  bool admin() const override { return admin_; }
  void SetAuthenticated(bool admin) override;
  const std::string& ns() const override { return ns_; }
  void set_ns(std::string ns) override;
  bool from_loopback() const override { return IsLoopbackIp(HostOfAddress(addr_)); }
  void CloseAfterReply() override { close_after_reply_ = true; }
  void CommitPendingWrites() override { CommitPending(); }
  std::string Describe() override;
  void Reset() override;
  void SetReplyMode(ReplyMode mode) override;
  RespVersion resp() const override { return resp_; }
  void set_resp(RespVersion v) override { resp_ = v; }
  void set_lib_name(std::string name) override { lib_name_ = std::move(name); }
  void set_lib_ver(std::string ver) override { lib_ver_ = std::move(ver); }
  void NoteSubcommand(std::string_view sub) override {
    last_command_ += '|';
    last_command_.append(sub);
  }
  bool Subscribe(PubSubKind kind, std::string_view name) override;
  bool Unsubscribe(PubSubKind kind, std::string_view name) override;
  std::vector<std::string> Subscriptions(PubSubKind kind) const override;
  size_t SubscriptionCount(PubSubKind kind) const override {
    return subs_[static_cast<size_t>(kind)].size();
  }
  int64_t Publish(PubSubKind kind, std::string_view channel, std::string_view message) override;
  void NotifyKeyspaceEvent(uint32_t type, std::string_view event, std::string_view key) override;

  // Appends a published message to the output (flushed at the end of the worker's pass) unless
  // this connection no longer listens to its channel or pattern; applies the pubsub class of
  // client-output-buffer-limit. REQUIRES: this connection's worker thread.
  void DeliverPush(const PubSubDelivery& d);
  // Subscribed to anything: the pubsub client class, and RESP2's subscribed mode.
  bool subscribed() const { return !subs_[0].empty() || !subs_[1].empty() || !subs_[2].empty(); }
  bool in_multi() const override { return txn_.active() || in_exec_; }
  Status Multi() override;
  Status Exec(Reply& reply) override;
  Status Discard() override;
  Status Watch(std::span<const std::string> keys) override;
  void Unwatch() override;
  // True while EXEC runs the queued commands.
  bool in_exec() const { return in_exec_; }

  // Bytes the allocator holds for the query and reply buffers (common/heap_bytes.h), as the
  // worker's totals and the namespace's client bytes count them.
  size_t query_buffer_bytes() const {
    return HeapBytes(in_) + parser_.assembling_bytes() + args_bytes_;
  }
  size_t reply_buffer_bytes() const { return HeapBytes(out_); }
  // This connection's memory now, its running command's included (server/client_memory.cc).
  // REQUIRES: this connection's worker thread.
  ClientMemory Memory() const;
  // Bytes the MULTI queue holds (CLIENT LIST's multi-mem; counted with the query buffer in the
  // namespace's client_bytes).
  size_t multi_queue_bytes() const { return txn_.memory(); }

  // Called by Server::Defer: pauses this connection until ResumeWithReply.
  void Pause() { paused_ = true; }
  // Called by Server::Block once wait `seq` is registered (server/blocking.h): the connection
  // runs no further command, but keeps reading so that it notices a close, until Unblock(seq)
  // brings its reply, or `timeout_ms` (0 = never) passes and it answers `timeout_reply`.
  void Block(uint64_t seq, int64_t timeout_ms, std::string timeout_reply);
  // Ends wait `seq` with `reply` and goes on with the input; ignored for any other wait.
  void Unblock(uint64_t seq, const std::string& reply);
  bool blocked() const { return blocked_; }
  // False while MULTI queues or EXEC runs this client's commands, so that blocking commands
  // answer at once there, as Redis's do (a script runs on its own client, which never blocks).
  bool BlockingAllowed() const override { return !in_multi(); }
  // Called by the worker when the batch holding this connection's blind writes committed (or
  // failed: then those replies are rewritten into the error).
  void BatchCommitted(const Status& s);
  // The same for the worker's write context, which held this connection's replies.
  void ContextCommitted(const Status& s);
  // Called by the worker at the end of the pass: send the replies and go on with the input.
  void ResumeAfterCommit();
  Worker* worker() const { return worker_; }
  size_t pending_reply_bytes() const { return out_.size() - out_pos_; }
  // Closes the connection when its pending replies break client-output-buffer-limit (the hard
  // limit, or the soft one held for its seconds); returns true when it did. Runs as replies are
  // produced and refused by the socket, and from the governor at level hard for every client.
  bool CheckOutputLimit();

 private:
  static void OnReadable(evutil_socket_t fd, short events, void* arg);
  static void OnWritable(evutil_socket_t fd, short events, void* arg);
  static void OnPauseTimer(evutil_socket_t fd, short events, void* arg);
  static void OnBlockTimeout(evutil_socket_t fd, short events, void* arg);
  void ArmBlockTimer(int64_t us);  // the wait's timer fires in `us` microseconds
  // Execute, then drops the reply when CLIENT REPLY says so.
  void ExecuteWithReplyMode();
  // True (and a timer armed to retry) when CLIENT PAUSE or a quota back-off holds the parsed
  // command.
  bool HeldByPause();
  // After a command ran `usec`: its latency histogram and, when slow, the slow log.
  void RecordLatency(CommandStats& stats, const CommandSpec* spec, uint64_t usec);
  static std::vector<std::string> RedactedArgs(const CommandSpec* spec,
                                               const std::vector<std::string>& args);
  void HandleRead();
  // Makes room for `extra` more bytes after the unparsed input (a large bulk arriving).
  void ReserveInput(size_t extra);
  // Runs the buffered commands, flushes, and repeats while a flush unblocked the output.
  void ProcessInput();
  // Runs buffered commands until one of them must wait. Returns true when the input is used up
  // (the parser needs more bytes), false when the connection stopped with commands buffered.
  bool RunCommands();
  void CompactInput();  // drops parsed bytes; frees a large buffer once it is empty
  // Arms the read event exactly while the connection can run commands (see ProcessInput).
  void UpdateReadInterest();
  void Execute();
  // Runs a command whose checks passed: the rest of Execute, and each queued command in EXEC
  // (then with the write context held across them and no blind-write batch).
  void RunCommand(const CommandSpec* spec, CommandStats& stats, Reply& reply);
  // Inside MULTI: queues args_ (or refuses it, condemning the transaction) and answers.
  void QueueCommand(const CommandSpec* spec);
  // EXEC's first step: the stripes of every key of `commands` and of the watched keys, taken
  // into the (empty) write context at once, in ascending order.
  void LockTransactionKeys(std::span<const QueuedCommand> commands);
  // Runs the queued commands inside the held context, writing their replies; fails when a
  // commit in between (before FLUSHDB/FLUSHALL) failed.
  Status RunQueue(std::vector<QueuedCommand>& queue, Reply& reply);
  // Leaves MULTI (queue freed) and drops every watch.
  void EndTransaction();
  // EXEC of a queue holding a script: pauses until the script thread lends its VM, then runs
  // the EXEC (RunLeasedExec) on this worker and goes on with the input.
  void RequestExecLease();
  void RunLeasedExec(uint64_t lease);
  // Appends an error reply ("ERR ...", "NOAUTH ...") and counts it for INFO's
  // total_error_replies. Every error this connection sends goes through here, except a deferred
  // job's, which ResumeWithReply counts.
  void ReplyError(std::string_view line);
  // Has the worker commit its context and batch if replies of this connection wait for them.
  void CommitPending();
  void FlushOutput();
  void ArmWrite();  // waits for the socket to become writable (OnWritable)
  void Close();
  // Leaves every channel, pattern and shard channel, without replies (close, RESET, AUTH).
  void UnsubscribeAll();
  // Publishes the queued keyspace events once none of this connection's writes waits for a
  // commit (or drops them when the commit they waited for failed).
  void FlushKeyspaceEvents();
  Status CheckAccess(const CommandSpec* spec) const;
  // RESP2's subscribed mode: only kCmdPubSubContext commands, or Redis's error.
  Status CheckPubSubContext(const CommandSpec* spec) const;
  // Publishes changes of the buffers' capacities to the worker's totals.
  void AccountBuffers();
  // What the query side holds: the query buffer, the arguments parsed out of it (of the command
  // being assembled and of the one being run), and the MULTI queue.
  size_t QueryBytes() const { return query_buffer_bytes() + txn_.memory(); }
  // Reply-buffer growth within one command that is accounted at once (RunCommand), not at the
  // end of the pass: a large reply must not fall between the running command's bytes and the
  // reply buffer's in a memory snapshot.
  static constexpr size_t kReplyAccountStep = 64 << 10;
  // The reply gate: a read's reply over kLargeReplyBytes that carried used memory past the
  // limit is taken back and becomes ReplyTooLargeError.
  Status CheckReplyMemory(const CommandSpec* spec, size_t reply_start);
  // The memory gate: -OOM for commands that can add data when memory is full (or, near the
  // limit, when the request is large).
  Status CheckMemory(uint32_t flags);
  // The namespace's data quota (types/namespaces.h): -OOM when the request could carry the
  // namespace's logical bytes past it. A refusal sets the back-off before the next command
  // (NoteQuotaRefusal); a write that passes ends a run of refusals.
  Status CheckQuota();
  // namespace-quota-backoff: the wait before the next command after the refusal_run_-th
  // refusal in a row, 1 ms doubling up to the key's value.
  void NoteQuotaRefusal();

  Worker* worker_;
  Server* server_;
  int fd_;
  Transport transport_;
  uint64_t id_;
  std::string addr_, laddr_, name_;
  std::string lib_name_, lib_ver_;  // CLIENT SETINFO
  RespVersion resp_ = RespVersion::kResp2;
  std::string ns_;
  std::shared_ptr<NamespaceActivity> activity_;  // ns_'s (types/namespaces.h)
  bool authenticated_ = false;
  bool admin_ = false;
  bool close_after_reply_ = false;
  bool paused_ = false;
  bool closed_ = false;
  // In a blocking command's wait (Block): paused_ too, but reading on to notice a close.
  bool blocked_ = false;
  uint64_t block_seq_ = 0;
  std::string block_timeout_reply_;
  event* block_event_ = nullptr;   // the wait's timeout, created at the first timed wait
  int64_t block_deadline_us_ = 0;  // MonotonicUs when a timed wait ends
  int64_t created_ms_;
  int64_t last_active_ms_;
  std::string last_command_ = "NULL";

  event* read_event_ = nullptr;
  event* write_event_ = nullptr;
  bool write_armed_ = false;
  bool read_armed_ = false;
  event* pause_event_ = nullptr;  // created at the first CLIENT PAUSE or back-off that holds it
  bool held_ = false;             // args_ is a parsed command waiting for the pause to end
  // Quota back-off (NoteQuotaRefusal): refusals in a row, the last one's time, and until when
  // the next command waits (0 = it does not).
  int refusal_run_ = 0;
  int64_t last_refusal_ms_ = 0;
  int64_t backoff_until_ms_ = 0;
  bool reply_off_ = false;      // CLIENT REPLY OFF
  bool skip_next_ = false;      // CLIENT REPLY SKIP: drop the next command's reply
  bool drop_deferred_ = false;  // the deferred reply in progress is dropped
  // TLS only: the last read must send before it can go on (it waits for writable), or the last
  // write must receive (it waits for readable). Each is retried on that event.
  bool read_wants_write_ = false;
  bool write_wants_read_ = false;

  std::string in_;
  size_t in_pos_ = 0;
  RespParser parser_;
  std::vector<std::string> args_;
  size_t args_bytes_ = 0;  // args_'s heap bytes as the parser counted them (command_bytes)
  std::string out_;
  size_t out_pos_ = 0;

  int64_t soft_limit_since_ms_ = 0;  // when pending replies first exceeded the soft limit
  size_t accounted_query_ = 0;       // capacities last reported to the worker
  size_t accounted_reply_ = 0;
  size_t accounted_reply_capacity_ = 0;  // out_.capacity() when accounted_reply_ was taken
  bool in_batch_ = false;                // replies at [batch_reply_start_, end) wait for the batch
  size_t batch_reply_start_ = 0;
  size_t batch_replies_ = 0;
  // Replies at [context_reply_start_, end) wait for the worker's context (context_replies_ of
  // them): the commands that wrote or read through it.
  bool in_context_ = false;
  size_t context_reply_start_ = 0;
  size_t context_replies_ = 0;
  // The context EXEC holds across its queued commands (connection_txn.cc), committed by EXEC.
  WriteContext rmw_;

  // Pub/sub: this connection's subscriptions by PubSubKind, messages that arrived while replies
  // waited for the worker's batch (appended after them), and whether a flush at the end of the
  // pass is already asked for.
  std::unordered_set<std::string> subs_[3];
  std::string held_pushes_;
  bool flush_scheduled_ = false;
  // Keyspace events of commands whose writes have not committed yet; type 0: a PUBLISH inside
  // EXEC (event = channel, key = message, of `kind`), sent in the same order.
  struct KeyEvent {
    uint32_t type;
    std::string event, key;
    PubSubKind kind = PubSubKind::kChannel;
  };
  std::vector<KeyEvent> events_;
  Transaction txn_;                 // MULTI's queue
  WatchRegistry::Watcher watcher_;  // WATCH's keys
  bool in_exec_ = false;            // EXEC is running the queue
  uint64_t exec_lease_ = 0;         // the VM's lease EXEC holds (ScriptApi::Lease), 0 = none
  bool queue_over_limit_ = false;   // the queue outgrew client-query-buffer-limit
};

}  // namespace mnemo
