// Network address helpers: is an IP address loopback, and the host part of "ip:port".
// Pure functions over text, thread-safe. Used by protected mode (server/protected_mode.h) and by
// `enable-protected-configs local` (config/config.h), which both trust loopback peers only.
#pragma once

#include <string_view>

namespace mnemo {

// True for a numeric IPv4 address in 127.0.0.0/8, the IPv6 loopback ::1, and an IPv4-mapped
// IPv6 address (::ffff:127.x.y.z) of the former. False for anything else, including text that
// is not a numeric address ("localhost", "", "0.0.0.0", "::").
bool IsLoopbackIp(std::string_view ip);

// The host part of an address as CLIENT LIST shows it: "10.0.0.1:6666" -> "10.0.0.1",
// "fd00::2:6666" -> "fd00::2", "[::1]:6666" -> "::1". Text without a ':' is returned whole.
std::string_view HostOfAddress(std::string_view addr);

}  // namespace mnemo
