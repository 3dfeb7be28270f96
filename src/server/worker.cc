#include "server/worker.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/net_address.h"
#include "common/string_util.h"
#include "common/striped_counter.h"
#include "memory/allocator.h"
#include "server/connection.h"
#include "server/protected_mode.h"
#include "server/server.h"
#include "server/tls.h"

namespace mnemo {
namespace {

std::string PeerName(int fd, bool local) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  int r = local ? getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len)
                : getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  if (r != 0) return "?:0";
  char ip[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (ss.ss_family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
    port = ntohs(a->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
    port = ntohs(a->sin6_port);
  }
  return std::string(ip) + ":" + std::to_string(port);
}

// Sends a refusal line on a fresh connection and closes it. The client may already have sent
// its first command: closing with unread input would reset the connection, and the client could
// lose the line, so the write side is shut first and the input that arrived is read away. A TLS
// client could not read a plain line before its handshake: it just sees the connection close.
void Refuse(int fd, const char* line, bool tls) {
  if (!tls) {
    ssize_t n = write(fd, line, strlen(line));
    (void)n;  // a fresh socket's buffer takes one line; a client that is gone needs no answer
  }
  shutdown(fd, SHUT_WR);
  char sink[4096];
  for (int i = 0; i < 16 && read(fd, sink, sizeof(sink)) > 0; i++) {
  }
  close(fd);
}

// A non-blocking socket bound to bind:port, listening unless `probe`. A probe socket has no
// SO_REUSEPORT, so its bind fails when anyone already listens on the port; the workers' sockets
// have it, so they share the port (every socket of a SO_REUSEPORT group must set it).
StatusOr<int> BindOn(const std::string& bind, int port, bool probe) {
  addrinfo hints{}, *res = nullptr;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST;
  int rc = getaddrinfo(bind.c_str(), std::to_string(port).c_str(), &hints, &res);
  if (rc != 0)
    return Status::InvalidArgument("bad bind address '" + bind + "': " + gai_strerror(rc));
  int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));  // a restart past TIME_WAIT
  if (!probe) setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
  if (fd < 0 || ::bind(fd, res->ai_addr, res->ai_addrlen) != 0 ||
      (!probe && listen(fd, 511) != 0)) {
    std::string err = strerror(errno);
    freeaddrinfo(res);
    if (fd >= 0) close(fd);
    return Status::IOError("cannot listen on " + bind + ":" + std::to_string(port) + ": " + err);
  }
  freeaddrinfo(res);
  return fd;
}

// A non-blocking listening socket on bind:port, shared with the other workers (SO_REUSEPORT).
StatusOr<int> ListenOn(const std::string& bind, int port) { return BindOn(bind, port, false); }

}  // namespace

Worker::Worker(Server* server, int index)
    : server_(server), index_(index), context_(&server->storage()), pending_(&server->storage()) {
  base_ = event_base_new();
  // A stripe another thread holds: commit everything the context holds (settling the replies
  // that waited for it), then wait holding nothing (write_context.h).
  context_.set_committer([this] { CommitContext(); });
  context_.WatchWrites(server->blocking().waiting());
}

Worker::~Worker() {
  Stop();
  conns_.clear();
  if (accept_event_) event_free(accept_event_);
  if (tls_accept_event_) event_free(tls_accept_event_);
  if (tls_listen_fd_ >= 0) close(tls_listen_fd_);
  if (notify_event_) event_free(notify_event_);
  if (cron_event_) event_free(cron_event_);
  if (listen_fd_ >= 0) close(listen_fd_);
  for (int fd : notify_fds_) {
    if (fd >= 0) close(fd);
  }
  if (base_) event_base_free(base_);
}

Status EnsurePortFree(const std::string& bind, int port) {
  if (port == 0) return Status::OK();  // the OS picks a port no listener holds
  StatusOr<int> fd = BindOn(bind, port, true);
  if (!fd.ok()) return fd.status();
  close(*fd);
  return Status::OK();
}

