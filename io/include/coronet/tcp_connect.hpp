// tcp::connect: open a TCP connection.
//
//   coronet::stream s = co_await coronet::tcp::connect("127.0.0.1", 8888);
//
// The host is resolved off the loop (coronet/resolve.hpp) and each address is tried in turn;
// the error of the last one is thrown: "connect 127.0.0.1:8888: Connection refused".
// Cancel safe: a cancelled connect closes its socket and throws operation_canceled.
//
//   coronet::tcp::connect_options o;
//   o.timeout = 5s;
//   coronet::stream s = co_await coronet::tcp::connect("127.0.0.1", 8888, o);
//
// connect_options::timeout bounds the whole attempt (resolution and every address); when it
// runs out the attempt is cancelled and "connect 127.0.0.1:8888: Connection timed out"
// (errc::timed_out) is thrown. Without it, the kernel's own limit applies (about two minutes).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "coronet/socket_address.hpp"
#include "coronet/stream.hpp"
#include "coronet/task.hpp"
#include "coronet/tcp_endpoint.hpp"

namespace coronet::tcp {

struct connect_options {
  // Zero: no limit of coronet's.
  std::chrono::milliseconds timeout{0};
};

task<stream> connect(std::string host, std::uint16_t port);
task<stream> connect(std::string host, std::uint16_t port, connect_options options);
task<stream> connect(endpoint ep, connect_options options);
task<stream> connect(endpoint ep);
task<stream> connect(socket_address addr);

}  // namespace coronet::tcp
