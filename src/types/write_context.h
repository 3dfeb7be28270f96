// WriteContext: the one way a command writes. It holds the stripes (LockManager) of the keys it
// touches, buffers the writes in an indexed Batch so that later reads through it see them
// (read-your-writes: Database reads consult it first), and commits them in one atomic
// Storage::Write. Each worker keeps one context for all its connections (server/worker.h): the
// writing commands of every connection served in one pass of the event loop go into it and
// commit together at the end of the pass (one RocksDB write for the pass, so fifty clients
// writing one hash cost one write, not fifty), and every reply that wrote or read through it is
// held until then. MULTI/EXEC and Lua hold a context of their own across their commands.
//
// Deadlock freedom: a thread that holds a context's stripes never waits for a lock. Lock takes
// the stripes it can without waiting; when one is taken by another thread, the context is
// committed first (through the owner's committer, which also settles the replies of the writes it
// held), and only then does it wait, holding nothing, for all the stripes in ascending order. A
// worker makes sure that its context is committed (holds nothing) before anything on its thread
// may wait otherwise: before its blind-write batch commits, before a command that may use a
// context of its own (EXEC, scripts) and before the tasks other threads post to it. Other lock
// users (the batch's commit, the active expiry) may wait while holding stripes, all taken in
// ascending order, so a cycle of waiters would need a context holder among the waiters, and there
// is none.
//
// Write observers hang off the commit point: AfterCommit queues what must wait for the commit
// (a blocked client's reply), and while `*waiting` (WatchWrites) is non-zero the context notes the
// metadata keys written through it, for its owner to serve the clients blocked on them
// (server/blocking.h) after the command. Nobody waiting costs one relaxed load per record write.
//
// Not thread-safe: owned by one thread (a worker, a script run, or one call for a context made
// on the spot).
#pragma once

#include <atomic>
#include <bitset>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "storage/batch.h"
#include "storage/storage.h"

namespace mnemo {

class WriteContext {
 public:
  explicit WriteContext(Storage* storage);
  ~WriteContext();  // commits what is left
  WriteContext(const WriteContext&) = delete;
  WriteContext& operator=(const WriteContext&) = delete;

  // What runs when Lock must commit before it waits. Default: Commit(), its status dropped (a
  // failed commit's error reaches the callers of Commit only: the owner sets a committer).
  void set_committer(std::function<void()> committer) { committer_ = std::move(committer); }

  // Takes the stripes of every metadata key in `meta_keys` for this context (see above).
  void Lock(const std::vector<std::string>& meta_keys);
  void Lock(std::string_view meta_key);
  // Takes the key's stripe if it is free (or already ours); false when another thread holds it.
  bool TryLock(std::string_view meta_key);
  // A script's context (script/script_engine.h) must commit only at the script's end: with
  // no_wait, Lock never commits nor waits; a stripe another thread holds is not taken but its key
  // recorded in contended(), and the owner then drops everything (Abandon) and runs the script
  // again with those keys locked first.
  void set_no_wait(bool v) { no_wait_ = v; }
  const std::vector<std::string>& contended() const { return contended_; }
  bool Holds(std::string_view meta_key) const;

  // The writes so far. Writing a metadata key REQUIRES Holds(key).
  Batch& batch() { return batch_; }
  const Batch& batch() const { return batch_; }
  Storage* storage() const { return storage_; }

  // Brackets one command: its writes are dropped again by RollbackCommand when it fails (and
  // only its writes, even when Lock committed the earlier ones in between). EndCommand keeps them.
  void BeginCommand();
  void RollbackCommand();
  void EndCommand();

  // Writes the batch (if it has writes) and releases every stripe, then runs the AfterCommit
  // actions with the commit's status.
  Status Commit();
  // Drops the writes and releases every stripe; the AfterCommit actions get Aborted.
  void Abandon();
  bool empty() const { return held_.empty() && batch_.empty() && after_commit_.empty(); }
  size_t writes() const { return batch_.Count(); }
  size_t bytes() const { return batch_.DataSize(); }

  // `action` runs once the writes so far are committed (or dropped), with the outcome, after the
  // stripes are released.
  void AfterCommit(std::function<void(const Status&)> action) {
    after_commit_.push_back(std::move(action));
  }
  // While `*waiting` is non-zero, NoteWrite keeps the metadata keys written (see above).
  void WatchWrites(const std::atomic<int64_t>* waiting) { waiting_ = waiting; }
  // Called by Database for every metadata record it puts through this context.
  void NoteWrite(std::string_view meta_key) {
    if (waiting_ != nullptr && waiting_->load(std::memory_order_relaxed) != 0) {
      written_.emplace_back(meta_key);
    }
  }
  // The keys noted since the last call (possibly repeated), and forgets them.
  std::vector<std::string> TakeWrittenKeys() { return std::exchange(written_, {}); }
  bool has_written() const { return !written_.empty(); }

 private:
  void WaitFor(std::vector<size_t> stripes);  // REQUIRES: holds nothing
  void ReleaseStripes();
  void RunAfterCommit(const Status& s);

  Storage* storage_;
  Batch batch_;
  std::vector<size_t> held_;  // stripes locked by this context
  // The same as a set: a worker's context holds hundreds of stripes, and every Lock asks.
  std::bitset<LockManager::kStripes> held_set_;
  std::function<void()> committer_;
  std::vector<std::function<void(const Status&)>> after_commit_;
  const std::atomic<int64_t>* waiting_ = nullptr;
  std::vector<std::string> written_;  // noted metadata keys (NoteWrite)
  uint64_t commits_ = 0;              // Commit calls so far
  uint64_t command_commits_ = 0;      // commits_ at BeginCommand
  bool in_command_ = false;
  bool no_wait_ = false;
  std::vector<std::string> contended_;
};

}  // namespace mnemo
