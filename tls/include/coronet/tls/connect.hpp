// tls::connect: Node's tls.connect(port, host): TCP, then the handshake, with SNI and the
// server's certificate checked against `host`.
//
//   auto ctx = coronet::tls::context::client();
//   coronet::tls::stream s = co_await coronet::tls::connect("example.org", 443, ctx);
//
// Errors name the peer: "connect example.org:443: Connection refused",
// "handshake 127.0.0.1:8443: certificate verify failed: self-signed certificate".
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "coronet/task.hpp"
#include "coronet/tls/context.hpp"
#include "coronet/tls/stream.hpp"

namespace coronet::tls {

struct connect_options {
  // The name sent as SNI and checked in the certificate; empty: the host connected to.
  std::string server_name;
  // Connecting and the handshake together; zero: no limit but the system's.
  std::chrono::milliseconds timeout{30'000};
};

// Two overloads, not a defaulted `options = {}`: GCC 12 destroys a braced temporary made in a
// co_await expression twice (docs/architecture.md).
task<stream> connect(std::string host, std::uint16_t port, context ctx);
task<stream> connect(std::string host, std::uint16_t port, context ctx, connect_options options);

}  // namespace coronet::tls
