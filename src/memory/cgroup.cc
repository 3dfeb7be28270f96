#include "memory/cgroup.h"

#include <fstream>
#include <sstream>
#include <vector>

#include "common/string_util.h"

namespace mnemo {
namespace {

std::optional<std::string> ReadFirstLine(const std::string& path) {
  std::ifstream f(path);
  std::string line;
  if (!f || !std::getline(f, line)) return std::nullopt;
  while (!line.empty() && (line.back() == '\n' || line.back() == ' ')) line.pop_back();
  return line;
}

// A limit file's value: "max" or a huge v1 sentinel (no limit) -> nullopt.
std::optional<uint64_t> ParseLimit(const std::optional<std::string>& text) {
  if (!text || *text == "max") return std::nullopt;
  auto v = ParseUint64(*text);
  if (!v || *v == 0 || *v >= (1ULL << 60)) return std::nullopt;
  return v;
}

// Tries <mount>/<group>/<file>, then walks up to the mount root: a limit set on a parent group
// applies too, and in a container the group path is often not visible below the mount.
std::optional<uint64_t> LimitAlongPath(const std::string& mount, std::string group,
                                       const std::string& file) {
  std::optional<uint64_t> best;
  while (true) {
    auto v = ParseLimit(ReadFirstLine(mount + group + "/" + file));
    if (v && (!best || *v < *best)) best = v;
    if (group.empty() || group == "/") break;
    size_t slash = group.rfind('/');
    group = slash == std::string::npos || slash == 0 ? "" : group.substr(0, slash);
  }
  return best;
}

}  // namespace

std::optional<uint64_t> CgroupMemoryLimit(const std::string& root,
                                          const std::string& proc_self_cgroup) {
  std::istringstream lines(proc_self_cgroup);
  std::string line;
  std::string base = root == "/" ? "" : root;
  while (std::getline(lines, line)) {
    // "hierarchy-id:controllers:path"; v2 is "0::/path".
    size_t a = line.find(':');
    size_t b = a == std::string::npos ? a : line.find(':', a + 1);
    if (b == std::string::npos) continue;
    std::string controllers = line.substr(a + 1, b - a - 1);
    std::string path = line.substr(b + 1);
    if (controllers.empty()) {
      auto v = LimitAlongPath(base + "/sys/fs/cgroup", path, "memory.max");
      if (v) return v;
    }
    std::istringstream names(controllers);
    std::string name;
    while (std::getline(names, name, ',')) {
      if (name == "memory") {
        auto v = LimitAlongPath(base + "/sys/fs/cgroup/memory", path, "memory.limit_in_bytes");
        if (v) return v;
      }
    }
  }
  return std::nullopt;
}

std::optional<uint64_t> CgroupMemoryLimit() {
  std::ifstream f("/proc/self/cgroup");
  std::stringstream ss;
  ss << f.rdbuf();
  return CgroupMemoryLimit("/", ss.str());
}

}  // namespace mnemo