Status Worker::Listen(const std::string& bind, int port, int tls_port) {
  // The TLS port first: a plain port of 0 then can't be given the TLS port's number.
  if (tls_port != 0) {
    StatusOr<int> fd = ListenOn(bind, tls_port);
    if (!fd.ok()) return fd.status();
    tls_listen_fd_ = *fd;
    tls_accept_event_ = event_new(base_, *fd, EV_READ | EV_PERSIST, &Worker::OnAcceptTls, this);
    event_add(tls_accept_event_, nullptr);
  }
  StatusOr<int> fd = ListenOn(bind, port);
  if (!fd.ok()) return fd.status();
  listen_fd_ = *fd;
  accept_event_ = event_new(base_, *fd, EV_READ | EV_PERSIST, &Worker::OnAccept, this);
  event_add(accept_event_, nullptr);
  if (pipe2(notify_fds_, O_NONBLOCK | O_CLOEXEC) != 0) return Status::IOError("pipe2 failed");
  notify_event_ = event_new(base_, notify_fds_[0], EV_READ | EV_PERSIST, &Worker::OnNotify, this);
  event_add(notify_event_, nullptr);
  cron_event_ = event_new(base_, -1, EV_PERSIST, &Worker::OnCron, this);
  timeval one_second{1, 0};
  event_add(cron_event_, &one_second);
  return Status::OK();
}

int Worker::BoundPort() const {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return -1;
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
}

void Worker::Start() {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), ("mnemo-worker-" + std::to_string(index_)).c_str());
    SetThreadSlot(static_cast<size_t>(index_));
    Storage::PrepareWorkerThread();
    PublishThreadCounters();
    // After a pass that read requests, poll without sleeping for worker-spin-us: a busy
    // pipeline's next requests usually arrive within microseconds, and sleeping in epoll costs
    // a wake-up (an interrupt on the waking CPU) each time.
    const std::atomic<int64_t>& spin_us = server_->config().worker_spin_us;
    int64_t last_busy_us = 0;
    while (!stopping_.load(std::memory_order_relaxed)) {
      uint64_t reads_before = reads_;
      int64_t spin = spin_us.load(std::memory_order_relaxed);
      bool polling = spin > 0 && MonotonicUs() - last_busy_us < spin;
      event_base_loop(base_, polling ? EVLOOP_NONBLOCK : EVLOOP_ONCE);
      EndOfPass();
      if (reads_ != reads_before) {
        last_busy_us = MonotonicUs();
      } else if (polling) {
        sched_yield();  // let the client or RocksDB's threads use this core meanwhile
      }
    }
    EndOfPass();
    RunTasks();
    // Connections die on their own thread.
    conns_.clear();
    // From now on tasks run on the caller's thread; they find no connections.
    std::vector<std::function<void()>> late;
    {
      std::lock_guard<std::mutex> lock(tasks_mu_);
      stopped_ = true;
      late.swap(tasks_);
    }
    for (auto& t : late) t();
  });
}

void Worker::Stop() {
  if (!thread_.joinable()) return;
  RunInLoop([this] { stopping_ = true; });
  thread_.join();
}

void Worker::RunInLoop(std::function<void()> task) {
  {
    std::unique_lock<std::mutex> lock(tasks_mu_);
    if (stopped_) {
      lock.unlock();
      task();
      return;
    }
    tasks_.push_back(std::move(task));
  }
  char c = 1;
  ssize_t n = write(notify_fds_[1], &c, 1);
  (void)n;  // a full pipe already guarantees a wake-up
}

void Worker::OnNotify(evutil_socket_t fd, short, void* arg) {
  char buf[256];
  while (read(fd, buf, sizeof(buf)) > 0) {
  }
  static_cast<Worker*>(arg)->RunTasks();
}

