#include "echo_server.hpp"

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>

#include "cli.hpp"

namespace sample {

coronet::task<> echo(coronet::stream socket, echo_server_options options) {
  say(options.connected);
  std::array<char, 16384> buf;
  try {
    while (std::size_t n = co_await socket.read_some(buf)) {
      const std::string_view data(buf.data(), n);
      if (!options.quiet) say("receive: " + std::string(data));
      co_await socket.write_all(data);
      if (!options.quiet) say("send: " + std::string(data));
    }
  } catch (const std::system_error& e) {
    if (!coronet::is_cancellation(e)) complain(e.what());
  }
  socket.close();  // 'close' comes after the socket is closed
  say(options.disconnected);
}

}  // namespace sample
