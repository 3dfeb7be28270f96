// Striped per-key locks that make read-modify-write commands (INCR, APPEND, SET NX, ...) atomic
// without a global lock. A key hashes to one of kStripes mutexes; multi-key operations lock their
// stripes in ascending order, so two of them can never deadlock. Thread-safe.
#pragma once

#include <array>
#include <mutex>
#include <string_view>
#include <vector>

namespace mnemo {

class LockManager {
 public:
  static constexpr size_t kStripes = 4096;

  size_t StripeOf(std::string_view key) const;
  std::mutex& Stripe(size_t i) { return stripes_[i]; }

 private:
  std::array<std::mutex, kStripes> stripes_;
};

// Holds the stripes of one or more keys for its lifetime.
class KeyLockGuard {
 public:
  KeyLockGuard(LockManager* mgr, std::string_view key);
  KeyLockGuard(LockManager* mgr, const std::vector<std::string_view>& keys);
  ~KeyLockGuard();
  KeyLockGuard(const KeyLockGuard&) = delete;
  KeyLockGuard& operator=(const KeyLockGuard&) = delete;

 private:
  LockManager* mgr_;
  std::vector<size_t> held_;
};

}  // namespace mnemo
