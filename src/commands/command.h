// Command metadata and the context a command runs in.
//
// Each command family (cmd_string.cc, cmd_keys.cc, ...) exposes one table of CommandSpec rows:
// name, arity, flags, key positions, handler, a one-line summary and its CommandDoc (argument
// schema, ACL categories, key specifications, ...; the notation is in commands/command_doc.h).
// The tables are the single source for dispatch, COMMAND INFO/DOCS and docs/commands.md. A handler
// parses its arguments, calls into types/ or memory/, and writes exactly one reply — or returns a
// non-ok Status and writes nothing, in which case the dispatcher sends the error.
//
// Commands know nothing of sockets: server-level facilities reach them through the ServerApi
// and ClientApi interfaces, implemented by server/.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/keyspace_events.h"
#include "common/latency_histogram.h"
#include "common/status.h"
#include "protocol/reply.h"

namespace mnemo {

class Config;
class Storage;
class Database;
class HeapProfiler;
class NamespaceRegistry;
class MemoryHistory;
class MemoryPolicies;
struct PolicyRule;
class SlowLog;
class ScriptApi;
struct PendingWrites;
struct MemorySnapshot;

enum CommandFlag : uint32_t {
  kCmdWrite = 1 << 0,      // may modify data
  kCmdReadOnly = 1 << 1,   // never modifies data
  kCmdAdmin = 1 << 2,      // needs an admin connection when requirepass is set
  kCmdNoAuth = 1 << 3,     // allowed before AUTH
  kCmdFast = 1 << 4,       // O(1) or O(log n)
  kCmdDenyOOM = 1 << 5,    // may add data: refused when memory is full
  kCmdBatchable = 1 << 6,  // a blind write that can join the pipeline's write batch
  kCmdLoading = 1 << 7,    // harmless while loading
  // A write that joins the worker's open write context (types/write_context.h) without
  // committing the writes before it: such commands of every connection served in one pass of
  // the event loop commit together. Every other command first commits what the connection has
  // pending. Set it only where the handler reads and writes solely through ctx.db (which sees
  // the context's writes).
  kCmdWriteContext = 1 << 8,
  // Refused inside MULTI with "Command not allowed inside a transaction" (Redis's no_multi;
  // SHUTDOWN, SAVE), which also condemns the transaction.
  kCmdNoMulti = 1 << 9,
  // Runs at once inside MULTI instead of being queued: MULTI, EXEC, DISCARD, WATCH, QUIT, RESET.
  kCmdNoQueue = 1 << 10,
  // Writes straight to storage, not through the write context (FLUSHDB, FLUSHALL's range
  // deletions): inside EXEC the writes before it are committed first (docs/internals.md).
  kCmdOutsideContext = 1 << 11,
  kCmdNoScript = 1 << 12,   // refused inside a script (redis.call): Redis's `noscript`
  kCmdAllowBusy = 1 << 13,  // still served while a script is busy (Redis's `allow_busy`)
  // Allowed while a RESP2 connection is subscribed ((P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PING,
  // QUIT, RESET); every other command is refused there with Redis's error.
  kCmdPubSubContext = 1 << 14,
};

// What a subscription is to: a channel (SUBSCRIBE), a glob pattern over channels (PSUBSCRIBE) or
// a shard channel (SSUBSCRIBE; one shard without cluster mode). Indexes arrays: keep the values.
enum class PubSubKind : uint8_t { kChannel = 0, kPattern = 1, kShard = 2 };

struct CommandContext;
using CommandHandler = Status (*)(CommandContext& ctx);
struct Subcommand;

// What COMMAND DOCS and COMMAND INFO say of a command beyond its arity, flags and key positions,
// as text in the compact notations of commands/command_doc.h, parsed once when the command table
// is built (a row that does not parse stops the server at start; registry_test parses them all).
// For a command Redis 7.0 also has, every field is what Redis 7.0 answers (checked against
// redis-server by tests/integration/test_command_docs.py), except `complexity` where Mnemo's
// differs.
struct CommandDoc {
  const char* since = "";       // the Redis version that introduced it; Mnemo's for its own
  const char* complexity = "";  // "O(1)", ...
  const char* args = "";        // argument schema: "key:key value [condition(NX|XX)@2.6.12] ..."
  const char* acl = "";         // ACL categories: "@write @string @slow"
  const char* keys = "";        // key specifications: "RW access update index:1 range:0,1,0"
  const char* tips = "";        // command tips: "nondeterministic_output ..."
  const char* deprecated_since = "";  // with replaced_by: a deprecated command
  const char* replaced_by = "";
  // Mnemo's behaviour where it differs from Redis's; rendered into docs/commands.md.
  const char* notes = "";
  std::span<const Subcommand> subcommands = {};
};

struct CommandSpec {
  const char* name;  // lower case
  int arity;         // Redis convention: n = exactly n args (with the name), -n = at least n
  uint32_t flags;
  int first_key, last_key, key_step;  // 1-based positions; 0 = no keys; last_key -1 = all
  CommandHandler handler;
  const char* group;    // "string", "generic", "server", "connection", ...
  const char* summary;  // one line for COMMAND DOCS and docs/commands.md
  CommandDoc doc;
};

// A row of a container command's subcommand table (CLIENT, CONFIG, ...; commands/subcommand.h).
struct Subcommand {
  const char* name;  // lower case
  int arity;         // counts the command and the subcommand: n exactly, -n at least
  Status (*run)(CommandContext&);
  const char* summary = "";
  CommandDoc doc = {};
};

// Per-command counters for INFO commandstats and latencystats, updated with relaxed atomics.
// Each thread slot (common/striped_counter.h) has its own set; CommandTable::Counts sums them.
// `latency` counts calls by duration bucket (common/latency_histogram.h; only while
// latency-tracking is on).
struct CommandStats {
  std::atomic<uint64_t> calls{0};
  std::atomic<uint64_t> usec{0};
  std::atomic<uint64_t> rejected_calls{0};
  std::atomic<uint64_t> failed_calls{0};
  // Bytes the handler allocated (memory/command_memory.h): their sum and the largest one call.
  std::atomic<uint64_t> alloc_bytes{0};
  std::atomic<uint64_t> alloc_peak{0};
  std::array<std::atomic<uint64_t>, kLatencyBuckets> latency{};
};

struct CommandCounts {
  uint64_t calls = 0;
  uint64_t usec = 0;
  uint64_t rejected_calls = 0;
  uint64_t failed_calls = 0;
  uint64_t alloc_bytes = 0;  // summed over the thread slots
  uint64_t alloc_peak = 0;   // the largest of the slots'
  LatencyHistogram latency;
};

// What a blocking command (BLPOP, BLMOVE, BZPOPMIN, ...) waits for; server/blocking.h keeps it.
struct BlockRequest {
  std::vector<std::string> keys;  // the user keys waited on, in the command's order
  std::string destination;        // BLMOVE / BRPOPLPUSH: the other key `serve` writes; else ""
  int64_t timeout_ms = 0;         // 0 = forever
  // The reply where the client may not block (inside MULTI): a null array, else a null bulk
  // (BLMOVE). A timeout's reply is a null array for every command, as Redis's.
  bool null_array = true;
  // Tries to serve the client from `key` after a write to it: ctx.db is the client's namespace
  // over the writer's write context (which holds the stripes of `key` and `destination`),
  // ctx.reply writes in the client's protocol; ctx.client and ctx.args are not the client's and
  // must not be used. Returns true when it popped and wrote the client's reply; false when `key`
  // holds nothing for it (absent, empty, or of another type: the client keeps waiting), having
  // written nothing. A non-OK status becomes the client's reply (it stops waiting); what it wrote
  // to the batch is dropped.
  std::function<StatusOr<bool>(CommandContext& ctx, std::string_view key)> serve;
};

// One connection's memory (MEMORY TOP CLIENTS; CLIENT LIST's qbuf, omem, multi-mem, tot-mem).
struct ClientMemory {
  uint64_t id = 0;
  std::string addr, name, ns;
  uint64_t qbuf = 0;          // unparsed bytes in the query buffer
  uint64_t query_buffer = 0;  // the query buffer's capacity
  uint64_t omem = 0;          // the reply buffer's capacity
  uint64_t multi_mem = 0;     // the MULTI queue
  uint64_t running = 0;       // held by its running command beyond its buffers' growth
  uint64_t tot_mem = 0;       // query buffer + omem + multi-mem + running + the connection itself
};

// What a command may ask of the server. Implemented by server/Server; thread-safe.
class ServerApi {
 public:
  virtual ~ServerApi() = default;
  virtual Config& config() = 0;
  virtual Storage& storage() = 0;
  virtual NamespaceRegistry& namespaces() = 0;
  virtual HeapProfiler& profiler() = 0;
  // INFO text ("" = default sections); `ns` is the caller's namespace, whose keys the keyspace
  // section counts (from the namespace counters, O(1)).
  virtual std::string Info(std::string_view section, std::string_view ns) = 0;
  // A memory snapshot (memory/snapshot.h) of this moment: allocator, RSS, RocksDB, client
  // buffers, profiler, baselines and limits. Tens of microseconds; raises the recorded peak.
  virtual MemorySnapshot TakeMemorySnapshot() = 0;
  virtual std::string ClientList() = 0;  // CLIENT LIST text
  // Every connection's memory, in no order. Visits every worker and waits for them: call from
  // the background thread only.
  virtual std::vector<ClientMemory> ClientMemories() = 0;
  // Kills clients matching a CLIENT KILL filter ("ID 5", "ADDR ip:port", "SKIPME yes|no", ...);
  // `self` is the caller (skipped unless SKIPME no). Returns the count. Visits every worker and
  // waits for them: call from the background thread only (ClientList likewise).
  virtual StatusOr<int64_t> KillClients(const std::vector<std::string>& filter, uint64_t self) = 0;
  virtual void RequestShutdown() = 0;
  // Bytes left under the effective memory limit (INT64_MAX without a limit). A command that
  // builds one large value refuses to build more than this.
  virtual int64_t MemoryHeadroom() = 0;
  // The memory history (memory/history.h: one sample a second) and the effective limit the
  // forecast projects to (0 = none).
  virtual MemoryHistory& history() = 0;
  virtual uint64_t MemoryLimit() = 0;
  // The memory policies (memory/policy.h) and the rules of the config file, parsed.
  virtual MemoryPolicies& policies() = 0;
  virtual StatusOr<std::vector<PolicyRule>> ConfiguredPolicies() = 0;
  // Whether memory for a reply being built can grow by `bytes` without carrying used memory
  // past the effective limit (true without a limit, or where the allocator gives no figure).
  // Reads the allocator afresh (a few µs), so it is meant for large allocations only (see
  // ReplyCanGrow). A false answer counts as one refused reply (INFO oom_rejected_replies): the
  // caller must then answer ReplyTooLargeError instead of the reply.
  virtual bool ReplyFits(uint64_t bytes) = 0;
  virtual void ResetStats() = 0;
  virtual std::span<const CommandSpec* const> AllCommands() = 0;
  // Runs `job` on the background thread; what it writes to its Reply (in the calling
  // connection's protocol) becomes this command's reply, or the error of the non-ok Status it
  // returns (anything it wrote is then dropped). The connection processes nothing else until
  // then. Used for work that must not stall the event loop (heap profile dumps, symbolized
  // reports, scans of the keyspace). `job` must write exactly one reply when it returns OK.
  virtual void Defer(CommandContext& ctx, std::function<Status(Reply&)> job) = 0;
  // Pauses the calling connection (it processes nothing else) until the returned function is
  // called, from any thread and exactly once, with the bytes of this command's one reply in the
  // connection's protocol. Defer is this plus the background thread; scripts use their own.
  // Inside EXEC (whose reply is built on the worker in one go) it writes an error reply instead
  // and returns an empty function: the caller then does nothing more.
  virtual std::function<void(std::string reply_bytes)> Suspend(CommandContext& ctx) = 0;
  // Lua scripting (EVAL, SCRIPT ...): commands/script_api.h.
  virtual ScriptApi& scripts() = 0;
  // SCAN cursors: a number standing for the last key returned.
  virtual uint64_t SaveCursor(std::string last_key) = 0;
  virtual StatusOr<std::string> LoadCursor(uint64_t cursor) = 0;
  // Unix seconds of the last successful SAVE/BGSAVE (the start time until the first).
  virtual int64_t LastSave() = 0;
  virtual void SetLastSave(int64_t unix_seconds) = 0;
  // CLIENT PAUSE / UNPAUSE: until `until_ms` (unix ms) commands of every client wait (only
  // writing ones when writes_only); CLIENT commands are never held, so UNPAUSE gets through.
  virtual void PauseClients(int64_t until_ms, bool writes_only) = 0;
  virtual void UnpauseClients() = 0;
  // SLOWLOG's entries (commands/slowlog.h); thread-safe.
  virtual SlowLog& slowlog() = 0;
  // Blocks the calling client until `req.serve` succeeds for one of its keys after a write to
  // that key from any connection, its timeout passes (the null reply), CLIENT UNBLOCK, or it
  // disconnects. REQUIRES: the handler holds the stripes of req.keys (ctx.db.Lock), found
  // nothing to pop, and writes no reply. Where the client may not block
  // (ClientApi::BlockingAllowed false: inside MULTI, a script) writes the timeout reply at once,
  // as Redis does.
  virtual void Block(CommandContext& ctx, BlockRequest req) = 0;
  // CLIENT UNBLOCK: ends client `id`'s wait with the timeout reply, or with `error` as an error
  // line. False when that client is not blocked.
  virtual bool UnblockClient(uint64_t id, bool with_error) = 0;
  // PUBSUB CHANNELS / SHARDCHANNELS (kind kChannel or kShard): the channels of namespace `ns`
  // with at least one subscriber, matching `pattern` unless it is null. NUMSUB / SHARDNUMSUB:
  // the subscribers of one channel. NUMPAT: the distinct patterns subscribed to in `ns`.
  virtual std::vector<std::string> PubSubChannels(PubSubKind kind, std::string_view ns,
                                                  const std::string* pattern) = 0;
  virtual int64_t PubSubNumSub(PubSubKind kind, std::string_view ns, std::string_view channel) = 0;
  virtual int64_t PubSubNumPat(std::string_view ns) = 0;
};

// The calling connection. Only touched from its own worker thread.
class ClientApi {
 public:
  virtual ~ClientApi() = default;
  virtual uint64_t id() const = 0;
  virtual const std::string& name() const = 0;
  virtual void set_name(std::string name) = 0;
  virtual bool authenticated() const = 0;
  virtual bool admin() const = 0;
  virtual void SetAuthenticated(bool admin) = 0;
  virtual const std::string& ns() const = 0;
  // AUTH with a namespace's token: later commands see only that namespace's keys.
  virtual void set_ns(std::string ns) = 0;
  // The peer is a loopback address (127.0.0.0/8, ::1): the clients `enable-protected-configs
  // local` trusts.
  virtual bool from_loopback() const = 0;
  virtual void CloseAfterReply() = 0;  // QUIT
  // Commits the blind writes this connection has pending in its worker's batch, so that a
  // read-modify-write that follows them in a pipeline sees them.
  virtual void CommitPendingWrites() = 0;
  virtual std::string Describe() = 0;  // one CLIENT LIST line
  // RESET: back to a fresh connection's state (name, authentication, reply mode, RESP2).
  virtual void Reset() = 0;
  // CLIENT REPLY: kOff drops every reply from now on (this command's included), kSkip drops
  // this command's and the next command's reply, kOn restores replies.
  enum class ReplyMode { kOn, kOff, kSkip };
  virtual void SetReplyMode(ReplyMode mode) = 0;
  // The protocol this connection speaks (HELLO 2|3); new connections speak RESP2.
  virtual RespVersion resp() const = 0;
  virtual void set_resp(RespVersion v) = 0;
  // CLIENT SETINFO LIB-NAME / LIB-VER: shown in CLIENT LIST as lib-name= and lib-ver=.
  virtual void set_lib_name(std::string name) = 0;
  virtual void set_lib_ver(std::string ver) = 0;
  // Called by a container command's dispatcher with the subcommand about to run (lower case),
  // so CLIENT LIST's cmd= shows "client|list" as Redis 7 does.
  virtual void NoteSubcommand(std::string_view sub) = 0;

