#include "script/script_engine.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>

#include "common/log.h"
#include "common/string_util.h"
#include "config/config.h"
#include "script/lua_vm.h"
#include "types/database.h"

namespace mnemo {
namespace {

// Bytes one cache entry costs besides its body: the hash node, the key (a 40-byte SHA1 in a
// heap string) and the entry.
constexpr uint64_t kCacheEntryOverhead = 160;

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  return s;
}

Status NoScriptError() { return Status::Custom("NOSCRIPT No matching script. Please use EVAL."); }

}  // namespace

std::string Sha1Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), md, &n, EVP_sha1(), nullptr);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < n; i++) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

ScriptEngine::ScriptEngine(ServerApi* server, Config* config, Storage* storage, ScriptHooks hooks)
    : server_(server), config_(config), storage_(storage), hooks_(std::move(hooks)) {}

ScriptEngine::~ScriptEngine() { Stop(); }

void ScriptEngine::Start() {
  vm_ = std::make_unique<LuaVm>();
  thread_ = std::thread([this] { Loop(); });
}

void ScriptEngine::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  kill_.store(running_.load());  // also a script that a lease's holder runs
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ScriptEngine::Lease(std::function<void(uint64_t)> grant) {
  std::lock_guard<std::mutex> lock(mu_);
  queue_.push_back([this, grant = std::move(grant)] { RunLease(grant); });
  cv_.notify_one();
}

void ScriptEngine::RunLease(const std::function<void(uint64_t)>& grant) {
  uint64_t lease;
  {
    std::lock_guard<std::mutex> lock(mu_);
    lease = lease_ = ++leases_;
    lease_begun_ = false;
  }
  grant(lease);  // posts to the holder's worker, which begins (or gives back) the lease
  std::unique_lock<std::mutex> lock(mu_);
  // While the server stops, a lease not yet begun is taken back (its EXEC answers an error);
  // one begun is waited for: Stop killed its script.
  cv_.wait(lock, [&] { return lease_ != lease || (stopping_ && !lease_begun_); });
  if (lease_ == lease) lease_ = 0;
}

bool ScriptEngine::BeginLease(uint64_t lease) {
  std::lock_guard<std::mutex> lock(mu_);
  if (lease_ != lease || lease_begun_) return false;
  lease_begun_ = true;
  lease_thread_ = std::this_thread::get_id();
  return true;
}

void ScriptEngine::EndLease(uint64_t lease) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (lease_ != lease) return;
    lease_ = 0;
    lease_begun_ = false;
    lease_thread_ = {};
  }
  cv_.notify_all();
}

bool ScriptEngine::HoldsLease() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lease_ != 0 && lease_begun_ && lease_thread_ == std::this_thread::get_id();
}

void ScriptEngine::Loop() {
  while (true) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job();
  }
}

void ScriptEngine::Submit(CommandContext& ctx, Job job) {
  ScriptCallerInfo caller{ctx.client.id(),    ctx.client.name(),
                          ctx.client.ns(),    ctx.client.authenticated(),
                          ctx.client.admin(), ctx.client.from_loopback()};
  RespVersion version = ctx.reply.version();
  auto resume = server_->Suspend(ctx);
  if (!resume) return;  // refused (inside EXEC): the error is the reply
  auto run = [this, caller = std::move(caller), version, resume, job = std::move(job)] {
    std::string bytes;
    Reply reply(&bytes, version);
    bool stopping;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping = stopping_;
    }
    if (stopping) {
      reply.Error("ERR the server is shutting down");
    } else {
      job(reply, caller);
    }
    resume(std::move(bytes));
  };
  std::lock_guard<std::mutex> lock(mu_);
  queue_.push_back(std::move(run));
  cv_.notify_one();
}

namespace {

// Outside EXEC the commands below hand their work to the script thread; inside it, the caller
// holds the lease and runs it at once. An EXEC that holds none cannot run them.
Status NoLeaseError() {
  return Status::InvalidArgument("this command cannot run inside MULTI/EXEC");
}

}  // namespace

Status ScriptEngine::Eval(CommandContext& ctx, EvalRequest request) {
  if (ctx.client.in_multi()) return HoldsLease() ? EvalInExec(ctx, request) : NoLeaseError();
  Submit(ctx, [this, request = std::move(request)](Reply& reply, const ScriptCallerInfo& caller) {
    RunEval(request, caller, reply);
  });
  return Status::OK();
}

Status ScriptEngine::Load(CommandContext& ctx, std::string body) {
  auto load = [this](const std::string& body, Reply& reply) {
    std::string sha = Sha1Hex(body);
    Status s = Cache(sha, body, /*loaded=*/true);
    if (s.ok()) reply.Bulk(sha);
    return s;
  };
  if (ctx.client.in_multi()) return HoldsLease() ? load(body, ctx.reply) : NoLeaseError();
  Submit(ctx, [load, body = std::move(body)](Reply& reply, const ScriptCallerInfo&) {
    Status s = load(body, reply);
    if (!s.ok()) reply.Error(s.ToString());
  });
  return Status::OK();
}

