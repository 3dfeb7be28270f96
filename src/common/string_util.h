// Small string and number helpers shared by every module. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mnemo {

// Redis-style strict integer parse: optional '-', no spaces, no '+', no leading zeros, fits in
// int64. Returns nullopt otherwise.
std::optional<int64_t> ParseInt64(std::string_view s);
std::optional<uint64_t> ParseUint64(std::string_view s);
// Parses a finite or infinite double like Redis's strtold-based parser (no NaN, no spaces).
std::optional<double> ParseDouble(std::string_view s);
// The same in long double precision (INCRBYFLOAT computes in long double, like Redis).
std::optional<long double> ParseLongDouble(std::string_view s);
// Formats a double the way Redis replies to INCRBYFLOAT ("%.17Lg", trailing zeros trimmed).
std::string FormatDouble(long double v);
// "512mb", "1gb", "100k", "4096" -> bytes (k/kb/m/mb/g/gb are 1000/1024 powers as in Redis:
// k=1000, kb=1024, m=1000^2, mb=1024^2, g=1000^3, gb=1024^3). Case-insensitive.
std::optional<int64_t> ParseMemorySize(std::string_view s);
// 1536 -> "1.50K", as Redis's *_human fields.
std::string HumanBytes(uint64_t n);

std::string ToLower(std::string_view s);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// Redis glob match (stringmatchlen): *, ?, [abc], [^a], [a-z], backslash escapes.
bool GlobMatch(std::string_view pattern, std::string_view str, bool nocase = false);

int64_t NowMs();  // wall clock, unix milliseconds
int64_t NowUs();  // wall clock, unix microseconds
int64_t MonotonicUs();

}  // namespace mnemo
