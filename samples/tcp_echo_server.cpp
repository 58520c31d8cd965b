// The seed's TCP echo server (server.js: net.createServer(echo).listen(8888)), in coronet.
//
// --threads N serves on N threads (coronet::tcp::listen_per_core): each has a scheduler and a
// listener of its own on the port (SO_REUSEPORT), and serves the connections the kernel gives
// it. The lines are the same whatever N; with one thread the server is one thread, as Node's.
// SIGINT or SIGTERM stops every thread gracefully (coronet::serve), then the program exits 0.
#include <cstdint>

#include "support/cli.hpp"
#include "support/echo_server.hpp"

int main(int argc, char** argv) {
  sample::cli cli("tcp-echo-server",
                  "Echo every byte back to TCP clients (Node's net echo server).");
  cli.option("host", "HOST", "address to listen on", "0.0.0.0")
      .option("port", "PORT", "port to listen on (0: any free port)", "8888")
      .flag("quiet", "do not print a line per message")
      .option("threads", "N", "threads, each with its own listener on the port (0: one per CPU)",
              "1");
  cli.parse(argc, argv);
  const auto port = static_cast<std::uint16_t>(cli.num("port", 0, 65535));
  // server.js words these without a full stop (unlike its pipe twin).
  const auto echo = sample::echo({"socket connected", "socket disconnected", cli.has("quiet")});

  coronet::tcp::per_core_server_options o;
  o.cores.threads = static_cast<unsigned>(cli.num("threads", 0, 1024));
  o.on_listening = [](const coronet::socket_address& a) {
    sample::say("listening on " + a.to_string());
  };
  return sample::exit_code([&] {
    coronet::tcp::listen_per_core(
        {cli.str("host"), port},
        [&](coronet::tcp::listener& server, unsigned) { return coronet::serve(server, echo); }, o);
    return 0;  // "bind 0.0.0.0:8888: Address already in use" is printed, exit 1
  });
}
