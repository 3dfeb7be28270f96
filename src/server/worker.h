// A worker thread: its own libevent loop, its own listening socket on the shared port
// (SO_REUSEPORT lets the kernel spread new connections over the workers), and the connections
// accepted there. Other threads talk to a worker only through RunInLoop, which queues a task and
// wakes the loop. Commands execute on the worker, directly against storage.
#pragma once

#include <event2/event.h>
#include <netdb.h>

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "server/pubsub.h"
#include "types/database.h"

namespace mnemo {

class Connection;
class Server;

// Fails with "cannot listen on <bind>:<port>: Address already in use" when anyone (another
// Mnemo included: SO_REUSEPORT would let it share the port) listens on bind:port, by binding a
// socket without SO_REUSEPORT there and closing it. Port 0 passes. Call just before the workers
// bind: two processes that both pass the check before either binds would still share the port.
Status EnsurePortFree(const std::string& bind, int port);

class Worker {
 public:
  Worker(Server* server, int index);
  ~Worker();

  // Binds the listening sockets (the plain port, and the TLS port unless tls_port is 0); errors
  // (port in use...) are returned before any thread starts.
  Status Listen(const std::string& bind, int port, int tls_port);
  int BoundPort() const;  // the port actually bound (differs from the config when it was 0)
  void Start();
  void Stop();  // thread-safe: ends the loop, closes every connection, joins the thread
  // True once Stop began (its loop is ending or over). Thread-safe.
  bool stopping() const { return stopping_.load(std::memory_order_relaxed); }

  // Queues `task` to run on this worker's thread. Thread-safe. After the worker stopped, runs
  // `task` at once on the calling thread (it then finds no connections).
  void RunInLoop(std::function<void()> task);
  // Looks up a connection of this worker. REQUIRES: called on this worker's thread.
  Connection* Find(uint64_t id);
  // Connection teardown. REQUIRES: called on this worker's thread.
  void Remove(uint64_t id);
  std::vector<Connection*> Connections();  // REQUIRES: this worker's thread

  // Group commit. The writes of every connection served in one pass of the event loop are
  // committed together at the end of the pass (or earlier: a connection that needs its writes
  // visible before its next command, a batch past its size bound, a stripe another thread
  // holds), and only then are their replies sent. Two parts, committed context first:
  //  - context(): the worker's write context, shared by its connections' kCmdWriteContext
  //    commands (and the other writes outside MULTI/EXEC), which holds their keys' stripes from
  //    the first read to the commit and answers their reads (read-your-writes for all of them);
  //  - pending(): the blind SETs, a plain batch whose keys' stripes are taken only to commit.
  // The blind writes thus always follow the context's writes of the same pass, which is their
  // order for every reader (no reply of either is out before both committed).
  WriteContext& context() { return context_; }
  PendingWrites& pending() { return pending_; }
  // Counts socket reads, so the loop knows whether a pass found work (see worker-spin-us).
  void NoteRead() { reads_++; }
  // Marks connection `id` as having replies that wait for the current batch / context.
  void Enlist(uint64_t id) { waiting_.push_back(id); }
  void EnlistContext(uint64_t id) { context_waiting_.push_back(id); }
  // Commits the context, then the batch. Each waiting connection learns the outcome
  // (ContextCommitted, BatchCommitted: on failure its held replies become the error) and is
  // flushed at the end of the pass.
  void CommitWrites();
  // Commits the context alone (the batch may stay: it commits after it anyway). Also what the
  // context's Lock runs before it waits for a stripe another thread holds.
  void CommitContext();
  // Bytes held by the query and reply buffers of this worker's connections (capacity, not
  // length: what the allocator holds). Updated by the connections; readable from any thread.
  uint64_t query_buffer_bytes() const { return query_bytes_.load(std::memory_order_relaxed); }
  uint64_t reply_buffer_bytes() const { return reply_bytes_.load(std::memory_order_relaxed); }
  size_t connection_count() const { return conn_count_.load(std::memory_order_relaxed); }
  void AddBufferBytes(int64_t query_delta, int64_t reply_delta) {
    query_bytes_.fetch_add(static_cast<uint64_t>(query_delta), std::memory_order_relaxed);
    reply_bytes_.fetch_add(static_cast<uint64_t>(reply_delta), std::memory_order_relaxed);
  }