std::vector<bool> ScriptEngine::Exists(const std::vector<std::string>& shas) {
  std::vector<bool> out;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& sha : shas) out.push_back(cache_.count(Lower(sha)) != 0);
  return out;
}

void ScriptEngine::DropCache() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    cache_.clear();
    eval_order_.clear();
    cache_bytes_ = 0;
  }
  vm_->DropAll();
}

Status ScriptEngine::Flush(CommandContext& ctx) {
  if (ctx.client.in_multi()) {
    if (!HoldsLease()) return NoLeaseError();
    DropCache();
    ctx.reply.Ok();
    return Status::OK();
  }
  Submit(ctx, [this](Reply& reply, const ScriptCallerInfo&) {
    DropCache();
    reply.Ok();
  });
  return Status::OK();
}

Status ScriptEngine::Kill() {
  uint64_t run = running_.load();
  if (run == 0) return Status::Custom("NOTBUSY No scripts in execution right now.");
  kill_.store(run);
  return Status::OK();
}

ScriptMemory ScriptEngine::memory() const {
  ScriptMemory m;
  m.vm = vm_ != nullptr ? vm_->memory() : 0;
  std::lock_guard<std::mutex> lock(mu_);
  m.cache = cache_bytes_;
  m.cached_scripts = cache_.size();
  return m;
}

Status ScriptEngine::Cache(const std::string& sha, const std::string& body, bool loaded) {
  vm_->set_limit(static_cast<uint64_t>(config_->lua_memory_limit.load()));
  if (!vm_->Has(sha)) {
    Status s = vm_->Compile(sha, body);
    if (!s.ok()) return s;
  }
  std::string evicted;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto [it, added] = cache_.try_emplace(sha);
    if (added) {
      it->second.body = body;
      cache_bytes_ += body.size() + kCacheEntryOverhead;
      if (!loaded) eval_order_.push_back(sha);
    }
    it->second.loaded = it->second.loaded || loaded;
    // Past the bound, drop the oldest script that only EVAL cached (not this one).
    while (eval_order_.size() > kMaxEvalScripts) {
      std::string old = std::move(eval_order_.front());
      eval_order_.pop_front();
      auto e = cache_.find(old);
      if (e == cache_.end() || e->second.loaded || old == sha) continue;
      cache_bytes_ -= e->second.body.size() + kCacheEntryOverhead;
      cache_.erase(e);
      evicted = old;
      break;
    }
  }
  if (!evicted.empty()) vm_->Drop(evicted);
  return Status::OK();
}

ScriptOutcome ScriptEngine::CheckBusyAndKill() {
  if (!busy_.load(std::memory_order_relaxed) &&
      NowMs() - started_ms_ >= config_->busy_reply_threshold.load(std::memory_order_relaxed)) {
    busy_.store(true);
  }
  return kill_.load() == runs_ ? ScriptOutcome::kKilled : ScriptOutcome::kOk;
}

StatusOr<std::string> ScriptEngine::Resolve(const EvalRequest& request) {
  if (!request.is_sha) {
    std::string sha = Sha1Hex(request.script);
    Status s = Cache(sha, request.script, /*loaded=*/false);
    if (!s.ok()) return s;
    return sha;
  }
  std::string sha = Lower(request.script);
  std::string body;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(sha);
    if (it == cache_.end()) return NoScriptError();
    if (!vm_->Has(sha)) body = it->second.body;
  }
  if (!body.empty()) {
    Status s = vm_->Compile(sha, body);
    if (!s.ok()) return s;
  }
  return sha;
}

void ScriptEngine::RunEval(const EvalRequest& request, const ScriptCallerInfo& caller,
                           Reply& reply) {
  StatusOr<std::string> resolved = Resolve(request);
  if (!resolved.ok()) return reply.Error(resolved.status().ToString());
  const std::string& sha = *resolved;
  std::vector<std::string> lock_keys;
  for (const auto& k : request.keys) lock_keys.push_back(EncodeMetaKey(caller.ns, k));
  std::string* out = reply.buffer();
  size_t start = out->size();
  for (int run = 1;; run++) {
    out->resize(start);
    ScriptOutcome o = RunOnce(sha, request, caller, &lock_keys, out, reply.version());
    if (o != ScriptOutcome::kRetry) return;
    Log(LogLevel::kVerbose,
        "script %s: a key outside KEYS was busy, run %d again with %zu keys locked", sha.c_str(),
        run + 1, lock_keys.size());
    if (run == kMaxRuns) {
      out->resize(start);
      return reply.Error(
          "ERR the script kept touching keys not named in KEYS that other clients were "
          "writing; name every key the script writes in KEYS");
    }
  }
}

