// Reads the memory limit of the cgroup this process runs in, for the default memory limit when
// `maxmemory` is 0. Supports cgroup v2 (`memory.max` of the process's unified group) and v1
// (`memory.limit_in_bytes` of its memory controller group). All paths are read below `root`
// ("/" in production; a fake tree in tests). Pure file reads, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace mnemo {

// The limit in bytes, or nullopt when there is none ("max", a v1 value >= 2^60, unreadable
// files, or no memory controller). `proc_self_cgroup` is the text of /proc/self/cgroup.
std::optional<uint64_t> CgroupMemoryLimit(const std::string& root,
                                          const std::string& proc_self_cgroup);
// Same, reading /proc/self/cgroup and the real /sys/fs/cgroup.
std::optional<uint64_t> CgroupMemoryLimit();

}  // namespace mnemo
