// What RocksDB reports to Storage from its own threads: background errors and their recovery
// (StorageErrorListener, read back as StorageHealth for INFO), and its log lines (StderrLogger).
//
// A full disk is the expected case. A flush, compaction or WAL append that fails with ENOSPC
// makes RocksDB refuse every write (a "hard" background error; a compaction's is "soft" and
// only stops compactions) while reads go on; its SstFileManager then polls the free space and
// resumes the database once there is room again, with no restart and nothing acknowledged lost.
// The listener only watches this, so INFO can say whether writes are refused, why, and since
// when.
//
// Thread-safety: RocksDB calls the listener from flush, compaction, write and recovery threads
// with its DB mutex held, so each call only takes the listener's own mutex for a few stores.
// Get() may be called from any thread. Both classes are owned through shared_ptrs that the
// RocksDB options hold as well.
#pragma once

#include <rocksdb/env.h>
#include <rocksdb/listener.h>
#include <rocksdb/write_buffer_manager.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "memory/allocator.h"

namespace mnemo {

// The storage's background error state. A soft error (a compaction that found no room) leaves
// writes accepted; a hard one refuses them until RocksDB recovers.
struct StorageHealth {
  bool writes_refused = false;  // RocksDB refuses writes until its recovery succeeds
  std::string error;            // the pending background error, one line; empty when none
  int64_t error_since_ms = 0;   // unix ms when the pending error began; 0 when none
  uint64_t errors = 0;          // background errors reported since start
  uint64_t recoveries = 0;      // recoveries completed since start (each clears an error)
};

// Also keeps the WAL guard (see Storage::KeepWalGuard): a flush of the default column family
// empties the memtable that holds it, so the next write puts it back. And counts completed
// flushes, with the newest sequence number each column family has flushed, for the wait in
// Storage::Flush.
class StorageErrorListener : public rocksdb::EventListener {
 public:
  const char* Name() const override { return "MnemoStorageErrorListener"; }
  void OnFlushCompleted(rocksdb::DB* db, const rocksdb::FlushJobInfo& info) override;
  // True once after each flush of the default column family (and at the start).
  bool TakeGuardNeeded() {
    return guard_needed_.load(std::memory_order_relaxed) && guard_needed_.exchange(false);
  }
  void SetGuardNeeded() { guard_needed_.store(true, std::memory_order_relaxed); }
  // Records the error; RocksDB's own recovery, not this, decides what happens next.
  void OnBackgroundError(rocksdb::BackgroundErrorReason reason, rocksdb::Status* error) override;
  // Called after each recovery attempt: an OK new_bg_error means writes are accepted again.
  void OnErrorRecoveryEnd(const rocksdb::BackgroundErrorRecoveryInfo& info) override;
  StorageHealth Get() const;
  // Flushes completed, and background errors reported, since start: the `seen` of WaitForEvent.
  uint64_t Events() const;
  // The newest sequence number written to a file by a flush of column family `cf_id`; 0 if none.
  uint64_t FlushedUpTo(uint32_t cf_id) const;
  // Returns once Events() has moved past `seen`, or after `timeout`.
  void WaitForEvent(uint64_t seen, std::chrono::milliseconds timeout) const;

 private:
  void Notify();  // mu_ held

  mutable std::mutex mu_;
  mutable std::condition_variable event_cv_;
  StorageHealth health_;
  uint64_t events_ = 0;
  std::map<uint32_t, uint64_t> flushed_up_to_;  // by column family id
  std::atomic<bool> guard_needed_{true};
};

// What RocksDB's running flushes and compactions hold: the files they write (buffers of
// `writable_file_max_buffer_size`), the blocks and readahead of every input file a compaction
// merges, the builders of the index and filter being written. RocksDB names none of it. A job
// runs on one background thread from its Begin to its Completed callback, called on that
// thread, so what the thread allocated minus what it freed since its Begin (jemalloc's
// per-thread counters) is what the job holds. Each job counts at least 0: a job that frees
// memory others allocated (a compaction's output evicting cache blocks) does not hide the
// others. A job's output files are opened before it completes, so their table readers and
// cached index blocks are counted here and in their own components for that moment.
//
// The counters are read from another thread (allocator::ThreadCounterPointers::Net): a moment's
// reading. Without jemalloc (the sanitizer builds) Bytes() is 0.
class JobMemoryListener : public rocksdb::EventListener {
 public:
  const char* Name() const override { return "MnemoJobMemory"; }
  void OnFlushBegin(rocksdb::DB*, const rocksdb::FlushJobInfo&) override { Begin(); }
  void OnFlushCompleted(rocksdb::DB*, const rocksdb::FlushJobInfo&) override { EndFlush(); }
  void OnCompactionBegin(rocksdb::DB*, const rocksdb::CompactionJobInfo&) override { Begin(); }
  void OnCompactionCompleted(rocksdb::DB*, const rocksdb::CompactionJobInfo&) override { End(); }
  // What the running jobs hold now.
  uint64_t Bytes() const;

  // The write buffer manager whose charge ReleasingBytes watches. REQUIRES: before the database
  // opens (no job runs yet).
  void WatchWriteBuffers(std::shared_ptr<rocksdb::WriteBufferManager> wbm) {
    wbm_ = std::move(wbm);
  }
  // Flushed memtables that the write buffer manager no longer charges but whose arenas are still
  // being freed. RocksDB uncharges a memtable as its destructor begins and frees the arena's
  // blocks after; the flush thread does that after the flush completed, and a thread descheduled
  // on a busy machine can take milliseconds over megabytes. For the latest flush of each thread:
  // the charge's drop since the flush completed, less what that thread freed since, at least 0;
  // the largest of these. Forgotten once freed, or after kReleaseWindowUs. It errs low when the
  // thread freed other memory too, and high (for that window) when another thread released the
  // memtable (a read holding the last reference).
  uint64_t ReleasingBytes() const;
  static constexpr int64_t kReleaseWindowUs = 500 * 1000;

 private:
  struct Job {
    allocator::ThreadCounterPointers counters;  // the job's thread's
    uint64_t start;                             // counters.Net() at Begin
  };
  struct Release {
    allocator::ThreadCounterPointers counters;  // the flush thread's
    uint64_t deallocated;                       // its bytes freed when the flush completed
    uint64_t charged;                           // the write buffer manager's charge then
    int64_t at_us;                              // MonotonicUs() then
  };
  void Begin();
  void End();
  void EndFlush();

  mutable std::mutex mu_;
  // By thread: a flush that fails is not completed, and the thread's next Begin replaces it.
  std::map<std::thread::id, Job> jobs_;
  mutable std::map<std::thread::id, Release> releases_;
  std::shared_ptr<rocksdb::WriteBufferManager> wbm_;
};

// RocksDB's log lines at WARN and above, written to the server's stderr as "mnemo: rocksdb: ...".
// Not RocksDB's own LOG file in the data directory: on a full disk that file's failed append
// makes the next log line abort the process (an assertion in RocksDB 7.8's file writer), and
// the disk that is full is the one the LOG would be on.
class StderrLogger : public rocksdb::Logger {
 public:
  explicit StderrLogger(rocksdb::InfoLogLevel level) : rocksdb::Logger(level) {}
  void Logv(const char* format, va_list ap) override;
  void Logv(rocksdb::InfoLogLevel level, const char* format, va_list ap) override;
};

// "disk full during flush: IO error: No space left on device: ..." with line breaks removed.
std::string DescribeBackgroundError(rocksdb::BackgroundErrorReason reason,
                                    const rocksdb::Status& error);

}  // namespace mnemo