  // Transactions (server/transaction.h). in_multi() is true from MULTI until EXEC or DISCARD
  // ends, so also while EXEC runs the queued commands: a blocking command must not block then
  // (Redis runs it as its non-blocking form).
  // A client that is not a connection (a script's, the blocking registry's) has no
  // transaction: the defaults below answer that.
  virtual bool in_multi() const { return false; }
  virtual Status Multi() { return NoTransaction(); }  // "MULTI calls can not be nested"
  // Runs the queue, writing EXEC's whole reply to `reply` (or a null array when a watched key
  // changed); the error of EXECABORT, "EXEC without MULTI", a failed commit otherwise.
  virtual Status Exec(Reply&) { return NoTransaction(); }
  virtual Status Discard() { return NoTransaction(); }  // "DISCARD without MULTI"
  virtual Status Watch(std::span<const std::string>) { return NoTransaction(); }
  virtual void Unwatch() {}

 private:
  static Status NoTransaction() {
    return Status::NotSupported("transactions are not available to this client");
  }

 public:
  // Whether a blocking command may block this client (ServerApi::Block); false for anything but
  // a real connection outside MULTI/EXEC.
  virtual bool BlockingAllowed() const { return false; }
  // True for the caller a script's redis.call runs commands as (script/script_caller.h): its
  // commands never block and ServerApi::Defer runs their job on the spot.
  virtual bool in_script() const { return false; }