  // This worker thread's jemalloc counters (thread.allocated / thread.deallocated: bytes the
  // thread allocated / freed since it started), published by the thread itself when it starts
  // and from its 1-second cron, since thread.* only reads the calling thread. Readable from any
  // thread; 0 before the first publication and in builds without jemalloc.
  uint64_t thread_allocated() const { return thread_allocated_.load(std::memory_order_relaxed); }
  // What the worker's two write batches (the context's and the blind writes') hold, as of the
  // end of its last pass (Batch::HeapBytes: a buffer keeps its size across commits).
  uint64_t batch_bytes() const { return batch_bytes_.load(std::memory_order_relaxed); }
  uint64_t thread_deallocated() const {
    return thread_deallocated_.load(std::memory_order_relaxed);
  }
  int64_t thread_counters_ms() const { return thread_counters_ms_.load(std::memory_order_relaxed); }

  event_base* base() { return base_; }
  int index() const { return index_; }

  // Pub/sub. Publish runs on this worker's thread (a connection's PUBLISH or keyspace event):
  // subscribers on this worker get the message at once, each other worker's subscribers get
  // this pass's messages as one task at the end of the pass (or sooner when many are queued),
  // so every subscriber sees this worker's messages in publish order. Returns the receivers.
  int64_t Publish(std::string_view ns, PubSubKind kind, std::string_view channel,
                  std::string_view payload);
  // Hands each delivery to its connection, if it is still here. REQUIRES: this worker's thread.
  void Deliver(const std::vector<PubSubDelivery>& batch);
  // Posts every other worker's pending messages now (what the end of the pass does), so that a
  // thread posting messages of this worker's connection later (a script's) comes after them.
  // REQUIRES: on this worker's thread.
  void FlushOutboxes() {
    for (size_t w = 0; w < outbox_.size(); w++) FlushOutbox(w);
  }
  // Has connection `id` flushed (ResumeAfterCommit) at the end of this pass.
  void FlushAtEndOfPass(uint64_t id) { committed_.push_back(id); }

 private:
  static void OnAccept(evutil_socket_t fd, short events, void* arg);
  static void OnAcceptTls(evutil_socket_t fd, short events, void* arg);
  static void OnNotify(evutil_socket_t fd, short events, void* arg);
  static void OnCron(evutil_socket_t fd, short events, void* arg);
  // Accepts every pending connection of `listen_fd`, over TLS when `tls`.
  void Accept(int listen_fd, bool tls);
  // Closes TLS connections whose handshake outlived tls-handshake-timeout.
  void ExpireHandshakes(int64_t now_ms);
  void RunTasks();
  void CommitPending();  // the batch alone. REQUIRES: context_ holds no stripe (empty)
  void Cron();
  void EndOfPass();              // commit the pass's batch and send the replies that waited for it
  void PublishThreadCounters();  // REQUIRES: on this worker's thread
  void FlushOutbox(size_t worker);  // posts outbox_[worker] to that worker as one task

  Server* server_;
  int index_;
  event_base* base_ = nullptr;
  int listen_fd_ = -1;
  int tls_listen_fd_ = -1;
  event* accept_event_ = nullptr;
  event* tls_accept_event_ = nullptr;
  // TLS connections in accept order, dropped from the front once their handshake is over.
  std::deque<uint64_t> handshakes_;
  event* notify_event_ = nullptr;
  event* cron_event_ = nullptr;
  int notify_fds_[2] = {-1, -1};
  std::thread thread_;
  std::mutex tasks_mu_;
  std::vector<std::function<void()>> tasks_;
  bool stopped_ = false;  // guarded by tasks_mu_: the loop has ended, tasks run inline
  std::unordered_map<uint64_t, std::unique_ptr<Connection>> conns_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> query_bytes_{0}, reply_bytes_{0};
  std::atomic<size_t> conn_count_{0};
  std::atomic<uint64_t> thread_allocated_{0}, thread_deallocated_{0};
  std::atomic<uint64_t> batch_bytes_{0};
  std::atomic<int64_t> thread_counters_ms_{0};
  WriteContext context_;
  PendingWrites pending_;
  uint64_t reads_ = 0;
  std::vector<uint64_t> waiting_;          // connections whose replies wait for pending_
  std::vector<uint64_t> context_waiting_;  // connections whose replies wait for context_
  std::vector<uint64_t> committed_;        // connections whose batched writes committed, to flush
  // Pub/sub deliveries for other workers' connections, by worker index, sent at the end of the
  // pass; local_ is Publish's scratch for this worker's own.
  std::vector<std::vector<PubSubDelivery>> outbox_;
  std::vector<PubSubDelivery> local_;
};

}  // namespace mnemo