ScriptOutcome ScriptEngine::RunOnce(const std::string& sha, const EvalRequest& request,
                                    const ScriptCallerInfo& caller,
                                    std::vector<std::string>* lock_keys, std::string* out,
                                    RespVersion version) {
  WriteContext context(storage_);
  context.WatchWrites(hooks_.blocked_waiting);  // notes the keys blocked clients wait on
  // An empty context waits for its stripes without deadlock (write_context.h); from then on
  // it never commits nor waits before the end.
  if (!lock_keys->empty()) context.Lock(*lock_keys);
  context.set_no_wait(true);
  runs_++;
  started_ms_ = NowMs();
  running_.store(runs_);
  ScriptCaller::Options options;
  options.read_only = request.read_only;
  options.write_limit = static_cast<uint64_t>(config_->lua_write_limit.load());
  options.killed = [this] { return CheckBusyAndKill() == ScriptOutcome::kKilled; };
  ScriptCaller caller_host(server_, storage_, caller, &context, hooks_, options);
  vm_->set_limit(static_cast<uint64_t>(config_->lua_memory_limit.load()));
  size_t start = out->size();
  Reply reply(out, version);
  ScriptOutcome o = vm_->Run(sha, request.keys, request.args, &caller_host, reply);
  running_.store(0);
  busy_.store(false);
  if (o == ScriptOutcome::kRetry) {
    for (const auto& k : context.contended()) lock_keys->push_back(k);
    context.Abandon();
    return o;
  }
  if (o == ScriptOutcome::kOk || o == ScriptOutcome::kError) {
    // As in Redis, a script that raised an error keeps the writes it made before. Clients
    // blocked on keys it wrote are served in the same commit, as after any command.
    if (context.has_written() && hooks_.serve_blocked) {
      hooks_.serve_blocked(&context, caller_host.client());
    }
    Status s = context.Commit();
    if (!s.ok()) {
      out->resize(start);
      reply.Error(s.ToString());
      return o;
    }
    std::vector<ScriptMessage>& messages = caller_host.client().messages();
    if (!messages.empty() && hooks_.publish) hooks_.publish(caller.ns, messages);
    return o;
  }
  context.Abandon();
  if (o == ScriptOutcome::kWriteLimit) {
    out->resize(start);
    reply.Error(
        "ERR the script's writes exceeded 'lua-write-limit' and it was stopped; none of its "
        "writes were applied");
  }
  return o;
}

}  // namespace mnemo

namespace mnemo {

// Inside EXEC the transaction holds the stripes of the script's KEYS (EXEC locks every queued
// command's keys first) and its context stays open: a key outside KEYS is locked like any key
// of a transaction (when another client holds it, the transaction commits what it has and
// waits, docs/internals.md "Transactions"), so the run never has to start again.
Status ScriptEngine::EvalInExec(CommandContext& ctx, const EvalRequest& request) {
  StatusOr<std::string> sha = Resolve(request);
  if (!sha.ok()) return sha.status();
  ScriptCallerInfo caller{ctx.client.id(),    ctx.client.name(),
                          ctx.client.ns(),    ctx.client.authenticated(),
                          ctx.client.admin(), ctx.client.from_loopback()};
  WriteContext* context = ctx.db.context();
  runs_++;
  started_ms_ = NowMs();
  running_.store(runs_);
  ScriptCaller::Options options;
  options.read_only = request.read_only;
  options.write_limit = static_cast<uint64_t>(config_->lua_write_limit.load());
  options.killed = [this] { return CheckBusyAndKill() == ScriptOutcome::kKilled; };
  options.exec_client = &ctx.client;
  ScriptCaller caller_host(server_, storage_, caller, context, hooks_, options);
  vm_->set_limit(static_cast<uint64_t>(config_->lua_memory_limit.load()));
  size_t start = ctx.reply.size();
  ScriptOutcome o = vm_->Run(*sha, request.keys, request.args, &caller_host, ctx.reply);
  running_.store(0);
  busy_.store(false);
  if (o == ScriptOutcome::kOk || o == ScriptOutcome::kError) return Status::OK();
  // Dropped whole: the error (the VM's reply, or the write limit's) becomes the status, so
  // that EXEC rolls back the run's writes and answers it as this command's element.
  std::string text = ctx.reply.buffer()->substr(start);
  ctx.reply.buffer()->resize(start);
  if (o == ScriptOutcome::kWriteLimit || text.size() < 3) {
    return Status::InvalidArgument(
        "the script's writes exceeded 'lua-write-limit' and it was stopped; none of its writes "
        "were applied");
  }
  return Status::Custom(text.substr(1, text.size() - 3));  // "-<error>\r\n"
}

}  // namespace mnemo