  // Pub/sub (server/pubsub.h). Subscribe/Unsubscribe return whether the subscription was new /
  // existed; the connection leaves the registry when it closes or RESETs. A client that is not a
  // connection (a script's) has no subscriptions; the pub/sub commands are refused there
  // (kCmdNoScript), so the defaults below are never asked to deliver anything.
  virtual bool Subscribe(PubSubKind, std::string_view) { return false; }
  virtual bool Unsubscribe(PubSubKind, std::string_view) { return false; }
  // This connection's subscriptions of one kind (unordered).
  virtual std::vector<std::string> Subscriptions(PubSubKind) const { return {}; }
  virtual size_t SubscriptionCount(PubSubKind) const { return 0; }
  // Sends `message` to the subscribers of `channel` (kChannel: and of the patterns matching it;
  // kShard: shard channel subscribers only) in this connection's namespace, on every worker, in
  // this connection's publish order; returns the number of receivers (as Redis counts them).
  virtual int64_t Publish(PubSubKind, std::string_view, std::string_view) { return 0; }
  // Keyspace notifications: queues an event of `type` (common/keyspace_events.h) for `key`,
  // published once the command's writes commit. Call through CommandContext::Notify. A script's
  // are kept by its client and sent after the script's commit (script/script_caller.h).
  virtual void NotifyKeyspaceEvent(uint32_t, std::string_view, std::string_view) {}
};

struct CommandContext {
  std::vector<std::string>& args;  // args[0] is the command name as sent
  Reply& reply;
  ServerApi& server;
  ClientApi& client;
  // The caller's namespace over the connection's write context: reads see the context's writes,
  // writes go into it (types/database.h).
  Database& db;
  // Non-null only for kCmdBatchable commands. A handler either adds its blind write here (and
  // counts it in pending->commands), or calls client.CommitPendingWrites() before reading.
  PendingWrites* pending;
  const CommandSpec* spec;
  // notify-keyspace-events' classes (common/keyspace_events.h) when the command started; 0 (no
  // notification) unless the connection sets it.
  uint32_t notify_flags = 0;

