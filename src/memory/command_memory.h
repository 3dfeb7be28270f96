// CommandMeter: what each command allocates while it runs, and what a running command holds now,
// from jemalloc's per-thread counters (allocator::ThreadCounters: read once per thread, then each
// reading is one load).
//
// Every thread that runs commands (the workers) has one meter, made at its first use and
// registered so that other threads (the governor's cron, INFO, MEMORY STATS) can read it.
// Around a handler the owner thread calls Begin and End:
//   - End returns the bytes allocated during the call (jemalloc's thread.allocated difference:
//     every allocation counts, also those freed before the end). INFO commandstats sums and peaks
//     it per command (docs/info.md, alloc_bytes_per_call, alloc_peak_bytes).
//   - While the handler runs, Holding() is the net growth of the thread's heap since Begin
//     (allocated minus freed, at least 0): a reply being built, the values an MGET gathered. It is
//     counted as the running client's memory (CLIENT LIST tot-mem, MEMORY TOP CLIENTS, the
//     namespace's client bytes and quota, mem_client_running_commands).
//
// Cost on the hot path: Begin reads the two counters and makes three relaxed stores to this
// thread's own meter, End one load and one store; no lock, no shared cache line.
//
// Without jemalloc (MNEMO_SANITIZED builds) the pointers are null: Begin and End do nothing, End
// returns 0 and every Holding is 0 (docs/memory.md says so).
//
// Thread-safety: Begin/End only on the meter's own thread (ThisThread). The static readers may
// run on any thread; they read another thread's counters while it runs, so a figure is a
// moment's approximation (64-bit aligned loads, never torn), and a command that just ended may be
// seen for one more reading.
#pragma once

#include <atomic>
#include <cstdint>

#include "memory/allocator.h"

namespace mnemo {

class CommandMeter {
 public:
  // The calling thread's meter, made and registered at its first call. Lives until the thread
  // ends.
  static CommandMeter& ThisThread() {
    CommandMeter* m = current_;
    return m != nullptr ? *m : Make();
  }

  // What Begin saw, for End. A nested command (EXEC's queued commands) keeps the outer one's
  // publication: the outer command holds what the inner ones hold.
  struct Mark {
    uint64_t allocated = 0;
    bool nested = false;
  };
  // Before a command of `client` (an id > 0); `tag` groups clients for HoldingOfTag (the server
  // passes the client's namespace figures; opaque here).
  Mark Begin(uint64_t client, const void* tag) {
    if (counters_.allocated == nullptr) return {};
    Mark m{*counters_.allocated, client_.load(std::memory_order_relaxed) != 0};
    if (!m.nested) {
      base_.store(m.allocated - *counters_.deallocated, std::memory_order_relaxed);
      tag_.store(tag, std::memory_order_relaxed);
      client_.store(client, std::memory_order_relaxed);
    }
    return m;
  }
  // While a command runs: `bytes` of its heap growth are counted elsewhere from now on (the
  // connection accounted a reply it built as its reply buffer), so Holding stops counting them.
  // Also inside a nested command: the outer one's holding is what shrinks. No-op between
  // commands and without jemalloc.
  void HandOver(uint64_t bytes) {
    if (counters_.allocated == nullptr || client_.load(std::memory_order_relaxed) == 0) return;
    base_.store(base_.load(std::memory_order_relaxed) + bytes, std::memory_order_relaxed);
  }
  // After it: the bytes allocated during the call; 0 without jemalloc.
  uint64_t End(const Mark& m) {
    if (counters_.allocated == nullptr) return 0;
    if (!m.nested) client_.store(0, std::memory_order_relaxed);
    return *counters_.allocated - m.allocated;
  }

  // Whether the meters read real counters (jemalloc linked and answering).
  static bool Available();
  // Bytes held now by the command running for `client` (0 when none runs).
  static uint64_t HoldingOf(uint64_t client);
  // Bytes held now by the running commands whose Begin got `tag`.
  static uint64_t HoldingOfTag(const void* tag);
  // Bytes held now by every running command.
  static uint64_t TotalHolding();

  CommandMeter(const CommandMeter&) = delete;
  CommandMeter& operator=(const CommandMeter&) = delete;

 private:
  friend struct MeterOwner;
  static CommandMeter& Make();  // first call on a thread: makes, registers, sets current_
  static constinit thread_local CommandMeter* current_;
  CommandMeter();
  ~CommandMeter();
  // Net growth since Begin when a command runs; `client`/`tag` receive whose it is.
  uint64_t Holding(uint64_t* client, const void** tag) const;

  allocator::ThreadCounterPointers counters_;
  std::atomic<uint64_t> client_{0};  // the running command's client; 0 = none
  std::atomic<const void*> tag_{nullptr};
  std::atomic<uint64_t> base_{0};  // allocated - deallocated at Begin
};

}  // namespace mnemo
