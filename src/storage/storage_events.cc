#include "storage/storage_events.h"

#include <rocksdb/db.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>

#include "common/log.h"
#include "common/string_util.h"

namespace mnemo {

namespace {

const char* ReasonName(rocksdb::BackgroundErrorReason reason) {
  switch (reason) {
    case rocksdb::BackgroundErrorReason::kFlush:
    case rocksdb::BackgroundErrorReason::kFlushNoWAL:
      return "flush";
    case rocksdb::BackgroundErrorReason::kCompaction:
      return "compaction";
    case rocksdb::BackgroundErrorReason::kWriteCallback:
      return "write";
    case rocksdb::BackgroundErrorReason::kMemTable:
      return "memtable insert";
    case rocksdb::BackgroundErrorReason::kManifestWrite:
    case rocksdb::BackgroundErrorReason::kManifestWriteNoWAL:
      return "manifest write";
  }
  return "background work";
}

// INFO prints one "field:value" line per field: no line breaks in a value.
std::string OneLine(std::string text) {
  for (char& c : text) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return text;
}

bool StopsWrites(const rocksdb::Status& s) {
  return s.severity() >= rocksdb::Status::Severity::kHardError;
}

}  // namespace

std::string DescribeBackgroundError(rocksdb::BackgroundErrorReason reason,
                                    const rocksdb::Status& error) {
  std::string what = error.IsNoSpace() ? "disk full" : "storage error";
  return OneLine(what + " during " + ReasonName(reason) + ": " + error.ToString());
}

void StorageErrorListener::OnBackgroundError(rocksdb::BackgroundErrorReason reason,
                                             rocksdb::Status* error) {
  if (error->ok()) return;  // an earlier listener suppressed it
  std::string text = DescribeBackgroundError(reason, *error);
  bool stops = StopsWrites(*error);
  std::lock_guard lock(mu_);
  health_.errors++;
  if (health_.error.empty()) health_.error_since_ms = NowMs();
  // A less severe error (a compaction's) does not hide the one that stops writes.
  if (stops || !health_.writes_refused) health_.error = std::move(text);
  health_.writes_refused = health_.writes_refused || stops;
  Notify();  // a flush that failed completes nothing
}

void StorageErrorListener::OnErrorRecoveryEnd(const rocksdb::BackgroundErrorRecoveryInfo& info) {
  std::lock_guard lock(mu_);
  if (info.new_bg_error.ok()) {
    health_.writes_refused = false;
    health_.error.clear();
    health_.error_since_ms = 0;
    health_.recoveries++;
    return;
  }
  // The attempt failed (RocksDB gave up retrying): the error stays, possibly another one now,
  // and writes stay refused if they were.
  health_.error = OneLine((info.new_bg_error.IsNoSpace() ? "disk full: " : "storage error: ") +
                          info.new_bg_error.ToString());
  health_.writes_refused = health_.writes_refused || StopsWrites(info.new_bg_error);
  if (health_.error_since_ms == 0) health_.error_since_ms = NowMs();
}

void StorageErrorListener::OnFlushCompleted(rocksdb::DB* /*db*/,
                                            const rocksdb::FlushJobInfo& info) {
  if (info.cf_name == rocksdb::kDefaultColumnFamilyName) SetGuardNeeded();
  std::lock_guard lock(mu_);
  uint64_t& up_to = flushed_up_to_[info.cf_id];
  up_to = std::max(up_to, static_cast<uint64_t>(info.largest_seqno));
  Notify();
}

void StorageErrorListener::Notify() {
  events_++;
  event_cv_.notify_all();
}

StorageHealth StorageErrorListener::Get() const {
  std::lock_guard lock(mu_);
  return health_;
}

uint64_t StorageErrorListener::Events() const {
  std::lock_guard lock(mu_);
  return events_;
}

uint64_t StorageErrorListener::FlushedUpTo(uint32_t cf_id) const {
  std::lock_guard lock(mu_);
  auto it = flushed_up_to_.find(cf_id);
  return it == flushed_up_to_.end() ? 0 : it->second;
}

void StorageErrorListener::WaitForEvent(uint64_t seen, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  event_cv_.wait_for(lock, timeout, [&] { return events_ != seen; });
}

void StderrLogger::Logv(const char* format, va_list ap) {
  Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap);
}

void StderrLogger::Logv(rocksdb::InfoLogLevel level, const char* format, va_list ap) {
  static const char* const kLevels[] = {"debug", "info", "warn", "error", "fatal", "header"};
  if (level < GetInfoLogLevel()) return;
  char line[1024];
  vsnprintf(line, sizeof(line), format, ap);
  auto i = static_cast<size_t>(level);
  Log(LogLevel::kWarning, "rocksdb %s: %s", i < 6 ? kLevels[i] : "log", line);
}

void JobMemoryListener::Begin() {
  allocator::ThreadCounterPointers p = allocator::ThreadCounters();
  if (p.allocated == nullptr || p.deallocated == nullptr) return;
  std::lock_guard<std::mutex> lock(mu_);
  jobs_[std::this_thread::get_id()] = Job{p, p.Net()};
}

void JobMemoryListener::End() {
  std::lock_guard<std::mutex> lock(mu_);
  jobs_.erase(std::this_thread::get_id());
}

void JobMemoryListener::EndFlush() {
  End();
  if (wbm_ == nullptr || !wbm_->enabled()) return;
  allocator::ThreadCounterPointers p = allocator::ThreadCounters();
  if (p.allocated == nullptr || p.deallocated == nullptr) return;
  std::lock_guard<std::mutex> lock(mu_);
  releases_[std::this_thread::get_id()] = Release{
      p, __atomic_load_n(p.deallocated, __ATOMIC_RELAXED), wbm_->memory_usage(), MonotonicUs()};
}

uint64_t JobMemoryListener::ReleasingBytes() const {
  if (wbm_ == nullptr) return 0;
  std::lock_guard<std::mutex> lock(mu_);
  if (releases_.empty()) return 0;
  const uint64_t charged = wbm_->memory_usage();
  const int64_t now = MonotonicUs();
  uint64_t largest = 0;
  for (auto it = releases_.begin(); it != releases_.end();) {
    const Release& r = it->second;
    if (now - r.at_us > kReleaseWindowUs) {
      it = releases_.erase(it);
      continue;
    }
    // Both differences are read as signed: writes may have charged more since (no drop yet).
    uint64_t dropped = allocator::GrowthSince(charged, r.charged);
    uint64_t freed = allocator::GrowthSince(
        r.deallocated, __atomic_load_n(r.counters.deallocated, __ATOMIC_RELAXED));
    if (dropped > 0 && freed >= dropped) {
      it = releases_.erase(it);  // the arena is gone
      continue;
    }
    if (dropped > freed) largest = std::max(largest, dropped - freed);
    ++it;
  }
  return largest;
}

uint64_t JobMemoryListener::Bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t total = 0;
  for (const auto& [id, job] : jobs_)
    total += allocator::GrowthSince(job.start, job.counters.Net());
  return total;
}

}  // namespace mnemo
