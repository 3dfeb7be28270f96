// The MEMORY REPORT document (memory/snapshot.h RenderMemoryJson over a snapshot with the exact
// key count), for the HTTP endpoint's /debug/memory as well as the command.
// Thread-safe; counts the keys with a scan, so call it off the workers (background or HTTP
// thread).
#pragma once

#include <string>

#include "common/status.h"

namespace mnemo {

class ServerApi;
class Storage;

StatusOr<std::string> MemoryReportJson(ServerApi& server, Storage* storage);

}  // namespace mnemo
