#include "common/log.h"

#include <strings.h>

#include <algorithm>
#include <atomic>
#include <cstdarg>
#include <cstring>

namespace mnemo {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kNotice)};
std::atomic<FILE*> g_sink{nullptr};  // nullptr = stderr (not a constant initializer)

}  // namespace

std::optional<LogLevel> ParseLogLevel(std::string_view name) {
  static constexpr std::pair<std::string_view, LogLevel> kNames[] = {
      {"debug", LogLevel::kDebug},
      {"verbose", LogLevel::kVerbose},
      {"notice", LogLevel::kNotice},
      {"warning", LogLevel::kWarning}};
  for (const auto& [n, level] : kNames) {
    if (n.size() == name.size() && strncasecmp(n.data(), name.data(), n.size()) == 0) return level;
  }
  return std::nullopt;
}

void SetLogLevel(LogLevel level) {
  g_level.store(static_cast<int>(level), std::memory_order_relaxed);
}

LogLevel GetLogLevel() { return static_cast<LogLevel>(g_level.load(std::memory_order_relaxed)); }

bool LogEnabled(LogLevel level) {
  return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed);
}

void SetLogSink(FILE* sink) { g_sink.store(sink, std::memory_order_relaxed); }

void Log(LogLevel level, const char* format, ...) {
  if (!LogEnabled(level)) return;
  char line[4096];
  constexpr size_t kPrefix = sizeof("mnemo: ") - 1;
  memcpy(line, "mnemo: ", kPrefix);
  va_list ap;
  va_start(ap, format);
  int n = vsnprintf(line + kPrefix, sizeof(line) - kPrefix - 1, format, ap);
  va_end(ap);
  size_t len = kPrefix + (n < 0 ? 0 : std::min<size_t>(n, sizeof(line) - kPrefix - 2));
  line[len] = '\n';
  line[len + 1] = '\0';
  FILE* sink = g_sink.load(std::memory_order_relaxed);
  fputs(line, sink != nullptr ? sink : stderr);
}

}  // namespace mnemo
