#include "echo_server.hpp"

#include <string>
#include <system_error>

#include "cli.hpp"

namespace sample {
namespace {

coronet::task<> echo_connection(coronet::stream& socket, echo_server_options options) {
  say(options.connected);
  try {
    // receive(), not read_some into a buffer of our own: a connection waiting for its client
    // then holds no read buffer (on io_uring the kernel picks one when data arrives).
    for (;;) {
      coronet::received chunk = co_await socket.receive();
      if (!chunk) break;
      const std::string_view data = chunk.view();
      if (!options.quiet) say("receive: " + std::string(data));
      co_await socket.write_all(data);
      if (!options.quiet) say("send: " + std::string(data));
    }
  } catch (const std::system_error& e) {
    if (!coronet::is_cancellation(e)) complain(e.what());
  }
  say(options.disconnected);
}

}  // namespace

coronet::connection_handler echo(echo_server_options options) {
  return [options](coronet::stream& socket) { return echo_connection(socket, options); };
}

}  // namespace sample
