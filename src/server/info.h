// INFO rendering: the sections Redis clients expect (server, clients, memory, persistence,
// stats, keyspace, commandstats) with Redis's field names. Every field is documented in
// docs/info.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "storage/storage.h"

namespace mnemo {

class Server;

struct InfoInput {
  Server& server;
  int64_t start_ms;
  uint64_t startup_allocated;
  std::string_view ns;  // the caller's namespace: the keyspace section counts its keys
  // RocksDB's figures, read at most once per INFO by the sections that need them (memory,
  // storage): see StorageOf in info.cc.
  mutable std::optional<StorageFigures> storage{};
};

// `section`: "" or "default", "all", "everything", or space-separated section names.
std::string RenderInfo(const InfoInput& in, std::string_view section);

}  // namespace mnemo
