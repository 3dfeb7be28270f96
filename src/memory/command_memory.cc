#include "memory/command_memory.h"

#include <algorithm>
#include <mutex>
#include <vector>

namespace mnemo {
namespace {

// Every live meter, for the readers. A meter leaves before it is freed (at its thread's end).
std::mutex& MetersMu() {
  static std::mutex mu;
  return mu;
}
std::vector<CommandMeter*>& Meters() {
  static std::vector<CommandMeter*> meters;
  return meters;
}

}  // namespace

constinit thread_local CommandMeter* CommandMeter::current_ = nullptr;

// Owns the thread's meter: frees it (after unregistering) when the thread ends.
struct MeterOwner {
  CommandMeter* meter = nullptr;
  ~MeterOwner() {
    if (meter == nullptr) return;
    {
      std::lock_guard<std::mutex> lock(MetersMu());
      auto& v = Meters();
      v.erase(std::remove(v.begin(), v.end(), meter), v.end());
    }
    CommandMeter::current_ = nullptr;
    delete meter;
  }
};

CommandMeter::CommandMeter() : counters_(allocator::ThreadCounters()) {}
CommandMeter::~CommandMeter() = default;

CommandMeter& CommandMeter::Make() {
  static thread_local MeterOwner owner;
  owner.meter = new CommandMeter();
  {
    std::lock_guard<std::mutex> lock(MetersMu());
    Meters().push_back(owner.meter);
  }
  current_ = owner.meter;
  return *owner.meter;
}

bool CommandMeter::Available() {
  static const bool available = allocator::ThreadCounters().allocated != nullptr;
  return available;
}

uint64_t CommandMeter::Holding(uint64_t* client, const void** tag) const {
  *client = client_.load(std::memory_order_relaxed);
  *tag = tag_.load(std::memory_order_relaxed);
  if (*client == 0 || counters_.allocated == nullptr) return 0;
  return allocator::GrowthSince(base_.load(std::memory_order_relaxed), counters_.Net());
}

uint64_t CommandMeter::HoldingOf(uint64_t client) {
  std::lock_guard<std::mutex> lock(MetersMu());
  for (const CommandMeter* m : Meters()) {
    uint64_t c;
    const void* t;
    uint64_t held = m->Holding(&c, &t);
    if (c == client) return held;
  }
  return 0;
}

uint64_t CommandMeter::HoldingOfTag(const void* tag) {
  uint64_t total = 0;
  std::lock_guard<std::mutex> lock(MetersMu());
  for (const CommandMeter* m : Meters()) {
    uint64_t c;
    const void* t;
    uint64_t held = m->Holding(&c, &t);
    if (c != 0 && t == tag) total += held;
  }
  return total;
}

uint64_t CommandMeter::TotalHolding() {
  uint64_t total = 0;
  std::lock_guard<std::mutex> lock(MetersMu());
  for (const CommandMeter* m : Meters()) {
    uint64_t c;
    const void* t;
    total += m->Holding(&c, &t);
  }
  return total;
}

}  // namespace mnemo
