// The server's log, written through spdlog (Debian's libspdlog-dev): one line per event, in
// Redis's layout with the thread in place of Redis's role letter,
//
//   <pid>:<thread id> 02 Dec 2026 02:13:00.123 <level> <message>
//
// where <level> is Redis's mark: `.` debug, `-` verbose, `*` notice, `#` warning. Lines go to
// stderr, or appended to the file `logfile` names (set once at start). Lines below `loglevel` are
// dropped.
//
// Thread-safe: the level is one relaxed atomic read per call; spdlog's sink takes a mutex per
// line, so lines of different threads never interleave. Messages below the level cost that read
// and nothing else (the format arguments are still evaluated by the caller).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace mnemo {

// Redis's levels, least severe first.
enum class LogLevel { kDebug = 0, kVerbose = 1, kNotice = 2, kWarning = 3 };

// "debug", "verbose", "notice" or "warning" (case-insensitive); nullopt for anything else.
std::optional<LogLevel> ParseLogLevel(std::string_view name);

// The least severe level written; kNotice until set.
void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
bool LogEnabled(LogLevel level);

// Where lines go from now on: appended to the file at `path`, or stderr when it is "". Fails
// (and keeps the current destination) when the file cannot be opened for appending.
Status SetLogFile(const std::string& path);

// Writes one line when `level` is at least the configured level. Messages longer than 4 KiB
// are cut; line ends inside a message become spaces, trailing ones are dropped.
void Log(LogLevel level, const char* format, ...) __attribute__((format(printf, 2, 3)));

}  // namespace mnemo
