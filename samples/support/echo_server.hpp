// What the seed's two echo servers share (server.js over TCP and over a Unix socket): the
// connection callback and the accept loop. They differ only in the listener and in how they
// word the connect and disconnect lines, which each sample passes in.
//
//   const sample::echo_server_options options{"socket connected", "socket disconnected"};
//   auto server = coronet::tcp::listener::bind({"0.0.0.0", 8888});
//   co_return co_await sample::serve_echo(server, options);
#pragma once

#include <exception>
#include <string_view>

#include <coronet/core.hpp>
#include <coronet/io.hpp>

namespace sample {

struct echo_server_options {
  std::string_view connected;     // printed when a client connects
  std::string_view disconnected;  // printed when its connection closes (Node's 'close')
  bool quiet = false;             // no "receive:" and "send:" lines
};

// The seed's connection callback: print each chunk received and write it back, until the client
// closes. Errors are printed to stderr (Node's 'error' handler), cancellation silently.
coronet::task<> echo(coronet::stream socket, echo_server_options options);

// server.listen(): echo to every client that connects, each in its own task, until cancelled
// (Ctrl-C); then close every connection and wait for its "disconnected" line. Ends only by
// throwing: the cancellation, or the listener's failure.
template <class Listener>
coronet::task<int> serve_echo(Listener& server, echo_server_options options) {
  coronet::task_group clients;
  std::exception_ptr stopped;  // cancellation, or a listener failure
  try {
    for (;;) clients.spawn(echo(co_await server.accept(), options));
  } catch (...) {
    stopped = std::current_exception();
  }
  clients.cancel();
  co_await clients.join();
  std::rethrow_exception(stopped);
}

}  // namespace sample
