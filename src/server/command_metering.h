// The per-command memory hook of Connection::RunCommand: the handler runs between the thread's
// CommandMeter Begin and End (memory/command_memory.h), and what it allocated goes into its
// command's statistics (INFO commandstats: alloc_bytes_per_call, alloc_peak_bytes).
// Thread-safety: on the thread that runs the command, as the handler.
#pragma once

#include "commands/command.h"
#include "memory/command_memory.h"

namespace mnemo {

// `client` is the connection's id, `tag` its namespace's figures (types/namespaces.h).
// `before_end` runs after the handler and before the meter stops counting its bytes: the
// connection names a reply the handler built as its reply buffer there, so that a memory
// snapshot taken in between counts it at least once (docs/memory.md, "Clients").
template <typename BeforeEnd>
Status RunMetered(const CommandSpec* spec, CommandContext& ctx, CommandStats& stats,
                  uint64_t client, const void* tag, BeforeEnd&& before_end) {
  CommandMeter& meter = CommandMeter::ThisThread();
  CommandMeter::Mark mark = meter.Begin(client, tag);
  Status s = spec->handler(ctx);
  before_end();
  uint64_t bytes = meter.End(mark);
  if (bytes == 0) return s;  // also every call of a build without jemalloc
  stats.alloc_bytes.fetch_add(bytes, std::memory_order_relaxed);
  uint64_t peak = stats.alloc_peak.load(std::memory_order_relaxed);
  while (bytes > peak &&
         !stats.alloc_peak.compare_exchange_weak(peak, bytes, std::memory_order_relaxed)) {
  }
  return s;
}

}  // namespace mnemo
