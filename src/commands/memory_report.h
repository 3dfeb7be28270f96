// The MEMORY REPORT document (memory/snapshot.h RenderMemoryJson over a snapshot with the exact
// key count), for the HTTP endpoint's /debug/memory as well as the command.
// Thread-safe; counts the keys with a scan, so call it off the workers (background or HTTP
// thread).
#pragma once

#include <string>

#include "common/status.h"
#include "types/database.h"

namespace mnemo {

class ServerApi;
class Storage;

// `ns` is the caller's namespace: the default one sees every namespace's figures, a tenant its
// own (NamespaceRegistry::Visible).
StatusOr<std::string> MemoryReportJson(ServerApi& server, Storage* storage,
                                       const std::string& ns = std::string(kDefaultNamespace));

}  // namespace mnemo
