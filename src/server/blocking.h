// The clients blocked in BLPOP, BLMOVE, BZPOPMIN, ... (ServerApi::Block), and their hand-over:
// which client waits on which key, first come first served, and the serving of waiters by the
// write that fills their key.
//
// Atomic hand-over. A blocking command registers its waiter while it holds the stripes of its
// keys (after finding them empty), and any write to such a key must take that stripe, so no
// write slips between the check and the registration. The writing connection, after each
// command, takes the keys its write context noted (WriteContext::WatchWrites: only while anybody
// waits) and calls Serve with that context: still holding the key's stripe, under the registry's
// mutex, it runs each waiter's `serve` (the pop, written into the same context), and removes the
// waiters served; their replies go out only after the writer's commit (WriteContext::AfterCommit,
// posted to each waiter's worker). No third client can take the element in between: it would need
// the stripe. Every end of a wait (served, timed out, CLIENT UNBLOCK, disconnect) removes the
// waiter under the mutex first, so exactly one of them happens, and a client that disconnected
// is never served. Should a client close between being served and its reply's delivery (a few
// microseconds), the reply finds no connection and its element is lost with it, as when a client
// closes before reading its reply.
//
// BLMOVE writes a second key, whose stripe the writer may not hold: Serve only tries it
// (never waits while holding the mutex); when another thread holds it, the key's serving stops
// there and is retried on the waiter's worker in a fresh context that waits for both stripes.
// The element stays in the source meanwhile, where a third client may take it first (then the
// waiter keeps waiting): the one weaker case.
//
// Cost when nobody waits: one relaxed load per metadata write (WriteContext::NoteWrite). While
// anyone waits, each write notes its keys and each writing command looks them up under the mutex.
//
// Thread-safety: every method may be called from any thread; one mutex guards the registry, and
// is only ever taken after stripes (never a stripe waited for while holding it).
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "commands/command.h"
#include "types/write_context.h"

namespace mnemo {

class Server;
class Worker;

class BlockingRegistry {
 public:
  explicit BlockingRegistry(Server* server) : server_(server) {}

  // One blocked client.
  struct Waiter {
    uint64_t client_id = 0;
    uint64_t seq = 0;  // tells this wait from the client's later ones
    Worker* worker = nullptr;
    std::string ns;
    RespVersion resp = RespVersion::kResp2;
    std::vector<std::string> meta_keys;  // distinct, in the command's order
    std::vector<std::string> user_keys;  // the same keys as the client named them
    std::string destination_meta;        // BLMOVE: the destination's metadata key, else ""
    BlockRequest request;
  };

  // Registers a waiter. REQUIRES: the caller holds the stripes of its keys.
  void Add(std::shared_ptr<Waiter> waiter);
  // Ends wait `seq` of client `id` (timeout, disconnect): true when it was still waiting,
  // false when it was already served or ended otherwise.
  bool Remove(uint64_t client_id, uint64_t seq);
  // CLIENT UNBLOCK: removes the client's waiter and returns it; null when it does not wait.
  std::shared_ptr<Waiter> Take(uint64_t client_id);
  // Hands `reply` to the waiting connection on its worker, which ends its wait (Connection::
  // Unblock). REQUIRES: the waiter was removed from the registry.
  static void Deliver(const Waiter& w, std::string reply);

  // Serves the clients blocked on the keys that `ctx` noted (WriteContext::TakeWrittenKeys),
  // until none is noted: served pops write into `ctx` and may fill further keys (BLMOVE).
  // Locks those keys' stripes first (may commit `ctx`, see WriteContext::Lock). `client` is
  // the caller's, passed to the serve functions (which do not use it). REQUIRES: no command
  // bracket (WriteContext::BeginCommand) open on ctx: call it between commands, or after an
  // EXEC or a script as a whole.
  void ServeWritten(WriteContext* ctx, ClientApi& client);

  // Clients waiting now (INFO blocked_clients). Also what WriteContext::WatchWrites reads.
  int64_t blocked() const { return waiting_.load(std::memory_order_relaxed); }
  const std::atomic<int64_t>* waiting() const { return &waiting_; }

 private:
  struct KeyQueue {
    std::string ns, user_key;
    std::deque<std::shared_ptr<Waiter>> waiters;  // first come first served
  };
  // A key whose serving stopped at a BLMOVE waiter whose destination's stripe was taken.
  struct Retry {
    Worker* worker;  // the waiter's
    std::string meta_key, destination_meta;
  };
  // Serves the waiters of `meta_key` in order while the key has something for them.
  // REQUIRES: mu_ held, ctx holds the key's stripe, no command bracket open on ctx.
  void ServeKey(WriteContext* ctx, ClientApi& client, const std::string& meta_key,
                std::vector<Retry>* retries);
  // One waiter's serve in its own savepoint; true when it was served or failed (it stops
  // waiting), false when it keeps waiting.
  bool ServeOne(WriteContext* ctx, ClientApi& client, const std::string& user_key,
                const std::shared_ptr<Waiter>& w);
  // Serves the key again on the waiter's worker, in a fresh context that waits for both
  // stripes. REQUIRES: mu_ not held.
  void RetryOnWorker(Retry r);
  void Unlink(const std::shared_ptr<Waiter>& w);  // REQUIRES: mu_ held

  Server* server_;
  std::mutex mu_;
  std::unordered_map<std::string, KeyQueue> by_key_;                 // meta key -> waiters
  std::unordered_map<uint64_t, std::shared_ptr<Waiter>> by_client_;  // client id -> waiter
  std::atomic<int64_t> waiting_{0};                                  // by_client_.size()
};

}  // namespace mnemo
