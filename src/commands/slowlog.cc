#include "commands/slowlog.h"

#include <time.h>

#include <algorithm>

namespace mnemo {

void SlowLog::SetThreshold(int64_t usec) {
  threshold_.store(usec < 0 ? UINT64_MAX : static_cast<uint64_t>(usec), std::memory_order_relaxed);
}

void SlowLog::SetMaxLen(int64_t n) {
  std::lock_guard lock(mu_);
  max_len_ = n < 0 ? 0 : static_cast<size_t>(n);
  while (entries_.size() > max_len_) entries_.pop_back();
}

std::vector<std::string> SlowLog::TruncateArgs(std::span<const std::string> args) {
  size_t kept = std::min(args.size(), kMaxArgs);
  std::vector<std::string> out;
  out.reserve(kept);
  for (size_t i = 0; i < kept; i++) {
    if (kept != args.size() && i == kept - 1) {
      out.push_back("... (" + std::to_string(args.size() - kept + 1) + " more arguments)");
    } else if (args[i].size() > kMaxArgBytes) {
      out.push_back(args[i].substr(0, kMaxArgBytes) + "... (" +
                    std::to_string(args[i].size() - kMaxArgBytes) + " more bytes)");
    } else {
      out.push_back(args[i]);
    }
  }
  return out;
}

void SlowLog::Push(std::span<const std::string> args, int64_t usec, std::string addr,
                   std::string name) {
  SlowLogEntry e{.id = 0,
                 .unix_seconds = static_cast<int64_t>(::time(nullptr)),
                 .usec = usec,
                 .args = TruncateArgs(args),
                 .addr = std::move(addr),
                 .name = std::move(name)};
  std::lock_guard lock(mu_);
  e.id = next_id_++;
  if (max_len_ == 0) return;
  entries_.push_front(std::move(e));
  while (entries_.size() > max_len_) entries_.pop_back();
}

std::vector<SlowLogEntry> SlowLog::Get(size_t count) const {
  std::lock_guard lock(mu_);
  size_t n = std::min(count, entries_.size());
  return {entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(n)};
}

size_t SlowLog::Len() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

void SlowLog::Reset() {
  std::lock_guard lock(mu_);
  entries_.clear();
}

}  // namespace mnemo
