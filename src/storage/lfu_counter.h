// LfuCounter: a key's access frequency as Redis's LFU keeps it (Redis's evict.c), for OBJECT FREQ
// and `redis-cli --hotkeys`. An 8-bit logarithmic counter plus the 16-bit minute of its last
// access: each access first decays the counter by one per kDecayMinutes minutes elapsed, then
// adds one with probability 1/((counter - kInitVal) * kLogFactor + 1), so 255 stands for about a
// million accesses. A new key starts at kInitVal so that it is not the first to go.
//
// The parameters are Redis's defaults (lfu-log-factor 10, lfu-decay-time 1) and constants, not
// config keys: Mnemo evicts nothing by frequency, so they only shape what OBJECT FREQ reports.
//
// Not thread-safe: the owner (KeyCache, under its shard's mutex) serialises access. A value type.
#pragma once

#include <cstdint>

namespace mnemo {

// Packed to 3 bytes so that it fits the padding of a KeyCache entry's header.
class [[gnu::packed]] LfuCounter {
 public:
  static constexpr uint8_t kInitVal = 5;   // Redis's LFU_INIT_VAL
  static constexpr int kLogFactor = 10;    // Redis's lfu-log-factor default
  static constexpr int kDecayMinutes = 1;  // Redis's lfu-decay-time default
  static constexpr uint16_t kMinuteMask = 0xFFFF;

  // A new key, accessed at minute `now`.
  static LfuCounter New(uint16_t now) { return LfuCounter(kInitVal, now); }
  LfuCounter() = default;

  // One access at minute `now`; `random` is uniform in [0, 1) (from ThreadRandom below).
  // Returns whether anything changed (callers can then skip a store).
  bool Touch(uint16_t now, double random);
  // The counter as of minute `now`, decayed but not stored (what OBJECT FREQ reports).
  uint8_t Value(uint16_t now) const { return Decayed(counter_, ElapsedMinutes(minute_, now)); }
  // Whole minutes since the last access, as of minute `now` (OBJECT IDLETIME).
  uint32_t IdleMinutes(uint16_t now) const { return ElapsedMinutes(minute_, now); }

  // The pieces, pure, for tests.
  static uint8_t Increment(uint8_t counter, double random);
  static uint8_t Decayed(uint8_t counter, uint32_t elapsed_minutes);
  // Minutes from `then` to `now` on the 16-bit clock (wraps after about 45 days, as Redis's).
  static uint32_t ElapsedMinutes(uint16_t then, uint16_t now) {
    return now >= then ? now - then : kMinuteMask - then + now;
  }

  // The current minute of a monotonic coarse clock, truncated to 16 bits.
  static uint16_t NowMinutes();
  // Uniform in [0, 1) from a thread-local xorshift generator: cheap, not for security.
  static double ThreadRandom();

 private:
  LfuCounter(uint8_t counter, uint16_t minute) : counter_(counter), minute_(minute) {}
  uint8_t counter_ = 0;
  uint16_t minute_ = 0;
};

}  // namespace mnemo
