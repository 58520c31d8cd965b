// tcp::endpoint: a host (name or numeric address) and a port, as people write them.
//
//   coronet::tcp::endpoint ep{"127.0.0.1", 8888};
//   auto ep2 = coronet::tcp::endpoint::parse("[::1]:8888");
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace coronet::tcp {

struct endpoint {
  std::string host;
  std::uint16_t port = 0;

  // "host:port", "[v6]:port"; throws std::invalid_argument saying what is wrong.
  static endpoint parse(std::string_view text);
  std::string to_string() const;
};

}  // namespace coronet::tcp
