// Transactions: WATCH's registry of watched keys (server-wide) and one connection's MULTI queue.
//
// WatchRegistry observes every write to Storage (storage/write_observer.h): a write of a watched
// metadata key marks its watchers dirty, and EXEC then answers a null array. It is active (and
// costs writes anything) only while some key is watched. Redis 7.0's rules for expiry: a key that
// was logically expired when watched and is then deleted (by the active expiry) is no change; a
// key that was live when watched and whose time has passed by EXEC is one (Changed below).
// FLUSHDB / FLUSHALL mark the watchers of keys that had a record, as Redis's do.
// Thread-safe: one mutex, taken by writers only while something is watched.
//
// Transaction is one connection's MULTI state: the queued commands, whether an error at queue
// time condemned the transaction (EXECABORT), and the bytes the queue holds (CLIENT LIST's
// multi-mem). Not thread-safe: owned by its connection, touched on its worker only.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "commands/command.h"
#include "storage/storage.h"
#include "storage/write_observer.h"

namespace mnemo {

class WatchRegistry : public WriteObserver {
 public:
  explicit WatchRegistry(Storage* storage) : storage_(storage) {}
  ~WatchRegistry() override = default;

  // One client's watches. Owned by its connection, which calls UnwatchAll before destroying it.
  struct Watcher {
    std::atomic<bool> dirty{false};
    std::vector<std::string> keys;  // encoded metadata keys; touched by the owner only
  };

  // Watches `meta_key` for `w` (again: no effect). Reads the key's record to know whether it is
  // logically expired now (see above).
  void Watch(Watcher* w, std::string_view meta_key, int64_t now_ms);
  // Forgets every watch of `w` and clears its dirty mark.
  void UnwatchAll(Watcher* w);
  // Whether a watched key changed since WATCH: a write, a flush, or (for a key live at WATCH)
  // an expiry time now passed. Call holding the stripes of w's keys, so no write is in flight.
  bool Changed(const Watcher* w, int64_t now_ms);
  size_t watched_keys() const;  // distinct keys watched, all clients together

  // WriteObserver
  void OnMetadataWrites(std::span<const MetadataWrite> writes) override;
  void OnRangeDelete(std::string_view ns, bool all) override;

 private:
  struct Entry {
    Watcher* watcher;
    bool expired;  // the key was logically expired when watched (and not deleted since)
  };
  // REQUIRES: mu_ held.
  Entry* FindEntry(std::string_view meta_key, const Watcher* w);

  Storage* storage_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::vector<Entry>> by_key_;
};

// EXEC refused before it runs (arity, memory gate...): "EXECABORT Transaction discarded because
// of: <error>", the error without its "ERR " prefix as Redis 7.0 writes it.
Status ExecAbortError(const Status& error);

// A queued command: its row and its arguments (moved from the parser's buffer).
struct QueuedCommand {
  const CommandSpec* spec;
  std::vector<std::string> args;
};

class Transaction {
 public:
  bool active() const { return active_; }
  void Begin() { active_ = true; }
  // Queues a command; returns the bytes the queue holds now.
  size_t Queue(const CommandSpec* spec, std::vector<std::string>&& args);
  // An error at queue time: EXEC answers EXECABORT.
  void Flag() { flagged_ = true; }
  bool flagged() const { return flagged_; }
  // Some queued command may add data (kCmdDenyOOM): EXEC passes the memory gate first.
  bool deny_oom() const { return deny_oom_; }
  // Some queued command is a scripting one (EVAL..., SCRIPT): EXEC runs holding the VM's lease.
  bool has_script() const { return has_script_; }
  size_t count() const { return queue_.size(); }
  // The queue's bytes: argument buffers, their string objects, and the queue's slots.
  size_t memory() const { return bytes_ + queue_.capacity() * sizeof(QueuedCommand); }
  // Drops the queued commands (keeps MULTI state) and frees their memory.
  void DropQueue();
  std::vector<QueuedCommand>& queue() { return queue_; }
  // Back to no transaction; the queue's memory is freed.
  void Clear();

 private:
  bool active_ = false;
  bool flagged_ = false;
  bool deny_oom_ = false;
  bool has_script_ = false;
  std::vector<QueuedCommand> queue_;
  size_t bytes_ = 0;
};

}  // namespace mnemo
