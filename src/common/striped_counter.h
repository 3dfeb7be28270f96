// Counters that several threads add to on every command without sharing a cache line.
//
// A thread adds to its own stripe, chosen by its thread slot (SetThreadSlot; each worker sets
// its index, other threads use slot 0); readers sum the stripes. One shared atomic counter
// updated by two workers moves its cache line between the cores on every command, which
// showed up as a few percent of a GET's cost.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace mnemo {

inline constexpr size_t kThreadSlots = 8;

// This thread's slot, in [0, kThreadSlots).
size_t ThreadSlot();
void SetThreadSlot(size_t slot);

class StripedCounter {
 public:
  void Add(uint64_t n) { stripes_[ThreadSlot()].value.fetch_add(n, std::memory_order_relaxed); }
  uint64_t Load() const {
    uint64_t sum = 0;
    for (const Stripe& s : stripes_) sum += s.value.load(std::memory_order_relaxed);
    return sum;
  }
  void Reset() {
    for (Stripe& s : stripes_) s.value.store(0, std::memory_order_relaxed);
  }

 private:
  struct alignas(64) Stripe {
    std::atomic<uint64_t> value{0};
  };
  std::array<Stripe, kThreadSlots> stripes_;
};

}  // namespace mnemo