  size_t argc() const { return args.size(); }
  // A keyspace notification of class `type` ("set" for key): one test when notifications are
  // off. Call after the write succeeded in the handler; the event is published after the commit.
  void Notify(uint32_t type, std::string_view event, std::string_view key) {
    if (notify_flags & type) client.NotifyKeyspaceEvent(type, event, key);
  }
};

// Each family's table.
std::span<const CommandSpec> StringCommands();
std::span<const CommandSpec> KeyCommands();
std::span<const CommandSpec> ServerCommands();
std::span<const CommandSpec> MemoryCommands();
std::span<const CommandSpec> KProfileCommands();
std::span<const CommandSpec> AdminCommands();
std::span<const CommandSpec> GenericCommands();
std::span<const CommandSpec> NamespaceCommands();
std::span<const CommandSpec> HashCommands();
std::span<const CommandSpec> ZSetCommands();
std::span<const CommandSpec> BitmapCommands();
std::span<const CommandSpec> ListCommands();
std::span<const CommandSpec> SetCommands();
std::span<const CommandSpec> TransactionCommands();
std::span<const CommandSpec> SlowlogCommands();
std::span<const CommandSpec> ScriptCommands();
std::span<const CommandSpec> PubSubCommands();

// Redis's error texts used by several families.
Status SyntaxError();
// For what only an admin may do inside a command open to all (a namespace's clients are not
// admins): "admin permission required to perform the command".
Status RequireAdmin(const CommandContext& ctx);
Status NotIntegerError();
Status WrongArgsError(std::string_view cmd);  // "wrong number of arguments for 'x' command"
Status DbIndexError();                        // "DB index is out of range": only database 0 exists
// "-OOM command not allowed: the reply (at least N bytes) would exceed the memory left under
// 'maxmemory'." for a read whose reply does not fit (ServerApi::ReplyFits).
Status ReplyTooLargeError(uint64_t bytes);

// Keyspace notification helpers for handlers (each one test when notifications are off).
// "del" for `key` when the write just made removed it (its last element went).
void NotifyIfDeleted(CommandContext& ctx, std::string_view key);
// Whether `key` exists, asked only while notifications are on (else false): for an event that
// Redis sends only when the key was there before the write.
bool ExistsForNotify(CommandContext& ctx, std::string_view key);

// Replies up to this size are never checked against the memory limit: the connection sends
// them in chunks of this size anyway, and their memory is bounded by that.
constexpr size_t kLargeReplyBytes = 1 << 20;

// For a handler building a reply piece by piece: true when `bytes` more can be appended to
// ctx.reply. Free while the buffer has room or stays under kLargeReplyBytes; when appending
// would make it reallocate past that, asks ServerApi::ReplyFits for what the reallocation takes
// (std::string doubles its capacity), so the check comes before the memory is taken.
bool ReplyCanGrow(CommandContext& ctx, size_t bytes);

}  // namespace mnemo
