// The server's log: one line per event on stderr, prefixed "mnemo: ", filtered by `loglevel`.
//
// Thread-safe: the level is one relaxed atomic read per call, and each line is written with a
// single fputs, so lines of different threads do not interleave. Messages below the level cost
// that read and nothing else (the format arguments are still evaluated by the caller).
#pragma once

#include <cstdio>
#include <optional>
#include <string_view>

namespace mnemo {

// Redis's levels, least severe first.
enum class LogLevel { kDebug = 0, kVerbose = 1, kNotice = 2, kWarning = 3 };

// "debug", "verbose", "notice" or "warning" (case-insensitive); nullopt for anything else.
std::optional<LogLevel> ParseLogLevel(std::string_view name);

// The least severe level written; kNotice until set.
void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
bool LogEnabled(LogLevel level);

// Where lines go: stderr unless a test points it elsewhere. REQUIRES: `sink` outlives its use.
void SetLogSink(FILE* sink);

// Writes "mnemo: <formatted>\n" when `level` is at least the configured level. Lines longer
// than 4 KiB are cut.
void Log(LogLevel level, const char* format, ...) __attribute__((format(printf, 2, 3)));

}  // namespace mnemo
