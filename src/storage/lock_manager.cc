#include "storage/lock_manager.h"

#include <algorithm>
#include <functional>

namespace mnemo {

size_t LockManager::StripeOf(std::string_view key) const {
  return std::hash<std::string_view>{}(key) % kStripes;
}

KeyLockGuard::KeyLockGuard(LockManager* mgr, std::string_view key) : mgr_(mgr) {
  held_.push_back(mgr->StripeOf(key));
  mgr_->Stripe(held_[0]).lock();
}

KeyLockGuard::KeyLockGuard(LockManager* mgr, const std::vector<std::string_view>& keys)
    : mgr_(mgr) {
  held_.reserve(keys.size());
  for (auto k : keys) held_.push_back(mgr->StripeOf(k));
  std::sort(held_.begin(), held_.end());
  held_.erase(std::unique(held_.begin(), held_.end()), held_.end());
  for (size_t s : held_) mgr_->Stripe(s).lock();
}

KeyLockGuard::~KeyLockGuard() {
  for (auto it = held_.rbegin(); it != held_.rend(); ++it) mgr_->Stripe(*it).unlock();
}

}  // namespace mnemo
