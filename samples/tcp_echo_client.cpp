// The seed's TCP echo client (client.js: net.connect(8888, host) and a message every 3 s), in
// coronet.
#include <cstdint>
#include <utility>

#include "support/cli.hpp"
#include "support/echo_client.hpp"

int main(int argc, char** argv) {
  sample::cli cli("tcp-echo-client",
                  "Send a message to a TCP echo server at every interval and print what comes back "
                  "(Node's net client).");
  cli.option("host", "HOST", "server address", "127.0.0.1")
      .option("port", "PORT", "server port", "8888");
  sample::echo_client_options::declare(cli);
  cli.parse(argc, argv);
  const auto port = static_cast<std::uint16_t>(cli.num("port", 1, 65535));
  const auto options = sample::echo_client_options::from(cli);

  return sample::run_until_signal([&]() -> coronet::task<int> {
    // A failed connect throws "connect 127.0.0.1:8888: Connection refused": printed, exit 1.
    coronet::stream client = co_await coronet::tcp::connect(cli.str("host"), port);
    co_return co_await sample::run_echo_client(std::move(client), options);
  });
}
