// What the server says it is, in one place: HELLO's reply and INFO's server section both read
// these, so they always agree (docs/clients.md, "Which server and version").
// Constants only; thread-safe.
#pragma once

namespace mnemo {

#ifndef MNEMO_VERSION
#define MNEMO_VERSION "0.1.0"
#endif

// Mnemo's own release.
inline constexpr const char* kMnemoVersion = MNEMO_VERSION;
// The Redis version whose commands and replies Mnemo follows. Clients gate features on it
// (HELLO's `version`, INFO's `redis_version`), so it names the Redis release Mnemo is compared
// with, not Mnemo's own number.
inline constexpr const char* kRedisCompatVersion = "7.0.0";
// HELLO's `server` and INFO's `server_name`.
inline constexpr const char* kServerName = "mnemo";

}  // namespace mnemo
