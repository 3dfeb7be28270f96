// snapshot_bench: the cost of one memory snapshot exactly as the server takes it
// (Server::TakeMemorySnapshot: RocksDB properties, client counters, the profiler's info, jemalloc
// stats after an epoch refresh, /proc/self/statm), on a real in-process server holding data, and
// of rendering its views. Prints median, p99 and max in microseconds.
//
//   snapshot_bench [--keys N] [--value-size BYTES] [--iterations N]
//
// The data is written through the storage layer (memtables, then flushed SST files read back
// through the block cache) so every RocksDB number the snapshot reads is non-trivial.
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "memory/allocator.h"
#include "memory/snapshot.h"
#include "server/server.h"
#include "storage/encoding.h"
#include "types/database.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  int64_t keys = 200000;
  int64_t value_size = 100;
  int iterations = 5000;
};

Options ParseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--keys") == 0) o.keys = atoll(argv[i + 1]);
    if (strcmp(argv[i], "--value-size") == 0) o.value_size = atoll(argv[i + 1]);
    if (strcmp(argv[i], "--iterations") == 0) o.iterations = atoi(argv[i + 1]);
  }
  return o;
}

// Runs fn `n` times and prints median / p99 / max of one call in microseconds.
void Measure(const char* what, int n, const std::function<void()>& fn) {
  std::vector<double> us;
  us.reserve(n);
  for (int i = 0; i < n; i++) {
    auto start = Clock::now();
    fn();
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
  }
  std::sort(us.begin(), us.end());
  printf("%-34s median %8.1f us   p99 %8.1f us   max %8.1f us   (n=%d)\n", what, us[us.size() / 2],
         us[us.size() * 99 / 100], us.back(), n);
}

void Load(mnemo::Storage& storage, const Options& o) {
  std::string value(static_cast<size_t>(o.value_size), 'v');
  mnemo::Batch batch(&storage, false);
  for (int64_t i = 0; i < o.keys; i++) {
    std::string key = mnemo::EncodeMetaKey(mnemo::kDefaultNamespace, "key:" + std::to_string(i));
    batch.Put(mnemo::ColumnFamily::kMetadata, key, mnemo::EncodeStringValue(value, 0));
    if (batch.Count() == 1000) {
      if (!storage.Write(&batch).ok()) abort();
      batch.Clear();
    }
  }
  if (!storage.Write(&batch).ok()) abort();
  if (!storage.Flush().ok()) abort();
  // Read a part back so the block cache holds data blocks.
  std::string out;
  for (int64_t i = 0; i < o.keys; i += 7) {
    std::string key = mnemo::EncodeMetaKey(mnemo::kDefaultNamespace, "key:" + std::to_string(i));
    (void)storage.Get(mnemo::ColumnFamily::kMetadata, key, &out);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o = ParseOptions(argc, argv);
  signal(SIGPIPE, SIG_IGN);
  char dir[] = "/tmp/mnemo-snapshot-bench-XXXXXX";
  if (mkdtemp(dir) == nullptr) return 1;
  mnemo::Config config;
  if (!config.Set("port", "0", true).ok() || !config.Set("dir", dir, true).ok() ||
      !config.Set("bind", "127.0.0.1", true).ok()) {
    return 1;
  }
  int rc = 0;
  {
    mnemo::Server server(&config);
    mnemo::Status s = server.Start();
    if (!s.ok()) {
      fprintf(stderr, "snapshot_bench: %s\n", s.message().c_str());
      return 1;
    }
    Load(server.storage(), o);
    mnemo::MemorySnapshot snap = server.TakeMemorySnapshot();
    printf(
        "allocator %s; %lld keys of %lld bytes; allocated %llu, block cache %llu, memtables "
        "%llu, table readers %llu\n",
        snap.allocator_name.c_str(), static_cast<long long>(o.keys),
        static_cast<long long>(o.value_size),
        static_cast<unsigned long long>(snap.allocator.allocated),
        static_cast<unsigned long long>(snap.in.block_cache_usage),
        static_cast<unsigned long long>(snap.in.memtables_all),
        static_cast<unsigned long long>(snap.in.table_readers));
    Measure("Server::TakeMemorySnapshot", o.iterations,
            [&] { snap = server.TakeMemorySnapshot(); });
    // Its parts, to see where the time goes.
    Measure("  part: Storage::GetMemory", o.iterations,
            [&] { (void)server.storage().GetMemory(); });
    Measure("  part: HeapProfiler::GetInfo", o.iterations,
            [&] { (void)server.profiler().GetInfo(); });
    Measure("  part: allocator::ReadStats", o.iterations,
            [&] { (void)mnemo::allocator::ReadStats(); });
    Measure("RenderInfoMemory", o.iterations, [&] { (void)mnemo::RenderInfoMemory(snap); });
    Measure("INFO memory (snapshot + text)", o.iterations,
            [&] { (void)server.Info("memory", mnemo::kDefaultNamespace); });
    Measure("MemoryDoctor", o.iterations, [&] { (void)mnemo::MemoryDoctor(snap); });
    if (mnemo::allocator::Available()) {
      auto pattern = mnemo::allocator::ReadAllocationPattern();
      Measure("allocator::ReadAllocationPattern", std::max(1, o.iterations / 10),
              [&] { pattern = mnemo::allocator::ReadAllocationPattern(); });
      Measure("RenderMemoryJson (with pattern)", std::max(1, o.iterations / 10),
              [&] { (void)mnemo::RenderMemoryJson(snap, pattern); });
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return rc;
}
