// Keyspace notification classes: the `notify-keyspace-events` flags of Redis (K E g $ l s h z x
// e t m d n A), their parsing and Redis's canonical text (what CONFIG GET shows). Pure functions;
// the bit values are Redis's own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mnemo {

enum KeyspaceEvent : uint32_t {
  kNotifyKeyspace = 1 << 0,  // K: __keyspace@0__:<key> channels
  kNotifyKeyevent = 1 << 1,  // E: __keyevent@0__:<event> channels
  kNotifyGeneric = 1 << 2,   // g: DEL, EXPIRE, RENAME, ...
  kNotifyString = 1 << 3,    // $
  kNotifyList = 1 << 4,      // l
  kNotifySet = 1 << 5,       // s
  kNotifyHash = 1 << 6,      // h
  kNotifyZSet = 1 << 7,      // z
  kNotifyExpired = 1 << 8,   // x: a key removed because its time passed
  kNotifyEvicted = 1 << 9,   // e: never sent (nothing evicts keys)
  kNotifyStream = 1 << 10,   // t: no streams; accepted for Redis's configs
  kNotifyKeyMiss = 1 << 11,  // m: not sent
  kNotifyModule = 1 << 13,   // d: no modules; accepted
  kNotifyNew = 1 << 14,      // n: not sent
  // A: every class but m and n.
  kNotifyAll = kNotifyGeneric | kNotifyString | kNotifyList | kNotifySet | kNotifyHash |
               kNotifyZSet | kNotifyExpired | kNotifyEvicted | kNotifyStream | kNotifyModule,
};

// The flags of a `notify-keyspace-events` value; nullopt for a character that is no class.
std::optional<uint32_t> ParseKeyspaceEvents(std::string_view text);
// Redis's canonical form of `flags` ("AKE" for "KEA", "" for none).
std::string KeyspaceEventsText(uint32_t flags);
// The flags notifications actually test: 0 unless K or E is set (nothing would be published).
inline uint32_t EffectiveKeyspaceEvents(uint32_t flags) {
  return (flags & (kNotifyKeyspace | kNotifyKeyevent)) ? flags : 0;
}

}  // namespace mnemo
