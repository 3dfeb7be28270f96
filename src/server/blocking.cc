#include "server/blocking.h"

#include <algorithm>

#include "server/connection.h"
#include "server/server.h"
#include "server/worker.h"
#include "types/database.h"

namespace mnemo {
namespace {

// The client a serve function is given where it runs on nobody's behalf (the retry on a
// waiter's worker). Serve functions do not use it (BlockRequest::serve).
class NoClient : public ClientApi {
 public:
  uint64_t id() const override { return 0; }
  const std::string& name() const override { return empty_; }
  void set_name(std::string) override {}
  bool authenticated() const override { return true; }
  bool admin() const override { return false; }
  void SetAuthenticated(bool) override {}
  const std::string& ns() const override { return empty_; }
  void set_ns(std::string) override {}
  bool from_loopback() const override { return false; }
  void CloseAfterReply() override {}
  void CommitPendingWrites() override {}
  std::string Describe() override { return ""; }
  void Reset() override {}
  void SetReplyMode(ReplyMode) override {}
  RespVersion resp() const override { return RespVersion::kResp2; }
  void set_resp(RespVersion) override {}
  void set_lib_name(std::string) override {}
  void set_lib_ver(std::string) override {}
  void NoteSubcommand(std::string_view) override {}

 private:
  std::string empty_;
};

}  // namespace

void BlockingRegistry::Add(std::shared_ptr<Waiter> waiter) {
  std::lock_guard<std::mutex> lock(mu_);
  for (size_t i = 0; i < waiter->meta_keys.size(); i++) {
    KeyQueue& q = by_key_[waiter->meta_keys[i]];
    if (q.waiters.empty()) {
      q.user_key = waiter->user_keys[i];
      q.ns = waiter->ns;
    }
    q.waiters.push_back(waiter);
  }
  by_client_[waiter->client_id] = waiter;
  waiting_.fetch_add(1, std::memory_order_relaxed);
}

void BlockingRegistry::Unlink(const std::shared_ptr<Waiter>& w) {
  for (const auto& k : w->meta_keys) {
    auto it = by_key_.find(k);
    if (it == by_key_.end()) continue;
    auto& q = it->second.waiters;
    q.erase(std::remove(q.begin(), q.end(), w), q.end());
    if (q.empty()) by_key_.erase(it);
  }
  by_client_.erase(w->client_id);
  waiting_.fetch_sub(1, std::memory_order_relaxed);
}

bool BlockingRegistry::Remove(uint64_t client_id, uint64_t seq) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_client_.find(client_id);
  if (it == by_client_.end() || it->second->seq != seq) return false;
  std::shared_ptr<Waiter> w = it->second;
  Unlink(w);
  return true;
}

std::shared_ptr<BlockingRegistry::Waiter> BlockingRegistry::Take(uint64_t client_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_client_.find(client_id);
  if (it == by_client_.end()) return nullptr;
  std::shared_ptr<Waiter> w = it->second;
  Unlink(w);
  return w;
}

void BlockingRegistry::Deliver(const Waiter& w, std::string reply) {
  Worker* worker = w.worker;
  uint64_t id = w.client_id, seq = w.seq;
  worker->RunInLoop([worker, id, seq, reply = std::move(reply)] {
    if (Connection* c = worker->Find(id)) c->Unblock(seq, reply);
  });
}

void BlockingRegistry::ServeWritten(WriteContext* ctx, ClientApi& client) {
  while (true) {
    std::vector<std::string> keys = ctx->TakeWrittenKeys();
    if (keys.empty()) return;
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    {
      std::lock_guard<std::mutex> lock(mu_);
      keys.erase(std::remove_if(keys.begin(), keys.end(),
                                [&](const std::string& k) { return by_key_.count(k) == 0; }),
                 keys.end());
    }
    if (keys.empty()) return;
    // Normally held already (the write just made); after a commit in between, taken again, so
    // the serving below still sees and pops what no other thread can touch.
    ctx->Lock(keys);
    std::vector<Retry> retries;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (const auto& k : keys) ServeKey(ctx, client, k, &retries);
    }
    for (auto& r : retries) RetryOnWorker(std::move(r));
  }
}

void BlockingRegistry::ServeKey(WriteContext* ctx, ClientApi& client, const std::string& meta_key,
                                std::vector<Retry>* retries) {
  size_t i = 0;
  while (true) {
    auto it = by_key_.find(meta_key);
    if (it == by_key_.end() || i >= it->second.waiters.size()) return;
    KeyQueue& q = it->second;
    std::shared_ptr<Waiter> w = q.waiters[i];
    if (!w->destination_meta.empty() && !ctx->TryLock(w->destination_meta)) {
      // Never wait for a stripe under the mutex: the waiter's worker retries holding both.
      retries->push_back(Retry{w->worker, meta_key, w->destination_meta});
      return;
    }
    std::string user_key = q.user_key, ns = q.ns;
    if (ServeOne(ctx, client, user_key, w)) {
      Unlink(w);  // may drop q
      continue;
    }
    // It keeps waiting. When the key is gone, so is anything for the waiters after it.
    Database db(&server_->storage(), ns, ctx);
    if (db.GetRecord(user_key).status().IsNotFound()) return;
    i++;
  }
}

bool BlockingRegistry::ServeOne(WriteContext* ctx, ClientApi& client, const std::string& user_key,
                                const std::shared_ptr<Waiter>& w) {
  std::string bytes;
  Reply reply(&bytes, w->resp);
  Database db(&server_->storage(), w->ns, ctx);
  std::vector<std::string> no_args;
  CommandContext cctx{no_args, reply, *server_, client, db, nullptr, nullptr};
  // The pop's keyspace events are the writer's (queued on `client`, sent after its commit and
  // after its own command's events), as Redis sends them after the command that served.
  cctx.notify_flags = server_->config().notify_flags();
  ctx->BeginCommand();
  StatusOr<bool> served = w->request.serve(cctx, user_key);
  if (served.ok() && !*served) {
    ctx->RollbackCommand();  // nothing was written; keep it so
    return false;
  }
  if (!served.ok()) {
    ctx->RollbackCommand();
    bytes.clear();
    reply.Error(served.status().ToString());
    Deliver(*w, std::move(bytes));
    return true;
  }
  ctx->EndCommand();
  // The reply goes out once the pop is committed, with the writer's own writes.
  ctx->AfterCommit([w, bytes = std::move(bytes)](const Status& s) mutable {
    if (!s.ok()) {
      bytes.clear();
      Reply(&bytes, w->resp).Error(s.ToString());
    }
    Deliver(*w, std::move(bytes));
  });
  return true;
}

void BlockingRegistry::RetryOnWorker(Retry r) {
  r.worker->RunInLoop([this, r] {
    // A stopped worker runs tasks on the caller's thread, which may hold the stripes: skip.
    if (r.worker->stopping()) return;
    WriteContext ctx(&server_->storage());
    ctx.WatchWrites(&waiting_);
    ctx.Lock(std::vector<std::string>{r.meta_key, r.destination_meta});
    NoClient client;
    std::vector<Retry> retries;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ServeKey(&ctx, client, r.meta_key, &retries);
    }
    for (auto& again : retries) RetryOnWorker(std::move(again));
    ServeWritten(&ctx, client);  // the keys the moves filled
    (void)ctx.Commit();          // a failure reaches the waiters through AfterCommit
  });
}

}  // namespace mnemo
