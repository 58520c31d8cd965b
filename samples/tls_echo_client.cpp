// The seed's TCP echo client over TLS (Node: tls.connect(8000, host, {ca}) and a message every
// 3 s), in coronet: the same lines as tcp-echo-client. The server's certificate is verified
// against the system's trust store and --ca, and must name --host; --insecure skips that.
#include <cstdint>
#include <utility>

#include <coronet/tls/connect.hpp>

#include "support/cli.hpp"
#include "support/tls_echo.hpp"
#include "support/tls_flags.hpp"

int main(int argc, char** argv) {
  sample::cli cli("tls-echo-client",
                  "Send a message to a TLS echo server at every interval and print what comes "
                  "back (Node's tls client).");
  cli.option("host", "HOST", "server address (and the name its certificate must have)", "127.0.0.1")
      .option("port", "PORT", "server port", "8000");
  sample::client_tls_flags::declare(cli);
  sample::echo_client_options::declare(cli);
  cli.parse(argc, argv);
  sample::client_tls_flags::check(cli);
  const auto port = static_cast<std::uint16_t>(cli.num("port", 1, 65535));
  const auto options = sample::echo_client_options::from(cli);

  return sample::run_until_signal([&]() -> coronet::task<int> {
    const coronet::tls::context ctx = sample::client_tls_flags::load(cli);
    // "handshake 127.0.0.1:8000: certificate verify failed: self-signed certificate": exit 1.
    coronet::tls::stream client = co_await coronet::tls::connect(cli.str("host"), port, ctx);
    co_return co_await sample::run_echo_client(std::move(client), options);
  });
}
