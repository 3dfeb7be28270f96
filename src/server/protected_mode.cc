#include "server/protected_mode.h"

#include "common/net_address.h"

namespace mnemo {

const char kProtectedModeDenied[] =
    "-DENIED Mnemo is running in protected mode because protected mode is enabled and no "
    "password is set for the default user. In this mode connections are only accepted from the "
    "loopback interface. If you want to connect from external computers to Mnemo you may adopt "
    "one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG "
    "SET protected-mode no' from the loopback interface by connecting to Mnemo from the same "
    "host the server is running, however MAKE SURE Mnemo is not publicly accessible from "
    "internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively "
    "you can just disable the protected mode by editing the Mnemo configuration file, and "
    "setting the protected mode option to 'no', and then restarting the server. 3) If you "
    "started the server manually just for testing, restart it with the '--protected-mode no' "
    "option. 4) Setup a an authentication password for the default user. NOTE: You only need to "
    "do one of the above things in order for the server to start accepting connections from the "
    "outside.\r\n";

namespace {

// True when any address of the `bind` list is not loopback.
bool ListensBeyondLoopback(std::string_view bind) {
  bool any = false;
  while (!bind.empty()) {
    size_t space = bind.find(' ');
    std::string_view addr = bind.substr(0, space);
    bind = space == std::string_view::npos ? std::string_view() : bind.substr(space + 1);
    if (addr.empty()) continue;
    any = true;
    if (addr.starts_with('-')) addr.remove_prefix(1);
    if (!IsLoopbackIp(addr)) return true;
  }
  return !any;  // no address at all: every interface, as Redis without `bind`
}

}  // namespace

bool ProtectedModeRefuses(bool protected_mode, std::string_view bind, bool requirepass_set,
                          std::string_view peer_ip) {
  if (!protected_mode || requirepass_set) return false;
  return ListensBeyondLoopback(bind) && !IsLoopbackIp(peer_ip);
}

}  // namespace mnemo
