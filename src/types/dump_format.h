// DUMP/RESTORE payloads in Redis's own serialization format, so keys move between Redis 7.0 and
// Mnemo with DUMP, RESTORE and MIGRATE-style tools: an RDB object (type byte, then the value),
// the RDB version (2 bytes, little endian) and a CRC64 (Jones polynomial, as Redis's crc64.c;
// 8 bytes, little endian) of everything before it. Only strings exist in Mnemo so far: Encode
// writes RDB_TYPE_STRING with a plain length-prefixed value; Decode also reads Redis's integer
// and LZF-compressed string encodings. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace mnemo {

inline constexpr uint16_t kDumpRdbVersion = 10;  // Redis 7.0's

// CRC64 with Redis's parameters (reflected Jones polynomial 0xad93d23594c935a9, init 0).
uint64_t Crc64(uint64_t crc, std::string_view data);

std::string EncodeStringDump(std::string_view value);

// The string a payload holds. Errors, in Redis's words: "DUMP payload version or checksum are
// wrong" (bad footer: a version newer than 10 or a checksum mismatch) and "Bad data format"
// (a malformed body); NotSupported for a valid payload of a type Mnemo does not have yet.
StatusOr<std::string> DecodeStringDump(std::string_view payload);

}  // namespace mnemo
