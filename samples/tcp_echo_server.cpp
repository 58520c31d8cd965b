// The seed's TCP echo server (server.js: net.createServer(...).listen(8888)), in coronet.
#include <cstdint>

#include "support/cli.hpp"
#include "support/echo_server.hpp"

int main(int argc, char** argv) {
  sample::cli cli("tcp-echo-server",
                  "Echo every byte back to TCP clients (Node's net echo server).");
  cli.option("host", "HOST", "address to listen on", "0.0.0.0")
      .option("port", "PORT", "port to listen on (0: any free port)", "8888")
      .flag("quiet", "do not print a line per message");
  cli.parse(argc, argv);
  const auto port = static_cast<std::uint16_t>(cli.num("port", 0, 65535));
  // server.js words these without a full stop (unlike its pipe twin).
  const sample::echo_server_options options{
      .connected = "socket connected",
      .disconnected = "socket disconnected",
      .quiet = cli.has("quiet"),
  };

  return sample::run_until_signal([&]() -> coronet::task<int> {
    auto server = coronet::tcp::listener::bind({cli.str("host"), port});
    sample::say("listening on " + server.local_address().to_string());
    co_return co_await sample::serve_echo(server, options);
  });
}
