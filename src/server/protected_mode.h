// Protected mode (Redis's `protected-mode`): a server that listens on the network without a
// password serves only loopback peers, and tells the others why and how to change that.
//
// The decision is a pure function of the config and the peer's address, so it is tested alone
// (protected_mode_test.cc); Server::RefuseIfProtected applies it to each accepted socket.
// Thread-safe: no state.
#pragma once

#include <string_view>

namespace mnemo {

// Redis 7.0's refusal, word for word (its "Setup a an" included) with the product named Mnemo,
// CRLF-terminated. Sent on the socket, which is then closed.
extern const char kProtectedModeDenied[];

// True when a new connection from `peer_ip` must be refused: `protected_mode` is on, no
// password is set (`requirepass_set` false), the server listens on an address other than
// loopback (`bind`: the `bind` key, one or more space-separated numeric addresses, each maybe
// prefixed by '-' as Redis allows; 0.0.0.0, ::, * and anything unparsable count as exposed), and
// `peer_ip` is not loopback (see IsLoopbackIp; an unknown peer counts as remote).
bool ProtectedModeRefuses(bool protected_mode, std::string_view bind, bool requirepass_set,
                          std::string_view peer_ip);

}  // namespace mnemo
