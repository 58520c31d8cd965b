// tcp::listen_per_core and tcp::serve_per_core: a TCP server on every core (run_per_core,
// coronet/per_core.hpp). Each core has a listener of its own on the same address and port
// (SO_REUSEPORT), so the kernel spreads incoming connections across the cores by a hash of their
// addresses, and a connection stays on the core that accepted it from start to end.
//
//   coronet::tcp::per_core_server_options o;
//   o.cores.threads = 4;                                     // 0: one per CPU
//   o.on_listening = [](const coronet::socket_address& a) { std::cout << a.to_string() << "\n"; };
//   coronet::tcp::serve_per_core({"0.0.0.0", 8888}, [](coronet::stream s, unsigned core)
//       -> coronet::task<> { co_await echo(std::move(s)); }, o);   // until SIGINT/SIGTERM
//
// Every core's socket is bound on the calling thread before any core starts, so a bind error
// ("bind 0.0.0.0:8888: Address already in use") is thrown at once, and port 0 means one port
// picked by the system and shared by all cores. Then each core adopts its socket
// (tcp::listener::from_native) and runs. The stopping rules, the return value and the failure
// rules are run_per_core's.
//
// With one core nothing is different from a plain listener (no SO_REUSEPORT at all). With more,
// Linux lets any socket of the same user with SO_REUSEPORT join the group: a second copy of the
// server would silently share the port instead of failing. So by default (`exclusive`) the
// address is first checked with a socket bound without SO_REUSEPORT, and the server fails with
// "Address already in use" if anything holds it.
//
// Windows has no SO_REUSEPORT: more than one core fails with EOPNOTSUPP ("bind ...: reuse_port");
// run one core, or one acceptor that hands connections to per-core schedulers of your own.
#pragma once

#include <functional>

#include "coronet/per_core.hpp"
#include "coronet/serve.hpp"
#include "coronet/socket_address.hpp"
#include "coronet/stream.hpp"
#include "coronet/task.hpp"
#include "coronet/tcp_endpoint.hpp"
#include "coronet/tcp_listener.hpp"

namespace coronet::tcp {

struct per_core_server_options {
  per_core_options cores;  // threads (0: one per CPU), pinning, signals, an external stop
  listen_options listen;   // reuse_port is turned on when there is more than one core
  // More than one core: fail when something already holds the address (see above).
  bool exclusive = true;
  // Called once on the calling thread, with the address every core listens on, after every
  // socket is bound and before any core starts: where a server says "listening on ...".
  std::function<void(const socket_address&)> on_listening;
  // serve_per_core: how each core's coronet::serve() stops (drain timeout) and reports failures.
  serve_options serving;
};

// Runs serve(listener, core) on every core, with that core's listener.
int listen_per_core(const endpoint& ep, std::function<task<>(listener&, unsigned core)> serve,
                    const per_core_server_options& options = {});

// coronet::serve() on every core: on_connection(stream, core) for every connection, in a task of
// its own on the core that accepted it. A stop (a signal, options.cores.stop) stops each core the
// way serve() stops: refuse new clients at once, cancel the connections' tasks, close them
// gracefully within options.serving.drain_timeout. A connection task's failure is reported (the
// others go on); a failure of the listener itself (beyond what accept() retries) is the core's.
int serve_per_core(const endpoint& ep, std::function<task<>(stream, unsigned core)> on_connection,
                   const per_core_server_options& options = {});

}  // namespace coronet::tcp
