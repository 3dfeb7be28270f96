#include "common/confined_path.h"

#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <deque>
#include <filesystem>
#include <optional>

namespace mnemo {

namespace {

constexpr int kMaxSymlinks = 40;  // Linux's MAXSYMLINKS: realpath gives ELOOP beyond it

// `p` is `dir` or below it. Both absolute and normalized.
bool IsUnder(const std::string& dir, const std::string& p) {
  if (dir == "/") return true;
  return p.starts_with(dir) && (p.size() == dir.size() || p[dir.size()] == '/');
}

// Pushes the components of `path` in front of `pending`, in order; empty ones and "." dropped.
void PushFront(std::string_view path, std::deque<std::string>* pending) {
  std::deque<std::string> parts;
  while (!path.empty()) {
    size_t slash = path.find('/');
    std::string_view c = path.substr(0, slash);
    if (!c.empty() && c != ".") parts.emplace_back(c);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  pending->insert(pending->begin(), parts.begin(), parts.end());
}

std::string Parent(const std::string& p) {
  size_t slash = p.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : p.substr(0, slash);
}

std::string Child(const std::string& dir, const std::string& name) {
  return dir == "/" ? "/" + name : dir + "/" + name;
}

std::optional<std::string> ReadLink(const std::string& p) {
  std::string target(PATH_MAX, '\0');
  ssize_t n = ::readlink(p.c_str(), target.data(), target.size());
  if (n < 0 || static_cast<size_t>(n) >= target.size()) return std::nullopt;
  target.resize(static_cast<size_t>(n));
  return target;
}

// An absolute `path` spelled with `alias` is spelled with `base` instead.
std::string Unalias(const std::string& base, std::string_view path, std::string_view alias) {
  if (alias.empty() || !path.starts_with('/')) return std::string(path);
  std::string a = std::filesystem::path(alias).lexically_normal().string();
  while (a.size() > 1 && a.back() == '/') a.pop_back();
  if (a == "/" || !path.starts_with(a) || (path.size() > a.size() && path[a.size()] != '/')) {
    return std::string(path);
  }
  return base + std::string(path.substr(a.size()));
}

}  // namespace

ConfinedPath ResolveConfined(const std::string& base, std::string_view path,
                             std::string_view alias) {
  using Where = ConfinedPath::Where;
  std::string p = Unalias(base, path, alias);
  // `pos` is always a real path: `base`, an entry below it checked by lstat, or an ancestor of
  // `base` (a component of its real path). Only entries below `base` are ever looked at.
  std::string pos = p.starts_with('/') ? "/" : base;
  std::deque<std::string> pending;
  PushFront(p, &pending);
  int links = 0;
  mode_t mode = S_IFDIR;
  while (!pending.empty()) {
    std::string c = std::move(pending.front());
    pending.pop_front();
    if (!S_ISDIR(mode)) return {};  // "file/x": ENOTDIR
    if (c == "..") {
      pos = Parent(pos);
      continue;
    }
    std::string next = Child(pos, c);
    if (!IsUnder(base, next)) {
      if (!IsUnder(next, base)) return {Where::kOutside, "", 0};
      pos = std::move(next);  // an ancestor of base: a real directory
      continue;
    }
    struct stat st;
    if (::lstat(next.c_str(), &st) != 0) return {};
    if (S_ISLNK(st.st_mode)) {
      std::optional<std::string> target = ReadLink(next);
      if (!target || ++links > kMaxSymlinks) return {};
      if (target->starts_with('/')) pos = "/";
      PushFront(*target, &pending);
      continue;
    }
    pos = std::move(next);
    mode = st.st_mode;
  }
  if (!IsUnder(base, pos)) return {Where::kOutside, "", 0};
  if (pos == base) mode = S_IFDIR;
  return {Where::kInside, pos, mode};
}

}  // namespace mnemo