void Worker::RunTasks() {
  std::vector<std::function<void()>> tasks;
  {
    std::lock_guard<std::mutex> lock(tasks_mu_);
    tasks.swap(tasks_);
  }
  if (tasks.empty()) return;
  // A task may make a context of its own that waits for stripes (a blocked client's retried
  // move): this thread must then hold none, or it would wait for itself.
  CommitContext();
  for (auto& t : tasks) t();
}

void Worker::CommitContext() {
  if (context_.empty()) return;
  Status s = context_.Commit();
  // Swapped out first: a connection settled here may enlist again at once (the commit ran
  // inside one of its commands, from Lock).
  std::vector<uint64_t> ids;
  ids.swap(context_waiting_);
  for (uint64_t id : ids) {
    if (Connection* c = Find(id)) c->ContextCommitted(s);
  }
  committed_.insert(committed_.end(), ids.begin(), ids.end());
}

void Worker::CommitPending() {
  if (pending_.empty()) return;
  Database db(&server_->storage(), kDefaultNamespace);
  Status s = db.Commit(&pending_);
  for (uint64_t id : waiting_) {
    if (Connection* c = Find(id)) c->BatchCommitted(s);
  }
  committed_.insert(committed_.end(), waiting_.begin(), waiting_.end());
  waiting_.clear();
}

void Worker::CommitWrites() {
  // The context first: the batch's commit waits for its keys' stripes, which this thread must
  // not hold meanwhile (the context may hold them), and its writes follow the context's.
  CommitContext();
  CommitPending();
}

int64_t Worker::Publish(std::string_view ns, PubSubKind kind, std::string_view channel,
                        std::string_view payload) {
  auto msg = std::make_shared<const PubSubMessage>(
      PubSubMessage{kind, std::string(channel), std::string(payload)});
  if (outbox_.size() < server_->worker_count()) outbox_.resize(server_->worker_count());
  local_.clear();
  int64_t n = server_->pubsub().Collect(
      kind, ns, channel, [&](PubSubTarget t, const std::shared_ptr<const std::string>* pattern) {
        PubSubDelivery d{t.conn, msg, pattern != nullptr ? *pattern : nullptr};
        if (t.worker == index_) {
          local_.push_back(std::move(d));
        } else {
          outbox_[static_cast<size_t>(t.worker)].push_back(std::move(d));
        }
      });
  // Outside the registry's lock: a delivery may close a connection, which leaves the registry.
  std::vector<PubSubDelivery> mine;
  mine.swap(local_);
  Deliver(mine);
  mine.clear();
  if (local_.capacity() < mine.capacity()) local_.swap(mine);
  // A long pipeline of PUBLISHes does not pile its deliveries up until the end of the pass.
  constexpr size_t kMaxOutbox = 1024;
  for (size_t w = 0; w < outbox_.size(); w++) {
    if (outbox_[w].size() >= kMaxOutbox) FlushOutbox(w);
  }
  return n;
}

void Worker::Deliver(const std::vector<PubSubDelivery>& batch) {
  for (const PubSubDelivery& d : batch) {
    if (Connection* c = Find(d.conn)) c->DeliverPush(d);
  }
}

void Worker::FlushOutbox(size_t worker) {
  if (outbox_[worker].empty()) return;
  Worker* target = server_->worker_at(worker);
  target->RunInLoop([target, batch = std::move(outbox_[worker])] { target->Deliver(batch); });
  outbox_[worker] = {};
}

void Worker::EndOfPass() {
  // A connection resumed here may run more of its pipeline and start a new batch: repeat until
  // no replies wait for a commit, so none is left held when the loop goes back to sleep.
  while (true) {
    CommitWrites();
    if (committed_.empty()) break;
    std::vector<uint64_t> ids;
    ids.swap(committed_);
    for (uint64_t id : ids) {
      if (Connection* c = Find(id)) c->ResumeAfterCommit();
    }
  }
  // The pass's messages for other workers' subscribers: one task per worker.
  for (size_t w = 0; w < outbox_.size(); w++) FlushOutbox(w);
  batch_bytes_.store(pending_.batch.HeapBytes() + context_.batch().HeapBytes(),
                     std::memory_order_relaxed);
}

