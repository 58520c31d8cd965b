// tcp::listener: accepts TCP connections.
//
//   auto server = coronet::tcp::listener::bind({"0.0.0.0", 8888});
//   for (;;) coronet::spawn(echo(co_await server.accept()));
//
// Port 0 picks a free port: read it back with port(). SO_REUSEADDR is on by default, so a
// restarted server can bind while old connections linger in TIME_WAIT. An empty host listens
// on every address, IPv6 and IPv4 alike where the system has IPv6 (as Node's listen(port)).
// bind() resolves a host name synchronously: it is meant for start-up.
//
// Restarting after a crash: a port still held by a server that was just killed is waited for,
// up to listen_options::bind_retry (see that option); a live server's port fails, after it.
#pragma once

#include <chrono>
#include <cstdint>

#include "coronet/basic_listener.hpp"
#include "coronet/tcp_endpoint.hpp"

namespace coronet::tcp {

struct listen_options {
  int backlog = 511;          // Node's default
  bool reuse_address = true;  // POSIX only: Windows binds with SO_EXCLUSIVEADDRUSE instead
  bool reuse_port = false;    // SO_REUSEPORT: several listeners on one port (not on Windows)
  bool v6_only = false;       // an IPv6 listener also takes IPv4 connections unless set
  // One connection per accept(), none taken ahead (io_uring: no multishot accept), for a socket
  // other processes accept on too: the kernel then hands connections to whichever is idle,
  // instead of all to the one whose standing accept it wakes first. Adopted listeners
  // (from_native) take it with set_accept_one_at_a_time(true).
  bool accept_one_at_a_time = false;
  // How long bind() goes on trying while the address is in use, before it fails with "Address
  // already in use" (0: at once). For a server restarted right after a crash: io_uring tears a
  // killed process's ring down after the process is gone, and until then (milliseconds, longer
  // under load) its standing accept keeps the listening socket, and so the port, taken. Retrying
  // never takes a port from a live server (no SO_REUSEPORT is involved); a second server beside
  // a live one just reports the conflict this much later. Blocks the calling thread meanwhile,
  // as bind() does anyway: it is meant for start-up.
  std::chrono::milliseconds bind_retry{1000};
};

class listener : public basic_listener {
 public:
  listener() noexcept = default;
  // Errors read "bind 0.0.0.0:8888: Address already in use".
  static listener bind(const endpoint& ep, const listen_options& opt = {});
  static listener bind(const socket_address& addr, const listen_options& opt = {});
  // Adopt `fd`, a TCP socket that is already bound and listening (made by other code, received
  // from another process, or bound on another thread for this one), on the current scheduler.
  // Ownership passes to the listener, also when this throws: EINVAL (or ENOTSOCK) when `fd` is
  // not a listening IPv4 or IPv6 socket.
  static listener from_native(native_handle_type fd);

  std::uint16_t port() const noexcept { return local_address().port(); }

 private:
  using basic_listener::basic_listener;
};

}  // namespace coronet::tcp
