#include "storage/lfu_counter.h"

#include <time.h>

namespace mnemo {

uint8_t LfuCounter::Increment(uint8_t counter, double random) {
  if (counter == 255) return 255;
  // Below kInitVal (a decayed key) every access counts; above it, ever fewer.
  double base = counter > kInitVal ? counter - kInitVal : 0;
  double p = 1.0 / (base * kLogFactor + 1);
  return random < p ? counter + 1 : counter;
}

uint8_t LfuCounter::Decayed(uint8_t counter, uint32_t elapsed_minutes) {
  uint32_t periods = elapsed_minutes / kDecayMinutes;
  return periods >= counter ? 0 : static_cast<uint8_t>(counter - periods);
}

bool LfuCounter::Touch(uint16_t now, double random) {
  uint8_t c = Increment(Value(now), random);
  if (c == counter_ && now == minute_) return false;
  counter_ = c;
  minute_ = now;
  return true;
}

uint16_t LfuCounter::NowMinutes() {
  // The coarse clock is read from the vDSO without a system call: a few nanoseconds.
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<uint16_t>((ts.tv_sec / 60) & kMinuteMask);
}

double LfuCounter::ThreadRandom() {
  // xorshift64 (Marsaglia); each thread seeded from its own state's address.
  thread_local uint64_t state = reinterpret_cast<uintptr_t>(&state) | 1;
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return static_cast<double>(state >> 11) * (1.0 / 9007199254740992.0);  // 53 bits / 2^53
}

}  // namespace mnemo
