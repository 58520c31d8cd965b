// The seed's echo servers' connection callback (server.js, over TCP and over a Unix socket, and
// in the cluster example's workers). They word the connect and disconnect lines differently,
// which each sample passes in; coronet::serve() runs it per connection:
//
//   co_await coronet::serve(server, sample::echo({"socket connected", "socket disconnected"}));
#pragma once

#include <string_view>

#include <coronet/core.hpp>
#include <coronet/io.hpp>

namespace sample {

struct echo_server_options {
  std::string_view connected;     // printed when a client connects
  std::string_view disconnected;  // printed when its connection ends (Node's 'close')
  bool quiet = false;             // no "receive:" and "send:" lines
};

// socket.on('data', data => { console.log(`receive: ${data}`); socket.write(data); ... }): print
// each chunk received and write it back, until the client closes or the server stops. Errors are
// printed to stderr (Node's 'error' handler), a stop silently.
coronet::connection_handler echo(echo_server_options options);

}  // namespace sample
