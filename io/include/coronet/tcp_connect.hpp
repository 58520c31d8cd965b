// tcp::connect: open a TCP connection.
//
//   coronet::stream s = co_await coronet::tcp::connect("127.0.0.1", 8888);
//
// The host is resolved off the loop (coronet/resolve.hpp) and each address is tried in turn;
// the error of the last one is thrown: "connect 127.0.0.1:8888: Connection refused".
// Cancel safe: a cancelled connect closes its socket and throws operation_canceled.
#pragma once

#include <cstdint>
#include <string>

#include "coronet/socket_address.hpp"
#include "coronet/stream.hpp"
#include "coronet/task.hpp"
#include "coronet/tcp_endpoint.hpp"

namespace coronet::tcp {

task<stream> connect(std::string host, std::uint16_t port);
task<stream> connect(endpoint ep);
task<stream> connect(socket_address addr);

}  // namespace coronet::tcp
