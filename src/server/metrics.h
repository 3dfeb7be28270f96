// The Prometheus metrics of /metrics (docs/monitoring.md lists every one with its unit and
// type): the memory snapshot, the governor, the profiler, clients and commands, per-command
// calls and latency histograms, namespaces and RocksDB's health figures.
//
// Built on the HTTP endpoint's thread from thread-safe sources only (one memory snapshot, the
// lock-free counters, the command table's striped stats, RocksDB properties), so a scrape costs
// no worker anything but what a MEMORY STATS costs it: nothing runs on the workers.
#pragma once

#include <string>

namespace mnemo {

class Server;

// The whole exposition text (Prometheus text format 0.0.4).
std::string RenderMetrics(Server& server);

}  // namespace mnemo
