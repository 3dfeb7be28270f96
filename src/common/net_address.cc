#include "common/net_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <string>

namespace mnemo {

bool IsLoopbackIp(std::string_view ip) {
  std::string text(ip);  // inet_pton needs a terminated string
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) != 1) return false;
  if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
  return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
}

std::string_view HostOfAddress(std::string_view addr) {
  if (addr.starts_with('[')) {
    size_t close = addr.find(']');
    return close == std::string_view::npos ? addr.substr(1) : addr.substr(1, close - 1);
  }
  size_t colon = addr.rfind(':');
  return colon == std::string_view::npos ? addr : addr.substr(0, colon);
}

}  // namespace mnemo
