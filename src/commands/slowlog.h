// SlowLog: the commands that took longer than `slowlog-log-slower-than`, newest first, at most
// `slowlog-max-len` of them (Redis's SLOWLOG, commands/cmd_slowlog.cc).
//
// The check every command pays is Slow(): one relaxed load and one compare (the threshold is
// kept as an unsigned number of microseconds, with "off" as UINT64_MAX, so -1 needs no second
// test). Only a slow command takes the mutex, in Push, to copy its arguments (truncated as
// Redis does: at most kMaxArgs arguments, kMaxArgBytes bytes of each).
//
// Thread-safety: every method may be called from any thread (workers push, SLOWLOG reads).
// Ownership: the server owns one for its lifetime; entries are copies.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mnemo {

struct SlowLogEntry {
  int64_t id = 0;            // counts every entry pushed since start (RESET does not rewind it)
  int64_t unix_seconds = 0;  // when the command finished
  int64_t usec = 0;          // how long it ran
  std::vector<std::string> args;
  std::string addr;  // ip:port of the client
  std::string name;  // CLIENT SETNAME, "" when none
};

class SlowLog {
 public:
  static constexpr size_t kMaxArgs = 32;       // Redis's SLOWLOG_ENTRY_MAX_ARGC
  static constexpr size_t kMaxArgBytes = 128;  // Redis's SLOWLOG_ENTRY_MAX_STRING

  // Whether a command that ran `usec` microseconds belongs in the log. Hot path.
  bool Slow(uint64_t usec) const { return usec >= threshold_.load(std::memory_order_relaxed); }
  // `usec` < 0: log nothing; 0: log every command.
  void SetThreshold(int64_t usec);
  // Keeps at most `n` entries (n >= 0), dropping the oldest now if there are more.
  void SetMaxLen(int64_t n);

  // Adds an entry (dropping the oldest beyond the maximum length). `args` are truncated: past
  // kMaxArgs arguments the last kept one becomes "... (N more arguments)", and an argument
  // longer than kMaxArgBytes keeps its first kMaxArgBytes bytes followed by
  // "... (N more bytes)".
  void Push(std::span<const std::string> args, int64_t usec, std::string addr, std::string name);

  // Up to `count` entries, newest first.
  std::vector<SlowLogEntry> Get(size_t count) const;
  size_t Len() const;
  void Reset();

  // The truncation of Push, alone (for tests).
  static std::vector<std::string> TruncateArgs(std::span<const std::string> args);

 private:
  std::atomic<uint64_t> threshold_{10000};
  mutable std::mutex mu_;
  size_t max_len_ = 128;              // guarded by mu_
  int64_t next_id_ = 0;               // guarded by mu_
  std::deque<SlowLogEntry> entries_;  // newest first; guarded by mu_
};

}  // namespace mnemo