void Worker::OnAccept(evutil_socket_t, short, void* arg) {
  auto* w = static_cast<Worker*>(arg);
  w->Accept(w->listen_fd_, false);
}

void Worker::OnAcceptTls(evutil_socket_t, short, void* arg) {
  auto* w = static_cast<Worker*>(arg);
  w->Accept(w->tls_listen_fd_, true);
}

void Worker::Accept(int listen_fd, bool tls) {
  while (true) {
    int fd = accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN, or a transient error: the next readiness retries
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
    std::string peer = PeerName(fd, false);
    if (server_->ProtectedModeRefuses(HostOfAddress(peer))) {
      Refuse(fd, kProtectedModeDenied, tls);
      continue;
    }
    if (!server_->AdmitClient()) {
      Refuse(fd, "-ERR max number of clients reached\r\n", tls);
      continue;
    }
    std::unique_ptr<TlsSession> session;
    if (tls && (session = server_->tls()->NewSession(fd)) == nullptr) {
      server_->ReleaseClient();
      close(fd);
      continue;
    }
    uint64_t id = server_->NextClientId();
    auto conn = std::make_unique<Connection>(this, server_, fd, id, std::move(peer),
                                             PeerName(fd, true), std::move(session));
    if (tls) handshakes_.push_back(id);
    Connection* c = conn.get();
    conns_.emplace(id, std::move(conn));
    conn_count_.store(conns_.size(), std::memory_order_relaxed);
    c->Start();
  }
}

Connection* Worker::Find(uint64_t id) {
  auto it = conns_.find(id);
  return it == conns_.end() ? nullptr : it->second.get();
}

void Worker::Remove(uint64_t id) {
  // Deleting a connection from inside its own callback is unsafe; defer to the task queue.
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  Connection* raw = it->second.release();
  conns_.erase(it);
  conn_count_.store(conns_.size(), std::memory_order_relaxed);
  RunInLoop([raw] { delete raw; });
}

std::vector<Connection*> Worker::Connections() {
  std::vector<Connection*> out;
  out.reserve(conns_.size());
  for (auto& [id, c] : conns_) out.push_back(c.get());
  return out;
}

void Worker::OnCron(evutil_socket_t, short, void* arg) { static_cast<Worker*>(arg)->Cron(); }

void Worker::PublishThreadCounters() {
  auto allocated = allocator::ThreadAllocated();
  auto deallocated = allocator::ThreadDeallocated();
  if (!allocated.ok() || !deallocated.ok()) return;  // no jemalloc: stay 0
  thread_allocated_.store(*allocated, std::memory_order_relaxed);
  thread_deallocated_.store(*deallocated, std::memory_order_relaxed);
  thread_counters_ms_.store(NowMs(), std::memory_order_relaxed);
}

void Worker::ExpireHandshakes(int64_t now_ms) {
  int64_t limit_ms = server_->config().tls_handshake_timeout.load(std::memory_order_relaxed) * 1000;
  while (!handshakes_.empty()) {
    Connection* c = Find(handshakes_.front());
    if (c != nullptr && c->tls_handshaking()) {
      if (now_ms - c->created_ms() < limit_ms) return;  // the rest connected later
      server_->tls()->CountHandshakeTimeout();
      c->Kill();
    }
    handshakes_.pop_front();
  }
}

void Worker::Cron() {
  PublishThreadCounters();
  int64_t now = NowMs();
  ExpireHandshakes(now);
  int64_t timeout = server_->config().timeout.load(std::memory_order_relaxed);
  if (timeout <= 0) return;
  for (Connection* c : Connections()) {
    if (c->IdleLongerThan(timeout, now)) c->Kill();
  }
}

}  // namespace mnemo
