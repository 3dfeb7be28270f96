#include "storage/storage_events.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "memory/allocator.h"
#include "storage/storage.h"

namespace mnemo {
namespace {

rocksdb::Status NoSpace(rocksdb::Status::Severity severity) {
  return rocksdb::Status(rocksdb::Status::NoSpace("While appending to file: 000012.log"), severity);
}

TEST(StorageErrorListener, HardErrorRefusesWritesUntilRecovery) {
  StorageErrorListener l;
  EXPECT_FALSE(l.Get().writes_refused);
  EXPECT_EQ(l.Get().error, "");
  rocksdb::Status e = NoSpace(rocksdb::Status::Severity::kHardError);
  l.OnBackgroundError(rocksdb::BackgroundErrorReason::kWriteCallback, &e);
  StorageHealth h = l.Get();
  EXPECT_TRUE(h.writes_refused);
  EXPECT_EQ(h.error.rfind("disk full during write: IO error: No space left on device", 0), 0u)
      << h.error;
  EXPECT_GT(h.error_since_ms, 0);
  EXPECT_EQ(h.errors, 1u);
  EXPECT_EQ(h.recoveries, 0u);

  // A later soft error (a compaction's) keeps the error that refuses writes, and its start.
  rocksdb::Status soft = NoSpace(rocksdb::Status::Severity::kSoftError);
  l.OnBackgroundError(rocksdb::BackgroundErrorReason::kCompaction, &soft);
  EXPECT_TRUE(l.Get().writes_refused);
  EXPECT_EQ(l.Get().error, h.error);
  EXPECT_EQ(l.Get().error_since_ms, h.error_since_ms);
  EXPECT_EQ(l.Get().errors, 2u);

  // A failed attempt leaves writes refused.
  rocksdb::BackgroundErrorRecoveryInfo failed{e, e};
  l.OnErrorRecoveryEnd(failed);
  EXPECT_TRUE(l.Get().writes_refused);
  EXPECT_EQ(l.Get().recoveries, 0u);

  rocksdb::BackgroundErrorRecoveryInfo done{e, rocksdb::Status::OK()};
  l.OnErrorRecoveryEnd(done);
  h = l.Get();
  EXPECT_FALSE(h.writes_refused);
  EXPECT_EQ(h.error, "");
  EXPECT_EQ(h.error_since_ms, 0);
  EXPECT_EQ(h.errors, 2u);
  EXPECT_EQ(h.recoveries, 1u);
}

TEST(StorageErrorListener, SoftErrorLeavesWritesAccepted) {
  StorageErrorListener l;
  rocksdb::Status soft = NoSpace(rocksdb::Status::Severity::kSoftError);
  l.OnBackgroundError(rocksdb::BackgroundErrorReason::kCompaction, &soft);
  EXPECT_FALSE(l.Get().writes_refused);
  EXPECT_EQ(l.Get().error.rfind("disk full during compaction: ", 0), 0u) << l.Get().error;
  // Then a flush fails too: now writes are refused, and INFO names the flush.
  rocksdb::Status hard = NoSpace(rocksdb::Status::Severity::kHardError);
  l.OnBackgroundError(rocksdb::BackgroundErrorReason::kFlush, &hard);
  EXPECT_TRUE(l.Get().writes_refused);
  EXPECT_EQ(l.Get().error.rfind("disk full during flush: ", 0), 0u) << l.Get().error;
}

TEST(StorageErrorListener, SuppressedAndOtherErrors) {
  StorageErrorListener l;
  rocksdb::Status ok;
  l.OnBackgroundError(rocksdb::BackgroundErrorReason::kFlush, &ok);  // suppressed upstream
  EXPECT_EQ(l.Get().errors, 0u);
  rocksdb::Status io(rocksdb::Status::IOError("bad\r\nsector"),
                     rocksdb::Status::Severity::kFatalError);
  l.OnBackgroundError(rocksdb::BackgroundErrorReason::kManifestWrite, &io);
  EXPECT_TRUE(l.Get().writes_refused);
  EXPECT_EQ(l.Get().error, "storage error during manifest write: IO error: bad  sector");
}

TEST(StorageErrorListener, FlushesAndErrorsWakeTheFlushWait) {
  StorageErrorListener l;
  EXPECT_EQ(l.FlushedUpTo(1), 0u);
  uint64_t seen = l.Events();
  rocksdb::FlushJobInfo info;
  info.cf_id = 1;
  info.cf_name = "metadata";
  info.largest_seqno = 40;
  l.OnFlushCompleted(nullptr, info);
  info.largest_seqno = 30;  // never goes back
  l.OnFlushCompleted(nullptr, info);
  EXPECT_EQ(l.Events(), seen + 2);
  EXPECT_EQ(l.FlushedUpTo(1), 40u);
  EXPECT_EQ(l.FlushedUpTo(2), 0u);
  l.WaitForEvent(seen, std::chrono::hours(1));  // returns at once: events moved past seen
  seen = l.Events();
  rocksdb::Status io(rocksdb::Status::IOError("EIO"), rocksdb::Status::Severity::kHardError);
  l.OnBackgroundError(rocksdb::BackgroundErrorReason::kFlush, &io);
  EXPECT_EQ(l.Events(), seen + 1);  // a failed flush wakes the wait too
}

// Two threads taking turns: each Advance() moves to the next step; WaitFor(n) returns once the
// steps reached n.
class Steps {
 public:
  void WaitFor(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return step_ >= n; });
  }
  void Advance() {
    std::lock_guard<std::mutex> lock(mu_);
    ++step_;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int step_ = 0;
};

// A job's thread holds 4 MB between its Begin and Completed callbacks: read from another thread,
// the listener names them while the job runs and nothing once it completed. A second job that
// frees more than it allocated counts 0, not less.
TEST(JobMemoryListener, NamesWhatARunningJobHolds) {
  JobMemoryListener l;
  const bool counters = allocator::ThreadCounters().allocated != nullptr;
  Steps steps;
  std::vector<char>* kept = new std::vector<char>(4 << 20, 'x');  // freed by the second job
  std::thread flush([&] {
    l.OnFlushBegin(nullptr, rocksdb::FlushJobInfo());
    std::vector<char> held(4 << 20, 'f');
    steps.Advance();  // step 1: the flush holds 4 MB
    steps.WaitFor(2);
    held.clear();
    held.shrink_to_fit();
    l.OnFlushCompleted(nullptr, rocksdb::FlushJobInfo());
    steps.Advance();  // step 3
  });
  steps.WaitFor(1);
  if (counters) {
    EXPECT_GE(l.Bytes(), uint64_t{4} << 20);
    EXPECT_LT(l.Bytes(), uint64_t{5} << 20);
  } else {
    EXPECT_EQ(l.Bytes(), 0u);  // without jemalloc nothing is counted
  }
  steps.Advance();  // step 2
  steps.WaitFor(3);
  flush.join();
  EXPECT_EQ(l.Bytes(), 0u);

  std::thread compaction([&] {
    l.OnCompactionBegin(nullptr, rocksdb::CompactionJobInfo());
    delete kept;      // memory another thread allocated
    steps.Advance();  // step 4
    steps.WaitFor(5);
    l.OnCompactionCompleted(nullptr, rocksdb::CompactionJobInfo());
  });
  steps.WaitFor(4);
  EXPECT_EQ(l.Bytes(), 0u);
  steps.Advance();
  compaction.join();
}

TEST(JobMemoryListener, NamesAFlushedMemtableUntilItsThreadFreesIt) {
  JobMemoryListener l;
  auto wbm = std::make_shared<rocksdb::WriteBufferManager>(64 << 20, nullptr, false);
  l.WatchWriteBuffers(wbm);
  const bool counters = allocator::ThreadCounters().allocated != nullptr;
  constexpr size_t kArena = 8 << 20;
  wbm->ReserveMem(kArena + (1 << 20));  // a flushed memtable's arena and the active one's
  Steps steps;
  auto* arena = new std::vector<char>(kArena, 'm');  // allocated by a writer, freed by the flush
  std::thread flush([&] {
    l.OnFlushBegin(nullptr, rocksdb::FlushJobInfo());
    l.OnFlushCompleted(nullptr, rocksdb::FlushJobInfo());
    steps.Advance();  // step 1: completed; the memtable is still charged
    steps.WaitFor(2);
    wbm->FreeMem(kArena);  // as ~MemTable begins: uncharged first...
    steps.Advance();       // step 3
    steps.WaitFor(4);
    delete arena;     // ...then the arena's blocks are freed
    steps.Advance();  // step 5
  });
  steps.WaitFor(1);
  EXPECT_EQ(l.ReleasingBytes(), 0u);  // still charged: nothing in transit
  steps.Advance();
  steps.WaitFor(3);
  if (counters) {
    EXPECT_EQ(l.ReleasingBytes(), kArena);  // uncharged, not yet freed
  } else {
    EXPECT_EQ(l.ReleasingBytes(), 0u);  // without jemalloc nothing is counted
  }
  wbm->ReserveMem(1 << 20);  // writes charging the active memtable meanwhile: errs low, not high
  if (counters) {
    EXPECT_EQ(l.ReleasingBytes(), kArena - (1 << 20));
  }
  steps.Advance();
  steps.WaitFor(5);
  flush.join();
  EXPECT_EQ(l.ReleasingBytes(), 0u);  // freed by the thread that completed the flush
  wbm->FreeMem(2 << 20);
}

TEST(FromRocks, NoSpaceSaysDiskFull) {
  Status s = FromRocks(rocksdb::Status::NoSpace("While appending to file: 000012.log"));
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_EQ(s.message(),
            "disk full: write refused until space is freed (IO error: No space left on device: "
            "While appending to file: 000012.log)");
  // Other I/O errors keep their words.
  EXPECT_EQ(FromRocks(rocksdb::Status::IOError("EIO")).message(), "storage error: IO error: EIO");
}

}  // namespace
}  // namespace mnemo
